"""The 277 claim status reader (005010X212) on the guide's own examples and on damaged files:
each claim's statuses in plain words, bounded per claim, bad files refused naming the
segment."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from therabill.x12.claim_status import iter_277, read_277, status_codes
from therabill.x12.claim_status.model import MAX_KEPT
from therabill.x12.reader import X12Error
from x12_shapes import SHAPES_277

PEERS = Path(__file__).parent.parent / "data" / "x12-peers" / "claim-status"


def test_guide_claim_level_example_reads_every_claim_and_line() -> None:
    """005010X212's "claim level status" example (LinuxForHealth x12's copy): three claims,
    two subscribers and a dependant, one service line."""
    response = read_277(PEERS / "lfh_claim-level-status.277")
    assert (response.payer_name, response.payer_id) == ("ABC INSURANCE", "12345")
    smith, jones, mann = response.claims
    assert (smith.trace_number, smith.claim_number, smith.category, smith.status_code) == (
        "ABCXYZ1", "SM123456", "P3", "317",
    )  # fmt: skip
    assert smith.action == "answer" and smith.charge == Decimal("8513.88")
    assert (smith.service_from, smith.service_to) == (dt.date(2005, 8, 31), dt.date(2005, 9, 6))
    assert smith.payer_claim_number == "05347006051" and smith.patient == "SMITH, FRED"
    assert (jones.category, jones.status_code, jones.paid) == ("F0", "3", Decimal("7599.00"))
    assert jones.action == "done" and jones.effective == dt.date(2005, 9, 15)
    assert "waiting for the next payment cycle" in jones.reason
    assert (mann.patient, mann.member_id) == ("MANN, JOSEPH", "345678901")
    (line,) = mann.lines
    assert (line.procedure, line.charge, line.paid) == ("99203", Decimal("150.00"), Decimal("0.00"))
    assert mann.reason.startswith(
        "F2:88 finalized: denied: not eligible for benefits on the dates of service (patient)"
    )


@pytest.mark.parametrize(
    ("name", "level", "text"),
    [
        ("lfh_provider-level-status.277", "provider",
         "E0:24 no answer possible: the request had an error in its data: the submitter is not "
         "approved to send claims electronically (billing provider)"),
        ("lfh_information-receiver-level-status.277", "information receiver",
         "E0:0 no answer possible: the request had an error in its data: the payer cannot give "
         "more status electronically"),
    ],
)  # fmt: skip
def test_guide_level_examples_are_statuses_of_the_request(name: str, level: str, text: str) -> None:
    (status,) = read_277(PEERS / name).levels
    assert status.level == level and status.reason.endswith(text)


def test_ncpdp_example_reads() -> None:
    (claim,) = read_277(PEERS / "lfh_claim-level-status-ncpdp.277").claims
    assert (claim.category, claim.status_code) == ("F2", "80")
    assert claim.reason == "F2:80 finalized: denied: status code 80"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("lfh_claim-level-status.276", "element ST01: a 276 transaction is not"),
    ],
)
def test_a_request_is_not_a_response(name: str, message: str) -> None:
    with pytest.raises(X12Error, match=message):
        read_277(PEERS / name)


HEAD = (
    "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*THERABILL      *260105*1200*^*00501*"
    "000000001*0*P*:~GS*HN*ACMEHEALTH*THERABILL*20260105*1200*1*X*005010X212~"
)


def _file(*body: str, guide: str = "005010X212") -> bytes:
    segments = [f"ST*277*0001*{guide}", *body]
    text = "~".join([*segments, f"SE*{len(segments) + 1}*0001"]) + "~"
    return (HEAD.replace("005010X212", guide) + text + "GE*1*1~IEA*1*000000001~").encode()


CLAIM = ("HL*1**20*1", "NM1*PR*2*ACME*****PI*60054", "HL*2*1*22*0", "TRN*2*TB00000001")


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (_file(*CLAIM, "STC*F1:65*20260106**ABC"), "segment 8 (STC), element STC04"),
        (_file(*CLAIM, "STC*F1:65*2026-01-06"), "segment 8 (STC), element STC02"),
        (_file(*CLAIM, "STC**20260106"), "segment 8 (STC), element STC01"),
        (_file(*CLAIM[:3], "STC*F1:65*20260106"), "segment 7 (STC), element STC01"),
        (_file(*CLAIM, "STC*F1:65", "DTP*472*RD8*20260101-2026"), "segment 9 (DTP), element DTP03"),
        (_file(*CLAIM, "STC*A2:20", guide="005010X214"), "277CA"),
        (_file(*CLAIM, "STC*A2:20", guide="004010X093A1"), "this is 004010"),
        (b"ISA*junk", ""),
    ],
    ids=["amount", "date", "no category", "STC before TRN", "date range", "277CA", "4010", "junk"],
)
def test_a_damaged_file_is_refused_with_one_message_naming_the_segment(
    data: bytes, where: str
) -> None:
    with pytest.raises(X12Error) as caught:
        read_277(data)
    assert where in str(caught.value)


def test_a_claim_keeps_at_most_max_kept_statuses_and_lines() -> None:
    (claim,) = read_277(SHAPES_277["STC per claim"](MAX_KEPT + 50)).claims
    assert len(claim.statuses) == MAX_KEPT and claim.more == 50
    assert claim.reason.endswith("and 50 more")
    (claim,) = read_277(SHAPES_277["SVC/STC per claim"](MAX_KEPT + 7)).claims
    assert len(claim.lines) == MAX_KEPT and claim.lines[0].control_number == "TB00000001-1"


def test_the_code_table_holds_every_category_of_list_507() -> None:
    """Code list 507 (x12.org; eMedNY ePACES "Claim Status Codes"): the acknowledgement,
    pending, finalized, request, error, search and supplemental categories."""
    categories = {code for table, code in status_codes() if table == "category"}
    expected = {
        *(f"A{n}" for n in range(9)), *(f"P{n}" for n in range(6)), "F0", "F1", "F2", "F3",
        "F3F", "F3N", "F4", "F5", "R0", "R1", *(f"R{n}" for n in range(3, 18)), "RQ",
        *(f"E{n}" for n in range(5)), "D0", "X0",
    }  # fmt: skip
    assert categories == expected
    actions = {status_codes()["category", code].action for code in categories}
    assert actions == {"correct", "wait", "answer", "done", "retry"}
    stopped = {code for code in categories if status_codes()["category", code].stopped}
    assert stopped == {"X0", "F5", "RQ"}


def test_streaming_a_277_keeps_memory_flat(tmp_path: Path) -> None:
    """``iter_277`` gives one claim at a time: four times the claims, read from disk in
    chunks, peak at the same memory (the store records each as it comes)."""
    peaks = []
    for n in (12_000, 48_000):
        path = tmp_path / f"{n}.277"
        path.write_bytes(SHAPES_277["claims (HL/TRN/STC) per ST"](n))
        tracemalloc.start()
        try:
            count = sum(1 for _ in iter_277(path))
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert count == n
    assert peaks[1] < peaks[0] * 1.25 + 1_000_000, f"peak {peaks[0]:,} -> {peaks[1]:,} bytes"
