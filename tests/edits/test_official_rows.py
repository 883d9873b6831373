"""The shipped subset against the rows of the 2026 Q3/Q4 CMS practitioner files, the importer
on files in the official layout, and the script that builds the subset."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clock import TODAY
from therabill.edits import (
    PtpEdit,
    import_cms_files,
    iter_cms_ptp,
    load_edit_tables,
    parse_mue,
    parse_ptp,
    shipped_tables,
)
from therabill.edits.tables import _package_text
from therabill.store.services.edits import import_edit_files

DATA = Path(__file__).parent / "data"
PTP_EXCERPT = DATA / "ccipra-v323r0-excerpt.txt"
MUE_EXCERPT = DATA / "MCR_MUE_PractitionerServices_Eff_10-01-2026-excerpt.csv"
D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("first", "second", "day", "expected"),
    [
        ("97530", "97140", "2019-12-31", ("97140", "97530", 1)),
        ("97530", "97140", "2020-01-01", None),
        ("97530", "97140", "2026-11-20", None),
        ("97161", "97140", "2026-11-20", None),
        ("97162", "97140", "2026-11-20", None),
        ("97163", "97140", "2020-10-01", None),
        ("97530", "97116", "2019-06-03", ("97530", "97116", 1)),
        ("97530", "97116", "2026-11-20", None),
        ("97162", "97161", "2026-11-20", ("97162", "97161", 0)),
        ("97163", "97161", "2026-11-20", ("97163", "97161", 0)),
        ("97163", "97162", "2026-11-20", ("97163", "97162", 0)),
        ("97163", "97162", "2020-06-01", None),
        ("97530", "97161", "2020-01-01", None),
    ],
    ids=[
        "97140-97530-last-day", "97140-97530-ended-2019", "97140-97530-today",
        "97161-97140-indicator-9", "97162-97140-indicator-9", "97163-97140-indicator-9",
        "97530-97116-before-2020", "97530-97116-ended-2019", "97162-97161-indicator-0",
        "97163-97161-indicator-0", "97163-97162-indicator-0", "evaluations-gap-2020",
        "97530-eval-2020-hard-edit-deleted",
    ],
)  # fmt: skip
def test_shipped_pairs_are_the_cms_rows(
    first: str, second: str, day: str, expected: tuple[str, str, int] | None
) -> None:
    """CMS practitioner PTP file v32.3 (2026 Q4), rows as kept in Ttheegela/PriorPath."""
    edit = shipped_tables().pair(first, second, D(day))
    found = (edit.column1, edit.column2, edit.modifier_indicator) if edit else None
    assert found == expected
    if edit is not None:
        assert edit.status == "P" and "v32.3" in edit.source


@pytest.mark.parametrize(
    ("code", "limit", "mai"),
    [("97110", 6, 3), ("97112", 4, 3), ("97116", 4, 3), ("97140", 6, 3), ("97530", 6, 3),
     ("97161", 1, 2), ("97162", 1, 2), ("97163", 1, 2)],
    ids=lambda v: str(v),
)  # fmt: skip
def test_shipped_mue_are_the_cms_values(code: str, limit: int, mai: int) -> None:
    """CMS practitioner MUE table effective 2026-10-01."""
    found = shipped_tables().mue[code]
    assert (found.limit, found.mai, found.status) == (limit, mai, "P")


def test_shipped_files_name_quarter_source_and_licence() -> None:
    for name in ("ptp.csv", "mue.csv"):
        head = _package_text(name).split("\n", 9)
        text = "\n".join(head[:9])
        assert "2026 Q4" in text and "build_ncci_subset.py" in text
        assert "public domain" in text and "Ttheegela/PriorPath" in text
    assert "ccipra-v323r0" in _package_text("ptp.csv").split("\n", 2)[1]


def test_article_rows_only_where_the_cms_copy_is_silent() -> None:
    for edit in shipped_tables().all_ptp():
        if edit.status == "S":
            assert "97150" in (edit.column1, edit.column2) or {edit.column1, edit.column2} & {
                "97113", "97012", "97164"
            }  # fmt: skip


def test_official_layout_excerpt_imports_and_agrees_with_shipped(tmp_path: Path) -> None:
    result = import_edit_files(
        [PTP_EXCERPT, MUE_EXCERPT], today=TODAY, directory=tmp_path / "edits"
    )
    ptp, mue = result.files
    assert (ptp.kind, ptp.rows_read, ptp.rows_kept, ptp.release) == ("ptp", 14, 14, "v323r0")
    assert (mue.kind, mue.rows_read, mue.rows_kept) == ("mue", 8, 8)
    compared = result.comparison
    # the official rows agree; what differs is the article rows the excerpt has no row for
    shipped = shipped_tables()
    for difference in compared.differences:
        codes = difference.item.split()[1].split("/")
        if difference.item.startswith("PTP"):
            assert {e.status for e in shipped.rows_for(codes[0], codes[1])} == {"S"}
        else:  # a secondary limit, or a code the excerpt has no row for (97597, 97598)
            assert shipped.mue[codes[0]].status == "S" or codes[0] in {"97597", "97598"}
    assert "PTP 97012/97140" in {d.item for d in compared.differences}
    assert compared.compared - len(compared.differences) == 24
    tables = load_edit_tables(tmp_path / "edits")
    assert tables.pair("97150", "97110", TODAY) is None  # shipped article rows replaced
    assert tables.mue["97110"].limit == 6 and "97035" not in tables.mue
    assert "MCR_MUE" in tables.mue["97110"].source


def test_import_reports_where_the_file_disagrees(tmp_path: Path) -> None:
    text = PTP_EXCERPT.read_text("utf-8").replace(
        "97162\t97161\t\t20201001\t*\t0", "97162\t97161\t\t20201001\t*\t1"
    )
    changed = tmp_path / "ccipra-v324r0-f4.txt"
    changed.write_text(text, "utf-8")
    result = import_edit_files([changed], today=TODAY, directory=tmp_path / "edits")
    differences = {d.item: d for d in result.comparison.differences}
    difference = differences["PTP 97161/97162"]
    assert difference.shipped == "97162/97161 indicator 0"
    assert difference.imported == "97162/97161 indicator 1"
    assert "PTP 97161/97163" not in differences  # the rows the file did not change agree
    assert any(item.startswith("MUE") for item in result.comparison.not_covered)


def _build_script() -> object:
    path = Path(__file__).parents[2] / "scripts" / "build_ncci_subset.py"
    spec = importlib.util.spec_from_file_location("build_ncci_subset", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_ncci_subset"] = module
    spec.loader.exec_module(module)
    return module


def test_build_script_from_official_layout(tmp_path: Path) -> None:
    script = _build_script()
    codes = tmp_path / "codes.txt"
    codes.write_text("97110 97112 97116 97140 97161 97162 97163 97530\n", "utf-8")
    status = script.main(  # type: ignore[attr-defined]
        ["--quarter", "2026 Q4", "--ptp", str(PTP_EXCERPT), "--mue", str(MUE_EXCERPT),
         "--covers", str(codes), "--out", str(tmp_path)]
    )  # fmt: skip
    assert status == 0
    built = parse_ptp((tmp_path / "ptp.csv").read_text("utf-8"), "ptp.csv")
    official = {(e.column1, e.column2, e.effective, e.deletion, e.modifier_indicator)
                for e in built if "CMS" in e.source}  # fmt: skip
    shipped = {(e.column1, e.column2, e.effective, e.deletion, e.modifier_indicator)
               for e in shipped_tables().all_ptp() if "CMS" in e.source}  # fmt: skip
    assert len(official) == 14 and official <= shipped
    assert not any(e.status == "S" and e.column1 == "97530" and e.column2 == "97140" for e in built)
    limits = parse_mue((tmp_path / "mue.csv").read_text("utf-8"), "mue.csv")
    assert {m.code: m.limit for m in limits if m.status == "P"}["97110"] == 6
    assert "ccipra-v323r0-excerpt.txt" in (tmp_path / "ptp.csv").read_text("utf-8")


CODES = st.from_regex(r"[0-9]{4}[0-9A-Z]", fullmatch=True)
DAYS = st.dates(min_value=dt.date(1996, 1, 1), max_value=dt.date(2030, 12, 31))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(CODES, CODES, DAYS, st.none() | DAYS, st.sampled_from([0, 1, 9]),
                  st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"),
                                                 blacklist_characters="\t\"'"), max_size=40)),
        min_size=1, max_size=30,
    ),
    st.sampled_from(["\n", "\r\n"]),
)  # fmt: skip
def test_ptp_rows_written_in_the_cms_layout_read_back(
    rows: list[tuple[str, str, dt.date, dt.date | None, int, str]], newline: str
) -> None:
    head = PTP_EXCERPT.read_text("utf-8").split("\n")[:7]
    lines = [line.rstrip("\r") for line in head]
    for col1, col2, effective, deletion, indicator, why in rows:
        lines.append("\t".join([col1, col2, "", effective.strftime("%Y%m%d"),
                                deletion.strftime("%Y%m%d") if deletion else "*",
                                str(indicator), why]))  # fmt: skip
    text = newline.join(lines) + newline
    read = list(iter_cms_ptp(text.splitlines(keepends=True), "ccipra-v999r0-f1.txt"))
    assert [(e.column1, e.column2, e.effective, e.deletion, e.modifier_indicator, e.rationale)
            for e in read] == [(a, b, c, d, i, w.strip()) for a, b, c, d, i, w in rows]  # fmt: skip
    assert all(isinstance(e, PtpEdit) and e.status == "P" for e in read)


def test_failed_import_of_several_files_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "MCR_MUE_bad.csv"
    bad.write_text(MUE_EXCERPT.read_text("utf-8") + '"97110","six","3",""\n', "utf-8")
    with pytest.raises(Exception, match="row 12"):
        import_cms_files([PTP_EXCERPT, bad], directory=tmp_path / "edits")
    assert not list((tmp_path / "edits").iterdir())


MUE_HEAD = MUE_EXCERPT.read_bytes().decode("utf-8").split("\r\n")[:2]  # quoted preamble, header


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(CODES, st.integers(min_value=0, max_value=9999), st.sampled_from([1, 2, 3])),
        min_size=1, max_size=30,
    )
)  # fmt: skip
def test_mue_rows_written_in_the_cms_layout_read_back(rows: list[tuple[str, int, int]]) -> None:
    labels = {
        1: "Line Edit",
        2: "Date of Service Edit: Policy",
        3: "Date of Service Edit: Clinical",
    }
    lines = [*MUE_HEAD] + [f'"{c}","{n}","{m} {labels[m]}","Clinical: Data"' for c, n, m in rows]
    text = "\r\n".join(lines) + "\r\n"
    from therabill.edits import iter_cms_mue

    read = list(iter_cms_mue(text.splitlines(keepends=True), "MCR_MUE_x.csv"))
    assert [(m.code, m.limit, m.mai, m.per_line) for m in read] == [
        (c, n, m, m == 1) for c, n, m in rows
    ]


def test_import_reports_progress_to_the_end(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    import_edit_files(
        [PTP_EXCERPT], today=TODAY, directory=tmp_path / "edits",
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    size = PTP_EXCERPT.stat().st_size
    assert seen and seen[-1] == (size, size)


def test_rows_imported_by_earlier_versions_still_apply_until_the_next_import(
    tmp_path: Path,
) -> None:
    """Before the indexed table, imports wrote CSV files in the data folder."""
    folder = tmp_path / "edits"
    folder.mkdir()
    (folder / "ptp.csv").write_text(
        "column1,column2,effective,deletion,modifier_indicator,rationale,source,status\n"
        "97110,97124,2020-01-01,,1,x,CMS NCCI practitioner PTP file f4.txt,P\n",
        "utf-8",
    )
    tables = load_edit_tables(folder)
    assert tables.pair("97124", "97110", TODAY) is not None
    assert tables.pair("97162", "97161", TODAY) is None  # replaced, not merged
    import_cms_files([PTP_EXCERPT], directory=folder)
    assert not (folder / "ptp.csv").exists()
    assert load_edit_tables(folder).pair("97124", "97110", TODAY) is None
