"""The seal's fast encoder of a ledger entry gives exactly the bytes of the reference one:
seals already written must still check, and verify and seal must agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from therabill.store.ledger_seal import SEALED_COLUMNS, canonical, canonical_entry

VALUE = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(),  # memos with quotes, backslashes, control and non-ASCII characters
    st.dates(),
    st.datetimes(),
    # an entry's posted_at is a commit time: the first and last days of the calendar are left
    # out, where moving an aware time to UTC leaves the years datetime can hold
    st.datetimes(
        min_value=dt.datetime(1, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.timezones(),
    ),
)


@given(st.lists(VALUE, min_size=len(SEALED_COLUMNS), max_size=len(SEALED_COLUMNS)))
def test_fast_encoding_is_the_reference_encoding(row: list[Any]) -> None:
    assert canonical_entry(row) == canonical(row)
    assert canonical_entry(tuple(row)) == canonical(tuple(row))


def test_an_entry_as_posted() -> None:
    row = (
        7, "insurance_payment", 4500, "insurance", 3, 41, 12, 1,
        dt.date(2026, 1, 7), dt.datetime(2026, 1, 7, 12, 30, 1, 5), "biller",
        '835 EFT "1": CO-45 — café', "835:12", None,
    )  # fmt: skip
    assert (
        canonical_entry(row)
        == (
            '[7,"insurance_payment",4500,"insurance",3,41,12,1,"2026-01-07",'
            '"2026-01-07T12:30:01.000005","biller","835 EFT \\"1\\": CO-45 — café","835:12",null]\n'
        ).encode()
    )
    assert canonical_entry(row) == canonical(row)
