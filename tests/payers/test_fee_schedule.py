"""Allowed amounts: the shipped 2026 Medicare national fee schedule (RVUs × conversion factor,
CY2026 PFS), the therapy reduction, an 835 line's allowed amount, and imports of CMS's files."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.errors import DataFileError
from therabill.payers import load_payer_profiles, shipped_profiles
from therabill.payers.fee_schedule import (
    allowed_from_remittance,
    day_allowed,
    from_cms_locality_file,
    from_cms_rvu_file,
    parse_fee_schedule,
    shipped_fee_schedule,
)

CF_2026 = Decimal("33.4009")  # CY2026 PFS final rule, non-qualifying APM conversion factor
NATIONAL = shipped_fee_schedule("mpfs-2026-national")
assert NATIONAL is not None


def _rows() -> list[dict[str, str]]:
    text = (
        resources.files("therabill.payers")
        .joinpath("data", "mpfs-2026-national.csv")
        .read_text("utf-8")
    )
    return list(csv.DictReader(ln for ln in text.splitlines() if not ln.startswith("#")))


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["code"])
def test_shipped_amounts_are_rvus_times_the_2026_conversion_factor(row: dict[str, str]) -> None:
    work, pe_nf, pe_f, mp = (
        Decimal(row[k]) for k in ("work_rvu", "pe_rvu_nonfacility", "pe_rvu_facility", "mp_rvu")
    )
    assert Decimal(row["nonfacility"]) == _cents((work + pe_nf + mp) * CF_2026)
    assert Decimal(row["facility"]) == _cents((work + pe_f + mp) * CF_2026)
    if row["therapy_reduced"]:
        assert Decimal(row["therapy_reduced"]) == _cents((work + pe_nf / 2 + mp) * CF_2026)


@pytest.mark.parametrize(
    ("code", "status", "nonfacility", "reduced"),
    [
        ("97110", "A", "29.06", "22.21"),  # 0.87 RVU (0.45 work, 0.41 PE, 0.01 MP)
        ("97140", "A", "27.72", "21.21"),
        ("97530", "A", "35.07", "25.05"),
        ("97161", "A", "97.86", "74.82"),
        ("92507", "A", "76.15", "59.95"),
        ("90837", "A", "167.00", None),  # no therapy reduction for psychotherapy
        ("97010", "B", "6.68", None),  # bundled: RVUs shown, never paid separately
    ],
    ids=lambda v: str(v),
)
def test_known_2026_national_amounts(
    code: str, status: str, nonfacility: str, reduced: str | None
) -> None:
    rate = NATIONAL.rate(code)
    assert rate is not None and rate.status == status
    assert rate.nonfacility == Decimal(nonfacility)
    assert rate.therapy_reduced == (Decimal(reduced) if reduced else None)
    assert rate.paid is (status == "A")


def test_medicare_profile_uses_the_national_schedule_for_2026() -> None:
    medicare = shipped_profiles()["MEDICARE"]
    schedule = medicare.fee_schedules[2026]
    assert schedule.name == "mpfs-2026-national" and schedule.year == 2026
    assert "RVU26C" in schedule.source and "33.4009" in schedule.source
    assert 2025 not in medicare.fee_schedules


def test_a_locality_in_the_practice_folder_replaces_the_national_amounts(
    therabill_home: Path,
) -> None:
    folder = therabill_home / "payers"
    folder.mkdir()
    (folder / "medicare-2026-locality.csv").write_text(
        "# year: 2026\n# source: test locality\n"
        "code,status,nonfacility,facility,therapy_reduced\n97110,A,31.52,31.52,24.05\n",
        "utf-8",
    )
    schedule = load_payer_profiles()["MEDICARE"].fee_schedules[2026]
    assert schedule.name == "medicare-2026-locality"
    assert schedule.rates["97110"].nonfacility == Decimal("31.52")


def test_a_profile_naming_a_missing_schedule_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text(
        'id = "ACME"\nname = "Acme"\nunit_rule = "cms"\n[allowed_amounts]\n2026 = "acme-2026"\n',
        "utf-8",
    )
    with pytest.raises(DataFileError) as info:
        load_payer_profiles(tmp_path)
    assert "allowed_amounts.2026" in str(info.value) and "acme-2026" in str(info.value)


# Medicare's multiple procedure payment reduction (Pub 100-04 ch.5 §10.7): the unit with the
# highest practice expense in full, every other "always therapy" unit with half its PE.
@pytest.mark.parametrize(
    ("lines", "facility", "expected"),
    [
        ([("97110", 1)], False, ["29.06"]),
        ([("97110", 2)], False, ["51.27"]),  # 29.06 + 22.21
        ([("97110", 2), ("97140", 1)], False, ["51.27", "21.21"]),
        # 97530 has the larger PE (0.60): it is the unit paid in full
        ([("97110", 2), ("97530", 1)], False, ["44.42", "35.07"]),
        ([("97161", 1), ("97110", 2)], False, ["97.86", "44.42"]),
        # psychotherapy and 97129 are not "always therapy" codes: no reduction
        ([("97129", 1), ("92507", 1)], False, ["22.38", "76.15"]),
        ([("97110", 2)], True, ["58.12"]),  # facility rate: no reduction estimated
        ([("97039", 1), ("97110", 1)], False, [None, "29.06"]),  # carrier priced: unknown
        ([("97010", 1), ("97110", 1)], False, ["0.00", "29.06"]),  # bundled: nothing
    ],
)
def test_day_allowed_with_the_therapy_reduction(
    lines: list[tuple[str, int]], facility: bool, expected: list[str | None]
) -> None:
    found = day_allowed(lines, NATIONAL, facility=facility)
    assert found == [None if e is None else Decimal(e) for e in expected]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([("97110", 2)], ["44.42"]),  # 2 × 22.21: the day's full unit went to another claim
        ([("97110", 2), ("97140", 1)], ["44.42", "21.21"]),
        ([("97129", 1)], ["22.38"]),  # not "always therapy": never reduced
    ],
)
def test_day_allowed_when_the_days_full_unit_was_paid_on_another_claim(
    lines: list[tuple[str, int]], expected: list[str]
) -> None:
    """NGS Medicare: the reduction applies to all services of the patient's day, whatever the
    discipline or claim."""
    found = day_allowed(lines, NATIONAL, facility=False, first_unit_paid=True)
    assert found == [Decimal(e) for e in expected]


THERAPY = sorted(c for c, r in NATIONAL.rates.items() if r.therapy_reduced is not None)


@given(st.lists(st.tuples(st.sampled_from(THERAPY), st.integers(1, 6)), min_size=1, max_size=6))
def test_day_allowed_pays_exactly_one_unit_in_full(lines: list[tuple[str, int]]) -> None:
    found = day_allowed(lines, NATIONAL, facility=False)
    rates = [NATIONAL.rates[c] for c, _ in lines]
    reduced = sum(
        (r.therapy_reduced or Decimal(0)) * u for r, (_, u) in zip(rates, lines, strict=True)
    )
    gap = max(r.nonfacility - (r.therapy_reduced or Decimal(0)) for r in rates)
    assert sum(a or Decimal(0) for a in found) == reduced + gap


# A Medicare 835 line (X12 835 SVC/CAS; CARC 1 deductible, 2 coinsurance, 45 over the fee
# schedule, 50 not medically necessary, 253 sequestration): allowed = paid + patient share
# + sequestration.
@pytest.mark.parametrize(
    ("paid", "adjustments", "allowed"),
    [
        (2278, [("CO", "45", 2094), ("PR", "2", 581), ("CO", "253", 47)], 2906),
        (0, [("CO", "45", 2094), ("PR", "1", 2906)], 2906),  # all to the deductible: counts
        (0, [("CO", "50", 5000)], 0),  # denied line: nothing allowed
        (0, [("PR", "119", 5000)], 0),  # KX threshold passed without KX: denied
        (1500, [("PR", "3", 2000), ("CO", "45", 1500)], 3500),  # a copay plan
    ],
    ids=["paid-with-coinsurance", "deductible", "denied-co50", "denied-pr119", "copay"],
)
def test_allowed_from_an_835_line(
    paid: int, adjustments: list[tuple[str, str, int]], allowed: int
) -> None:
    assert allowed_from_remittance(paid, adjustments) == allowed


# Three lines of CMS's PFS payment amount file (PFALL26A.TXT, record layout PF26PA): year,
# carrier, locality, HCPCS, modifier, non-facility, facility, filler, PC/TC, status,
# multiple surgery, 50% therapy reduction (non-institutional), (institutional), OPPS …
PFALL = [
    '"2026","01112","05","97110","  ","0000031.52","0000031.52"," ","7","A","0",'
    '"0000024.05","0000023.80","9","0000000.00","0000000.00"',
    '"2026","01112","05","90837","  ","0000181.22","0000146.80"," ","0","A","0",'
    '"0000181.22","0000181.22","9","0000000.00","0000000.00"',
    '"2026","01112","05","95860","26","0000055.00","0000055.00"," ","1","A","0",'
    '"0000000.00","0000000.00","9","0000000.00","0000000.00"',
    '"2026","01112","06","97110","  ","0000029.99","0000029.99"," ","7","A","0",'
    '"0000022.90","0000022.70","9","0000000.00","0000000.00"',
]


def test_locality_import_keeps_one_locality_and_global_rows() -> None:
    text = from_cms_locality_file(
        PFALL, carrier="01112", locality="05", name="PFALL26A.TXT", source="test"
    )
    schedule = parse_fee_schedule(text, "medicare-2026-locality.csv")
    assert schedule.year == 2026 and schedule.name == "medicare-2026-locality"
    assert set(schedule.rates) == {"97110", "90837"}
    assert schedule.rates["97110"].nonfacility == Decimal("31.52")
    assert schedule.rates["97110"].therapy_reduced == Decimal("24.05")
    assert schedule.rates["90837"].therapy_reduced is None  # same as the full amount


def test_locality_import_names_a_locality_not_in_the_file() -> None:
    with pytest.raises(DataFileError) as info:
        from_cms_locality_file(PFALL, carrier="01112", locality="99", name="f", source="t")
    assert "locality 99" in str(info.value)


# Rows of CMS's relative value file (PPRRVU2026_Jul_nonQPP.csv, RVU26C) as released.
PPRRVU = [
    "97110,,Therapeutic exercises,A,,0.45,0.41,,0.41,NA,0.01,0.87,0.87,7,XXX,0.00,0.00,0.00,"
    "5,0,0,0,0,9,,33.4009,09,0,99,0.00,0.00,0.00",
    "90837,,Psytx w pt 60 minutes,A,,3.78,1.20,,0.25,,0.02,5.00,4.05,0,XXX,0.00,0.00,0.00,"
    "0,0,9,0,0,9,,33.4009,09,0,99,0.00,0.00,0.00",
    "95860,26,Needle emg 1 extremity,A,,0.94,0.56,,0.56,,0.04,1.54,1.54,1,XXX,0.00,0.00,0.00,"
    "0,0,0,0,0,9,,33.4009,09,0,99,0.00,0.00,0.00",
    "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,TOTAL,IND,"
    "DAYS,OP,OP,OP,PROC,SURG,SURG,SURG,SURG,IND,BASE,FACTOR,PROCEDURES,FLAG,INDICATOR,AMOUNT,"
    "AMOUNT,AMOUNT",
]


def test_national_import_from_the_relative_value_file_matches_the_shipped_amounts() -> None:
    text = from_cms_rvu_file(PPRRVU, codes={"97110", "90837", "95860"}, year=2026, source="t")
    schedule = parse_fee_schedule(text, "mpfs-2026-national.csv")
    assert set(schedule.rates) == {"97110", "90837"}
    for code in ("97110", "90837"):
        assert schedule.rates[code] == NATIONAL.rates[code]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("code,status,nonfacility,facility\n", "year"),
        ("# year: 2026\ncode,status,nonfacility,facility\n", "source"),
        ("# year: 2026\n# source: x\ncode,status\n", "missing column"),
        ("# year: 2026\n# source: x\ncode,status,nonfacility,facility\n9711,A,1,1\n", "code"),
        ("# year: 2026\n# source: x\ncode,status,nonfacility,facility\n97110,A,-1,1\n", "range"),
        ("# year: 2026\n# source: x\ncode,status,nonfacility,facility\n97110,A,x,1\n", "number"),
        (
            "# year: 2026\n# source: x\ncode,status,nonfacility,facility\n"
            "97110,A,1,1\n97110,A,1,1\n",
            "twice",
        ),
    ],
)
def test_a_malformed_fee_schedule_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(DataFileError) as info:
        parse_fee_schedule(text, "bad.csv")
    assert problem in str(info.value) and "bad.csv" in str(info.value)
