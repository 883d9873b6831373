"""Request body limits, enforced before the app reads a byte of the body.

Each route kind has its own limit (``BodyLimits``): file uploads (an 835 on the page or the
API), forms, and everything else (JSON). A request that says it is larger (Content-Length)
is answered 413 at once; one that does not say, or says less and sends more, is counted as
it streams, and answered 413 the moment it passes the limit. Either way the multipart parser,
the CSRF check and the route never see more than the limit, so no logged-in user can fill
the disk or the worker's memory (OWASP ASVS 5.0 V5.2.1, "the application will only accept
files of a size which it can process without causing a loss of performance").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from therabill import settings

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """Largest request body per route kind, in bytes. ``upload_paths``: the routes that take
    a file; every other route gets ``form`` for a form and ``json`` for anything else."""

    # an 835: the largest one accepted (THERABILL_MAX_835_MB) and room for the form around it
    upload: int = field(default_factory=lambda: settings.max_835_bytes() + MIB)
    form: int = 1 * MIB
    json: int = 1 * MIB
    upload_paths: frozenset[str] = frozenset({"/remittances", "/api/v1/remittances"})

    def for_request(self, path: str, content_type: str) -> tuple[int, str]:
        """The limit for a request and what it is called in the 413 message."""
        if path.rstrip("/") in self.upload_paths:
            return self.upload, "an uploaded file"
        if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            return self.form, "a form"
        return self.json, "a request body"


def _mib(size: int) -> str:
    return f"{size / MIB:g} MB" if size >= MIB else f"{size // 1024} KB"


class LimitBodies:
    """Plain ASGI middleware applying ``BodyLimits`` to every HTTP request."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit, kind = self.limits.for_request(scope["path"], content_type)
        declared = headers.get(b"content-length", b"")
        if declared:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = False  # the server refuses a malformed length itself
            if too_large:
                await _refuse(send, scope["path"], kind, limit)
                return
        received = 0
        refused = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _refuse(send, scope["path"], kind, limit)
                    # The app sees the client gone: it stops reading, and what it answers
                    # is dropped below (the 413 went first).
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise


async def _refuse(send: Send, path: str, kind: str, limit: int) -> None:
    """413: problem+json for the API, a short page for a browser."""
    detail = f"{kind.capitalize()} may be at most {_mib(limit)}; this one is larger."
    if path.startswith("/api/"):
        media = b"application/problem+json"
        body = json.dumps(
            {"type": "about:blank", "title": "Request too large", "status": 413, "detail": detail}
        ).encode()
    else:
        media = b"text/html; charset=utf-8"
        body = (
            "<!doctype html><title>Request too large</title><h1>Request too large</h1>"
            f"<p>{detail} Go back and send a smaller one.</p>"
        ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", media),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
