"""A job worker in its own process, stopped at its claims build's last claim before the
commit, for the tests of a killed worker's job being picked up again (job_pause_worker.py)."""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from therabill.store.services import jobs

HERE = Path(__file__).parent
CLI = [sys.executable, "-c", "from therabill.cli.main import main; main()"]


def worker_env(database_url: str, home: Path) -> dict[str, str]:
    """A worker's environment: this database, its own data folder, a one-second lease."""
    return {
        **os.environ,
        "THERABILL_DATABASE_URL": database_url,
        "THERABILL_HOME": str(home),
        "THERABILL_USER": "worker-test",
        jobs.LEASE_ENV: "1",
    }


def wait_for_line(process: subprocess.Popen[str], line: str, timeout: float) -> None:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    while selector.select(timeout):
        got = process.stdout.readline()
        if not got:
            break
        if got.strip() == line:
            return
    process.kill()
    raise AssertionError(f"the worker never printed {line!r} (exit {process.poll()})")


@contextlib.contextmanager
def paused_worker(env: dict[str, str], database_url: str, *args: str) -> Iterator[None]:
    """While the block runs, a worker holds a job paused before its commit; after it, the
    worker has been killed (SIGKILL), as a host that vanished."""
    worker = subprocess.Popen(
        [sys.executable, str(HERE / "job_pause_worker.py"), database_url, *args],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_line(worker, "paused", timeout=60)
        yield
    finally:
        worker.kill()
        worker.wait()
