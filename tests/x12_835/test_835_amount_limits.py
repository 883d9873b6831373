"""Amounts with no digit limit: the security review sent 10^27 in an 835, which overflowed the
database's integer columns (a 500). The reader now refuses any amount longer than X12 allows
(18 digits) or larger than therabill reads (999,999,999,999.99: 64-bit cents that reports can
still sum), naming segment and element."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from remit_factory import THERAPY_BODY, group, interchange, render, transaction

from therabill.x12.reader import X12Error
from therabill.x12.remittance_835 import read_835
from therabill.x12.remittance_835.values import MAX_STORED_CENTS

HUGE = "1" + "0" * 27


def _file(body: list[str]) -> bytes:
    return render(interchange([group([transaction(body)])]))


def _with(old: str, new: str) -> list[str]:
    """THERAPY_BODY with the first segment starting ``old`` replaced by ``new``."""
    body = list(THERAPY_BODY)
    at = next(i for i, seg in enumerate(body) if seg.startswith(old))
    body[at] = new
    return body


def _number(body: list[str], start: str) -> int:
    """The segment's number in the file: ISA, GS, ST, then the body."""
    return 3 + next(i for i, seg in enumerate(body) if seg.startswith(start)) + 1


CASES = [
    # (segment to replace, replacement, element named)
    ("BPR", f"BPR*I*{HUGE}*C*ACH*CCP", "BPR02"),
    ("CLP*TB00000001", f"CLP*TB00000001*1*{HUGE}*120.00*20.00*12*ICN0001", "CLP03"),
    ("CLP*TB00000002", f"CLP*TB00000002*4*100.00*-{HUGE}*0*12*ICN0002", "CLP04"),
    ("CAS*CO*45*18.00", f"CAS*CO*45*{HUGE}", "CAS03"),
    ("CAS*PR*3", f"CAS*PR*3*1.00*{HUGE}", "CAS04"),
    ("SVC*HC:97530", f"SVC*HC:97530*{HUGE}*0**1", "SVC02"),
    ("SVC*HC:97530", f"SVC*HC:97530*100.00*0**{HUGE}", "SVC05"),
    ("AMT*B6", f"AMT*B6*{HUGE}", "AMT02"),
    ("PLB", f"PLB*1234567893*20261231*WO:OVP123*{HUGE}", "PLB04"),
]


@pytest.mark.parametrize(("old", "new", "element"), CASES, ids=[c[2] for c in CASES])
def test_an_amount_of_ten_to_the_27_is_refused_naming_segment_and_element(
    old: str, new: str, element: str
) -> None:
    body = _with(old, new)
    with pytest.raises(X12Error) as caught:
        read_835(_file(body))
    error = caught.value
    assert error.segment_id == element[:-2]
    assert error.segment_number == _number(body, new.split("*")[0] + "*" + new.split("*")[1])
    assert error.element == element
    assert "has 28 digits: an X12 amount has at most 18" in str(error)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0.000000000000000001", "has 19 digits: an X12 amount has at most 18"),
        ("1000000000000", "too large: therabill reads amounts up to 999,999,999,999.99"),
        ("99999999999999", "too large"),
        ("-1000000000000", "too large"),
    ],
)
def test_too_many_digits_or_too_large(text: str, says: str) -> None:
    with pytest.raises(X12Error, match=says):
        read_835(_file(_with("AMT*B6", f"AMT*B6*{text}")))


@pytest.mark.parametrize(
    "text",
    # past 32-bit cents (21,474,836.47) since money is BIGINT: a billing office's month
    ["21474836.48", "30000000.00", "999999999999.99", "-999999999999.99", "0009999999.99", "1.5"],
)
def test_the_largest_amounts_are_read(text: str) -> None:
    (remittance,) = read_835(_file(_with("AMT*B6", f"AMT*B6*{text}")))
    assert remittance.claims[0].services[0].allowed == Decimal(text)


@given(
    cents=st.integers(min_value=-MAX_STORED_CENTS, max_value=MAX_STORED_CENTS),
    zeros=st.integers(min_value=0, max_value=4),  # 14 digits + 4 zeros: 18,
)
def test_any_amount_up_to_the_limit_is_read_exactly(cents: int, zeros: int) -> None:
    text = ("-" if cents < 0 else "") + "0" * zeros + f"{abs(cents) // 100}.{abs(cents) % 100:02d}"
    (remittance,) = read_835(_file(_with("AMT*B6", f"AMT*B6*{text}")))
    assert remittance.claims[0].services[0].allowed == Decimal(cents) / 100


@given(dollars=st.integers(min_value=MAX_STORED_CENTS // 100 + 1, max_value=10**40))
def test_any_amount_over_the_limit_is_refused(dollars: int) -> None:
    with pytest.raises(X12Error) as caught:
        read_835(_file(_with("CAS*CO*45*18.00", f"CAS*CO*45*{dollars}")))
    assert caught.value.element == "CAS03"
