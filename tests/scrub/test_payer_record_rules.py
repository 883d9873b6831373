"""The advice rules read the payer's record from its posted remittances: info findings with
counts and months, and nothing below five lines or claims."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from payer_records import (
    DENIED_97124,
    JAN,
    NOV,
    PAID_97124,
    PAID_97140,
    record,
    with_records,
)
from scrub_helpers import claim, line, run_rule

from therabill.findings import Severity
from therabill.payers.record import CodeRecord

FEW = CodeRecord("97124", 4, JAN, NOV, paid=4, paid_median_cents=Decimal("2800"), paid_first=JAN,
                 paid_last=NOV)  # fmt: skip


def test_paid_per_unit_with_the_massage_alternative() -> None:
    ctx = with_records(record(**{"97124": PAID_97124, "97140": PAID_97140}))
    (found,) = run_rule("insights.paid", claim(line("97124", 60, 4), discipline="massage"), ctx)
    assert found.severity is Severity.INFO and found.line == 1
    assert found.message == (
        "Test payer paid 97124 at $28.00/unit (median, n = 30, 2026-01..2026-11); "
        "Test payer paid 97140 at $38.50/unit (median, n = 12, 2026-01..2026-11)."
    )


def test_a_code_mostly_denied_names_the_carc_and_what_was_paid_instead() -> None:
    ctx = with_records(record(**{"97124": DENIED_97124, "97140": PAID_97140}))
    (found,) = run_rule("insights.denied", claim(line("97124", 60, 4), discipline="massage"), ctx)
    assert found.message.startswith(
        "Test payer denied 97124 9 of 9 times (CARC 96, 2026-01..2026-11)"
    )
    assert "paid 97140 at $38.50/unit" in found.message


def test_days_to_pay() -> None:
    ctx = with_records(record())
    (found,) = run_rule("insights.days-to-pay", claim(), ctx)
    assert found.message == (
        "Test payer takes 41 days on average from submission to payment "
        "(n = 30 claims, 2026-01..2026-11)."
    )


@pytest.mark.parametrize("rule_id", ["insights.paid", "insights.denied", "insights.days-to-pay"])
def test_too_little_evidence_or_no_record_says_nothing(rule_id: str) -> None:
    few = dataclasses.replace(record(**{"97124": FEW}), days_claims=4)
    data = claim(line("97124", 60, 4), discipline="massage")
    assert run_rule(rule_id, data, with_records(few)) == []
    assert run_rule(rule_id, data) == []


def test_a_codes_sentences_are_worded_once_per_record_and_follow_its_figures() -> None:
    """A build asks for the same code's sentences on every claim to the payer: they are
    worded once per record (equal figures, the same sentence) and a record with other
    figures (a later posting) gets its own."""
    same = dataclasses.replace(PAID_97124)
    assert PAID_97124.paid_text("Test payer") is same.paid_text("Test payer")
    assert DENIED_97124.denied_text("Test payer") is DENIED_97124.denied_text("Test payer")
    more = dataclasses.replace(PAID_97124, paid=PAID_97124.paid + 1)
    assert more.paid_text("Test payer") == PAID_97124.paid_text("Test payer").replace(
        f"n = {PAID_97124.paid}", f"n = {PAID_97124.paid + 1}"
    )
    assert PAID_97124.paid_text("Other payer").startswith("Other payer paid 97124")
