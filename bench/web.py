"""The web app under load, on loopback: the dashboard, the session form's live-units endpoint
and the API's scrub endpoint, each with 50 concurrent users, on the large practice.

The practice is loaded as ``bench.store`` loads it (10,000 clients, 500,000 sessions with
their claims and ledger; ``--quick``: 200 and 5,000). The app runs as ``therabill serve``
runs it (uvicorn, one worker per core, at most 4). The load comes from wrk (a C load
generator, Debian package ``wrk``; a Python client would spend more of the two cores than the
server), 50 connections, a bounded number of requests per endpoint, each request drawn from a
pool of distinct clients and minutes. Two load models, measured in the same run:

- **users at work**: each of the 50 users waits a think time between requests (exponential,
  mean ``THINK_MS``: someone typing minutes or opening pages, HTMX's live check fires at most
  once per pause in typing);
- **saturation**: 50 connections with no pause, as fast as the server answers: the capacity,
  where latency is queueing (requests/s × p50 ≈ 50).

``GET /login`` (a page with no database work) is measured in the same run as the floor of the
stack (uvicorn, FastAPI, Jinja2, the security middleware).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.store import FULL, PLANS, QUICK, _discipline_of, _import_clients, _load_sessions, _set_up
from therabill.cli.serve import default_workers
from therabill.store import migrate
from therabill.store.services import open_store

TITLE = "Web app under load"
USERS = 50
THINK_MS = 1000
# Pauses are cut at 4 s, under uvicorn's 5 s keep-alive: wrk counts a connection the server
# closed while it sat idle as an error, where a browser simply opens a new one.
THINK_CAP_MS = 4000
SECONDS = {True: (3, 5, 10), False: (5, 20, 45)}  # warm-up, saturation, users (quick, full)
TARGET_P95_MS = 100.0
POOL = 400  # distinct request bodies per endpoint
THERABILL = str(Path(sys.executable).parent / "therabill")  # the installed command


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    bodies: list[str]  # empty: no body


@dataclass(frozen=True, slots=True)
class Figures:
    p50: float
    p95: float
    p99: float
    per_second: float
    requests: int
    errors: int
    cpu_ms: float = 0.0  # the server's CPU time (all its processes) per request


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _server_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by process ``pid`` and its children (the
    uvicorn workers), from /proc; 0 where there is no /proc."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = entry.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        stats[int(entry.parent.name)] = (
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / TICKS,
        )
    wanted, total = {pid}, 0.0
    while True:
        more = {p for p, (parent, _) in stats.items() if parent in wanted and p not in wanted}
        if not more:
            break
        wanted |= more
    for p in wanted:
        total += stats.get(p, (0, 0.0))[1]
    return total


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _login_user(url: str) -> tuple[str, str, str]:
    """A biller login (session cookie + its CSRF token) and an API token, made directly. The
    biller has an authenticator set up, as the app's default settings require of billers."""
    import pyotp

    from therabill.store.services import api_tokens, login_sessions, mfa, users

    store = open_store(url)
    with store.transaction(actor="bench") as work:
        user = users.create_user(
            work, username="bench", role=users.Role.BILLER, password="bench password 1"
        )
        secret = mfa.enrolment(work, user_id=user.id).secret
        mfa.confirm(work, user_id=user.id, code=pyotp.TOTP(secret).now())
        token = api_tokens.issue_token(work, user_id=user.id, name="bench")
        user_id = user.id
    secret, found = login_sessions.start_session(store.engine, user_id)
    store.dispose()
    return secret, found.csrf_token, token


