"""Diagnosis rules on the sources' own examples: validity by the ICD-10-CM release in force on
the date of service, external cause codes never first-listed, and the MCE's sex edits."""

from __future__ import annotations

import pytest
from scrub_helpers import claim, line, run_rule

# M54.5 (low back pain) was billable through FY2021; FY2022 (2021-10-01) expanded it into
# M54.50, M54.51 and M54.59 (CMS/CDC FY2022 ICD-10-CM addenda).
BY_DATE = [
    ("m54.5-last-day-of-fy2021", "M54.5", "2021-09-30", None),
    ("m54.5-first-day-of-fy2022", "M54.5", "2021-10-01", "heading from 2021-10-01 (FY2022)"),
    ("m54.50-before-fy2022", "M54.50", "2021-09-30", "billable from 2021-10-01"),
    ("m54.50-in-fy2022", "M54.50", "2021-10-01", None),
    # April 1, 2022 update: Z28.3 (underimmunization status) expanded into Z28.310 …
    ("z28.3-before-april-2022", "Z28.3", "2022-03-31", None),
    ("z28.3-april-2022", "Z28.3", "2022-04-01", "the April 2022 update"),
    # FY2023 (2022-10-01) expanded N80.0 (endometriosis of uterus).
    ("n80.0-fy2022", "N80.0", "2022-09-30", None),
    ("n80.0-fy2023", "N80.0", "2022-10-01", "FY2023"),
    # FY2026 (2025-10-01) added QA0.08, a neurodevelopmental disorder of a specific gene.
    ("qa0.8-before-fy2026", "QA0.8", "2025-09-30", "billable from 2025-10-01 (FY2026)"),
    ("qa0.8-fy2026", "QA0.8", "2025-10-01", None),
]


@pytest.mark.parametrize(("code", "day", "expected"), [c[1:] for c in BY_DATE],
                         ids=[c[0] for c in BY_DATE])  # fmt: skip
def test_a_diagnosis_is_judged_by_the_release_in_force_on_the_line_s_date(
    code: str, day: str, expected: str | None
) -> None:
    found = run_rule("diagnosis.invalid", claim(line("97110", 23, 2, date=day), diagnoses=[code]))
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0].message, found
        assert found[0].field == "diagnoses[0]"


def test_the_replacement_codes_are_named() -> None:
    after = run_rule(
        "diagnosis.invalid", claim(line("97110", 23, 2, date="2021-10-01"), diagnoses=["M54.5"])
    )
    assert after[0].fix is not None and "M54.50, M54.51, M54.59" in after[0].fix
    before = run_rule(
        "diagnosis.invalid", claim(line("97110", 23, 2, date="2021-09-30"), diagnoses=["M54.50"])
    )
    assert before[0].fix == "For a service before 2021-10-01 use M54.5."


def test_each_diagnosis_is_checked_on_the_dates_of_the_lines_pointing_to_it() -> None:
    data = claim(
        line("97110", 23, 2, date="2021-09-30", pointers=[1]),
        line("97110", 23, 2, date="2021-10-01", pointers=[2]),
        diagnoses=["M54.5", "M54.50"],
    )
    assert run_rule("diagnosis.invalid", data) == []
    crossed = claim(
        line("97110", 23, 2, date="2021-09-30", pointers=[2]),
        line("97110", 23, 2, date="2021-10-01", pointers=[1]),
        diagnoses=["M54.5", "M54.50"],
    )
    assert [f.field for f in run_rule("diagnosis.invalid", crossed)] == [
        "diagnoses[0]",
        "diagnoses[1]",
    ]


EXTERNAL = [
    # Guidelines I.C.20: "an external cause code can never be a principal (first-listed)
    # diagnosis"; a fall on the same level (W01) explains the injury, it is not the injury.
    ("w01-first", ["W01.0XXA", "S93.401A"], True),
    ("v-code-first", ["V43.52XA", "S13.4XXA"], True),
    ("y93-first", ["Y93.01", "M54.50"], True),
    ("injury-first-then-cause", ["S93.401A", "W01.0XXA"], False),
    ("no-external-cause", ["M54.50"], False),
]


