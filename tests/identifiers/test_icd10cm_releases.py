"""The shipped ICD-10-CM release data and the refresh that rebuilds it from the official files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.identifiers import icd10cm, icd10cm_refresh, icd10cm_releases

# Rows in the CMS/CDC tabular order file layout (order number, code, valid flag, titles).
ORDER_2021 = """\
11111 M54     0 Dorsalgia                                                    Dorsalgia
11112 M545    1 Low back pain                                                Low back pain
11113 M546    1 Pain in thoracic spine                                       Pain in thoracic spine
11117 Z283    1 Underimmunization status                                     Underimmunization status
"""
ORDER_2022 = """\
11111 M54     0 Dorsalgia                                                    Dorsalgia
11112 M545    0 Low back pain                                                Low back pain
11113 M5450   1 Low back pain, unspecified                                   Low back pain, unspecified
11114 M5451   1 Vertebrogenic low back pain                                  Vertebrogenic low back pain
11115 M5459   1 Other low back pain                                          Other low back pain
11116 M546    1 Pain in thoracic spine                                       Pain in thoracic spine
11117 Z283    0 Underimmunization status                                     Underimmunization status
11118 Z2831   0 Underimmunization for COVID-19 status                        Underimmunization for
11119 Z28310  1 Unvaccinated for COVID-19                                    Unvaccinated for COVID-19
"""
# The April 2022 order addenda (as CMS re-posts FY2022 with the April update folded in).
ADDENDA_APRIL_2022 = """\
Delete:      1 Z283    Underimmunization status                                     Underimmunization status
Add:         0 Z283    Underimmunization status                                     Underimmunization status
Add:         0 Z2831   Underimmunization for COVID-19 status                        Underimmunization for
Add:         1 Z28310  Unvaccinated for COVID-19                                    Unvaccinated for COVID-19
"""


def test_the_refresh_writes_the_changes_between_releases(tmp_path: Path) -> None:
    files = {"o21.txt": ORDER_2021, "o22.txt": ORDER_2022, "a22.txt": ADDENDA_APRIL_2022}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="latin-1")
    icd10cm_refresh.main([
        f"2020-10-01={tmp_path / 'o21.txt'}",
        f"2021-10-01={tmp_path / 'o22.txt'}@{tmp_path / 'a22.txt'}",
        f"2022-04-01={tmp_path / 'o22.txt'}",
        "--out", str(tmp_path),
    ])  # fmt: skip
    rows = [
        line
        for line in (tmp_path / "icd10cm_changes.csv").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert rows == [
        "code,change,effective",
        "M545,deleted,2021-10-01",
        "M5450,added,2021-10-01",
        "M5451,added,2021-10-01",
        "M5459,added,2021-10-01",
        "Z283,deleted,2022-04-01",
        "Z28310,added,2022-04-01",
    ]
    billable = (tmp_path / "icd10cm_billable.csv").read_text().splitlines()
    assert [r for r in billable if not r.startswith("#")][1:] == [
        "M5450", "M5451", "M5459", "M546", "Z28310",
    ]  # fmt: skip


def test_a_plain_code_list_counts_its_leaves_as_billable() -> None:
    codes = ["1", "A00-A09", "M54", "M54.5", "M54.50", "M54.59", "QA0", "QA0.8"]
    assert icd10cm_refresh.billable_from_list(codes) == {"M5450", "M5459", "QA08"}


def test_the_shipped_data_matches_cms_published_counts() -> None:
    """CMS's addenda summaries: FY2022 159 codes added and 32 deleted; FY2026 487 and 28."""
    data = icd10cm_releases.releases()
    added: dict[dt.date, int] = {}
    deleted: dict[dt.date, int] = {}
    for events in data.changes.values():
        for day, change in events:
            target = added if change == "added" else deleted
            target[day] = target.get(day, 0) + 1
    assert (added[dt.date(2021, 10, 1)], deleted[dt.date(2021, 10, 1)]) == (159, 32)
    assert (added[dt.date(2025, 10, 1)], deleted[dt.date(2025, 10, 1)]) == (487, 28)
    assert len(data.billable) == 74_719


@pytest.mark.parametrize(
    ("day", "name"),
    [(dt.date(2021, 10, 1), "FY2022"), (dt.date(2023, 4, 1), "the April 2023 update")],
)
def test_release_names(day: dt.date, name: str) -> None:
    assert icd10cm_releases.release_name(day) == name


@given(st.text(max_size=12), st.dates(dt.date(2015, 1, 1), dt.date(2030, 1, 1)))
def test_any_text_on_any_date_gets_an_answer_never_a_crash(text: str, day: dt.date) -> None:
    result = icd10cm.problem_on(text, day)
    assert result is None or result.message