def _lua(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here (ASCII)


WRK_SCRIPT = """
local bodies = {%(bodies)s}
local method, path, think = %(method)s, %(path)s, %(think)d
local index = 0
local threads = {}
redirects = 0  -- global: read from each thread in done()
%(headers)s
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  index = math.random(1, math.max(#bodies, 1))
end
function request()
  index = index + 1
  local body = nil
  if #bodies > 0 then body = bodies[(index %% #bodies) + 1] end
  return wrk.format(method, path, nil, body)
end
function delay()
  if think == 0 then return 0 end
  return math.min(%(think_cap)d, math.floor(-math.log(1 - math.random()) * think))
end
function response(status, headers, body)
  if status >= 300 and status < 400 then redirects = redirects + 1 end
end
function done(summary, latency, requests)
  local e = summary.errors
  local moved = 0
  for _, thread in ipairs(threads) do moved = moved + (tonumber(thread:get("redirects")) or 0) end
  local out = io.open(%(out)s, "w")
  out:write(string.format(
    '{"p50": %%f, "p95": %%f, "p99": %%f, "requests": %%d, "seconds": %%f, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d, "redirects": %%d}',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, summary.duration / 1e6,
    e.connect, e.read, e.write, e.status, e.timeout, moved))
  out:close()
end
"""


def _wrk(
    base: str, endpoint: Endpoint, seconds: int, think_ms: int, folder: Path, server: int = 0
) -> Figures:
    """Run wrk for ``seconds``: ``USERS`` connections, ``think_ms`` mean pause between a
    connection's answer and its next request (0: none). ``server``: the server's process id,
    whose CPU time per request is measured."""
    cpu_before = _server_cpu(server) if server else 0.0
    out = folder / "wrk-result.json"
    out.unlink(missing_ok=True)
    script = folder / "load.lua"
    headers = "\n".join(f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in endpoint.headers.items())
    script.write_text(
        WRK_SCRIPT
        % {
            "bodies": ", ".join(_lua(b) for b in endpoint.bodies),
            "method": _lua(endpoint.method),
            "path": _lua(endpoint.path),
            "think": think_ms,
            "think_cap": THINK_CAP_MS,
            "headers": headers,
            "out": _lua(str(out)),
        }
    )
    subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{USERS}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            base + endpoint.path,
        ],
        check=True,
        capture_output=True,
    )
    cpu = (_server_cpu(server) - cpu_before) if server else 0.0
    raw = json.loads(out.read_text())
    return Figures(
        cpu_ms=cpu * 1000 / max(raw["requests"], 1),
        p50=raw["p50"],
        p95=raw["p95"],
        p99=raw["p99"],
        per_second=raw["requests"] / raw["seconds"],
        requests=raw["requests"],
        errors=sum(
            raw[kind] for kind in ("connect", "read", "write", "status", "timeout", "redirects")
        ),
    )


def run(quick: bool) -> str:
    if shutil.which("wrk") is None:
        raise RuntimeError("bench web needs wrk, the HTTP load generator: apt-get install wrk")
    size = QUICK if quick else FULL
    warm_up, saturation, at_work = SECONDS[quick]
    workers = default_workers()
    home = os.environ.get("THERABILL_HOME")
    with tempfile.TemporaryDirectory(prefix="therabill-bench-web-") as name:
        # the loading, the login and the server share one data directory, so one audit key
        # (the chain is keyed: a server with another key could audit no read)
        os.environ["THERABILL_HOME"] = name
        try:
            return _run_in(Path(name), size, workers, quick, warm_up, saturation, at_work)
        finally:
            if home is None:
                os.environ.pop("THERABILL_HOME", None)
            else:
                os.environ["THERABILL_HOME"] = home


