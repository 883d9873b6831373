"""CARC/RARC/group tables, and the frozen remittance objects the parser builds."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from remit_factory import therapy_file

from therabill.errors import DataFileError
from therabill.x12 import adjustment_codes as code_tables
from therabill.x12.adjustment_codes import (
    describe_carc,
    describe_rarc,
    load_carc,
    load_groups,
    load_rarc,
)
from therabill.x12.remittance_835 import ClaimPayment, ServicePayment, read_835

THERAPY_CARCS = [
    "1",
    "2",
    "3",
    "4",
    "5",
    "16",
    "18",
    "22",
    "23",
    "24",
    "26",
    "27",
    "29",
    "45",
    "50",
    "96",
    "97",
    "109",
    "119",
    "151",
    "167",
    "170",
    "185",
    "197",
    "198",
    "204",
    "226",
    "227",
    "242",
    "253",
]
THERAPY_RARCS = [
    "M15",
    "M20",
    "M51",
    "M53",
    "M62",
    "M80",
    "MA01",
    "MA130",
    "N1",
    "N20",
    "N56",
    "N95",
    "N122",
    "N362",
    "N640",
    "N657",
]


def test_the_common_reason_codes_are_described() -> None:
    carc = load_carc()
    missing = [c for c in THERAPY_CARCS if c not in carc]
    assert missing == []
    assert describe_carc("45").startswith("Charge above the fee schedule")
    assert carc["A2"].extra == "deactivated"


def test_the_common_remark_codes_are_described() -> None:
    rarc = load_rarc()
    assert [c for c in THERAPY_RARCS if c not in rarc] == []
    assert "bundled" in describe_rarc("M15")


def test_unknown_codes_get_a_neutral_text() -> None:
    assert describe_carc("999") == "reason code 999 (not in therabill's table)"
    assert describe_rarc("N9999") == "remark code N9999 (not in therabill's table)"


def test_group_codes_say_how_to_post() -> None:
    groups = load_groups()
    assert {g: e.extra for g, e in groups.items()} == {
        "CO": "write_off",
        "PR": "patient",
        "OA": "other",
        "PI": "write_off",
    }


def test_tables_name_their_source() -> None:
    from importlib import resources

    for name in ("carc.csv", "rarc.csv", "groups.csv"):
        text = resources.files("therabill.x12.adjustment_codes").joinpath(name).read_text("utf-8")
        assert text.startswith("# ") and "Source: X12" in text
        assert "own" in text  # descriptions in our own words, not X12's


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("45,active,,Duplicate row", "appears twice"),
        ("4.5,active,,Bad code", "not a valid code"),
        ("990,maybe,,Bad status", "status must be one of"),
        ("991,active,,", "description must be"),
        ("992,active,,a,b", "expected 4 columns"),
        ("993,deactivated,2020-13-01,Bad date", "not a YYYY-MM-DD date"),
        ("994,active,2020-01-01,Stopped but active", "only a deactivated code"),
    ],
    ids=[
        "duplicate",
        "bad-code",
        "bad-status",
        "empty-description",
        "extra-column",
        "bad-stop-date",
        "stop-date-on-active",
    ],
)
def test_a_broken_table_names_file_and_row(
    row: str, says: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from importlib import resources

    text = resources.files("therabill.x12.adjustment_codes").joinpath("carc.csv").read_text("utf-8")
    broken = text + row + "\n"

    class Fake:
        def joinpath(self, name: str) -> Fake:
            return self

        def read_text(self, encoding: str) -> str:
            return broken

    monkeypatch.setattr(code_tables.resources, "files", lambda package: Fake())
    with pytest.raises(DataFileError) as caught:
        code_tables._load("carc.csv", code_tables._CODE_COLUMNS, {"active", "deactivated"})
    assert says in str(caught.value)
    assert f"row {len(broken.splitlines())}" in str(caught.value)


# --- the objects ------------------------------------------------------------------------------


def test_parsed_objects_equal_normally_built_ones() -> None:
    """The parser's fast builders give objects indistinguishable from the constructors'."""
    claim = read_835(therapy_file())[0].claims[0]
    assert type(claim) is ClaimPayment
    rebuilt_lines = tuple(
        ServicePayment(**{f.name: getattr(line, f.name) for f in dataclasses.fields(line)})
        for line in claim.services
    )
    rebuilt = ClaimPayment(
        **{
            f.name: getattr(claim, f.name)
            for f in dataclasses.fields(claim)
            if f.name != "services"
        },
        services=rebuilt_lines,
    )
    assert rebuilt == claim and hash(rebuilt) == hash(claim) and repr(rebuilt) == repr(claim)


def test_objects_are_frozen() -> None:
    claim = read_835(therapy_file())[0].claims[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.paid = Decimal("0")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.services[0].adjustments[0].amount = Decimal("0")  # type: ignore[misc]


def test_what_a_poster_needs_from_a_line() -> None:
    claim = read_835(therapy_file())[0].claims[0]
    first, second = claim.services
    assert first.control_number == "L1" and first.allowed == Decimal("72.00")
    assert first.billed_procedure == ("97110", ("GP",))
    assert second.billed_procedure == ("97140", ("59",))  # SVC06: billed with 59, paid as GP
    assert (second.units, second.billed_units) == (Decimal("2"), Decimal("3"))
    assert second.remark_codes == ("N640",)
    assert claim.patient is not None and claim.patient.id == "M123"
    assert claim.insured is None and claim.corrected_patient is None
    assert claim.date("232") is not None and claim.date("233") is None
