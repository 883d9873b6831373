"""The web app under load, on loopback: the dashboard, the session form's live-units endpoint
and the API's scrub endpoint, each with 50 concurrent users, on the large practice.

The practice is loaded as ``bench.store`` loads it (10,000 clients, 500,000 sessions with
their claims and ledger; ``--quick``: 200 and 5,000). The app runs in its own process
(``uvicorn``, one worker, the way ``therabill serve`` runs it); the load comes from this
process through httpx with 50 concurrent clients, a bounded number of requests per
endpoint. ``GET /login`` (a page with no database work) is measured in the same run as the
floor of the stack (uvicorn, FastAPI, Jinja2, the security middleware).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.store import FULL, PLANS, QUICK, _discipline_of, _import_clients, _load_sessions, _set_up
from therabill.store import migrate
from therabill.store.services import open_store

TITLE = "Web app under load"
USERS = 50
REQUESTS = {True: 300, False: 3_000}  # per endpoint (quick, full)
TARGET_P95_MS = 100.0


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _login_user(url: str) -> tuple[str, str, str]:
    """A biller login (session cookie + its CSRF token) and an API token, made directly."""
    from therabill.web import accounts, sessions

    store = open_store(url)
    with store.transaction(actor="bench") as work:
        user = accounts.create_user(
            work, username="bench", role=accounts.Role.BILLER, password="bench password 1"
        )
        token = sessions.issue_token(work.db.connection(), user.id, "bench")
        user_id = user.id
    secret, found = sessions.start_session(store.engine, user_id)
    store.dispose()
    return secret, found.csrf_token, token


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def _load(
    base: str, make: Any, total: int, headers: dict[str, str]
) -> tuple[list[float], float, int]:
    """``total`` requests from ``USERS`` concurrent clients; latencies (ms), seconds, errors."""
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=USERS, max_keepalive_connections=USERS)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as http:

        async def user() -> None:
            nonlocal errors
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                method, path, kwargs = make(i)
                started = time.perf_counter()
                response = await http.request(method, path, **kwargs)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code >= 400:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(USERS)))
        return latencies, time.perf_counter() - started, errors


def run(quick: bool) -> str:
    size = QUICK if quick else FULL
    total = REQUESTS[quick]
    with tempfile.TemporaryDirectory(prefix="therabill-bench-web-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        store = open_store(url)
        migrate.upgrade(store.engine)
        _set_up(store)
        print(f"bench web: loading {size['clients']:,} clients", file=sys.stderr)
        _import_clients(store, size["clients"], Path(folder))
        print(f"bench web: loading {size['sessions']:,} sessions", file=sys.stderr)
        _load_sessions(store, size["clients"], size["sessions"], size["build"])
        store.dispose()
        secret, csrf, token = _login_user(url)
        port = _port()
        env = {**os.environ, "THERABILL_DATABASE_URL": url, "THERABILL_HOME": folder}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "therabill.web.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/login", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the web app did not start")
                time.sleep(0.2)
            rows = _measure(base, size["clients"], total, secret, csrf, token)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return _report(rows, size, total, quick)


def _measure(
    base: str, clients: int, total: int, secret: str, csrf: str, token: str
) -> list[tuple[str, list[float], float, int]]:
    rnd = random.Random(6)
    day = dt.date(2026, 11, 28).isoformat()
    cookie = {"Cookie": f"therabill_session={secret}"}

    def visit(_i: int) -> tuple[str, str, dict[str, Any]]:
        return "GET", "/", {}

    def login_page(_i: int) -> tuple[str, str, dict[str, Any]]:
        return "GET", "/login", {}

    def live_units(_i: int) -> tuple[str, str, dict[str, Any]]:
        client = rnd.randrange(clients)
        provider, discipline = _discipline_of(client)
        form = {"client": str(client + 1), "provider": str(provider), "date": day}
        for row, (code, minutes) in enumerate(PLANS[discipline], 1):
            form[f"code_{row}"] = code
            form[f"minutes_{row}"] = str(minutes + rnd.randrange(-5, 6))
        return "POST", "/sessions/preview", {"data": form, "headers": {"X-CSRF-Token": csrf}}

    def scrub(_i: int) -> tuple[str, str, dict[str, Any]]:
        client = rnd.randrange(clients)
        provider, discipline = _discipline_of(client)
        body = {
            "client_id": client + 1,
            "provider_id": provider,
            "date": day,
            "services": [{"code": code, "minutes": minutes} for code, minutes in PLANS[discipline]],
            "diagnoses": ["M54.50"],
        }
        return "POST", "/api/v1/scrub", {"json": body}

    plans = [
        ("GET /login (floor: no database work)", login_page, {}),
        ("GET / (dashboard)", visit, cookie),
        ("POST /sessions/preview (live units + claim check)", live_units, cookie),
        ("POST /api/v1/scrub", scrub, {"Authorization": f"Bearer {token}"}),
    ]
    rows = []
    for name, make, headers in plans:
        print(f"bench web: {name}", file=sys.stderr)
        asyncio.run(_load(base, make, min(100, total), headers))  # warm-up
        latencies, seconds, errors = asyncio.run(_load(base, make, total, headers))
        rows.append((name, latencies, seconds, errors))
    return rows


def _report(
    rows: list[tuple[str, list[float], float, int]], size: dict[str, int], total: int, quick: bool
) -> str:
    lines = [
        f"## {TITLE}",
        "",
        f"Loopback, one uvicorn worker (as `therabill serve` runs), SQLite (WAL, synchronous=FULL); "
        f"{size['clients']:,} clients and {size['sessions']:,} sessions with their claims and "
        f"ledger; {USERS} concurrent users, {total:,} requests per endpoint after a warm-up. "
        f"Target: p95 under {TARGET_P95_MS:.0f} ms for each.",
        "",
        "| Endpoint | p50 ms | p95 ms | p99 ms | requests/s | errors | p95 target |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, latencies, seconds, errors in rows:
        p95 = _percentile(latencies, 0.95)
        verdict = (
            "" if name.startswith("GET /login") else ("met" if p95 < TARGET_P95_MS else "MISSED")
        )
        lines.append(
            f"| {name} | {statistics.median(latencies):.1f} | {p95:.1f} | "
            f"{_percentile(latencies, 0.99):.1f} | {len(latencies) / seconds:,.0f} | {errors} | "
            f"{verdict} |"
        )
    lines += [
        "",
        "With 50 users and one worker, latency is mostly queueing: requests/s × p50 ≈ 50. "
        "Every page request looks the session up in the database and every read of client "
        "data appends to the hash-chained audit log (one write transaction, serialised on "
        "SQLite), which is the dashboard's and the live check's floor above `GET /login`.",
        "",
        f"Repeat: `python -m bench{' --quick' if quick else ''} web`",
    ]
    return "\n".join(lines) + "\n"