@pytest.mark.parametrize(("diagnoses", "fires"), [c[1:] for c in EXTERNAL],
                         ids=[c[0] for c in EXTERNAL])  # fmt: skip
def test_an_external_cause_code_is_never_first_listed(diagnoses: list[str], fires: bool) -> None:
    found = run_rule("diagnosis.external-cause-first", claim(diagnoses=diagnoses))
    assert bool(found) is fires
    if fires:
        assert found[0].field == "diagnoses[0]" and "external cause" in found[0].message


SEX = [
    # MCE 5.C, diagnoses for males only: C61 (malignant neoplasm of prostate), N40.0 (BPH).
    ("prostate-cancer-female", "C61", "F", True),
    ("prostate-cancer-male", "C61", "M", False),
    ("bph-female", "N40.0", "F", True),
    # MCE 5.A, diagnoses for females only: N81.4 (uterovaginal prolapse) on a male client.
    ("prolapse-male", "N81.4", "M", True),
    ("prolapse-female", "N81.4", "F", False),
    # N80.00 entered ICD-10-CM after MCE v37 (FY2023): it keeps N80.0's female-only edit.
    ("endometriosis-child-code-male", "N80.00", "M", True),
    ("unknown-sex", "C61", "U", False),
    ("not-sex-specific", "M54.50", "M", False),
]


@pytest.mark.parametrize(("code", "sex", "fires"), [c[1:] for c in SEX],
                         ids=[c[0] for c in SEX])  # fmt: skip
def test_a_sex_specific_diagnosis_is_checked_against_the_client_s_sex(
    code: str, sex: str, fires: bool
) -> None:
    data = claim(diagnoses=[code])
    data["client"] = {**data["client"], "sex": sex}
    found = run_rule("diagnosis.sex", data)
    assert bool(found) is fires
    if fires:
        assert found[0].severity == "warning" and code in found[0].message


DOTTED = [
    # The claim holds codes as the 837P carries them (HI01-2: no dot, X12 005010X222A1);
    # a biller reads them dotted, as on the CMS-1500 (box 21).
    ("external-cause", "diagnosis.external-cause-first", ["W010XXA", "S93401A"], {}, "W01.0XXA"),
    ("twice", "diagnosis.too-many", ["M6281", "M62.81"], {}, "M62.81 is listed twice"),
    ("sex", "diagnosis.sex", ["C61", "N814"], {"sex": "M"}, "N81.4 is a diagnosis"),
]


@pytest.mark.parametrize(("rule_id", "diagnoses", "client", "expected"),
                         [c[1:] for c in DOTTED], ids=[c[0] for c in DOTTED])  # fmt: skip
def test_a_finding_shows_the_diagnosis_with_its_dot(
    rule_id: str, diagnoses: list[str], client: dict[str, str], expected: str
) -> None:
    data = claim(diagnoses=diagnoses)
    data["client"] = {**data["client"], **client}
    found = run_rule(rule_id, data)
    assert found and expected in found[0].message, [f.message for f in found]
    assert found[0].code == diagnoses[int(found[0].field[-2])]  # the code as the claim holds it


@pytest.mark.parametrize(
    ("text", "code", "shown"),
    [
        ("M6281 is listed twice.", "M6281", "M62.81 is listed twice."),
        ("Use M6281.", "M6281", "Use M62.81."),  # a sentence's full stop is not part of it
        ("M62.81 stays.", "M62.81", "M62.81 stays."),
        ("AM6281 is another word.", "M6281", "AM6281 is another word."),
        ("R51 has no dot.", "R51", "R51 has no dot."),
    ],
)
def test_dotted_diagnosis(text: str, code: str, shown: str) -> None:
    from therabill.scrub.registry import dotted_diagnosis

    assert dotted_diagnosis(text, code) == shown
