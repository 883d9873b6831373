"""Edit tables: the sourced subset, lookups by date, and the CMS file importer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from therabill.edits import (
    detect_kind,
    import_cms_file,
    import_cms_files,
    index_file,
    load_edit_tables,
    parse_ptp,
    read_cms_mue,
    read_cms_ptp,
    shipped_tables,
)
from therabill.errors import DataFileError

DAY = dt.date(2026, 11, 20)

PTP_TXT = (
    "CPT codes, descriptions and other data only are copyright 2025 American Medical Association.\n"
    "\n"
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\tModifier\t"
    "PTP Edit Rationale\n"
    "\t\t\t\t*=no data\t0=not allowed\t\n"
    "\t\t\t\t\t1=allowed\t\n"
    "\t\t\t\t\t9=not applicable\t\n"
    "97530\t97140\t\t20200101\t*\t1\tMutually exclusive procedures\n"
    "97530\t97161\t\t20200101\t20200401\t0\tMisuse of column two code with column one code\n"
    "97012\t97140\t*\t19960101\t*\t1\tStandards of medical / surgical practice\n"
    "0001A\t0591T\t\t20220101\t20231231\t1\tCPT Manual or CMS manual coding instruction\n"
)
MUE_CSV = (
    '"CPT codes, descriptions and other data only are copyright 2025 American Medical '
    'Association.\nAll rights reserved."\n'
    '"HCPCS/CPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator",'
    '"MUE Rationale"\n'
    '"97035","2","3 Date of Service Edit: Clinical","Clinical: Data"\n'
    '"92507","1","2 Date of Service Edit: Policy","Nature of Service/Procedure"\n'
    '"0001A","1","2 Date of Service Edit: Policy","Code Descriptor / CPT Instruction"\n'
)


def test_shipped_subset_every_row_sourced() -> None:
    tables = shipped_tables()
    assert tables.all_ptp() and tables.mue
    for edit in tables.all_ptp():
        assert edit.source and edit.status in {"P", "S", "?"}
    assert tables.mue["97035"].limit == 2 and tables.mue["92507"].limit == 1


@pytest.mark.parametrize(
    ("first", "second", "indicator"),
    [("97162", "97161", 0), ("97161", "97162", 0), ("92522", "92523", 0), ("97110", "97124", None)],
    ids=["in-order", "reversed", "indicator-0-article", "no-pair"],
)
def test_pair_lookup_either_order(first: str, second: str, indicator: int | None) -> None:
    edit = shipped_tables().pair(first, second, DAY)
    assert (edit.modifier_indicator if edit else None) == indicator


def test_cms_ptp_layout() -> None:
    edits = read_cms_ptp(PTP_TXT, "ccipra-v321r0-f1.txt")
    assert len(edits) == 4
    first, deleted = edits[0], edits[1]
    assert (first.column1, first.column2, first.modifier_indicator) == ("97530", "97140", 1)
    assert first.effective == dt.date(2020, 1, 1) and first.deletion is None
    assert deleted.deletion == dt.date(2020, 4, 1)
    # the deletion date is the edit's last day (CMS files: 99201 edits end 20201231)
    assert deleted.active_on(dt.date(2020, 4, 1)) and not deleted.active_on(dt.date(2020, 4, 2))
    assert "ccipra-v321r0-f1.txt" in first.source and first.status == "P"


def test_cms_ptp_comma_separated_export() -> None:
    text = PTP_TXT.replace("\t", ",")
    assert len(read_cms_ptp(text, "ptp.csv")) == 4


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("97530\t97140\t\t2020-01-01\t*\t1\tx", "YYYYMMDD"),
        ("97530\t97140\t\t20200101\t*\t2\tx", "0, 1 or 9"),
        ("9753\t97140\t\t20200101\t*\t1\tx", "5-character"),
        ("97530\t97140", "expected 7 columns"),
    ],
    ids=["iso-date", "indicator-2", "short-code", "truncated"],
)
def test_cms_ptp_bad_row_names_row(row: str, problem: str) -> None:
    with pytest.raises(DataFileError) as info:
        read_cms_ptp(PTP_TXT + row + "\n", "f1.txt")
    assert "row 11" in str(info.value) and problem in str(info.value)
    assert "nothing was imported" in str(info.value)


def test_cms_ptp_several_bad_rows_listed() -> None:
    bad = "".join("97530\t97140\t\t2020\t*\t1\tx\n" for _ in range(8))
    with pytest.raises(DataFileError) as info:
        read_cms_ptp(PTP_TXT + bad, "f1.txt")
    assert "row 11" in str(info.value) and "also rows 12, 13, 14, 15 and more" in str(info.value)


def test_cms_mue_layout() -> None:
    limits = read_cms_mue(MUE_CSV, "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv")
    assert [(m.code, m.limit, m.mai) for m in limits] == [
        ("97035", 2, 3), ("92507", 1, 2), ("0001A", 1, 2),
    ]  # fmt: skip
    assert limits[0].rationale == "Clinical: Data"


def test_cms_mue_bad_row() -> None:
    with pytest.raises(DataFileError) as info:
        read_cms_mue(MUE_CSV + '"97110","many","3 Date of Service Edit: Clinical","x"\n', "m.csv")
    assert "row 7" in str(info.value) and "whole number" in str(info.value)


def test_detect_kind() -> None:
    assert detect_kind(PTP_TXT, "a") == "ptp" and detect_kind(MUE_CSV, "b") == "mue"
    with pytest.raises(DataFileError):
        detect_kind("hello", "c.txt")


def test_import_adds_up_parts_of_one_release_and_replaces_shipped_rows(tmp_path: Path) -> None:
    part1 = tmp_path / "ccipra-v321r0-f1.txt"
    part1.write_text(PTP_TXT, "latin-1")
    part2 = tmp_path / "ccipra-v321r0-f2.txt"
    part2.write_text(PTP_TXT.split("97530\t97140")[0] + "97110\t97530\t\t20210101\t*\t0\tx\n",
                     "utf-8")  # fmt: skip
    store = tmp_path / "edits"
    keep = {"97530", "97140", "97161", "97012", "97110", "97162"}
    first = import_cms_file(part1, keep=keep, directory=store)
    second = import_cms_file(part2, keep=keep, directory=store)
    assert (first.rows_read, first.rows_kept) == (4, 3) and second.rows_kept == 1
    assert first.release == "v321r0"
    tables = load_edit_tables(store)
    edit = tables.pair("97530", "97140", DAY)
    assert edit is not None and "f1.txt" in edit.source
    assert tables.pair("97110", "97530", DAY) is not None
    # the shipped 97162/97161 pair is gone: the imported file replaces the shipped rows
    assert tables.pair("97162", "97161", DAY) is None
    again = import_cms_file(part1, keep=keep, directory=store)
    assert again.rows_kept == 3
    assert len(load_edit_tables(store).all_ptp()) == 4
    newer = tmp_path / "ccipra-v322r0-f1.txt"
    newer.write_text(PTP_TXT, "utf-8")
    import_cms_file(newer, keep=keep, directory=store)
    tables = load_edit_tables(store)
    assert tables.pair("97110", "97530", DAY) is None and len(tables.all_ptp()) == 3


def test_import_keeps_repeated_pair_and_effective_date_rows(tmp_path: Path) -> None:
    """Real files repeat (column 1, column 2, effective date) with other deletion dates or
    indicators; every row is kept."""
    repeated = (
        PTP_TXT + "97530\t97140\t\t20200101\t20200101\t9\tx\n"
        "97530\t97140\t\t20200101\t*\t1\tMutually exclusive procedures\n"
    )
    path = tmp_path / "ccipra-v323r0-f3.txt"
    path.write_text(repeated, "utf-8")
    report = import_cms_file(path, directory=tmp_path / "edits")
    assert report.rows_kept == 6
    rows = load_edit_tables(tmp_path / "edits").ptp[("97530", "97140")]
    assert len(rows) == 3


def test_import_mue_replaces_limit(tmp_path: Path) -> None:
    path = tmp_path / "mue.csv"
    path.write_text(MUE_CSV.replace('"97035","2"', '"97035","3"'), "utf-8")
    import_cms_file(path, keep={"97035", "92507"}, directory=tmp_path / "edits")
    tables = load_edit_tables(tmp_path / "edits")
    assert tables.mue["97035"].limit == 3
    assert "97110" not in tables.mue  # the shipped table is replaced, not merged


def test_import_refuses_zip_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ptp.zip"
    path.write_bytes(b"PK\x03\x04junk")
    with pytest.raises(DataFileError) as info:
        import_cms_file(path, directory=tmp_path / "edits")
    assert "unzip" in str(info.value)
    assert not (tmp_path / "edits").exists()


def test_failed_import_keeps_previous_store(tmp_path: Path) -> None:
    good = tmp_path / "f1.txt"
    good.write_text(PTP_TXT, "utf-8")
    store = tmp_path / "edits"
    import_cms_file(good, directory=store)
    before = index_file(store).read_bytes()
    bad = tmp_path / "f2.txt"
    bad.write_text(PTP_TXT + "97530\tXX\n", "utf-8")
    mue = tmp_path / "mue.csv"
    mue.write_text(MUE_CSV, "utf-8")
    with pytest.raises(DataFileError):
        import_cms_files([mue, bad], directory=store)
    assert index_file(store).read_bytes() == before
    assert sorted(p.name for p in store.iterdir()) == [index_file(store).name]


def test_shipped_table_errors_name_row() -> None:
    text = "# c\ncolumn1,column2,effective,deletion,modifier_indicator,rationale,source,status\n"
    with pytest.raises(DataFileError) as info:
        parse_ptp(text + "97530,97140,,,5,x,y,S\n", "ptp.csv")
    assert "ptp.csv, row 3" in str(info.value)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(PTP_TXT)), st.text(max_size=30))
def test_cms_files_mutated_never_crash(cut: int, junk: str) -> None:
    """Random cuts and insertions in real layouts: rows, or a DataFileError; nothing else."""
    for text, read in ((PTP_TXT, read_cms_ptp), (MUE_CSV, read_cms_mue)):
        mutated = text[: cut % (len(text) + 1)] + junk + text[cut % (len(text) + 1) :]
        try:
            read(mutated, "mutated.txt")
        except DataFileError as exc:
            assert "mutated.txt" in str(exc)
