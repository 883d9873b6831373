"""Sending email through the practice's SMTP server, named by ``THERABILL_SMTP_URL``:

- ``smtp://host:25`` — plain SMTP (a relay on the practice's own network);
- ``smtp://user:pass@host:587?starttls=true`` — SMTP upgraded with STARTTLS (submission);
- ``smtps://user:pass@host:465`` — SMTP over TLS from the first byte (implicit TLS).

User and password are percent-decoded (``%40`` for an ``@`` in a user name). TLS checks the
server's certificate against the system's CAs (``ssl.create_default_context``).
``THERABILL_SMTP_CAFILE`` adds a CA file (a practice's own relay). Python's ``smtplib``
speaks SMTP (RFC 5321); a message refused or a server that goes away is reported per
message, never raised out of a run.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from therabill.errors import InvalidInput

ENV = "THERABILL_SMTP_URL"
TIMEOUT = 20.0
Security = Literal["plain", "starttls", "tls"]
_YES = {"1", "true", "yes", "on"}
_NO = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    user: str | None = None
    password: str | None = None

    def describe(self) -> str:
        """Where mail goes, without the password (for messages and logs)."""
        who = f"{self.user}@" if self.user else ""
        return f"{self.security} SMTP {who}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpConfig:
    """``THERABILL_SMTP_URL`` → settings; a bad URL names what is wrong (never the password)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port_given = parts.port
    except ValueError:
        raise InvalidInput("the port is not a number from 1 to 65535", field=ENV) from None
    if parts.scheme not in ("smtp", "smtps"):
        raise InvalidInput(
            f"starts with smtp:// or smtps://, not {parts.scheme or '(nothing)'}://", field=ENV
        )
    if not parts.hostname:
        raise InvalidInput("names no host, e.g. smtp://mail.example.com:587", field=ENV)
    if parts.path not in ("", "/") or parts.fragment:
        raise InvalidInput("has a path; give smtp://user:pass@host:port only", field=ENV)
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"starttls"}
    if unknown:
        raise InvalidInput(f"unknown option {sorted(unknown)[0]!r} (only starttls)", field=ENV)
    starttls = False
    if "starttls" in query:
        value = query["starttls"][-1].lower()
        if value not in _YES | _NO:
            raise InvalidInput(f"starttls={value!r} is not true or false", field=ENV)
        starttls = value in _YES
    if parts.scheme == "smtps" and starttls:
        raise InvalidInput("smtps:// is TLS already; starttls is for smtp://", field=ENV)
    security: Security = "tls" if parts.scheme == "smtps" else "starttls" if starttls else "plain"
    if parts.password is not None and not parts.username:
        raise InvalidInput("has a password but no user", field=ENV)
    default_port = 465 if security == "tls" else 587 if security == "starttls" else 25
    return SmtpConfig(
        host=parts.hostname,
        port=port_given or default_port,
        security=security,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def configured() -> SmtpConfig:
    """The SMTP server from the environment; a clear error when none is set."""
    url = os.environ.get(ENV, "").strip()
    if not url:
        raise InvalidInput(
            "is not set: give the practice's mail server, e.g. "
            "smtp://user:pass@mail.example.com:587?starttls=true",
            field=ENV,
        )
    return parse_smtp_url(url)


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    cafile = os.environ.get("THERABILL_SMTP_CAFILE", "").strip()
    if cafile:
        context.load_verify_locations(cafile=cafile)
    return context


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    server: smtplib.SMTP
    if config.security == "tls":
        server = smtplib.SMTP_SSL(config.host, config.port, timeout=TIMEOUT, context=_tls())
    else:
        server = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT)
    try:
        server.ehlo()
        if config.security == "starttls":
            server.starttls(context=_tls())
            server.ehlo()
        if config.user:
            server.login(config.user, config.password or "")
    except BaseException:
        server.close()
        raise
    return server


def why(exc: BaseException) -> str:
    """A one-line reason a message was not sent, for the run's report (no password)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = {code for code, _ in exc.recipients.values()}
        return f"the server refused the address (SMTP {', '.join(map(str, sorted(codes)))})"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"the server refused the sender (SMTP {exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"the server did not accept the user and password (SMTP {exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server refused the message (SMTP {exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or 'handshake'})"
    if isinstance(exc, OSError):
        return f"could not reach the server ({exc.strerror or type(exc).__name__})"
    return f"{type(exc).__name__}"


class Outbox:
    """One connection for a run: ``send`` returns None when the server accepted the
    message, else why not. After the server goes away, the next send connects again once;
    when that fails too, every later message fails with the same reason, quickly."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._server: smtplib.SMTP | None = None
        self._down: str | None = None

    def send(self, message: EmailMessage) -> str | None:
        if self._down is not None:
            return self._down
        try:
            if self._server is None:
                self._server = _connect(self.config)
        except (OSError, smtplib.SMTPException) as exc:
            self._down = why(exc)
            return self._down
        try:
            refused = self._server.send_message(message)
        except smtplib.SMTPServerDisconnected as exc:
            self._server = None
            return why(exc)
        except (smtplib.SMTPException, OSError) as exc:
            if isinstance(exc, OSError):
                self._drop()
            return why(exc)
        if refused:  # some recipients refused: ours is the only one
            return why(smtplib.SMTPRecipientsRefused(refused))
        return None

    def _drop(self) -> None:
        if self._server is not None:
            try:
                self._server.close()
            finally:
                self._server = None

    def close(self) -> None:
        if self._server is not None:
            with suppress(smtplib.SMTPException, OSError):
                self._server.quit()
            self._drop()


@contextmanager
def outbox(config: SmtpConfig) -> Iterator[Outbox]:
    box = Outbox(config)
    try:
        yield box
    finally:
        box.close()
