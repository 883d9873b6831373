"""The application factory: ``create_app(database_url)`` → a FastAPI app.

Security that applies to every response lives here: the headers (a Content-Security-Policy
that allows no inline script and nothing from another origin, no framing, no MIME sniffing,
no referrer), ``Cache-Control: no-store`` on pages with client data, the request body
limits, a request id on every response and log line, and the mapping of our exceptions to a
login redirect, 403, 404 or problem+json. An unexpected error is logged by its type, place
and request id only, never its message or traceback text, and never reaches the server's
own log (uvicorn would print the whole traceback, and SQLAlchemy's messages carry the
statement's parameters: client data).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from therabill.errors import TherabillError
from therabill.identifiers import icd10cm
from therabill.store.engine import is_sqlite
from therabill.store.services import Store, jobs, open_store, reports
from therabill.web import api, routes
from therabill.web.context import HERE, WebContext, WebSettings, make_templates
from therabill.web.deps import (
    SESSION_COOKIE,
    CsrfFailed,
    Forbidden,
    LoginRequired,
    MfaEnrolmentRequired,
    NotFound,
    PasswordChangeRequired,
    PracticeChoiceRequired,
    SecondFactorRequired,
    page_account,
)
from therabill.web.limits import LimitBodies
from therabill.web.problems import PROBLEM, log_failure, problem
from therabill.web.render import render
from therabill.web.routing import NO_TELEMETRY, add_routes

log = logging.getLogger("therabill.web")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def create_app(database_url: str | None = None, *, settings: WebSettings | None = None) -> FastAPI:
    """The web app on ``database_url`` (default: ``THERABILL_DATABASE_URL`` or the file)."""
    store = open_store(database_url)
    store.require_initialised()  # a clear "run therabill init" rather than a 500 per page
    icd10cm.preload()  # about two seconds, here rather than in the first session form's request
    app = FastAPI(
        title="therabill",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=_job_lifespan(store),
        telemetry=NO_TELEMETRY,
    )
    settings = settings or WebSettings.from_env()
    ctx = WebContext(store=store, settings=settings, templates=make_templates())
    app.state.ctx = ctx
    # The API first: its requests are matched against one prefix, not every page route.
    app.mount("/api/v1", api.create_api(ctx))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # Browsers ask for /favicon.ico on any page without a <link rel="icon"> (a text file,
    # a PDF): the pages' own icon, not a 404 in the log and the console.
    app.add_api_route(
        "/favicon.ico",
        lambda: RedirectResponse("/static/favicon.svg", status_code=301),
        include_in_schema=False,
    )
    add_routes(app, routes.ROUTERS)
    _add_handlers(app)

    app.add_middleware(LimitBodies, limits=settings.limits)
    app.add_middleware(SecurityHeaders)  # outermost: its headers go on the 413 too
    return app


SUM_AT_START_ENV = "THERABILL_SUM_AT_START"  # set by ``therabill serve``


def _sum_at_start(store: Store) -> None:
    """The dashboard's money figures of every practice, summed as the worker starts (a
    background thread: the worker answers meanwhile, and a dashboard that comes before the
    sum is done waits for this same sum, see ``caches.Stamped.get_or_refresh``)."""
    try:
        reports.sum_at_start(store)
    except Exception as exc:  # the first dashboard sums them instead
        log_failure(log, exc, request_id="start-up")


def _job_lifespan(
    store: Store,
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """``therabill serve`` on SQLite: this process runs background jobs in a thread (on
    PostgreSQL a ``therabill worker`` runs them); at shutdown, the thread stops and the
    queue's connection pool closes."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = None
        if os.environ.get(jobs.THREAD_ENV) == "1" and is_sqlite(store.engine):
            stop = jobs.start_thread(store)
        if os.environ.get(SUM_AT_START_ENV) == "1":
            threading.Thread(target=_sum_at_start, args=(store,), daemon=True).start()
        try:
            yield
        finally:
            if stop is not None:
                await run_in_threadpool(stop)
            queue = sys.modules.get("therabill.store.services.job_queue")
            if queue is not None:
                queue.close_apps()

    return lifespan


# Request ids name a request in the log and on its error page: they need to differ, not to be
# secret, so they come from a generator seeded once from the system's (``secrets`` asks the
# kernel each time: a system call that lets the worker threads take the GIL from the loop).
_REQUEST_IDS = random.Random()


