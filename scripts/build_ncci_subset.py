"""Build therabill's shipped NCCI subset (src/therabill/edits/data/ptp.csv, mue.csv) from the
official CMS practitioner files.

Run it when CMS publishes a quarter, and review the data diff:

    .venv/bin/python scripts/build_ncci_subset.py \\
        --quarter "2026 Q4 (effective 2026-10-01)" \\
        --ptp ccipra-v323r0-f1.txt --ptp ccipra-v323r0-f2.txt \\
        --ptp ccipra-v323r0-f3.txt --ptp ccipra-v323r0-f4.txt \\
        --mue MCR_MUE_PractitionerServices_Eff_10-01-2026.csv

The inputs are the files inside CMS's zips ("Medicare NCCI Procedure to Procedure (PTP)
Edits" and "Medically Unlikely Edits" pages, practitioner tables), read line by line by
therabill's own importer. A copy already cut to a list of codes is read too: a CSV with the
columns ``col1,col2,effective,deleted,modifier_indicator[,ref_version]`` (PTP) or
``code,max_units,mai[,ref_version]`` (MUE), with ``--ref-version`` choosing the release and
``--covers`` naming the codes the copy was cut to.

Kept: the rows whose codes are all in therabill's code set. The article rows in
scripts/ncci/articles_*.csv are added only for pairs and codes the official input does not
hold (with ``--covers``, pairs with a code outside that list). CMS NCCI edit files are works
of the US government (17 U.S.C. 105: public domain); the files also carry the AMA's notice
for CPT, and no CPT descriptor is copied here: only code numbers, dates, indicators and units.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from therabill.codes import load_code_set
from therabill.edits import MueLimit, PtpEdit, iter_cms_mue, iter_cms_ptp, parse_mue, parse_ptp
from therabill.edits.tables import MUE_COLUMNS, PTP_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "therabill" / "edits" / "data"
ARTICLES = Path(__file__).resolve().parent / "ncci"
LICENCE = (
    "Licence: CMS NCCI edit files are works of the US government (17 U.S.C. 105, public "
    "domain). The CMS files carry the AMA's notice for CPT; no CPT descriptor is copied here, "
    "only code numbers, dates, indicators and units."
)


def _normalised(path: Path, ref_version: str | None) -> list[dict[str, str]] | None:
    """Rows of a copy already cut to some codes (a plain CSV with named columns), or None."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        if not (first.startswith("col1,") or first.startswith("code,max_units")):
            return None
        handle.seek(0)
        rows = list(csv.DictReader(handle))
    return [r for r in rows if ref_version is None or r.get("ref_version") == ref_version]


def read_ptp(path: Path, ref_version: str | None, named: str | None) -> Iterator[PtpEdit]:
    source = f"CMS NCCI practitioner PTP file {named or path.name}"
    rows = _normalised(path, ref_version)
    if rows is None:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            for edit in iter_cms_ptp(handle, str(path)):
                yield PtpEdit(edit.column1, edit.column2, edit.effective, edit.deletion,
                              edit.modifier_indicator, edit.rationale, source, "P")  # fmt: skip
        return
    for r in rows:
        yield PtpEdit(
            r["col1"], r["col2"], dt.date.fromisoformat(r["effective"]),
            dt.date.fromisoformat(r["deleted"]) if r["deleted"] else None,
            int(r["modifier_indicator"]), "", source, "P",
        )  # fmt: skip


