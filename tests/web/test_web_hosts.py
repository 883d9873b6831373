"""Two app servers on one PostgreSQL database, as two hosts behind a load balancer would run
them (docs/deployment.md): nothing a request needs is kept in one server's memory. A login
made on one is good on the other, a password changed on the second is the one the first
checks, failed logins counted on one slow down the other, and what one writes the other
reads at once.

Each server has its own data directory (another host's disk); they share only the database
URL and the audit key, as the deployment guide says they must."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from web_helpers import free_port, wait_until_serving

from db_backends import POSTGRES_ENV, postgres_database
from therabill.store import factories, migrate
from therabill.store.services import open_store

pytestmark = [
    pytest.mark.processes,
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} not set"),
]

THERABILL = str(Path(sys.executable).parent / "therabill")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _cli(env: dict[str, str], *args: str) -> dict[str, str]:
    done = subprocess.run(
        [THERABILL, *args, "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, str] = json.loads(done.stdout)
    return answer


@contextmanager
def _server(env: dict[str, str], log: Path) -> Iterator[str]:
    """``therabill serve`` with one worker on a free port; its address once it answers."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [THERABILL, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(base, process, log)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


class Browser:
    """A browser's cookie jar over plain http to 127.0.0.1: the app's cookies are ``Secure``
    (browsers treat loopback as a secure context; httpx's jar does not), so they are kept here
    and sent to whichever host the next request goes to, as a load balancer's browser would."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.http = httpx.Client(follow_redirects=False, timeout=10)

    def request(self, method: str, url: str, **options: object) -> httpx.Response:
        jar = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        answer = self.http.request(method, url, headers={"Cookie": jar}, **options)  # type: ignore[arg-type]
        self.cookies.update(answer.cookies.items())
        return answer

    def get(self, url: str) -> httpx.Response:
        return self.request("GET", url)

    def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        return self.request("POST", url, data=data)

    def close(self) -> None:
        self.http.close()


@contextmanager
def _browser() -> Iterator[Browser]:
    browser = Browser()
    try:
        yield browser
    finally:
        browser.close()


def _log_in(client: Browser, base: str, username: str, password: str) -> httpx.Response:
    page = client.get(base + "/login")
    token = CSRF.search(page.text)
    assert token, page.text
    return client.post(
        base + "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )


@pytest.fixture
def database() -> Iterator[str]:
    yield from postgres_database()


@contextmanager
def _worker(env: dict[str, str], log: Path) -> Iterator[None]:
    """``therabill worker`` (procrastinate's worker on PostgreSQL), stopped with SIGTERM."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [THERABILL, "worker", "--stalled-after", "5"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def test_a_job_asked_on_one_server_is_run_by_the_worker_and_shown_on_the_other(
    database: str, tmp_path: Path
) -> None:
    """The deployment of docs/deployment.md in small: two app servers and a job worker, each
    with a data directory of its own, on one PostgreSQL database. Bea logs in on host one,
    builds claims on host two (a background job), the worker builds them, host one shows the
    result."""
    store = open_store(database)
    migrate.upgrade(store.engine)
    spec = factories.PracticeSpec(
        clients=(factories.client(payer="Acme Health Plan", member_id="M1"),)
    )
    factories.set_up_practice(store, spec)
    with store.transaction(actor="therapist") as work:
        for day in (2, 3):
            factories.add_session(
                work, client="C-1", provider=factories.PT_NPI, day=dt.date(2026, 11, day),
                services={"97110": 38},
            )  # fmt: skip
    store.dispose()
    shared = {
        **os.environ,
        "THERABILL_DATABASE_URL": database,
        "THERABILL_MFA_ROLES": "",
        "THERABILL_USER": "deployer",
    }
    hosts = [{**shared, "THERABILL_HOME": str(tmp_path / f"host-{n}")} for n in (1, 2, 3)]
    password = _cli(hosts[0], "user", "add", "bea", "--role", "biller")["one_time_password"]
    chosen = "lighthouse-harbour-ledger-42"
    with (
        _server(hosts[0], tmp_path / "one.log") as host_one,
        _server(hosts[1], tmp_path / "two.log") as host_two,
        _worker(hosts[2], tmp_path / "worker.log"),
        _browser() as browser,
    ):
        assert _log_in(browser, host_one, "bea", password).status_code == 303
        form = browser.get(host_two + "/password")
        csrf = CSRF.search(form.text)
        assert csrf, form.text
        browser.post(
            host_two + "/password",
            data={"current": password, "password": chosen, "again": chosen,
                  "csrf_token": csrf.group(1)},
        )  # fmt: skip
        assert _log_in(browser, host_one, "bea", chosen).status_code == 303
        csrf = CSRF.search(browser.get(host_two + "/claims").text)
        assert csrf
        asked = browser.post(host_two + "/claims/build", data={"csrf_token": csrf.group(1)})
        assert asked.status_code == 303 and asked.headers["location"].startswith("/jobs/")
        job = asked.headers["location"]
        deadline = time.monotonic() + 20
        status = ""
        while time.monotonic() < deadline:
            status = browser.get(host_one + job + "/status").text
            if 'id="job-state">done<' in status or 'id="job-state">failed<' in status:
                break
            time.sleep(0.2)
        assert 'id="job-state">done<' in status, (tmp_path / "worker.log").read_text()
        page = browser.get(host_one + job).text
        assert "Built 2 claims (" in page and "from 2 sessions." in page
        assert job in browser.get(host_one + "/jobs").text


