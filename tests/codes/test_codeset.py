"""The code set data: every code sourced, deleted codes with replacements, loader validation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reference_cases import sourced_cases
from therabill.codes import CodeStatus, Timing, load_code_set
from therabill.codes.loader import CODE_COLUMNS, parse_codes, parse_descriptors
from therabill.errors import CodeNotActive, DataFileError, UnknownCode

CODES = load_code_set()
DELETED = [c for c in sourced_cases() if c.get("kind") == "deleted_code"]


def test_every_code_has_a_source_and_grade() -> None:
    for code in CODES.values():
        assert code.source.strip(), code.code
        assert code.grade in {"P", "S", "?"}


@pytest.mark.parametrize(
    "code",
    # every therapy code named in billing-rules.md (§1, §3, §4, §5, §6, §7)
    [
        "97010",
        "97012",
        "97014",
        "97018",
        "97022",
        "97024",
        "97028",
        "97032",
        "97033",
        "97035",
        "97110",
        "97112",
        "97113",
        "97116",
        "97124",
        "97139",
        "97140",
        "97150",
        "97161",
        "97162",
        "97163",
        "97164",
        "97165",
        "97166",
        "97167",
        "97168",
        "97169",
        "97170",
        "97171",
        "97172",
        "97129",
        "97130",
        "97530",
        "97533",
        "97535",
        "97537",
        "97542",
        "97545",
        "97546",
        "97550",
        "97551",
        "97552",
        "97760",
        "97763",
        "92507",
        "92508",
        "92521",
        "92522",
        "92523",
        "92524",
        "92526",
        "96156",
        "96158",
        "96159",
        "96164",
        "96165",
        "96167",
        "96168",
        "96170",
        "96171",
        "98984",
        "98985",
        "98986",
        "G0283",
        "G0176",
        "G0515",
        "97001",
        "97002",
        "97003",
        "97004",
        "97005",
        "97006",
        "97532",
        "97127",
        "97762",
        "92506",
        "96150",
        "96151",
        "96152",
        "96153",
        "96154",
        "96155",
    ],
)
def test_reference_codes_are_in_the_set(code: str) -> None:
    assert code in CODES


@pytest.mark.parametrize("case", DELETED, ids=[c["id"] for c in DELETED])
def test_deleted_code_case(case: dict[str, Any]) -> None:
    code = case["input"]["code"]
    day = dt.date.fromisoformat(case["input"]["date_of_service"])
    expected = case["expected"]
    if expected["valid"]:
        assert CODES.require(code, day).code == code
        return
    with pytest.raises(CodeNotActive) as err:
        CODES.require(code, day)
    assert str(CODES[code].deleted_from) == expected["deleted_effective"]
    wanted = {r.split()[0] for r in expected["replacements"]}
    assert set(err.value.replacements) == wanted


def test_97633_is_a_misprint_of_97533() -> None:
    with pytest.raises(UnknownCode) as err:
        CODES.require("97633", dt.date(2026, 1, 1))
    assert err.value.suggestions[0] == "97533"


@pytest.mark.parametrize(
    ("typo", "meant"), [("92535", "97535"), ("97507", "92507"), ("G0823", "G0283")]
)
def test_misprints_seen_in_the_wild_suggest_the_real_code(typo: str, meant: str) -> None:
    assert CODES.suggest(typo)[0] == meant


def test_97533_is_timed_in_15_minute_units() -> None:
    code = CODES.require("97533", dt.date(2025, 6, 1))
    assert code.timed and code.unit_minutes == 15 and code.timing is Timing.PER_15


def test_addon_pairs_of_health_behavior_codes() -> None:
    """APA: 96159→96158, 96165→96164, 96168→96167, 96171→96170."""
    case = next(c for c in sourced_cases() if c["id"] == "addon-pairs-hbai")
    for addon, primary in case["expected"].items():
        assert CODES[addon].primary_code == primary
        assert CODES[primary].addon_code == addon


def test_licence_limits_and_not_recommended() -> None:
    assert CODES["97161"].disciplines == {"pt"}
    assert CODES["97166"].disciplines == {"ot"}
    assert not CODES["97161"].licensed_for("massage")
    assert "massage" in CODES["97112"].not_recommended
    assert "massage" in CODES["97530"].not_recommended
    assert CODES["97124"].licensed_for("massage")


def test_status_on_dates() -> None:
    assert CODES["97127"].status_on(dt.date(2017, 12, 31)) is CodeStatus.NOT_YET
    assert CODES["97127"].status_on(dt.date(2019, 12, 31)) is CodeStatus.ACTIVE
    assert CODES["97127"].status_on(dt.date(2020, 1, 1)) is CodeStatus.DELETED


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("neuromuscular re-education balance", "97112"),
        ("Swedish", "97124"),
        ("PNF", "97112"),
        ("myofascial release", "97140"),
        ("gait", "97116"),
        ("dressing and bathing ADL", "97535"),
        ("sensory integration", "97533"),
        ("dysphagia", "92526"),
        ("stuttering evaluation", "92521"),
    ],
)
def test_search_ranks_the_fitting_code_first(query: str, best: str) -> None:
    assert CODES.search(query)[0].code.code == best


def test_search_skips_deleted_codes_unless_asked() -> None:
    assert all(h.code.end is None for h in CODES.search("evaluation", limit=50))
    assert any(
        h.code.code == "97001"
        for h in CODES.search("physical therapy evaluation", limit=50, include_deleted=True)
    )


HEADER = ",".join(CODE_COLUMNS)
GOOD = "97110,CPT,Exercise,per_15,15,,,,8,,any,,,,,,exercise,CMS,P"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("97110,CPT,Exercise,per_15,15,,,,8,,any,,,,,,exercise,,P", "needs a source"),
        ("97110,CPT,Exercise,sometimes,15,,,,8,,any,,,,,,exercise,CMS,P", "timing 'sometimes'"),
        ("9711,CPT,Exercise,per_15,15,,,,8,,any,,,,,,exercise,CMS,P", "not a 5-character"),
        ("97110,CPT,Exercise,per_15,15,,,,eight,,any,,,,,,exercise,CMS,P", "min_minutes must be"),
        ("97110,CPT,Exercise,per_15,15,,,,8,,dancer,,,,,,exercise,CMS,P", "unknown discipline"),
        (
            "97110,CPT,Exercise,per_15,15,,,,8,,any,,,,2020-13-01,,exercise,CMS,P",
            "end must be a date",
        ),
        ("97110,CPT,Exercise,per_15,15,,,,8,,any", "expected 19 fields"),
        ("97110,CPT,Exercise,per_15,15,,,,8,,any,,,,2020-01-01,97999,exercise,CMS,P", "97999"),
    ],
)
def test_a_broken_data_file_names_file_and_row(row: str, message: str) -> None:
    text = f"# comment\n{HEADER}\n{GOOD.replace('97110', '97112')}\n{row}\n"
    with pytest.raises(DataFileError, match=message) as err:
        parse_codes(text, "my-codes.csv")
    assert err.value.path == "my-codes.csv"
    assert err.value.row == 4
    assert str(err.value).startswith("my-codes.csv, row 4:")


def test_duplicate_code_is_refused() -> None:
    with pytest.raises(DataFileError, match="listed twice"):
        parse_codes(f"{HEADER}\n{GOOD}\n{GOOD}\n", "x.csv")


def test_descriptor_file_is_checked() -> None:
    assert parse_descriptors("code,description\n97110,Licensed text\n", "d.csv") == {
        "97110": "Licensed text"
    }
    with pytest.raises(DataFileError, match="row 3"):
        parse_descriptors("code,description\n97110,ok\n97112,\n", "d.csv")


@pytest.mark.parametrize(
    ("code", "day", "billable"),
    [
        pytest.param("97532", "2018-06-01", ["97127", "G0515"], id="ASHA-2018-97532-direct"),
        pytest.param("97532", "2026-03-01", ["97129", "97130"], id="ASHA-2020-97532-via-97127"),
        pytest.param("G0515", "2020-02-01", ["97129", "97130"], id="ASHA-2020-G0515"),
        pytest.param("97001", "2017-03-01", ["97161", "97162", "97163"], id="APTA-2017-97001"),
    ],
)
def test_deleted_codes_point_to_what_is_billable_on_the_date(
    code: str, day: str, billable: list[str]
) -> None:
    """ASHA 2018 and 2020 code updates: 97532 → 97127/G0515 (2018) → 97129/97130 (2020)."""
    date = dt.date.fromisoformat(day)
    assert CODES.billable_instead(code, date) == billable
    with pytest.raises(CodeNotActive) as err:
        CODES.require(code, date)
    assert err.value.replacements == billable
    assert err.value.hint == f"Use {' or '.join(billable)} instead."


def test_the_chain_is_said_in_words() -> None:
    text = CODES.deleted_text("97532", dt.date(2026, 3, 1))
    assert text == (
        "97532 was deleted from 2018-01-01 and cannot be billed for 2026-03-01; it was replaced "
        "by 97127 or G0515; 97127 and G0515 were deleted in turn from 2020-01-01. "
        "For 2026-03-01 bill 97129 (add-on 97130)."
    )


def test_a_replacement_not_yet_in_effect_is_not_offered() -> None:
    """A chain walks forward in time only: on a date before the replacement starts, nothing."""
    header = ",".join(CODE_COLUMNS)
    text = (
        f"{header}\n"
        "97001,CPT,Old,untimed,,,,,,1,any,,,,2016-12-31,97161,,src,P\n"
        "97161,CPT,New,untimed,,,,,,1,any,,,2018-01-01,,,,src,P\n"
    )
    from therabill.codes import CodeSet

    codes = CodeSet(parse_codes(text, "x.csv"))
    assert codes.billable_instead("97001", dt.date(2017, 6, 1)) == []
    assert codes.deleted_text("97001", dt.date(2017, 6, 1)).endswith("replaced by 97161.")


def _without(*codes: str) -> Any:
    from therabill.codes import CodeSet

    return CodeSet({k: v for k, v in CODES.codes.items() if k not in codes}, CODES.misprints)


@pytest.mark.parametrize(
    ("typed", "missing", "harmful"),
    [
        pytest.param("90837", "90837", "97537", id="psychotherapy-is-not-community-reintegration"),
        pytest.param("92610", "92610", "96170", id="swallow-eval-is-not-family-health-behavior"),
        pytest.param("90853", "90853", "97153", id="group-psychotherapy-is-not-ABA"),
    ],
)
def test_did_you_mean_never_offers_a_code_of_another_section(
    typed: str, missing: str, harmful: str
) -> None:
    """Issue 11 item 6: a code two slips away, or in another CPT section, is not a suggestion."""
    assert harmful not in _without(missing).suggest(typed)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        pytest.param("97410", "97140", id="neighbours-swapped"),
        pytest.param("91710", "97110", id="neighbours-swapped-early"),
        pytest.param("97111", "97110", id="last-digit"),
        pytest.param("G283", "G0283", id="dropped-zero"),
        pytest.param("971100", "97110", id="doubled-zero"),
        pytest.param("97633", "97533", id="known-misprint"),
        pytest.param("97507", "92507", id="known-misprint-other-section"),
        pytest.param("Swedish massage", "97124", id="words-not-a-code"),
        pytest.param("gait", "97116", id="a-word-of-four-letters"),
    ],
)
def test_did_you_mean_offers_real_typos(typed: str, meant: str) -> None:
    assert meant in CODES.suggest(typed)


@pytest.mark.parametrize("typed", ["99999", "12345", "XYZ12", "80837", "nothing like it"])
def test_no_such_code_when_nothing_is_close(typed: str) -> None:
    assert CODES.suggest(typed) == []
    with pytest.raises(UnknownCode) as err:
        CODES.require(typed, dt.date(2026, 1, 1))
    assert err.value.hint is not None and "no such code" in err.value.hint


def test_did_you_mean_leaves_out_codes_the_licence_does_not_cover() -> None:
    """97161 is a PT evaluation: a massage therapist's typo 97160 is not offered it."""
    assert "97161" in CODES.suggest("97160")
    assert "97161" not in CODES.suggest("97160", discipline="massage")


