"""The 271 reader and its summary on the guide's examples (via LinuxForHealth's suite) and on
therapy-shaped answers (data/README.md names every file's source)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.errors import TherabillError
from therabill.x12.eligibility import headline, read_271, summarize
from therabill.x12.eligibility.codes import (
    describe_rejection,
    follow_ups,
    reject_reasons,
    service_types,
)
from therabill.x12.reader import X12Error

DATA = Path(__file__).parent / "data"
MAP_271 = Path(__file__).parent / "pyx12_maps" / "271.5010.X279.A1.xml"


def one(name: str, index: int = 0):  # type: ignore[no-untyped-def]
    return summarize(read_271(DATA / name)[index])


def test_the_guides_subscriber_example() -> None:
    """X279A1's subscriber example: active GOLD 123 PLAN since 2006-01-01, copay $10 in
    network and $30 out, PCP in 2120C."""
    [response] = read_271(DATA / "lfh_subscriber-health-benefit-check.271")
    assert (response.level, response.last_name, response.member_id) == (
        "subscriber", "SMITH", "123456789",
    )  # fmt: skip
    assert response.traces == ["93175-012547"]
    assert response.benefits[1].entity == "JONES MARCUS"
    assert response.benefits[2].service_types == (
        "1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC",
    )  # fmt: skip
    summary = summarize(response)
    assert summary.status == "active"
    assert summary.plan == "GOLD 123 PLAN"
    assert summary.coverage_from == dt.date(2006, 1, 1)
    assert [(c.amount, c.network) for c in summary.copays] == [
        (Decimal("10.00"), "in"), (Decimal("30.00"), "out"),
    ]  # fmt: skip
    assert headline(summary, "behavioral") == "copay $10"


@pytest.mark.parametrize(
    ("name", "member_id"),
    [("lfh_dependent-health-benefit-check.271", ""), ("lfh_dependent.271", "00000000002")],
    ids=["guide's dependent example", "dependent with an id of their own"],
)
def test_dependents_get_their_own_answer(name: str, member_id: str) -> None:
    subscriber, dependent = read_271(DATA / name)
    assert (subscriber.level, subscriber.benefits) == ("subscriber", [])
    assert dependent.level == "dependent"
    assert dependent.member_id == member_id
    assert summarize(dependent).status == "active"


def test_a_therapy_plan_in_full() -> None:
    summary = one("therabill_commercial_ppo_therapy.271")
    assert (summary.status, summary.plan, summary.group_number) == (
        "active", "CHOICE PPO GOLD", "GRP7710",
    )  # fmt: skip
    assert (summary.coverage_from, summary.coverage_to) == (
        dt.date(2026, 1, 1), dt.date(2026, 12, 31),
    )  # fmt: skip
    deductibles = {(a.level, a.network): (a.total, a.remaining) for a in summary.deductibles}
    assert deductibles == {
        ("individual", "in"): (Decimal("1500.00"), Decimal("350.00")),
        ("family", "in"): (Decimal("3000.00"), Decimal("1200.00")),
        ("individual", "out"): (Decimal("3000.00"), None),
    }
    [oop] = summary.out_of_pocket
    assert (oop.total, oop.remaining, oop.network) == (Decimal("5000.00"), Decimal("4100.00"), "in")
    assert [(str(c.percent), c.network) for c in summary.coinsurance] == [
        ("20", "in"), ("40", "out"),
    ]  # fmt: skip
    limits = {(v.group, v.network): (v.total, v.left) for v in summary.visit_limits}
    assert limits[("physical_therapy", "in")] == (Decimal(20), Decimal(12))
    assert limits[("occupational_therapy", "in")] == (Decimal(20), Decimal(12))
    assert limits[("speech_therapy", "in")] == (Decimal(20), Decimal(12))
    assert limits[("chiropractic", "in")] == (Decimal(24), None)  # from HSD*VS*24***23
    assert summary.prior_authorization == ["occupational therapy"]
    assert headline(summary, "pt") == "12 of 20 PT visits left; copay $30"
    assert headline(summary, "ot") == (
        "12 of 20 OT visits left; copay $30; prior authorization required"
    )
    assert headline(summary, "behavioral") == "copay $20"


def test_medicare_therapy_amounts_as_sent() -> None:
    summary = one("therabill_medicare_hets_shape.271")
    assert summary.status == "active"
    assert [(t.service_types, t.amount, t.meaning, t.dates) for t in summary.medicare_therapy] == [
        (["AD"], Decimal("1240.50"), "remaining", "20260101-20261231"),
        (["AE"], Decimal("1170.00"), "used", "20260101-20261231"),
    ]
    [response] = read_271(DATA / "therabill_medicare_hets_shape.271")
    assert response.notes == [
        "segment 25 (EB): EB08 1840 is not a fraction of one: amounts ignored"
    ]
    assert response.benefits[-2].procedure == "97110"  # EB13 with '|' as component separator
    assert response.benefits[-1].entity == "ABC HEALTH PLAN"


def test_a_rejection_in_plain_words() -> None:
    summary = one("therabill_subscriber_not_found.271")
    assert summary.status == "rejected"
    assert summary.rejections == [
        {
            "loop": "2100C",
            "code": "75",
            "reason": "the payer cannot find the subscriber",
            "action": "check the member id and name; the client may have another payer",
            "follow_up": "C",
            "next_step": "correct the request and send it again",
        }
    ]
    assert headline(summary) == (
        "the payer refused the inquiry: the payer cannot find the subscriber"
    )


def test_a_provider_level_refusal_alone() -> None:
    """The guide-example error file: AAA*Y**50*N in 2100B and no member; its SE02 slip is
    refused by name first, then the corrected copy is read."""
    data = (DATA / "lfh_subscriber-health-benefit-check-error.271").read_bytes()
    with pytest.raises(X12Error) as refused:
        read_271(data)
    assert "SE02" in str(refused.value) and "segment 10 (SE)" in str(refused.value)
    [response] = read_271(data.replace(b"SE*8*4323", b"SE*8*4321"))
    summary = summarize(response)
    assert summary.status == "rejected"
    assert (
        summary.rejections[0]["reason"] == "the provider may not ask this payer about eligibility"
    )
    assert summary.rejections[0]["next_step"] == "do not send it again"


def _replace(name: str, old: bytes, new: bytes) -> bytes:
    data = (DATA / name).read_bytes()
    assert old in data
    return data.replace(old, new)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_replace("lfh_subscriber-health-benefit-check.271", b"*27*10.00*", b"*27*TEN*"),
         "segment 22 (EB), element EB07: 'TEN' is not a number"),
        (_replace("lfh_subscriber-health-benefit-check.271", b"005010X279A1~\nST", b"004010X092A1~\nST"),
         "this is 004010"),
        ((DATA / "lfh_subscriber-health-benefit-check.270").read_bytes(),
         "this is a 270 (an eligibility request), not the 271 response"),
        (_replace("lfh_subscriber-health-benefit-check.271", b"IEA*1*000000907~", b""),
         "has no IEA"),
        (b"<html>502 Bad Gateway</html>", "not an X12 file"),
    ],
    ids=["bad amount", "004010", "a 270", "truncated", "an HTML page"],
)  # fmt: skip
def test_bad_files_are_refused_with_one_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(X12Error) as refused:
        read_271(data)
    assert message in str(refused.value)


@given(st.binary(max_size=400))
def test_junk_never_crashes_the_reader(junk: bytes) -> None:
    base = (DATA / "lfh_subscriber-health-benefit-check.271").read_bytes()
    for data in (junk, base[:200] + junk, base.replace(b"EB*B", junk[:20] or b"EB*B", 1)):
        try:
            for response in read_271(data):
                summarize(response).to_dict()
        except TherabillError:
            pass


def test_code_tables_load_and_cover_the_therapy_types() -> None:
    types = service_types()
    for code, group in [("PT", "physical_therapy"), ("AE", "physical_therapy"),
                        ("AD", "occupational_therapy"), ("AF", "speech_therapy"),
                        ("33", "chiropractic"), ("MH", "mental_health"), ("A4", "mental_health")]:  # fmt: skip
        assert types[code].group == group
    allowed = {
        code.text
        for element in ElementTree.parse(MAP_271).iter("element")
        if element.get("xid") == "AAA03"
        for code in element.iter("code")
    }
    assert allowed and allowed <= set(reject_reasons())  # every AAA03 a 271 may send
    assert set(follow_ups()) == set("CNPRSWXY")
    assert describe_rejection("ZZ").meaning == "the payer refused the request (reason ZZ)"


def test_memory_stays_bounded_whatever_one_member_holds(tmp_path: Path) -> None:
    """Four times the EB segments in one member, read from disk in chunks, the same peak: at
    most MAX_BENEFITS kept."""
    import tracemalloc

    from therabill.x12.eligibility import iter_271
    from therabill.x12.eligibility.model import MAX_BENEFITS
    from x12_shapes import SHAPES_271

    peaks = []
    for n in (50_000, 200_000):  # both over the reader's 1 MB chunk
        path = tmp_path / f"{n}.271"
        path.write_bytes(SHAPES_271["EB per member"](n))
        list(iter_271(path))  # warm: the first long read allocates the interpreter's caches
        tracemalloc.start()
        try:
            [member] = list(iter_271(path))
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert len(member.benefits) == MAX_BENEFITS and member.more == n - MAX_BENEFITS
    assert peaks[1] < peaks[0] * 1.25 + 1_000_000, peaks


def test_a_person_as_provider_with_taxonomy_and_the_plan_begin_date() -> None:
    """LinuxForHealth's subscriber.271: the provider a person (NM1*1P*1) with PRV*RF in 2100B,
    the subscriber's address, DTP*346 (plan begin) and copays by network for ten service types."""
    [response] = read_271(DATA / "lfh_subscriber.271")
    assert (response.provider_name, response.provider_id) == ("DOE JOHN", "1467857193")
    assert (response.member_id, response.birth_date) == ("00000000001", dt.date(1970, 1, 1))
    summary = summarize(response)
    assert (summary.status, summary.plan, summary.coverage_from) == (
        "active", "GOLD 123 PLAN", dt.date(2021, 1, 1),
    )  # fmt: skip
    assert [(c.amount, c.network, c.period) for c in summary.copays] == [
        (Decimal("10.00"), "in", "visit"), (Decimal("30.00"), "out", "visit"),
    ]  # fmt: skip
    assert "MH" in summary.copays[0].service_types and summary.traces == ["930000000000"]
