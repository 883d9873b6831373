"""`therabill serve` with several worker processes: the app answers, and each worker writes
the request log (path only, never the query string)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_helpers import free_port, wait_until_serving


def test_two_workers_serve_and_log_paths_only(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "THERABILL_HOME": str(tmp_path / "home")}
    env.pop("THERABILL_DATABASE_URL", None)
    command = [str(Path(sys.executable).parent / "therabill"), "serve", "--demo"]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_serving(base, server, log)
            for _ in range(10):
                assert httpx.get(base + "/login?q=Carla+Cruz", timeout=5).status_code == 200
                assert httpx.get(base + "/", timeout=5).status_code == 303  # to /login
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    text = log.read_text()
    assert "one-time password" in text
    assert text.count("Started server process") == 2
    assert "therabill.web GET /login 200" in text and "therabill.web GET / 303" in text
    assert "Carla" not in text and "q=" not in text


def test_forwarded_addresses_are_believed_only_when_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 by default, so behind a pass-through
    proxy every client could pick its address; serve turns that off unless told."""
    import uvicorn
    from typer.testing import CliRunner

    from therabill.cli.main import app

    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *_args, **options: seen.append(options))
    monkeypatch.setenv("THERABILL_HOME", str(tmp_path))
    monkeypatch.delenv("THERABILL_DATABASE_URL", raising=False)
    monkeypatch.delenv("THERABILL_BEHIND_PROXY", raising=False)
    # serve sets these for its web processes: recorded here (setenv, which delenv of an unset
    # name is not) so they are put back after, or every later web test of this process would
    # run a job thread and a money sum racing the test's own
    monkeypatch.setenv("THERABILL_JOB_THREAD", "0")
    monkeypatch.setenv("THERABILL_SUM_AT_START", "0")
    runner = CliRunner()
    assert runner.invoke(app, ["serve", "--workers", "2"]).exit_code == 0
    assert seen[-1]["proxy_headers"] is False and seen[-1]["forwarded_allow_ips"] is None
    assert os.environ["THERABILL_BEHIND_PROXY"] == "0"
    behind = ["serve", "--workers", "2", "--proxy-headers", "--forwarded-allow-ips", "10.0.0.5"]
    assert runner.invoke(app, behind).exit_code == 0
    assert seen[-1]["proxy_headers"] is True and seen[-1]["forwarded_allow_ips"] == "10.0.0.5"
    assert os.environ["THERABILL_BEHIND_PROXY"] == "1"
