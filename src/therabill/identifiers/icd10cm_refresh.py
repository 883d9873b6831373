"""Rebuild the shipped ICD-10-CM validity data from the official code files, one per release.

Run it when a new fiscal year (October 1) or mid-year (April 1) release comes out::

    python -m therabill.identifiers.icd10cm_refresh \\
        2020-10-01=icd10cm_order_2021.txt 2021-10-01=icd10cm_order_2022.txt ... \\
        --out src/therabill/identifiers/data

Each argument is a release's effective date and its CMS/CDC "tabular order" file
(``icd10cm_order_YYYY.txt``: order number, code, a 1 when the code is valid for HIPAA-covered
transactions, titles), or a plain list of every code in the tabular list (one a line, as the
simple-icd-10-cm package ships the CDC's list), whose billable codes are its leaves.
``DATE=ORDER@ADDENDA`` is the release *before* an update: the order file with its order
addenda (``icd10cm_order_addenda_YYYY.txt``: ``Add:``/``Delete:`` rows) undone. CMS re-posts
a fiscal year's files with the April update folded in, so the October list of such a year is
rebuilt this way.

It writes ``icd10cm_billable.csv`` (every billable code of the newest release) and
``icd10cm_changes.csv`` (each code that became or stopped being billable since the oldest
release, with the date), so the diff of a new release is a reviewable data diff.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

SHAPE = re.compile(r"^[A-Z][0-9A-Z]{2,6}$")  # a letter, then 2 to 6 letters or digits

HEADER_BILLABLE = """\
# ICD-10-CM codes valid for HIPAA-covered transactions (billable), release {release}.
# Source: CMS/CDC ICD-10-CM code descriptions in tabular order (icd10cm_order_YYYY.txt,
# https://www.cms.gov/medicare/coding-billing/icd-10-codes and
# https://ftp.cdc.gov/pub/Health_Statistics/NCHS/Publications/ICD10CM/); rebuilt by
# therabill.identifiers.icd10cm_refresh. One code a line, without the dot.
code
"""
HEADER_CHANGES = """\
# ICD-10-CM codes that became billable (added) or stopped being billable (deleted, or
# expanded into more specific codes) in each release since {first}.
# A release is in force from its effective date: October 1 starts the federal fiscal year,
# April 1 is the mid-year update (ICD-10-CM Official Guidelines, Introduction; CDC NCHS).
# Source: the CMS/CDC tabular order files of each release, listed in `releases` below:
{releases}
# Rebuilt by therabill.identifiers.icd10cm_refresh.
code,change,effective
"""


def billable_from_order(lines: Iterable[str]) -> set[str]:
    """Billable codes of a tabular order file: column 15 is 1 for a code valid on a claim."""
    found: set[str] = set()
    for line in lines:
        if len(line) > 14 and line[14] == "1":
            code = line[6:13].strip()
            if SHAPE.match(code):
                found.add(code)
    return found


def billable_from_list(lines: Iterable[str]) -> set[str]:
    """Billable codes of a list of every tabular code (headings included): the leaves."""
    codes = sorted({c for c in (line.strip().replace(".", "") for line in lines) if SHAPE.match(c)})
    return {
        code
        for i, code in enumerate(codes)
        if not (i + 1 < len(codes) and codes[i + 1].startswith(code))
    }


def read_release(path: Path) -> set[str]:
    """The billable codes of a release file (tabular order file or plain code list)."""
    lines = path.read_text(encoding="latin-1").splitlines()
    ordered = any(len(line) > 14 and line[:5].isdigit() for line in lines[:5])
    return billable_from_order(lines) if ordered else billable_from_list(lines)


def undo_addenda(codes: set[str], addenda: Iterable[str]) -> set[str]:
    """The billable codes before an update: its added billable codes removed, its deleted
    billable codes put back (order addenda rows: ``Add:``/``Delete:``, flag, code)."""
    before = set(codes)
    for line in addenda:
        action, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) < 2 or parts[0] != "1" or not SHAPE.match(parts[1]):
            continue
        if action.strip() == "Add":
            before.discard(parts[1])
        elif action.strip() == "Delete":
            before.add(parts[1])
    return before


def changes(
    releases: Sequence[tuple[dt.date, set[str]]],
) -> list[tuple[str, str, dt.date]]:
    """(code, "added" | "deleted", effective date) between consecutive releases, in order."""
    out: list[tuple[str, str, dt.date]] = []
    ordered = sorted(releases, key=lambda r: r[0])
    for (_, before), (day, after) in itertools.pairwise(ordered):
        out += [(code, "added", day) for code in sorted(after - before)]
        out += [(code, "deleted", day) for code in sorted(before - after)]
    out.sort(key=lambda row: (row[0], row[2]))
    return out


def write(out_dir: Path, releases: Sequence[tuple[dt.date, str, set[str]]]) -> None:
    """Write icd10cm_billable.csv and icd10cm_changes.csv into ``out_dir``."""
    ordered = sorted(releases, key=lambda r: r[0])
    newest_day, newest_name, newest = ordered[-1]
    listed = "\n".join(f"#   {day}: {name}" for day, name, _ in ordered)
    (out_dir / "icd10cm_billable.csv").write_text(
        HEADER_BILLABLE.format(release=f"in force from {newest_day} ({newest_name})")
        + "".join(f"{code}\n" for code in sorted(newest)),
        encoding="utf-8",
    )
    rows = changes([(day, codes) for day, _, codes in ordered])
    (out_dir / "icd10cm_changes.csv").write_text(
        HEADER_CHANGES.format(first=ordered[0][0], releases=listed)
        + "".join(f"{code},{change},{day}\n" for code, change, day in rows),
        encoding="utf-8",
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("releases", nargs="+", help="EFFECTIVE-DATE=PATH, one per release")
    parser.add_argument("--out", type=Path, required=True, help="the data folder to write")
    args = parser.parse_args(argv)
    releases: list[tuple[dt.date, str, set[str]]] = []
    for item in args.releases:
        day, _, name = item.partition("=")
        file_name, _, addenda_name = name.partition("@")
        path = Path(file_name)
        codes = read_release(path)
        label = path.name
        if addenda_name:
            addenda = Path(addenda_name).read_text(encoding="latin-1").splitlines()
            codes = undo_addenda(codes, addenda)
            label = f"{path.name} less {Path(addenda_name).name}"
        releases.append((dt.date.fromisoformat(day), label, codes))
    write(args.out, releases)


if __name__ == "__main__":  # pragma: no cover
    main()
