"""Run every benchmark and write the figures to docs/performance.md.

Each benchmark is a module in this package with ``TITLE: str`` and ``run(quick: bool) -> str``
returning a Markdown section (figures, peers measured in the same run, the command to repeat
it). ``python -m bench [--quick] [name ...]`` runs some or all; only a full run of all of them
rewrites docs/performance.md (a partial run prints its sections).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
import time
from pathlib import Path

BENCHMARKS = ["scrub", "x12_835", "x12_837", "store", "posting", "web"]
OUT = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, {cpus} cores"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default all: {', '.join(BENCHMARKS)})"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    names = args.names or BENCHMARKS
    sections = []
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"bench: no benchmark {name!r} yet, skipped", file=sys.stderr)
                continue
            raise
        print(f"bench: running {name} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        section = module.run(args.quick)
        print(f"bench: {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        sections.append(section.rstrip() + "\n")
    header = (
        "# therabill performance\n\n"
        "Written by `make bench` (`python -m bench`); every figure below was measured in the same "
        f"run, peers included, on {machine()}, {dt.date.today().isoformat()}.\n"
        "Numbers vary with the machine: repeat with the command each section gives.\n\n"
    )
    text = header + "\n".join(sections)
    if args.names or args.quick:
        print(text)
    else:
        OUT.write_text(text, "utf-8")
        print(f"bench: wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
