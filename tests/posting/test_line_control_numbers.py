"""Line item control numbers: every 837P line carries REF*6R (005010X222A1 loop 2400), the
835 returns it (005010X221A1 loop 2110 REF*6R) and posting matches by it first, so lines that
come back in another order, recoded or bundled still post to the lines they pay."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from remit_builder import billed, remit
from sqlalchemy import select

from helpers_837 import pyx12_errors
from posting_fixtures import build_claim
from therabill.claims.number import claim_number, control_number_of
from therabill.posting import BilledLine, PaidService, match_services
from therabill.store.models import ClaimLine, RemittanceAdjustment, RemittanceLine
from therabill.store.services import Store, remittances, submission
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine

DAY = dt.date(2026, 11, 2)


def _line(id_: int, code: str, charge: int, number: str = "") -> BilledLine:
    return BilledLine(id_, id_, DAY, code, ("GP",), 2, charge, number)


def _paid(index: int, code: str, charge: int, number: str = "") -> PaidService:
    return PaidService(index, code, ("GP",), "", (), 2, None, charge, DAY, number)


def test_recoded_lines_in_another_order_match_by_control_number() -> None:
    """Two lines of the same charge, both recoded without SVC06 and returned in reverse order:
    by code, charge and position they pair the wrong way round; by REF*6R exactly."""
    lines = [_line(1, "97110", 9000, "TB00000007-1"), _line(2, "97140", 9000, "TB00000007-2")]
    without = [_paid(0, "97530", 9000), _paid(1, "97112", 9000)]
    assert [(s.service, s.line_id) for s in match_services(without, lines)] == [(0, 1), (1, 2)]
    services = [_paid(0, "97530", 9000, "TB00000007-2"), _paid(1, "97112", 9000, "TB00000007-1")]
    shares = match_services(services, lines)
    assert [(s.service, s.line_id, s.how) for s in shares] == [
        (0, 2, "by line control number"),
        (1, 1, "by line control number"),
    ]


def test_a_split_line_goes_whole_to_its_line_and_unknown_numbers_fall_back() -> None:
    """A split line returns its number on every part (X221A1 1.10.2.6); a number that is none
    of ours (a claim sent before REF*6R, whose payer returned LX01) matches as before."""
    lines = [_line(1, "97110", 9000, "TB00000007-1"), _line(2, "97140", 8400, "TB00000007-2")]
    services = [
        _paid(0, "97110", 4500, "TB00000007-1"),
        _paid(1, "97110", 4500, "TB00000007-1"),
        _paid(2, "97140", 8400, "2"),
    ]
    shares = match_services(services, lines)
    assert [(s.service, s.line_id) for s in shares] == [(0, 1), (1, 1), (2, 2)]
    assert shares[2].how == "as billed"


@pytest.mark.parametrize(
    ("claim_id", "line", "expected"),
    [(7, 1, "TB00000007-1"), (123456789, 50, "TB123456789-50")],
)
def test_control_number_is_the_claim_number_and_line(
    claim_id: int, line: int, expected: str
) -> None:
    assert control_number_of(claim_id, line) == expected
    assert expected.startswith(claim_number(claim_id)) and len(expected) <= 50


def _submit(store: Store, outbox: Path) -> str:
    with store.transaction(actor="biller") as work:
        outcome = submission.submit_claims(work=work, outbox=outbox)
    (path,) = outcome.paths
    return path.read_text("ascii")


def test_bundled_and_reordered_remittance_posts_to_the_right_lines(
    practice: Store, tmp_path: Path
) -> None:
    """The built claim's lines each carry their stored control number in the 837P (pyx12
    accepts it); the payer bundles 97530 into 97110 as the 835 guide says (section 1.10.2.6,
    and X12 RFI 2278's example: the bundled line paid 0 under the bundling code with SVC06
    the billed code and CO-97, the paying line raised by OA-94) and sends the lines last to
    first: each posts to its own line."""
    cid = build_claim(practice, c97110=30, c97140=30, c97530=15)
    text = _submit(practice, tmp_path)
    assert pyx12_errors(text) == []
    (claim,) = billed(text)
    a, b, c = claim.lines
    assert [a.code, b.code, c.code] == ["97110", "97140", "97530"]
    with practice.transaction() as work:
        stored = work.db.execute(
            select(ClaimLine.id, ClaimLine.control_number)
            .where(ClaimLine.claim_id == cid)
            .order_by(ClaimLine.line_number)
        ).all()
    assert [n for _, n in stored] == [f"{claim_number(cid)}-{i}" for i in (1, 2, 3)]
    assert [a.control_number, b.control_number, c.control_number] == [n for _, n in stored]
    bundled = AdjudicatedLine(
        "97110", c.charge, 0, 0, c.day, ["GP"], [("CO", "97", c.charge)],
        billed_as="HC:97530:GP", billed_units=1, line_control_number=c.control_number,
    )  # fmt: skip
    usual = AdjudicatedLine(
        "97140", b.charge, b.charge * 8 // 10, b.units, b.day, ["GP"],
        [("CO", "45", b.charge - b.charge * 8 // 10)], line_control_number=b.control_number,
    )  # fmt: skip
    paying = AdjudicatedLine(
        "97110", a.charge, 10000, a.units, a.day, ["GP"],
        [("OA", "94", -c.charge), ("CO", "45", a.charge + c.charge - 10000)],
        line_control_number=a.control_number,
    )  # fmt: skip
    data = remit([AdjudicatedClaim(claim.claim_id, "1", [bundled, usual, paying])])
    with practice.transaction(actor="poster") as work:
        result = remittances.post_remittance(work=work, data=data, file_name="bundled.835")
    assert result.outcome == "posted" and result.exceptions == []
    with practice.transaction() as work:
        posted = {
            line_id: paid
            for line_id, paid in work.db.execute(
                select(RemittanceLine.claim_line_id, RemittanceLine.paid_cents)
            ).all()
        }
        reasons = {
            (line_id, reason)
            for line_id, reason in work.db.execute(
                select(RemittanceAdjustment.claim_line_id, RemittanceAdjustment.reason)
            ).all()
        }
        how = set(work.db.execute(select(RemittanceLine.how_matched)).scalars())
    (a_id, _), (b_id, _), (c_id, _) = stored
    assert posted == {a_id: 10000, b_id: b.charge * 8 // 10, c_id: 0}
    assert (c_id, "97") in reasons and (a_id, "94") in reasons
    assert how <= {"as billed", "by line control number"}
