"""Run every benchmark and write the figures to docs/performance.md.

Each benchmark is a module in this package with ``TITLE: str`` and ``run(quick: bool) -> str``
returning a Markdown section that starts with ``## TITLE`` (figures, peers measured in the
same run, the command to repeat it). ``python -m bench`` runs all of them and rewrites
docs/performance.md; ``python -m bench --write NAME …`` runs some and replaces only their
sections there; ``--quick`` (small sizes) and a named run without ``--write`` only print;
``--quick --write NAME`` writes the small run's sections (never the whole file at small size).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BENCHMARKS = [
    "scrub",
    "x12_835",
    "x12_271",
    "x12_shapes",
    "x12_277",
    "x12_837",
    "store",
    "claims_build",
    "posting",
    "web",
    "startup",
    "ncci_import",
    "paper",
    "code_advisor",
    "reports",
    "practices",
]
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
    parser.add_argument(
        "--write", action="store_true", help="replace the named sections in docs/performance.md"
    )
    args = parser.parse_args()
    if args.quick and args.write and not args.names:
        parser.error("--quick --write needs the benchmarks named: the whole file is full size")
    names = args.names or BENCHMARKS
    with _own_home():
        sections = _run(names, quick=args.quick)
    header = (
        "# therabill performance\n\n"
        "Written by `make bench` (`python -m bench`). Each section was measured in one run, its "
        "peers beside it in that same run; the line under each heading says where and when.\n"
        "Numbers vary with the machine: repeat with the command each section gives.\n\n"
    )
    if not args.write and (args.quick or args.names):
        print(header + "\n".join(sections))
    elif args.names:
        OUT.write_text(
            _merge(OUT.read_text("utf-8") if OUT.exists() else header, sections), "utf-8"
        )
        print(f"bench: updated {', '.join(names)} in {OUT}", file=sys.stderr)
    else:
        OUT.write_text(header + "\n".join(sections), "utf-8")
        print(f"bench: wrote {OUT}", file=sys.stderr)
    return 0


def _run(names: list[str], *, quick: bool) -> list[str]:
    """Run the named benchmarks in order; their Markdown sections, stamped."""
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
        section = module.run(quick)
        print(f"bench: {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        stamp = f"_Measured on {machine()}, {dt.date.today().isoformat()}._\n"
        head, _, body = section.strip().partition("\n")
        sections.append(f"{head}\n\n{stamp}{body.rstrip()}\n")
    return sections


@contextlib.contextmanager
def _own_home() -> Iterator[None]:
    """Run with a data directory of the run's own unless THERABILL_HOME names one: a bench
    must never write into (or depend on the audit key of) the user's real data directory."""
    if os.environ.get("THERABILL_HOME"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="therabill-bench-") as home:
        os.environ["THERABILL_HOME"] = home
        try:
            yield
        finally:
            os.environ.pop("THERABILL_HOME", None)


def _merge(document: str, sections: list[str]) -> str:
    """Replace the ``## TITLE`` sections of ``document`` by the new ones (append new titles)."""
    preamble, *old = document.split("\n## ")
    parts = {part.partition("\n")[0]: "## " + part.rstrip() + "\n" for part in old}
    for section in sections:
        parts[section.partition("\n")[0].removeprefix("## ")] = section
    return preamble.rstrip() + "\n\n" + "\n".join(parts.values())


if __name__ == "__main__":
    raise SystemExit(main())
