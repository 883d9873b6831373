"""A practice whose payer has paid and denied a known set of lines: built, submitted and
posted through the real services, so every figure the insights show can be worked by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clock import TODAY
from posting_fixtures import build_claim
from therabill.claims.number import claim_number
from therabill.store.services import Store, remittances, submission
from therabill.x12.remittance_835.builder import (
    AdjudicatedClaim,
    AdjudicatedLine,
    paid_line,
    write_835,
)

PAID_ON = TODAY + dt.timedelta(days=14)  # submitted today: 14 days to payment
COPAY = 1000


def paid_practice(store: Store, outbox: Path, *, paid: int = 6, denied: int = 2) -> list[int]:
    """``paid`` claims of 97110 × 2 units allowed at 80% of the charge less a $10 copay, and
    ``denied`` claims of 97140 × 2 units denied CO-96, one per day of service before today."""
    claims = [
        build_claim(store, day=TODAY - dt.timedelta(days=40 - i), c97110=30) for i in range(paid)
    ] + [
        build_claim(store, day=TODAY - dt.timedelta(days=60 - i), c97140=30) for i in range(denied)
    ]
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=outbox)
    with store.transaction() as work:
        from therabill.store.models import ClaimRecord

        records = [work.db.get(ClaimRecord, cid) for cid in claims]
        answers = []
        for record in records:
            assert record is not None
            line = record.lines[0]
            mods = [m for m in line.modifiers.split(",") if m]
            if line.code == "97110":
                svc = paid_line("97110", line.charge_cents, line.units, day=line.date_of_service,
                                modifiers=mods, copay=COPAY)  # fmt: skip
                answers.append(AdjudicatedClaim(claim_number(record.id), "1", [svc]))
            else:
                svc = AdjudicatedLine("97140", line.charge_cents, 0, line.units,
                                      line.date_of_service, mods,
                                      [("CO", "96", line.charge_cents)])  # fmt: skip
                answers.append(AdjudicatedClaim(claim_number(record.id), "4", [svc]))
    text = write_835(answers, trace="INS1", paid_on=PAID_ON, produced_on=PAID_ON)
    with store.transaction(actor="poster") as work:
        remittances.post_remittance(work=work, data=text.encode("ascii"), file_name="ins.835")
    return claims
