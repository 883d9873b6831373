"""Importing a full CMS practitioner PTP file, then scrubbing against it.

A synthetic file in the official layout (copyright preamble, the header wrapped over four
lines, tab-separated rows) with 650,000 rows, about one quarter's part file, is imported with
``therabill edits import --all`` into a fresh data folder, in a child process so its peak
memory is its own. Then a small scrub (the claims of ``bench/scrub.py``'s generator, 200 of
them) runs against the imported table in another child process: it must read only the rows
of the codes it meets, not load the table.

Repeat with: ``.venv/bin/python -m bench ncci_import [--quick]`` (quick: 65,000 rows).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

TITLE = "Importing the CMS PTP file"
FULL = 650_000
QUICK = 65_000
HEADER = (
    "CPT codes, descriptions and other data only are copyright 2025 American Medical "
    "Association. All rights reserved.\r\n\r\n"
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\t"
    "Modifier\tPTP Edit Rationale\r\n"
    "\t\t\t\t*=no data\t0=not allowed\t\r\n\t\t\t\t\t1=allowed\t\r\n"
    "\t\t\t\t\t9=not applicable\t\r\n"
)
REASONS = ("Misuse of column two code with column one code", "Mutually exclusive procedures",
           "Standards of medical / surgical practice", "CPT Manual or CMS manual coding instruction")  # fmt: skip
THERAPY = ("97110", "97112", "97116", "97140", "97161", "97162", "97163", "97530", "97150")


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """``rows`` PTP rows: column 1 codes in order, with repeated (pair, effective) rows."""
    rng = random.Random(seed)
    with path.open("w", encoding="latin-1", newline="") as out:
        out.write(HEADER)
        written = 0
        column1 = 10000
        while written < rows:
            code = f"{column1:05d}"
            for _ in range(rng.randint(5, 60)):
                col2 = (
                    rng.choice(THERAPY) if rng.random() < 0.02 else f"{rng.randint(10000, 99999)}"
                )
                year = rng.randint(1996, 2026)
                ended = f"{year + 1}1231" if rng.random() < 0.2 else "*"
                out.write(f"{code}\t{col2}\t\t{year}0101\t{ended}\t{rng.choice('0119')}\t"
                          f"{rng.choice(REASONS)}\r\n")  # fmt: skip
                written += 1
                if written >= rows:
                    break
            column1 += rng.randint(1, 3)


CHILD_IMPORT = """
import resource, sys, time
from pathlib import Path
from therabill.edits import import_cms_files
started = time.perf_counter()
(report,) = import_cms_files([Path(sys.argv[1])], keep=None)
took = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{report.rows_read} {report.rows_kept} {took:.3f} {peak:.1f}")
"""

CHILD_SCRUB = """
import datetime as dt, resource, sys, time
from bench.scrub import batches
from therabill.scrub import ScrubContext, scrub_text
text = next(batches(200))
context = ScrubContext.load(today=dt.date(2026, 11, 28))
started = time.perf_counter()
results = scrub_text(text, context)
took = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{len(results)} {took:.3f} {peak:.1f}")
"""


def _child(code: str, *args: str, home: Path) -> list[str]:
    env = {**os.environ, "THERABILL_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.split()


def run(quick: bool) -> str:
    rows = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="therabill-ncci-") as folder:
        home = Path(folder) / "home"
        source = Path(folder) / "ccipra-v323r0-f1.txt"
        generate(source, rows)
        size_mb = source.stat().st_size / 1e6
        read, kept, took, peak = _child(CHILD_IMPORT, str(source), home=home)
        index = home / "edits" / "edits.sqlite3"
        index_mb = index.stat().st_size / 1e6
        scrubbed, scrub_s, scrub_peak = _child(CHILD_SCRUB, home=home)
        baseline = _child(CHILD_SCRUB, home=Path(folder) / "empty")
    rate = int(read) / float(took)
    figures = {
        "rows": int(read),
        "seconds": float(took),
        "rows_per_s": round(rate),
        "peak_mb": float(peak),
    }
    return (
        f"## {TITLE}\n\n"
        f"A synthetic practitioner PTP part file in the official layout, {int(read):,} rows "
        f"({size_mb:.0f} MB), imported with every row kept (`--all`):\n\n"
        "| step | time | rows/s | peak memory |\n|---|---:|---:|---:|\n"
        f"| `edits import` (stream, 5,000-row batches, index built after) | {float(took):.1f} s "
        f"| {rate:,.0f} | {float(peak):.0f} MB |\n"
        f"| scrub {scrubbed} claims against the imported table (after loading the tables) | {float(scrub_s):.2f} s | | "
        f"{float(scrub_peak):.0f} MB |\n"
        f"| the same scrub with the shipped subset only | {float(baseline[1]):.2f} s | | "
        f"{float(baseline[2]):.0f} MB |\n\n"
        f"The indexed table is {index_mb:.0f} MB on disk; {int(kept):,} rows kept. "
        f"Figures: `{json.dumps(figures)}`.\n\n"
        "Repeat with: `.venv/bin/python -m bench ncci_import [--quick]`.\n"
    )
