"""The scrubber's payer records (``insights.payer_records``) read lean: each line's allowed
amount worked out by the database and the adjustments read for the denied lines only. They
must equal the records built from every posted line as the payer insights read them
(``insights.paid_lines`` then ``record_of``), denials and sequestration included."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from clock import TODAY
from therabill.store.services import Store
from therabill.store.services.demo import create_demo
from therabill.store.services.insights import (
    RECORD_DAYS,
    PaidLine,
    paid_lines,
    payer_records,
    record_of,
)


def test_the_lean_records_equal_the_records_of_every_posted_line(store: Store) -> None:
    create_demo(store=store, clients_count=12, months=4, today=TODAY)
    with store.sessions() as db:
        records = payer_records(db, today=TODAY, stamp=(-1, -1))
        lines = paid_lines(db, start=TODAY - dt.timedelta(days=RECORD_DAYS), end=TODAY)
    per: dict[str, list[PaidLine]] = defaultdict(list)
    for line in lines:
        per[line.payer].append(line)
    expected = {payer: record_of(payer, found) for payer, found in per.items()}
    assert records == expected
    codes = [code for record in records.values() for code in record.codes.values()]
    # the demo's year has denials with their reasons, and paid lines
    assert any(code.denied and code.reasons for code in codes)
    assert any(code.paid for code in codes)
    assert any(line.reasons and not line.denied for line in lines)  # reasons on paid lines
