"""The API app: token authentication, problem+json errors, OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError

from therabill.errors import TherabillError
from therabill.web.api.routes import ROUTERS
from therabill.web.context import WebContext
from therabill.web.deps import Forbidden, LoginRequired, NotFound
from therabill.web.problems import log_failure, problem

log = logging.getLogger("therabill.web.api")


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
    )
    api.state.ctx = ctx
    for router in ROUTERS:
        api.include_router(router)

    @api.exception_handler(LoginRequired)
    async def unauthorised(_request: Request, _exc: LoginRequired) -> Response:
        response = problem(401, "Unauthorised", "A valid bearer token is required.")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Forbidden)
    async def forbidden(_request: Request, _exc: Forbidden) -> Response:
        return problem(403, "Forbidden", "Your role may not do this.")

    @api.exception_handler(NotFound)
    async def not_found(_request: Request, _exc: NotFound) -> Response:
        return problem(404, "Not found", "No such record.")

    @api.exception_handler(TherabillError)
    async def bad_input(_request: Request, exc: TherabillError) -> Response:
        return problem(422, "Invalid input", str(exc), field=exc.field)

    @api.exception_handler(Exception)
    async def crashed(_request: Request, exc: Exception) -> Response:
        log_failure(log, exc)
        return problem(500, "Internal error", "Something went wrong; it has been logged.")

    @api.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return problem(422, "Invalid input", str(first.get("msg", "invalid")), field=where or None)

    return api