ISSUE_11_CODES = [
    "90785",
    "90791",
    "90792",
    "90846",
    "90847",
    "90853",
    "96127",
    "96130",
    "96131",
    "96132",
    "96133",
    "96136",
    "96137",
    "96138",
    "96139",
    "97151",
    "97152",
    "97153",
    "97154",
    "97155",
    "97156",
    "97157",
    "97158",
    "0362T",
    "0373T",
    "92597",
    "92605",
    "92606",
    "92607",
    "92608",
    "92609",
    "92610",
    "92611",
    "92612",
    "92618",
    "92626",
    "92627",
    "96105",
    "96125",
    "96110",
    "96112",
    "96113",
    "97016",
    "97026",
    "97034",
    "97036",
    "97039",
    "97750",
    "97755",
    "97761",
    "97597",
    "97598",
    "97602",
    "97605",
    "97606",
    "97607",
    "97608",
    "97610",
    "98960",
    "98961",
    "98962",
    "0552T",
    "20560",
    "20561",
    "97810",
    "97811",
    "97813",
    "97814",
    "29240",
    "29530",
    "29580",
    "G0281",
    "G0329",
    "G0177",
    "98975",
    "98977",
    "98980",
    "98981",
    "98979",
    "98984",
    "98985",
    "98986",
]


