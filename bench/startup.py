"""Start-up time of the command line: how long a quick command takes from exec to exit.

The quick commands (``--version``, ``units``, ``codes``, ``scrub``) import only the pure core, so
a biller's shell answers at once; ``python -c pass`` beside them is the interpreter's own floor.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TITLE = "Command-line start-up"
FULL = 20
QUICK = 5
HEAVY = ("sqlalchemy", "alembic", "fastapi", "jinja2", "uvicorn", "starlette")


def _therabill() -> str:
    """The console script installed beside this interpreter (what a user runs)."""
    beside = Path(sys.executable).with_name("therabill")
    return str(beside) if beside.exists() else shutil.which("therabill") or "therabill"


def commands() -> list[tuple[str, list[str]]]:
    """(what the table shows, argv) for each command measured."""
    script = _therabill()
    return [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("therabill --version", [script, "--version"]),
        ("therabill units 97110=30", [script, "units", "97110=30"]),
        ("therabill codes show 97110", [script, "codes", "show", "97110"]),
        ("therabill --help", [script, "--help"]),
        ("therabill ledger --help", [script, "ledger", "--help"]),
    ]


def imported(argv: list[str]) -> list[str]:
    """Top-level packages the command imports, read from ``python -X importtime``."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    names = {
        line.rpartition("|")[2].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    names.discard("imported package")  # the header line
    return sorted(names)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def medians(argv_list: list[list[str]], runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) median seconds per command; the commands take turns so load hits all alike."""
    wall: list[list[float]] = [[] for _ in argv_list]
    cpu: list[list[float]] = [[] for _ in argv_list]
    for argv in argv_list:  # warm the file cache once
        subprocess.run(argv, capture_output=True, check=True)
    for _ in range(runs):
        for i, argv in enumerate(argv_list):
            cpu_before, started = _cpu_of_children(), time.perf_counter()
            subprocess.run(argv, capture_output=True, check=True)
            wall[i].append(time.perf_counter() - started)
            cpu[i].append(_cpu_of_children() - cpu_before)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(wall, cpu, strict=True)]


def run(quick: bool) -> str:
    runs = QUICK if quick else FULL
    measured = commands()
    seconds = medians([argv for _, argv in measured], runs)
    rows = []
    for (label, argv), (wall, cpu) in zip(measured, seconds, strict=True):
        packages = imported(argv)
        heavy = ", ".join(name for name in HEAVY if name in packages) or "none"
        rows.append(
            f"| `{label}` | {wall * 1000:.0f} | {cpu * 1000:.0f} | {len(packages)} | {heavy} |"
        )
    table = "\n".join(rows)
    return f"""## {TITLE}

Time from start to exit of each command, run as a user runs it (the `therabill` console
script), the median of {runs} runs; the commands take turns, so other load on the machine falls
on all of them alike. Wall is the clock; CPU is the process's user and system time, which other
load changes less. `python -c pass` is the interpreter's own start-up, the floor. Top-level
packages are counted from `python -X importtime`; the last column names the web and database
libraries among them: the quick commands must load none; `ledger`, a store command, shows what
they would cost.

| command | wall ms | CPU ms | top-level packages imported | web/database libraries imported |
|---|---:|---:|---:|---|
{table}

Repeat: `python -m bench startup` (`--quick` for {QUICK} runs each).
"""
