"""Every command the README shows runs here, in README order, so the two cannot drift.

The README's ``console`` blocks are scripts: each ``$ therabill …`` line (``\\`` continues it)
runs in one practice's home directory, shared by the blocks that follow until an HTML comment
``<!-- readme-test: new practice -->`` starts a fresh one. A command must exit 0 unless its
comment says otherwise (``# … (exits 1)``). A line under a command that is not a command is output
the command must print (unless it is shortened with "…"). A ``therabill`` command anywhere else
in a fenced block fails the test: what the README shows, this test runs.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from therabill.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
NEW_PRACTICE = "<!-- readme-test: new practice -->"
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
EXIT = re.compile(r"#.*\(exits (\d)\b")
ENV = re.compile(r"^[A-Z][A-Z0-9_]*=")


@dataclass
class Command:
    line: int
    text: str
    expected_exit: int
    output: list[str] = field(default_factory=list)


@dataclass
class Script:
    """The commands that run in one practice's home, in order."""

    commands: list[Command] = field(default_factory=list)


def _scripts(text: str) -> tuple[list[Script], list[str]]:
    """The README's console commands grouped by practice, and the commands shown elsewhere."""
    scripts = [Script()]
    stray: list[str] = []
    fence: str | None = None
    pending: str | None = None
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        match = FENCE.match(raw)
        if match and fence is None:
            fence = match.group(2) or "text"
            continue
        if match:
            fence = None
            continue
        if fence is None:
            if raw.strip() == NEW_PRACTICE:
                scripts.append(Script())
            continue
        line = raw.strip()
        if fence != "console":
            if re.match(r"^(\$ )?(\S+=\S+ )*therabill ", line):
                stray.append(f"README.md:{number} ({fence} block): {line}")
            continue
        if pending is not None:
            pending += " " + line.rstrip("\\").strip()
            if not line.endswith("\\"):
                _add(scripts[-1], start, pending)
                pending = None
            continue
        if line.startswith("$ "):
            start = number
            if line.endswith("\\"):
                pending = line[2:].rstrip("\\").strip()
            else:
                _add(scripts[-1], number, line[2:])
        elif line and not line.startswith("#") and scripts[-1].commands and "…" not in line:
            scripts[-1].commands[-1].output.append(line)
    return [s for s in scripts if s.commands], stray


def _add(script: Script, line: int, text: str) -> None:
    exit_match = EXIT.search(text)
    script.commands.append(Command(line, text, int(exit_match.group(1)) if exit_match else 0))


SCRIPTS, STRAY = _scripts(README.read_text(encoding="utf-8"))


def test_every_command_shown_is_run() -> None:
    assert STRAY == [], "commands shown outside console blocks are not run:\n" + "\n".join(STRAY)
    assert sum(len(s.commands) for s in SCRIPTS) > 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(args: list[str], env: dict[str, str], cwd: Path) -> int:
    """``serve`` runs until stopped: start it on a free port with one worker (the README's
    port may be taken; the worker count is the machine's), wait for its login page."""
    port = _free_port()
    args = [a if a != "8000" else str(port) for a in args]
    if "--workers" not in args:
        args += ["--workers", "1"]
    therabill = Path(sys.executable).with_name("therabill")
    with subprocess.Popen(
        [str(therabill), *args],
        env={**os.environ, **env},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as server:
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if server.poll() is not None:
                    break
                try:
                    url = f"http://127.0.0.1:{port}/login"
                    with urllib.request.urlopen(url, timeout=10) as reply:
                        return 0 if reply.status == 200 else 1
                except OSError:
                    time.sleep(0.05)
            return server.returncode if server.returncode is not None else 1
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.mark.parametrize(
    "script", SCRIPTS, ids=[f"README.md:{s.commands[0].line}" for s in SCRIPTS]
)
def test_readme_commands_run(
    script: Script, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "user-home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    shutil.copytree(ROOT / "docs" / "examples", work / "docs" / "examples")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("THERABILL_HOME", str(tmp_path / "therabill"))
    monkeypatch.setenv("THERABILL_USER", "bea")
    monkeypatch.chdir(work)
    runner = CliRunner()
    for command in script.commands:
        words = shlex.split(os.path.expandvars(command.text), comments=True)
        env: dict[str, str] = {}
        while words and ENV.match(words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        assert words[:1] == ["therabill"], f"README.md:{command.line} is not a therabill command"
        args = [str(home) + w[1:] if w.startswith("~/") else w for w in words[1:]]
        where = f"README.md:{command.line}: $ {command.text}"
        if args[:1] == ["serve"]:
            assert _serve(args, env, work) == command.expected_exit, where
            continue
        with monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            result = runner.invoke(app, args)
        assert result.exit_code == command.expected_exit, f"{where}\n{result.output}"
        for line in command.output:
            assert line in result.output, f"{where}\nexpected {line!r} in:\n{result.output}"


def test_every_file_the_readme_links_exists() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+?)(?:#[^)]*)?\)", text)
    missing = [t for t in targets if "://" not in t and not (ROOT / t).exists()]
    assert missing == []
