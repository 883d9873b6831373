"""The event loop never waits on the database or a password hash: every route is a plain
``def`` (FastAPI runs it in its threadpool), only reading the request body is async, and a
page answers while a large 835 is being posted by the same worker."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from test_web_roles import API, PAGES, Route, _fill
from web_helpers import PASSWORD, Practice, api_token, csrf_of, login, run_jobs

from therabill.store.services import remittance_intake
from therabill.web import routes as page_routes
from therabill.web.api import routes as api_routes
from therabill.web.app import create_app
from therabill.web.context import WebSettings
from therabill.x12.remittance_835.builder import AdjudicatedClaim, paid_line, write_835

LINE = paid_line("97110", 4500, day=dt.date(2026, 11, 2), modifiers=["GP"], copay=1000)


def _835(claims: list[str], trace: str) -> bytes:
    """A balanced 835 paying one 97110 line on each of ``claims`` (claim numbers)."""
    found = [AdjudicatedClaim(number, "1", [LINE]) for number in claims]
    return write_835(found, trace=trace, payer="MEDICARE PART B", payer_id="MCR01").encode()


def _on_the_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def on_the_loop(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What ran on the event loop that must not: SQL statements (every engine) and argon2
    hashing or verification."""
    found: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        if _on_the_event_loop():
            found.append(sql.split("\n")[0][:80])

    def guarded(name: str) -> Callable[..., Any]:
        original = getattr(PasswordHasher, name)

        def call(self: PasswordHasher, *args: Any, **kwargs: Any) -> Any:
            if _on_the_event_loop():
                found.append(f"argon2 {name}")
            return original(self, *args, **kwargs)

        return call

    monkeypatch.setattr(PasswordHasher, "hash", guarded("hash"))
    monkeypatch.setattr(PasswordHasher, "verify", guarded("verify"))
    event.listen(Engine, "before_cursor_execute", statement)
    try:
        yield found
    finally:
        event.remove(Engine, "before_cursor_execute", statement)


def test_every_route_is_a_plain_def() -> None:
    routes = [
        route
        for router in [*page_routes.ROUTERS, *api_routes.ROUTERS]
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    assert len(routes) == len(PAGES) + len(API) + 2  # + GET and POST /login
    assert [r.path for r in routes if inspect.iscoroutinefunction(r.endpoint)] == []


def _sweep(web: TestClient, practice: Practice, routes: list[Route], prefix: str = "") -> None:
    token = csrf_of(web.get("/password").text) if not prefix else ""
    for route in sorted(routes, key=lambda r: r.template == "/logout"):
        path = prefix + _fill(route.template, practice, own_for="ana")
        answer = web.request(
            route.method,
            path,
            data={"csrf_token": token} if route.method == "POST" and not prefix else None,
            json={} if prefix and route.method in ("POST", "PATCH") else None,
            follow_redirects=False,
        )
        assert answer.status_code < 500, (route, answer.text)


def test_no_page_or_api_call_queries_the_database_or_hashes_on_the_event_loop(
    web: TestClient, practice: Practice, on_the_loop: list[str]
) -> None:
    """Every route tried by an admin (logging in verifies a password; adding a user and
    changing one's password hash one), claims built, an 835 posted on the page and the API."""
    login(web, "root")
    _sweep(web, practice, PAGES)
    login(web, "root")
    token = csrf_of(web.get("/password").text)
    added = web.post(
        "/admin/users", data={"csrf_token": token, "username": "dee", "role": "biller"}
    )
    assert added.status_code == 200 and "dee" in added.text
    built = web.post("/claims/build", data={"csrf_token": token}, follow_redirects=False)
    assert built.status_code == 303
    era = _835(["TB00000001"], "EFT-LOOP")
    queued = web.post(
        "/remittances",
        data={"csrf_token": token},
        files={"file": ("loop.835", era, "application/edi-x12")},
        follow_redirects=False,
    )
    assert run_jobs(practice)  # the builds and the posting, as a worker runs them
    posted = web.get(queued.headers["location"])
    assert posted.status_code == 200 and 'id="remittance-outcome">posted<' in posted.text
    changed = web.post(
        "/password",
        data={"csrf_token": token, "password": "a new long password", "again": "x"},
    )
    assert changed.status_code == 422
    web.headers["Authorization"] = f"Bearer {api_token(practice, 'root')}"
    _sweep(web, practice, API, prefix="/api/v1")
    assert on_the_loop == []


class _Server(uvicorn.Server):
    """uvicorn in a thread of this process: one worker, one event loop."""

    def install_signal_handlers(self) -> None:  # not the main thread
        pass


@pytest.fixture
def served(practice: Practice) -> Iterator[str]:
    app = create_app(
        practice.url, settings=WebSettings(secure_cookies=False, mfa_roles=frozenset())
    )
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.05)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(60)
        app.state.ctx.store.dispose()


def test_pages_answer_while_a_large_835_is_posted_by_the_same_worker(
    served: str, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10,000 claims in one 835 (none of them ours: each becomes an exception to resolve)
    posted through the API; meanwhile the login page and a logged-in page answer. The API
    posts on SQLite in parts (``posting_steps``, through the post-835 job's code), on
    PostgreSQL in one transaction (``post_read``): either is watched for its start and end."""
    started, finished = threading.Event(), threading.Event()
    post_read, posting_steps = remittance_intake.post_read, remittance_intake.posting_steps

    def timed(**kwargs: Any) -> Any:
        started.set()
        try:
            return post_read(**kwargs)
        finally:
            finished.set()

    def timed_steps(**kwargs: Any) -> Generator[Any, Any, Any]:
        started.set()
        try:
            return (yield from posting_steps(**kwargs))
        finally:
            finished.set()

    monkeypatch.setattr(remittance_intake, "post_read", timed)
    monkeypatch.setattr(remittance_intake, "posting_steps", timed_steps)
    big = _835([f"TB{90_000_000 + n:08d}" for n in range(10_000)], "EFT-LARGE")
    browser = httpx.Client(base_url=served, timeout=300)
    page = browser.get("/login")
    browser.post(
        "/login",
        data={"username": "bill", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    bearer = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    answers: list[httpx.Response] = []

    def post() -> None:
        answers.append(
            httpx.post(
                served + "/api/v1/remittances",
                content=big,
                headers=bearer,
                timeout=300,
            )
        )

    posting = threading.Thread(target=post)
    posting.start()
    assert started.wait(300), "the posting never started"
    login_page = browser.get("/login")
    login_page_during = not finished.is_set()
    code_page = browser.get("/codes/97110")
    code_page_during = not finished.is_set()
    posting.join(300)
    browser.close()
    assert login_page.status_code == 200 and "Log in" in login_page.text
    assert code_page.status_code == 200 and "97110" in code_page.text
    (posted,) = answers
    assert posted.status_code == 200, posted.text
    assert posted.json()["outcome"] == "posted"
    answer = posted.json()["posting"]
    # on SQLite, posted in parts: the first 500 listed, the rest counted (all are stored)
    assert len(answer["exceptions"]) + answer["more"].get("exceptions", 0) == 10_000
    assert (login_page_during, code_page_during) == (True, True)
