"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, and can refuse."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Inbox:
    """What the server received, and whether it refuses recipients (550) for now."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: bool = False

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(
    *, user: str | None = None, password: str | None = None
) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1 (with AUTH LOGIN/PLAIN when ``user`` is given)."""
    inbox = Inbox()

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            (user or "").encode(),
            (password or "").encode(),
        )
        return AuthResult(success=ok, handled=False)

    port = free_port()
    extra: dict[str, Any] = (
        {"authenticator": authenticate, "auth_require_tls": False, "auth_required": True}
        if user
        else {}
    )
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **extra)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM files), for the TLS tests; the
    certificate is its own CA (``THERABILL_SMTP_CAFILE``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # fixed dates: OpenSSL checks them on the real clock, the tests run on a frozen one
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextmanager
def tls_smtp_server(folder: Path, *, implicit: bool) -> Iterator[tuple[Inbox, int, Path]]:
    """An SMTP server on 127.0.0.1 speaking TLS from the first byte (``implicit``) or
    requiring STARTTLS; yields the inbox, the port and the certificate to trust."""
    cert_file, key_file = self_signed(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox = Inbox()
    port = free_port()
    controller = (
        _ImplicitTls(inbox, hostname="127.0.0.1", port=port, ssl_context=context, cafile=cert_file)
        if implicit
        else Controller(
            inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
        )
    )
    controller.start()
    try:
        yield inbox, port, cert_file
    finally:
        controller.stop()


class _ImplicitTls(Controller):
    """aiosmtpd's controller checks the server is up with a TLS client that trusts our
    certificate."""

    def __init__(self, *args: Any, cafile: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cafile = cafile

    def _trigger_server(self) -> None:
        client = ssl.create_default_context(cafile=str(self._cafile))
        with (
            socket.create_connection((self.hostname, self.port), timeout=5) as raw,
            client.wrap_socket(raw, server_hostname=self.hostname) as s,
        ):
            s.recv(1024)
