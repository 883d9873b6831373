"""The API app: token authentication, problem+json errors, OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from therabill.errors import TherabillError
from therabill.web.api.errors import FieldsInvalid, RoleMayNot
from therabill.web.api.routes import ROUTERS
from therabill.web.context import WebContext
from therabill.web.deps import Forbidden, LoginRequired, NotFound, PasswordChangePending
from therabill.web.problems import PROBLEM, problem
from therabill.web.routing import NO_TELEMETRY, add_routes


def _invalid(errors: list[tuple[str | None, str]]) -> Response:
    """422 naming the first bad field in ``field`` and every one in ``errors``."""
    field, detail = errors[0]
    body: dict[str, object] = {
        "type": "about:blank",
        "title": "Invalid input",
        "status": 422,
        "detail": f"{field}: {detail}" if field else detail,
        "errors": [{"field": f, "detail": d} for f, d in errors],
    }
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=422, media_type=PROBLEM)


def _pydantic_message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, in the store's words where the store has them (a missing or
    over-long field reads as it does on the pages)."""
    context = error.get("ctx") or {}
    if error.get("type") == "missing":
        return "is required"
    if error.get("type") == "string_too_long" and "max_length" in context:
        return f"is longer than {context['max_length']} characters"
    return str(error.get("msg", "invalid"))


def create_api(ctx: WebContext) -> FastAPI:
    api = FastAPI(
        title="therabill API",
        version="1",
        description="Clients, sessions, claims, scrub, units and remittances. "
        "Authenticate with `Authorization: Bearer tb_…` (create a token with "
        "`therabill user token NAME`).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        telemetry=NO_TELEMETRY,
    )
    api.state.ctx = ctx
    add_routes(api, ROUTERS)

    @api.exception_handler(LoginRequired)
    async def unauthorized(_request: Request, _exc: LoginRequired) -> Response:
        response = problem(401, "Unauthorized", "A valid bearer token is required.")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(PasswordChangePending)
    async def password_pending(_request: Request, _exc: PasswordChangePending) -> Response:
        return problem(
            403,
            "Password change required",
            "This user must choose a new password before the API can be used: log in to the "
            "web app and choose one (the one-time password's tokens do nothing until then).",
        )

    @api.exception_handler(Forbidden)
    async def forbidden(_request: Request, _exc: Forbidden) -> Response:
        return problem(403, "Forbidden", "Your role may not do this.")

    @api.exception_handler(RoleMayNot)
    async def role_may_not(_request: Request, exc: RoleMayNot) -> Response:
        return problem(403, "Forbidden", f"{exc.field}: {exc.detail}", field=exc.field)

    @api.exception_handler(NotFound)
    async def not_found(_request: Request, _exc: NotFound) -> Response:
        return problem(404, "Not found", "No such record.")

    @api.exception_handler(TherabillError)
    async def bad_input(_request: Request, exc: TherabillError) -> Response:
        if isinstance(exc, FieldsInvalid):
            return _invalid([(p.field, p.message) for p in exc.problems])
        return problem(422, "Invalid input", str(exc), field=exc.field)

    @api.exception_handler(Exception)
    async def crashed(request: Request, _exc: Exception) -> Response:
        # Logged (type, place, request id) by the app's SecurityHeaders, where it ends.
        request_id = request.scope.get("state", {}).get("request_id", "")
        return problem(
            500,
            "Internal error",
            f"Something went wrong; it has been logged as request {request_id}.",
        )

    @api.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> Response:
        errors = [
            (
                ".".join(str(p) for p in e.get("loc", ()) if p != "body") or None,
                _pydantic_message(e),
            )
            for e in exc.errors()
        ]
        return _invalid(errors or [(None, "invalid")])

    return api
