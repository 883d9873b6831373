"""Web test helpers: a small practice (two therapists, a biller, an admin, clients of each
therapist) on a fresh SQLite file, and a logged-in client per role."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select

from clock import TODAY
from therabill.store import factories
from therabill.store.services import Store, open_store, users
from therabill.store.services.sessions import ServiceMinutes, add_session

PASSWORD = "correct horse battery"
# Real NPIs' shape: ten digits passing the Luhn check over 80840 (CMS NPI check-digit rule).
NPI_ANA, NPI_BEN = "1234567893", "1245319599"


@dataclass(frozen=True)
class Practice:
    url: str
    store: Store
    ana_client: int  # a client only Ana (therapist) has seen
    ben_client: int  # a client only Ben (therapist) has seen
    ana_session: int
    ben_session: int
    ana_provider: int
    ben_provider: int


SPRINGFIELD = factories.PracticeSpec(
    name="Test practice",
    address=("1 Harbour Way", "Springfield", "IL", "627011234"),
    payers=(
        factories.PayerSpec("COMMERCIAL", "Acme Health", "ACME1"),
        factories.PayerSpec("MEDICARE", "Medicare Part B", "MCR01"),
    ),
    providers=(
        factories.ProviderSpec(NPI_ANA, "Ana", "Alves", "pt"),
        factories.ProviderSpec(NPI_BEN, "Ben", "Brook", "massage"),
    ),
    # The practice's charge per unit (its charge master), in cents.
    fees={"97110": 4500, "97112": 4800, "97124": 3800, "97140": 4200},
    clients=(
        factories.client(
            "C-1",
            "Carla",
            "Cruz",
            birth_date=dt.date(1980, 5, 1),
            payer="Medicare Part B",
            member_id="1EG4TE5MK73",
            address=("2 Elm Street", "Springfield", "IL", "62702"),
        ),
        factories.client(
            "C-2",
            "Dan",
            "Dale",
            birth_date=dt.date(1975, 2, 3),
            sex="M",
            payer="Acme Health",
            member_id="ACM123",
            address=("3 Oak Road", "Springfield", "IL", "62703"),
        ),
    ),
)


def build_practice(url: str) -> Practice:
    store = open_store(url)
    built = factories.set_up_practice(store, SPRINGFIELD, actor="fixture")
    (ana, ben), (c1, c2) = built.providers, built.clients
    with store.transaction(actor="fixture") as work:
        s1, _ = add_session(
            work=work,
            client=c1,
            provider=ana,
            day=TODAY,
            services=[ServiceMinutes("97110", 23, ("GP",)), ServiceMinutes("97112", 24, ("GP",))],
            start=dt.time(9, 0),
            end=dt.time(9, 50),
            techniques=["therapeutic exercise", "balance training"],
            diagnoses=["M5450"],
        )
        s2, _ = add_session(
            work=work,
            client=c2,
            provider=ben,
            day=TODAY,
            services=[ServiceMinutes("97124", 38)],
            start=dt.time(10, 0),
            end=dt.time(10, 40),
            techniques=["effleurage", "petrissage"],
            diagnoses=["M62830"],
        )
        for name, role, provider in (
            ("ana", users.Role.THERAPIST, ana),
            ("ben", users.Role.THERAPIST, ben),
            ("bill", users.Role.BILLER, None),
            ("root", users.Role.ADMIN, None),
        ):
            users.create_user(
                work, username=name, role=role, password=PASSWORD, provider_id=provider
            )
        return Practice(url, store, c1, c2, s1.id, s2.id, ana, ben)


# A new client's details, valid everywhere: the page's form and the API both take them.
EXAMPLE_CLIENT: dict[str, str] = {
    "first_name": "Eve",
    "last_name": "Evans",
    "birth_date": "1990-06-15",
    "sex": "F",
    "address": "4 Pine Lane",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62704",
    "phone": "217-555-0100",
    "email": "eve@example.org",
    "chart_number": "C-9",
}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


ROLES = ("ana", "bill", "root")


def api_token(practice: Practice, username: str) -> str:
    """An API token for ``username`` (as ``therabill user token`` makes one)."""

    from therabill.store.models import User
    from therabill.store.services.api_tokens import issue_token

    with practice.store.transaction(actor="fixture") as work:
        user_id = work.db.execute(select(User.id).where(User.username == username)).scalar_one()
        return issue_token(work, user_id=user_id, name="tests")


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """The SQL statements every engine of this process sends inside the block, in order: a
    bound on a page's work that a slow machine cannot make flaky, as a timing would be."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def screenshots_wanted() -> bool:
    """``THERABILL_SCREENSHOTS=1``: the browser tests write their screenshots (the README's
    pictures in docs/images/, each step's in test-artifacts/web/); otherwise they write none."""
    return os.environ.get("THERABILL_SCREENSHOTS", "") not in ("", "0")


def free_port() -> int:
    """A loopback port nothing listens on now, for a ``therabill serve`` of a test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_serving(base: str, process: subprocess.Popen[Any], log: Path) -> None:
    """Wait for a started ``therabill serve`` to answer its login page (two minutes at most);
    if the process ends first, fail with what it wrote."""
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.2)


def run_jobs(practice: Practice | Store) -> list[int]:
    """Run the background jobs waiting, as ``therabill worker --once`` does (the same
    :func:`jobs.run_job`, in this process): the ids of those it ran."""
    from therabill.store.services import jobs

    store = practice.store if isinstance(practice, Practice) else practice
    ran: list[int] = []
    while (job_id := jobs.next_job(store)) is not None and job_id not in ran:
        jobs.run_job(store, job_id, worker="test-worker")
        ran.append(job_id)
    return ran


def post_and_follow(web: TestClient, url: str, data: dict[str, Any]) -> httpx.Response:
    """POST a form; when it answers with a job's page, run the job (as a worker would) and
    open that page: what a browser shows once the job has ended."""
    answer = web.post(url, data=data, follow_redirects=False)
    location = answer.headers.get("location", "")
    if answer.status_code == 303 and location.startswith("/jobs/"):
        run_jobs(web.app.state.ctx.store)  # type: ignore[attr-defined]
    return web.get(location) if answer.status_code == 303 else answer
