"""A scrub context whose payer ("Test payer") has a record: 97124 paid 30 times at $28.00 and
97140 12 times at $38.50 (2026-01..2026-11), claims paid in 41 days on average; and one where
97124 was denied 9 of 9 times (CARC 96)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from scrub_helpers import context

from therabill.payers.record import CodeRecord, PayerRecord
from therabill.scrub import ScrubContext

JAN, NOV = dt.date(2026, 1, 12), dt.date(2026, 11, 3)
PAID_97140 = CodeRecord("97140", 12, JAN, NOV, paid=12, paid_median_cents=Decimal("3850"),
                        paid_first=JAN, paid_last=NOV)  # fmt: skip
PAID_97124 = CodeRecord("97124", 30, JAN, NOV, paid=30, paid_median_cents=Decimal("2800"),
                        paid_first=JAN, paid_last=NOV)  # fmt: skip
DENIED_97124 = CodeRecord("97124", 9, JAN, NOV, denied=9, reasons=("96",))


def record(**codes: CodeRecord) -> PayerRecord:
    return PayerRecord("Test payer", codes, days_mean=41.2, days_claims=30, days_first=JAN,
                       days_last=NOV)  # fmt: skip


def with_records(payer_record: PayerRecord) -> ScrubContext:
    return dataclasses.replace(context(), payer_records={"Test payer": payer_record})


def paid_context() -> ScrubContext:
    return with_records(record(**{"97124": PAID_97124, "97140": PAID_97140}))


def denied_context() -> ScrubContext:
    return with_records(record(**{"97124": DENIED_97124, "97140": PAID_97140}))
