"""The 835 builder (tests, demo, benchmarks): what it writes, our reader reads back exactly,
and the file balances (005010X221A1 section 1.10.2.1) unless told not to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers_837 import pyx12_errors
from therabill.x12.remittance_835 import check_balance, read_835
from therabill.x12.remittance_835.builder import (
    AdjudicatedClaim,
    AdjudicatedLine,
    Payee,
    money,
    paid_line,
    write_835,
)

DAY = dt.date(2026, 11, 2)


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "0.00"), (5, "0.05"), (1750, "17.50"), (-1750, "-17.50"), (123456, "1234.56")],
)
def test_money_is_written_with_two_places(cents: int, text: str) -> None:
    assert money(cents) == text


def test_the_usual_line_allows_a_share_and_leaves_the_copay_to_the_patient() -> None:
    line = paid_line("97110", 9000, 2, day=DAY, modifiers=["GP"], copay=2000)
    assert (line.charge, line.paid) == (9000, 5200)  # allowed 72.00 less the 20.00 copay
    assert list(line.adjustments) == [("CO", "45", 1800), ("PR", "3", 2000)]
    coinsurance = paid_line("97110", 10000, extra=[("PR", "2", 1500)])
    assert coinsurance.paid == 6500  # allowed 80.00 less the 15.00 coinsurance


def test_a_claim_reads_back_with_every_amount_date_and_reference() -> None:
    claim = AdjudicatedClaim(
        "TB00000007",
        "1",
        [
            paid_line("97110", 9000, 2, day=DAY, modifiers=["GP"], copay=2000),
            AdjudicatedLine(
                "97140",
                11000,
                6800,
                2,
                DAY,
                ["GP"],
                [("CO", "45", 4200)],
                billed_as="HC:97140:59",
                billed_units=3,
                remarks=["N640"],
                line_control_number="7L2",
            ),
        ],
        payer_claim_number="ICN7",
        statement_day=DAY,
    )
    text = write_835([claim], provider_adjustments=[("WO", 1750)], payee=Payee(tax_id="123"))
    (remittance,) = read_835(text.encode("ascii"))
    assert check_balance(remittance) == []
    (read,) = remittance.claims
    assert (read.patient_control_number, read.status, read.charge, read.paid) == (
        "TB00000007",
        "1",
        Decimal("200.00"),
        Decimal("120.00"),
    )
    assert read.patient_responsibility == Decimal("20.00")
    assert read.payer_claim_control_number == "ICN7" and read.date("232") == DAY
    first, second = read.services
    assert (first.procedure_code, first.modifiers, first.units) == ("97110", ("GP",), 2)
    assert second.billed_procedure == ("97140", ("59",)) and second.billed_units == 3
    assert second.control_number == "7L2" and second.remark_codes == ("N640",)
    assert remittance.header.payment_amount == Decimal("102.50")  # 120.00 less the PLB


def test_a_reversal_is_written_negated_and_still_balances() -> None:
    paid = paid_line("97110", 9000, 2, day=DAY)
    text = write_835(
        [
            AdjudicatedClaim("TB00000001", "22", [paid], payer_claim_number="A"),
            AdjudicatedClaim("TB00000001", "1", [paid], payer_claim_number="B"),
        ]
    )
    (remittance,) = read_835(text.encode("ascii"))
    assert check_balance(remittance) == []
    reversal, again = remittance.claims
    assert reversal.is_reversal and reversal.paid == -again.paid == Decimal("-72.00")
    assert remittance.header.payment_amount == 0


def test_bpr_off_by_unbalances_the_payment_only() -> None:
    text = write_835([AdjudicatedClaim("TB1", "1", [paid_line("97110", 4500)])], bpr_off_by=1)
    (remittance,) = read_835(text.encode("ascii"))
    assert [p.message for p in check_balance(remittance)] and "BPR*I*36.01*" in text


LINES = st.builds(
    paid_line,
    st.sampled_from(["97110", "97112", "97140", "92507"]),
    st.integers(1, 10**7),
    st.integers(1, 8),
    day=st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)),
    allowed_percent=st.integers(0, 100),
    copay=st.integers(0, 5000),
)


@given(
    st.lists(
        st.builds(
            AdjudicatedClaim,
            st.from_regex(r"TB[0-9]{8}", fullmatch=True),
            st.sampled_from(["1", "2", "4", "22"]),
            st.lists(LINES, min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=5,
    ),
    st.lists(st.tuples(st.sampled_from(["WO", "L6", "72"]), st.integers(-(10**5), 10**5))),
)
def test_any_file_it_writes_balances_and_reads_back(
    claims: list[AdjudicatedClaim], plb: list[tuple[str, int]]
) -> None:
    text = write_835(claims, provider_adjustments=plb)
    (remittance,) = read_835(text.encode("ascii"))
    assert check_balance(remittance) == []
    assert [c.patient_control_number for c in remittance.claims] == [c.claim_number for c in claims]
    for written, read in zip(claims, remittance.claims, strict=True):
        charge, paid, _ = written.totals()
        assert read.charge == written.sign * Decimal(charge) / 100
        assert read.paid == written.sign * Decimal(paid) / 100


def test_pyx12_accepts_what_it_writes_and_therabill_reads_it_back() -> None:
    """The round trip through pyx12's 005010X221A1 map: a paid claim with a copay, a denial
    with a remark, a reversal and its correction, a PLB; the reader gets the same figures."""
    paid = paid_line("97110", 9000, 2, day=DAY, modifiers=["GP"], copay=2000)
    denied = AdjudicatedLine("97530", 10000, 0, 1, DAY, [], [("CO", "197", 10000)], remarks=["M62"])
    claims = [
        AdjudicatedClaim("TB00000001", "1", [paid], payer_claim_number="A", statement_day=DAY),
        AdjudicatedClaim("TB00000002", "4", [denied], payer_claim_number="B"),
        AdjudicatedClaim("TB00000003", "22", [paid], payer_claim_number="C"),
        AdjudicatedClaim("TB00000003", "1", [paid], payer_claim_number="D"),
    ]
    text = write_835(claims, provider_adjustments=[("WO", 1750)], payee=Payee(tax_id="123"))
    assert pyx12_errors(text, acknowledge=False) == []
    (remittance,) = read_835(text.encode("ascii"))
    assert check_balance(remittance) == []
    assert [(c.patient_control_number, c.status, str(c.paid)) for c in remittance.claims] == [
        ("TB00000001", "1", "52.00"),
        ("TB00000002", "4", "0.00"),
        ("TB00000003", "22", "-52.00"),
        ("TB00000003", "1", "52.00"),
    ]
    payer = remittance.header.payer_identifier
    assert payer.startswith("1") and payer.isdigit() and len(payer) == 10


def test_pyx12_judges_the_835_and_can_fail() -> None:
    """TRN03 is '1' and the payer's 9-digit EIN (10 characters): the short form pyx12 refused."""
    text = write_835([AdjudicatedClaim("TB1", "1", [paid_line("97110", 4500)])])
    trn = next(s for s in text.split("~\n") if s.startswith("TRN*"))
    errors = pyx12_errors(text.replace(trn, trn[: trn.rindex("*")] + "*1ACME1"), acknowledge=False)
    assert any("TRN03" in e for e in errors)