class SecurityHeaders:
    """The security headers, ``Cache-Control`` and ``X-Request-ID`` on every response, and
    one log line per request with the path only: query strings never reach the log (they
    could hold a search term). An exception that escapes the app ends here: logged without
    its message, answered 500, not raised on to the server. Plain ASGI: Starlette's
    ``BaseHTTPMiddleware`` costs an extra task and a body stream per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        status = 0
        request_id = f"{_REQUEST_IDS.getrandbits(48):012x}"
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers["X-Request-ID"] = request_id
                if not path.startswith("/static/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            log_failure(log, exc, request_id=request_id)
            if not status:
                await _crash_response(scope, request_id)(scope, receive, send_with_headers)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s %s %s %.1fms %s",
                scope["method"],
                path,
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )


def _crash_response(scope: Scope, request_id: str) -> Response:
    """The 500 an unexpected error gets: problem+json on the API, the error page elsewhere,
    each naming the request id a user can quote."""
    message = f"Something went wrong; it has been logged as request {request_id}."
    if scope["path"].startswith("/api/"):
        return JSONResponse(
            {"type": "about:blank", "title": "Internal error", "status": 500, "detail": message},
            status_code=500,
            media_type=PROBLEM,
        )
    return _error_page(Request(scope), 500, message)


def _add_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change(request: Request, _exc: PasswordChangeRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=403, headers={"HX-Redirect": "/password"})
        return RedirectResponse("/password", status_code=303)

    @app.exception_handler(SecondFactorRequired)
    async def second_factor(request: Request, _exc: SecondFactorRequired) -> Response:
        return _redirect(request, "/login/code")

    @app.exception_handler(PracticeChoiceRequired)
    async def practice_choice(request: Request, _exc: PracticeChoiceRequired) -> Response:
        return _redirect(request, "/practice")

    @app.exception_handler(MfaEnrolmentRequired)
    async def enrol(request: Request, _exc: MfaEnrolmentRequired) -> Response:
        return _redirect(request, "/account/mfa")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _exc: Forbidden) -> Response:
        return _error_page(request, 403, "Your role cannot open this page.")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, _exc: NotFound) -> Response:
        return _error_page(request, 404, "Not found.")

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _exc: CsrfFailed) -> Response:
        return _error_page(
            request, 403, "The form was stale or came from elsewhere. Reload the page and retry."
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """An address no page answers (404), or a method it does not take: the error page
        with the menu for a logged-in user. An API address the API's mount does not take
        (its path holds a line break) gets problem+json, as every API answer does."""
        if request.url.path.startswith("/api/"):
            title = "Not found" if exc.status_code == 404 else "Not allowed"
            return problem(exc.status_code, title, "No such API address or method.")
        await _identify(request)
        message = (
            "There is no page at this address."
            if exc.status_code == 404
            else "This page cannot do that."
        )
        return _error_page(request, exc.status_code, message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def unreadable(request: Request, exc: RequestValidationError) -> Response:
        """A page address with a part it cannot read: ``/claims/abc`` is not found (404),
        ``?page=0`` a value the page cannot take (422)."""
        await _identify(request)
        if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
            return _error_page(request, 404, "There is no page at this address.")
        return _error_page(request, 422, "The address asks for something this page cannot show.")

    @app.exception_handler(TherabillError)
    async def bad_input(request: Request, exc: TherabillError) -> Response:
        return problem(422, "Invalid input", str(exc), field=exc.field)


async def _identify(request: Request) -> None:
    """Who is asking, for the menu of an error page no route dependency answered."""
    if getattr(request.state, "account", None) is None and request.cookies.get(SESSION_COOKIE):
        with contextlib.suppress(Exception):  # not logged in (or half): no menu, that is all
            await run_in_threadpool(page_account, request)


def _redirect(request: Request, target: str) -> Response:
    """A redirect a browser follows, or HTMX's own for a partial request."""
    if request.headers.get("hx-request"):
        return Response(status_code=403, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


TITLES = {
    403: "Not allowed",
    404: "Not found",
    422: "Cannot show that",
    500: "Something went wrong",
}


def _error_page(
    request: Request,
    status: int,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    **more: object,
) -> Response:
    """The error in the app's own frame: the menu stays, so the way on is one click."""
    response = render(
        request,
        "error.html",
        {"status": status, "title": TITLES.get(status, "Error"), "message": message, **more},
        status=status,
    )
    response.headers.update(headers or {})
    return response