def read_mue(path: Path, ref_version: str | None, named: str | None) -> Iterator[MueLimit]:
    source = f"CMS practitioner MUE table {named or path.name}"
    rows = _normalised(path, ref_version)
    if rows is None:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            for m in iter_cms_mue(handle, str(path)):
                yield MueLimit(m.code, m.limit, m.mai, m.rationale, source, "P")
        return
    for r in rows:
        yield MueLimit(r["code"], int(r["max_units"]), int(r["mai"]) or None, "", source, "P")


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def write(path: Path, notes: list[str], header: tuple[str, ...], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    for note in notes:
        buffer.write(f"# {note}\n")
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)
    path.write_text(buffer.getvalue(), "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quarter", required=True, help='e.g. "2026 Q4 (PTP v32.3, …)"')
    parser.add_argument("--ptp", type=Path, action="append", required=True)
    parser.add_argument("--mue", type=Path, required=True)
    parser.add_argument("--ptp-ref-version", help="release to keep from a cut copy (PTP)")
    parser.add_argument("--mue-ref-version", help="release to keep from a cut copy (MUE)")
    parser.add_argument("--covers", type=Path, help="the codes a cut copy was cut to")
    parser.add_argument("--ptp-name", help="the CMS file names a cut PTP copy came from")
    parser.add_argument("--mue-name", help="the CMS file name a cut MUE copy came from")
    parser.add_argument("--origin", default="", help="where the input files were taken from")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    codes = set(load_code_set().codes)
    covers = set(args.covers.read_text("utf-8").split()) if args.covers else None

    def covered(*found: str) -> bool:
        return covers is None or all(c in covers for c in found)

    official = {
        (e.column1, e.column2, _iso(e.effective), _iso(e.deletion), e.modifier_indicator): e
        for path in args.ptp
        for e in read_ptp(path, args.ptp_ref_version, args.ptp_name)
        if e.column1 in codes and e.column2 in codes
    }
    articles = parse_ptp((ARTICLES / "articles_ptp.csv").read_text("utf-8"), "articles_ptp.csv")
    kept_articles = [a for a in articles if not covered(a.column1, a.column2)]
    ptp_rows = [
        [e.column1, e.column2, _iso(e.effective), _iso(e.deletion), str(e.modifier_indicator),
         e.rationale, e.source, e.status]
        for e in [*official.values(), *kept_articles]
    ]  # fmt: skip
    ptp_rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]), reverse=False)
    limits = {
        m.code: m
        for m in read_mue(args.mue, args.mue_ref_version, args.mue_name)
        if m.code in codes
    }
    mue_articles = parse_mue((ARTICLES / "articles_mue.csv").read_text("utf-8"), "articles_mue.csv")
    mue_rows = [
        [m.code, str(m.limit), str(m.mai or ""), m.rationale, m.source, m.status]
        for m in sorted([*limits.values(), *(a for a in mue_articles if not covered(a.code))],
                        key=lambda m: m.code)
    ]  # fmt: skip
    origin = f" ({args.origin})" if args.origin else ""
    inputs = args.ptp_name or ", ".join(p.name for p in args.ptp)
    cut = f" The input was cut to {len(covers)} codes (--covers)." if covers else ""
    common = [
        "Built by scripts/build_ncci_subset.py; do not edit by hand (rebuild, review the diff).",
        LICENCE,
    ]
    write(args.out / "ptp.csv", [
        f"NCCI procedure-to-procedure (PTP) edits for therapy codes: CMS practitioner PTP file, {args.quarter}.",
        f"Source files: {inputs}{origin}.{cut}",
        f"{len(official)} official rows (status P) for pairs of codes in therabill's code set; "
        f"{len(kept_articles)} article rows (status S) for pairs the official input does not hold "
        "(scripts/ncci/articles_ptp.csv).",
        "Rows are kept whole, history included: an edit applies from its effective date through its "
        "deletion date; indicator 9 means no edit; a pair can have several rows.",
        "For a pair on one date by one provider, column 1 is paid and column 2 denied unless modifier_indicator "
        "is 1 and 59/XE/XS/XP/XU is on column 2 with documentation (CMS NCCI Policy Manual ch. I).",
        "The current quarter replaces these rows when imported: therabill edits import ccipra-v###r#-f#.txt",
        *common,
    ], PTP_COLUMNS, ptp_rows)  # fmt: skip
    write(args.out / "mue.csv", [
        f"Medically unlikely edits (MUE) for therapy codes: CMS practitioner MUE table, {args.quarter}.",
        f"Source file: {args.mue_name or args.mue.name}{origin}.{cut}",
        f"{len(limits)} official limits (status P); "
        f"{len(mue_rows) - len(limits)} secondary limits (status S) for codes the official input does not "
        "hold (scripts/ncci/articles_mue.csv).",
        "mai: MUE adjudication indicator: 1 per claim line, 2 per date (policy), 3 per date (clinical); blank = "
        "not known (checked per date).",
        "The current quarter replaces these rows when imported: therabill edits import "
        "MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv",
        *common,
    ], MUE_COLUMNS, mue_rows)  # fmt: skip
    print(f"ptp: {len(official)} official + {len(kept_articles)} article rows; "
          f"mue: {len(limits)} official + {len(mue_rows) - len(limits)} secondary", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