@pytest.mark.parametrize("code", ISSUE_11_CODES)
def test_issue_11_codes_are_in_the_set_with_a_source(code: str) -> None:
    entry = CODES[code]
    assert entry.source and entry.short and entry.grade in {"P", "S"}
    assert entry.status_on(dt.date(2026, 11, 20)) is CodeStatus.ACTIVE


@pytest.mark.parametrize(
    ("code", "timing", "unit", "first"),
    [
        # CY 2026 PFS final rule (90 FR 49266) and CMS CR 14250: the 2026 RTM codes
        pytest.param(
            "98979", Timing.UNTIMED, None, 10, id="PFS2026-98979-10-to-19-minutes-a-month"
        ),
        pytest.param("98984", Timing.UNTIMED, None, None, id="PFS2026-98984-2-15-days-supply"),
        pytest.param("98985", Timing.UNTIMED, None, None, id="PFS2026-98985-2-15-days-supply"),
        pytest.param("98986", Timing.UNTIMED, None, None, id="PFS2026-98986-2-15-days-supply"),
        pytest.param("98980", Timing.INITIAL, 20, 20, id="PFS2022-98980-first-20-minutes"),
        pytest.param("98981", Timing.ADDON, 20, 20, id="PFS2022-98981-each-further-20"),
        # APA 2019 testing codes: first hour / each further hour, first 30 / each further 30
        pytest.param("96130", Timing.INITIAL, 60, 31, id="APA-96130-first-hour"),
        pytest.param("96131", Timing.ADDON, 60, 31, id="APA-96131-each-further-hour"),
        pytest.param("96136", Timing.INITIAL, 30, 16, id="APA-96136-first-30-minutes"),
        pytest.param("96139", Timing.ADDON, 30, 16, id="APA-96139-each-further-30"),
        # ABA each 15 minutes; family psychotherapy 50 minutes (26 to report)
        pytest.param("97153", Timing.PER_15, 15, 8, id="ABA-97153-each-15"),
        pytest.param("0373T", Timing.PER_15, 15, 8, id="ABA-0373T-each-15"),
        pytest.param("90847", Timing.UNTIMED, None, 26, id="CPT-90847-26-of-50-minutes"),
        pytest.param("98960", Timing.PER_30, 30, 16, id="CPT-98960-each-30"),
        pytest.param("96105", Timing.PER_HOUR, 60, 31, id="ASHA-96105-per-hour"),
        pytest.param("92610", Timing.UNTIMED, None, None, id="ASHA-92610-untimed"),
        pytest.param("97750", Timing.PER_15, 15, 8, id="CMS-97750-each-15"),
        pytest.param("97597", Timing.UNTIMED, None, None, id="CMS-97597-by-area"),
        pytest.param("20560", Timing.UNTIMED, None, None, id="PFS2020-20560-untimed"),
    ],
)
def test_issue_11_code_timing_follows_its_source(
    code: str, timing: Timing, unit: int | None, first: int | None
) -> None:
    entry = CODES[code]
    assert (entry.timing, entry.unit_minutes, entry.min_minutes) == (timing, unit, first)


