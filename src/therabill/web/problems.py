"""Errors as RFC 9457 problem details (application/problem+json), naming the field."""

from __future__ import annotations

from fastapi.responses import JSONResponse

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, *, field: str | None = None) -> JSONResponse:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, media_type=PROBLEM)
