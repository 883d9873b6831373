"""``therabill serve``: the web app on the configured database."""

from __future__ import annotations

import copy
import logging
import os
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.store.engine import URL_ENV, database_url

if TYPE_CHECKING:
    from therabill.store.services.first_run import FirstRun


def default_workers() -> int:
    """One worker per core, at most 4: a Python worker uses one core at a time, and a small
    practice's load needs no more (each worker holds its own code tables in memory)."""
    return max(1, min(4, os.cpu_count() or 1))


@handles_errors
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    demo: bool = typer.Option(
        False, "--demo", help="On an empty database, create the demo practice first."
    ),
    workers: int = typer.Option(
        0,
        "--workers",
        min=0,
        max=32,
        help="Worker processes; 0 (the default): one per CPU core, at most 4. More than the "
        "cores only adds memory.",
    ),
    database: str = typer.Option(
        "",
        "--database",
        help="Database URL (default: THERABILL_DATABASE_URL or the file in the data directory).",
    ),
    proxy_headers: bool = typer.Option(
        False,
        "--proxy-headers",
        help="Behind a TLS proxy: take the client's address from X-Forwarded-For, from the "
        "addresses in --forwarded-allow-ips only, and limit failed logins per address too. "
        "Off by default: a client could then name any address it likes.",
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1",
        "--forwarded-allow-ips",
        help="With --proxy-headers: the proxy's addresses (comma-separated) whose "
        "X-Forwarded-For is believed.",
    ),
    json_output: JsonOption = False,
) -> None:
    """Start the web app (pages and the /api/v1 API) on the practice database.

    Runs one worker process per CPU core (at most 4; --workers to choose). On an empty
    database it creates the practice (with --demo: the demo practice) and an
    admin whose one-time password is printed once; log in with it and choose your own.

    Put it behind a proxy that terminates TLS (see the README's Security section), and
    tell it so with --proxy-headers --forwarded-allow-ips PROXY_ADDRESS.

    Example: therabill serve --port 8000 --proxy-headers --forwarded-allow-ips 127.0.0.1
    """
    import uvicorn

    from therabill.store.services import open_store
    from therabill.store.services.first_run import prepare
    from therabill.web.app import create_app

    url = database or database_url()
    store = open_store(url)
    first = prepare(store, demo=demo)
    store.dispose()
    address = f"http://{host}:{port}"
    if json_output:
        emit_json(
            {
                "url": address,
                "created_practice": first.created_practice,
                "demo": first.demo,
                "username": first.admin_username,
                "one_time_password": first.admin_password,
            }
        )
    elif first.created_practice:
        kind = "demo practice" if first.demo else "practice"
        console.print(
            f"Created the {kind} in {store.engine.url.render_as_string(hide_password=True)}"
        )
    if not json_output:
        _say_how_to_log_in(address, first)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    workers = workers or default_workers()
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": False,  # ours logs the path without the query string
        "log_level": "info",
        "log_config": log_config(),  # applied in every worker process too
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told not to.
        "proxy_headers": proxy_headers,
        "forwarded_allow_ips": forwarded_allow_ips if proxy_headers else None,
    }
    # The app (in this process or each worker) learns it from the environment.
    os.environ["THERABILL_BEHIND_PROXY"] = "1" if proxy_headers else "0"
    # SQLite: background jobs run in a thread of each web process (PostgreSQL: therabill worker).
    os.environ["THERABILL_JOB_THREAD"] = "1"
    # Each web process sums the dashboard's money figures as it starts, in the background.
    os.environ["THERABILL_SUM_AT_START"] = "1"
    if workers == 1:
        uvicorn.run(create_app(url), **options)
        return
    # Several processes: each worker builds the app itself from the factory and the URL.
    os.environ[URL_ENV] = url
    uvicorn.run("therabill.web.app:create_app", factory=True, workers=workers, **options)


def log_config() -> dict[str, Any]:
    """uvicorn's logging set-up plus the app's request log (``therabill.web``: method, path,
    status, time). Worker processes start with fresh logging, so it goes to uvicorn, which
    applies it in each of them."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["therabill"] = {"format": "%(asctime)s %(name)s %(message)s"}
    config["handlers"]["therabill"] = {
        "class": "logging.StreamHandler",
        "formatter": "therabill",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["therabill"] = {
        "handlers": ["therabill"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def _say_how_to_log_in(address: str, first: FirstRun) -> None:
    console.print(f"therabill is running on {address}  (Ctrl-C stops it)")
    if first.admin_password:
        console.print(
            f"Log in as [bold]{escape(first.admin_username or '')}[/bold] with the one-time password "
            f"[bold]{first.admin_password}[/bold]; you will choose your own password next.",
            markup=True,
        )
    else:
        console.print(
            "Log in with your user name and password. New login: therabill user add NAME; "
            "forgotten password: therabill user password NAME (prints a one-time one)."
        )