def test_the_2026_rtm_codes_start_in_2026() -> None:
    for code in ("98979", "98984", "98985", "98986"):
        assert CODES[code].effective == dt.date(2026, 1, 1)
        assert CODES[code].status_on(dt.date(2025, 12, 31)) is CodeStatus.NOT_YET


@pytest.mark.parametrize(
    ("minutes", "units"),
    [
        pytest.param({"98980": 19}, {"98980": 0, "98981": 0}, id="under-20-is-98979"),
        pytest.param({"98980": 40}, {"98980": 1, "98981": 1}, id="40-minutes"),
        pytest.param({"96130": 90}, {"96130": 1, "96131": 0}, id="90-minutes-one-hour"),
        pytest.param({"96130": 91}, {"96130": 1, "96131": 1}, id="91-minutes-two-hours"),
        pytest.param({"98960": 46}, {"98960": 2}, id="46-minutes-two-half-hours"),
    ],
)
def test_new_families_count_units_from_their_timing(
    minutes: dict[str, int], units: dict[str, int]
) -> None:
    from therabill.units import count_units

    result = count_units(minutes, rule="midpoint", day=dt.date(2026, 3, 2), code_set=CODES)
    assert result.units_by_code() == units


def test_descriptor_file_adds_a_code_with_its_timing_and_names_a_row_without() -> None:
    from therabill.codes.loader import read_descriptor_file

    text = "code,description,timing\n97110,Licensed,\n99999,New code,per_30\n"
    read = read_descriptor_file(text, "d.csv", known=CODES.keys())
    assert read.descriptions == {"97110": "Licensed", "99999": "New code"}
    assert read.added["99999"].timing is Timing.PER_30
    assert read.added["99999"].unit_minutes == 30
    with pytest.raises(DataFileError, match="row 2: 99999 is not in therabill's code set"):
        read_descriptor_file("code,description\n99999,New\n", "d.csv", known=CODES.keys())
