"""Errors as RFC 9457 problem details (application/problem+json), naming the field."""

from __future__ import annotations

import logging
import traceback

from fastapi.responses import JSONResponse

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, *, field: str | None = None) -> JSONResponse:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def log_failure(log: logging.Logger, exc: BaseException, *, request_id: str = "") -> None:
    """Log an unexpected error by type, place and request id only: an exception's message
    can carry client data (SQLAlchemy puts the statement's parameters in it), so neither it
    nor a traceback (which repeats it, and its causes') is logged."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "therabill" in f.filename] or frames
    where = f"{ours[-1].filename.rsplit('/', 1)[-1]}:{ours[-1].lineno}" if ours else "?"
    log.error("unexpected %s at %s request %s", type(exc).__name__, where, request_id or "-")