def _run_in(
    folder: Path,
    size: dict[str, int],
    workers: int,
    quick: bool,
    warm_up: int,
    saturation: int,
    at_work: int,
) -> str:
    name = str(folder)
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    store = open_store(url)
    migrate.upgrade(store.engine)
    _set_up(store)
    print(f"bench web: loading {size['clients']:,} clients", file=sys.stderr)
    _import_clients(store, size["clients"], folder)
    print(f"bench web: loading {size['sessions']:,} sessions", file=sys.stderr)
    _load_sessions(store, size["clients"], size["sessions"], size["build"])
    store.dispose()
    secret, csrf, token = _login_user(url)
    port = _port()
    env = {**os.environ, "THERABILL_DATABASE_URL": url, "THERABILL_HOME": name}
    server = subprocess.Popen(
        [THERABILL, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    load = [os.getloadavg()[0]]
    try:
        _wait_until_up(base)
        endpoints = _endpoints(size["clients"], secret, csrf, token)
        rows = []
        for endpoint in endpoints:
            print(f"bench web: {endpoint.name}", file=sys.stderr)
            _wrk(base, endpoint, warm_up, 0, folder)
            human = _wrk(base, endpoint, at_work, THINK_MS, folder, server.pid)
            flat_out = _wrk(base, endpoint, saturation, 0, folder, server.pid)
            rows.append((endpoint.name, human, flat_out))
        load.append(os.getloadavg()[0])
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("bench web: in one process", file=sys.stderr)
    steady = in_process(url, endpoints[1:])
    return _report(rows, size, workers, quick, load, steady)


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the web app did not start")
        time.sleep(0.3)


def _endpoints(clients: int, secret: str, csrf: str, token: str) -> list[Endpoint]:
    """The measured requests, each with a pool of distinct clients and minutes."""
    rnd = random.Random(6)
    day = dt.date(2026, 11, 28).isoformat()
    forms, scrubs = [], []
    for _ in range(POOL):
        client = rnd.randrange(clients)
        provider, discipline = _discipline_of(client)
        form = {"client": str(client + 1), "provider": str(provider), "date": day}
        for row, (code, minutes) in enumerate(PLANS[discipline], 1):
            form[f"code_{row}"] = code
            form[f"minutes_{row}"] = str(minutes + rnd.randrange(-5, 6))
        forms.append(str(httpx.QueryParams(form)))
        scrubs.append(
            json.dumps(
                {
                    "client_id": client + 1,
                    "provider_id": provider,
                    "date": day,
                    "services": [
                        {"code": code, "minutes": minutes + rnd.randrange(-5, 6)}
                        for code, minutes in PLANS[discipline]
                    ],
                    "diagnoses": ["M54.50"],
                }
            )
        )
    cookie = {"Cookie": f"therabill_session={secret}"}
    return [
        Endpoint("GET /login (floor: no database work)", "GET", "/login", {}, []),
        Endpoint("GET / (dashboard)", "GET", "/", cookie, []),
        Endpoint(
            "POST /sessions/preview (live units + claim check)",
            "POST",
            "/sessions/preview",
            {
                **cookie,
                "X-CSRF-Token": csrf,
                "HX-Request": "true",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            forms,
        ),
        Endpoint(
            "POST /api/v1/scrub",
            "POST",
            "/api/v1/scrub",
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            scrubs,
        ),
    ]


def _verdict(name: str, figures: Figures) -> str:
    if name.startswith("GET /login"):
        return ""
    return "met" if figures.p95 < TARGET_P95_MS and not figures.errors else "MISSED"


def _report(
    rows: list[tuple[str, Figures, Figures]],
    size: dict[str, int],
    workers: int,
    quick: bool,
    load: list[float],
    steady: list[InProcess],
) -> str:
    lines = [
        f"## {TITLE}",
        "",
        f"Loopback; `therabill serve` as it runs by default ({workers} uvicorn workers on this "
        f"machine), SQLite (WAL, synchronous=FULL); {size['clients']:,} clients and "
        f"{size['sessions']:,} sessions with their claims and ledger. Load from wrk "
        f"({USERS} connections, after a warm-up; bodies drawn from {POOL} distinct clients "
        f"and minutes). Errors are failed connections, time-outs, redirects (to the login "
        f"page) and 4xx/5xx answers. Target: p95 under "
        f"{TARGET_P95_MS:.0f} ms for each at {USERS} concurrent users.",
        "",
        f"**{USERS} users at work**: each user pauses between requests (think time, "
        f"exponential, mean {THINK_MS / 1000:g} s, cut at {THINK_CAP_MS / 1000:g} s: under the "
        "server's 5 s keep-alive, as wrk, unlike a browser, counts a connection closed while "
        "idle as an error), as a person typing minutes or opening pages does.",
        "",
    ]
    lines += _table([(name, human) for name, human, _ in rows])
    lines += [
        "",
        f"**Saturation**: {USERS} connections sending back to back, no pause: the capacity. "
        "Latency here is queueing (requests/s × p50 ≈ "
        f"{USERS}).",
        "",
    ]
    lines += _table([(name, flat_out) for name, _, flat_out in rows])
    lines += [
        "",
        f"The machine's load average (1 minute) was {load[0]:.1f} before the run and "
        f"{load[-1]:.1f} after it, on {os.cpu_count()} cores: above the two cores, other work "
        "shared them and the latencies and rates above are inflated by it. The server's CPU "
        "time per request (all its processes, from /proc), which other load changes less, is "
        "the figure to compare between runs.",
        "",
        f"**In one process** (the steadier signals: no wrk, no sockets; each endpoint's "
        f"requests sent {USERS} at a time straight into the app, through its threadpool, "
        "after every body was sent once):",
        "",
        "| Endpoint | requests | CPU ms/request | connections opened | requests per "
        "read-audit transaction |",
        "|---|---|---|---|---|",
        *(
            f"| {r.name} | {r.requests:,} | {r.cpu_ms:.1f} | {r.connections_opened} | "
            f"{r.per_audit_commit:.1f} |"
            for r in steady
        ),
        "",
        "Where a request's CPU goes (cProfile around the ASGI app in one process, FastAPI's "
        "threadpool replaced by a direct call, on this database). While the client's "
        "revision (`client_revisions`, moved by triggers on every write to what it reads, "
        "never by a read) stays the same, the live check keeps the client's day (the year's "
        "KX amounts, the lines already billed, the plan of care's facts, the other "
        "disciplines' services, the eligibility line) and the day's parties (the policy that "
        "pays first and its payer, the practice, the client's authorizations with their "
        "codes and uses, the provider's other unbilled sessions that day: "
        "`live_check.DayParties`, copies no database session holds), and the client and "
        "provider themselves (`live_check.LIVE_PEOPLE`; the access check is one Core "
        "statement by id per request). The stamp is one statement with the payer records' "
        "(the ledger's generation), and the practice's files (payer profiles, imported "
        "descriptors and edits) are looked at once a check (`caches.one_look`). The login "
        "look-up (session or API token, user, web account, authenticator, practices) is one "
        "statement built once, and the audit chain's append (the chain's last entry, the "
        "HMAC, the insert, the commit) uses statements built once, on a Core connection. "
        "What is left of a kept live check: the read-audit commit, FastAPI's routing and "
        "dependencies with the login look-up, the claim document and scrub, the form and "
        "the template. The dashboard's work queue counts and today's sessions are kept "
        "while the practice's stamp (`revisions.practice_stamp`: every client's revision and "
        "the ledger's generation, one statement, read once a dashboard) stays the same; its "
        "money figures (aging over "
        "the whole ledger) are kept under the ledger's generation and summed again in the "
        "background, each web worker sums them as it starts (in a background thread; a "
        "dashboard that comes before waits for that one sum), and the money section (the "
        "chart and the two aging tables) is kept rendered with the figures it shows.",
        "",
        "Every page request looks its login session up, every read of client data is "
        "audited in the hash-chained log before the answer leaves (a group commit: the "
        "entries of every request that arrived meanwhile in one transaction, the writer "
        "waiting up to 4 ms for reads still in flight, docs/audit.md), and reads run "
        "in read transactions that take no lock, each worker thread on a pooled connection "
        "of its own (SQLite: `engine.SQLITE_POOL_SIZE`).",
        "",
        f"Repeat: `python -m bench{' --quick' if quick else ''} web` (needs `wrk`).",
    ]
    return "\n".join(lines) + "\n"


def _table(rows: list[tuple[str, Figures]]) -> list[str]:
    """One load model's figures, one endpoint a row, with the verdict on the p95 target."""
    return [
        "| Endpoint | requests | p50 ms | p95 ms | p99 ms | requests/s | server CPU ms/request "
        "| errors | p95 < 100 ms |",
        "|---|---|---|---|---|---|---|---|---|",
        *(_row(name, figures, _verdict(name, figures)) for name, figures in rows),
    ]


def _row(name: str, figures: Figures, verdict: str) -> str:
    return (
        f"| {name} | {figures.requests:,} | {figures.p50:.1f} | {figures.p95:.1f} | {figures.p99:.1f} | "
        f"{figures.per_second:,.0f} | {figures.cpu_ms:.1f} | {figures.errors} | {verdict} |"
    )


# In one process: the steady signals. Wall-clock figures at saturation vary by a third between
# runs of the same code on a shared machine; what a request costs in CPU, how many database
# connections the requests open and how many requests share an audit transaction vary little.


@dataclass(frozen=True, slots=True)
class InProcess:
    """``concurrent`` requests at a time through the app's own threadpool, in one process."""

    name: str
    requests: int
    concurrent: int
    cpu_ms: float  # this process's CPU time per request (the driver's share is small)
    connections_opened: int  # database connections the pool opened during the round
    per_audit_commit: float  # requests whose read-audit entries shared one transaction
    statuses: frozenset[int]


def _asgi_call(app: Any, endpoint: Endpoint, body: str) -> Callable[[], Any]:
    """One request straight into the ASGI app (no HTTP client, no socket): its status."""
    raw = body.encode()
    path = endpoint.path
    headers = [(k.lower().encode(), v.encode()) for k, v in endpoint.headers.items()]
    headers.append((b"host", b"127.0.0.1"))
    if raw:
        headers.append((b"content-length", str(len(raw)).encode()))

    async def call() -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": endpoint.method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    return call


def in_process(
    url: str,
    endpoints: list[Endpoint],
    *,
    concurrent: int = USERS,
    requests: int = 600,
) -> list[InProcess]:
    """Each endpoint's ``requests`` sent ``concurrent`` at a time into one app in this
    process (every body sent once before, so the kept values are in place), measured."""
    import asyncio

    from sqlalchemy import event

    from therabill.web.app import create_app

    app = create_app(url)
    ctx = app.state.ctx
    opened = 0

    def connected(*_args: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(ctx.store.engine, "connect", connected)
    results = []

    async def round_of(endpoint: Endpoint, count: int) -> set[int]:
        bodies = endpoint.bodies or [""]
        calls = [_asgi_call(app, endpoint, body) for body in bodies]
        gate = asyncio.Semaphore(concurrent)
        statuses: set[int] = set()

        async def one(index: int) -> None:
            async with gate:
                statuses.add(await calls[index % len(calls)]())

        await asyncio.gather(*(one(i) for i in range(count)))
        return statuses

    async def main() -> None:
        for endpoint in endpoints:
            await round_of(endpoint, max(len(endpoint.bodies), concurrent))  # warm
            opened_before, batches, entries = opened, ctx.audit.batches, ctx.audit.entries
            cpu = time.process_time()
            statuses = await round_of(endpoint, requests)
            cpu = time.process_time() - cpu
            if statuses != {200}:
                raise RuntimeError(f"{endpoint.name}: answered {sorted(statuses)}, not 200")
            audited = ctx.audit.entries - entries
            commits = ctx.audit.batches - batches
            results.append(
                InProcess(
                    name=endpoint.name,
                    requests=requests,
                    concurrent=concurrent,
                    cpu_ms=cpu * 1000 / requests,
                    connections_opened=opened - opened_before,
                    per_audit_commit=requests / commits if commits and audited else 0.0,
                    statuses=frozenset(statuses),
                )
            )

    try:
        asyncio.run(main())
    finally:
        event.remove(ctx.store.engine, "connect", connected)
        ctx.store.dispose()
    return results