def test_two_servers_share_nothing_but_the_database(database: str, tmp_path: Path) -> None:
    shared = {
        **os.environ,
        "THERABILL_DATABASE_URL": database,
        "THERABILL_MFA_ROLES": "",  # the second factor has tests of its own
        "THERABILL_USER": "deployer",
    }
    one = {**shared, "THERABILL_HOME": str(tmp_path / "host-one")}
    two = {**shared, "THERABILL_HOME": str(tmp_path / "host-two")}
    _cli(one, "init", "--name", "Harbour Therapy", "--npi", "1234567893")
    first_password = _cli(one, "user", "add", "bea", "--role", "biller")["one_time_password"]
    new_password = "lighthouse-harbour-ledger-42"
    with (
        _server(one, tmp_path / "one.log") as host_one,
        _server(two, tmp_path / "two.log") as host_two,
        _browser() as browser,
    ):
        # A login made on host one is the session host two finds: it sends her to choose
        # her own password, as host one would.
        assert _log_in(browser, host_one, "bea", first_password).status_code == 303
        on_two = browser.get(host_two + "/")
        assert on_two.status_code == 303 and on_two.headers["location"] == "/password"
        form = browser.get(host_two + "/password")
        csrf = CSRF.search(form.text)
        assert csrf, form.text
        changed = browser.post(
            host_two + "/password",
            data={
                "current": first_password,
                "password": new_password,
                "again": new_password,
                "csrf_token": csrf.group(1),
            },
        )
        assert changed.status_code == 303, changed.text
        assert browser.get(host_one + "/").status_code == 200  # the dashboard, on host one

        # The password host two set is the one host one checks.
        with _browser() as other:
            assert _log_in(other, host_one, "bea", first_password).status_code == 401
            assert _log_in(other, host_one, "bea", new_password).status_code == 303

        # Failed logins counted on one host make the other wait too.
        with _browser() as guesser:
            codes = [
                _log_in(guesser, (host_one, host_two)[i % 2], "bea", f"guess-{i}").status_code
                for i in range(6)
            ]
        assert codes[0] == 401 and 429 in codes, codes

        # What one host writes, the other reads at once (a token made after the password
        # change: changing a password ends her sessions and tokens).
        token = _cli(two, "user", "token", "bea", "--name", "hosts-test")["token"]
        api = {"Authorization": f"Bearer {token}"}
        made = httpx.post(
            host_two + "/api/v1/clients",
            headers=api,
            json={"first_name": "Ida", "last_name": "Hosts", "birth_date": "1961-02-03"},
            timeout=10,
        )
        assert made.status_code == 201, made.text
        client_id = made.json()["data"]["id"]
        seen = httpx.get(f"{host_one}/api/v1/clients/{client_id}", headers=api, timeout=10)
        assert seen.status_code == 200 and "Hosts" in seen.json()["data"]["name"]
    # Neither host wrote anything of the practice's to its own disk.
    for host in ("host-one", "host-two"):
        assert not list((tmp_path / host).rglob("*.sqlite3"))
