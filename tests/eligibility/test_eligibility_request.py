"""The 270 writer: pyx12 (with the X279A1 map) accepts what it writes; the golden file pins
the bytes; what a 270 cannot carry is refused naming the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyx12_x279 import validate

from therabill.errors import InvalidInput
from therabill.x12.clearinghouse import load_clearinghouse
from therabill.x12.eligibility import Inquiry, Person, read_271, write_270

CREATED = dt.datetime(2026, 11, 28, 9, 30)
SUBSCRIBER = Person("Smith", "Robert", dt.date(1943, 5, 19), "M", "11122333301")
BASE = Inquiry(
    trace="P12-20261128093000",
    payer_name="Acme Health",
    payer_id="ACME1",
    provider_name="Bright Path Therapy",
    provider_npi="1234567893",
    subscriber=SUBSCRIBER,
    date_of_service=dt.date(2026, 11, 28),
    group_number="G123",
    service_types=("30", "PT", "AE"),
)
GOLDEN = Path(__file__).parent / "data" / "therabill_subscriber.270"


def write(*inquiries: Inquiry) -> str:
    return write_270(
        list(inquiries),
        profile=load_clearinghouse(),
        interchange=5,
        group=5,
        transactions=list(range(7, 7 + len(inquiries))),
        created=CREATED,
    )


def test_golden_subscriber_inquiry() -> None:
    assert write(BASE) == GOLDEN.read_text("ascii")


@pytest.mark.parametrize(
    "changes",
    [{}, {"group_number": "", "service_types": ("30",)},
     {"subscriber": Person("Smith", "Robert", None, "U", "11122333301")}],
    ids=["subscriber", "plan only, no group", "no birth date"],
)  # fmt: skip
def test_pyx12_accepts_every_270(changes: dict[str, object], tmp_path: Path) -> None:
    path = tmp_path / "request.270"
    path.write_text(write(_with(BASE, **changes)), "ascii")
    ok, report = validate(path)
    assert ok, report


def test_dependent_and_many_inquiries(tmp_path: Path) -> None:
    dependent = _with(BASE, patient=Person("Smith", "Mary", dt.date(2016, 10, 14), "F"),
                      service_types=("30", "AD", "AF", "33", "MH"))  # fmt: skip
    text = write(BASE, dependent)
    assert "HL*4*3*23*0~\nTRN*1*P12-20261128093000*9123456789~\nNM1*03*1*SMITH*MARY~" in text
    path = tmp_path / "two.270"
    path.write_text(text, "ascii")
    ok, report = validate(path)
    assert ok, report


def test_pyx12_is_a_judge_that_can_fail(tmp_path: Path) -> None:
    path = tmp_path / "broken.270"
    path.write_text(write(BASE).replace("NM1*PR*2*ACME HEALTH*****PI*ACME1~\n", ""), "ascii")
    ok, _ = validate(path)
    assert not ok


def _with(inquiry: Inquiry, **changes: object) -> Inquiry:
    fields = {name: getattr(inquiry, name) for name in Inquiry.__slots__}
    return Inquiry(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"provider_npi": ""}, "practice.npi"),
        ({"payer_id": ""}, "payer.payer_id"),
        ({"subscriber": Person("Smith", "Robert", None, "M", "")}, "policy.member_id"),
        ({"subscriber": Person("Sm*th", "Robert", None, "M", "X1")}, "subscriber.last_name"),
        ({"trace": "has space"}, "trace"),
    ],
    ids=["no NPI", "no payer id", "no member id", "a delimiter in a name", "bad trace"],
)
def test_what_a_270_cannot_carry_is_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        write(_with(BASE, **changes))
    assert refused.value.field == field


def test_the_trace_comes_back_in_a_271() -> None:
    """The guide's 270/271 pair: our TRN*1 trace is the payer's TRN*2."""
    [answer] = read_271(Path(__file__).parent / "data" / "lfh_subscriber-health-benefit-check.271")
    request = (
        Path(__file__).parent / "data" / "lfh_subscriber-health-benefit-check.270"
    ).read_text()
    assert f"TRN*1*{answer.traces[0]}*" in request


def test_the_guides_example_from_its_data(tmp_path: Path) -> None:
    """X279A1's subscriber example (as LinuxForHealth ships it) written from its own data:
    the same loops segment for segment, but for the provider's id (an NPI, XX, where the
    example has a service provider number, SV) and TRN03 (our originator id); pyx12 (with the
    X279A1 map) accepts it, as it accepts the example."""
    guide_path = Path(__file__).parent / "data" / "lfh_subscriber-health-benefit-check.270"
    guide = guide_path.read_text("ascii").split("~\n")
    inquiry = _with(
        BASE,
        trace="93175-012547",
        payer_name="ABC Company",
        payer_id="842610001",
        provider_name="Bone and Joint Clinic",
        subscriber=Person("Smith", "Robert", dt.date(1943, 5, 19), "U", "11122333301"),
        date_of_service=dt.date(2006, 5, 1),
        group_number="",
        service_types=("30",),
    )
    ours = write(inquiry).split("~\n")
    body = slice(4, 14)  # HL*1 … EQ*30, after ISA, GS, ST and BHT
    expected = [
        "NM1*1P*2*BONE AND JOINT CLINIC*****XX*1234567893" if s.startswith("NM1*1P") else s
        for s in guide[body]
    ]
    expected = [s.replace("*9877281234", "*9123456789") for s in expected]
    assert ours[body] == expected
    assert ours[3].startswith("BHT*0022*13*93175-012547*")
    path = tmp_path / "ours.270"
    path.write_text("~\n".join(ours), "ascii")
    assert validate(path)[0]
