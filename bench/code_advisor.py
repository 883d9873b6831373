"""The code advisor: top-1 and top-3 accuracy on the labelled descriptions (the training part
and the held-out part it was never tuned on) and answers per second; the code set's keyword
search (``therabill codes search``, no discipline, no advice file) on the same set beside it.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from therabill.codes import load_code_set
from therabill.codes.advisor import advise, advisor

TITLE = "Code advisor"
LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "advisor" / "labelled.csv"
DAY = dt.date(2026, 11, 28)


def labelled() -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _accuracy(
    rows: list[dict[str, str]], rank: Callable[[dict[str, str]], list[str]]
) -> tuple[float, float]:
    ranked = [(row["code"], rank(row)) for row in rows]
    top1 = sum(codes[:1] == [want] for want, codes in ranked) / len(ranked)
    top3 = sum(want in codes[:3] for want, codes in ranked) / len(ranked)
    return top1, top3


def run(quick: bool) -> str:
    rows = labelled()
    started = time.perf_counter()
    advisor()
    built = time.perf_counter() - started
    code_set = load_code_set()

    def advised(row: dict[str, str]) -> list[str]:
        return advise(row["text"], discipline=row["discipline"], day=DAY).codes()

    def searched(row: dict[str, str]) -> list[str]:
        return [hit.code.code for hit in code_set.search(row["text"], limit=3)]

    lines = [
        f"## {TITLE}",
        "",
        f"{len(rows)} session descriptions written for therabill (tests/data/advisor/labelled.csv), "
        "each labelled with the code the cited clarifications point to; every fourth of each "
        "discipline is held out and was never used to tune the advice file.",
        "",
        "| part | descriptions | advisor top-1 | advisor top-3 | keyword search top-1 | keyword search top-3 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for part in ("train", "heldout"):
        subset = [r for r in rows if r["split"] == part]
        a1, a3 = _accuracy(subset, advised)
        s1, s3 = _accuracy(subset, searched)
        lines.append(f"| {part} | {len(subset)} | {a1:.0%} | {a3:.0%} | {s1:.0%} | {s3:.0%} |")
    seconds = 0.5 if quick else 3.0
    answered = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for row in rows:
            advise(row["text"], discipline=row["discipline"], day=DAY)
        answered += len(rows)
    rate = answered / (time.perf_counter() - started)
    lines += [
        "",
        f"Answers per second (one core, the descriptions above in turn): **{rate:,.0f}**; "
        f"the index over {len(code_set)} codes is built once per process in {built * 1000:.0f} ms.",
        "",
        "The held-out descriptions were written by the same hand as the advice file, in the same "
        "plain words: they measure the matching, not how therapists really write. Repeat: "
        "`python -m bench code_advisor`.",
    ]
    return "\n".join(lines)
