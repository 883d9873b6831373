"""The shared reference's worked unit cases (sourced-cases.json: the CMS manual's 8-minute
rule examples, the midpoint rule's) as a practice bills them: a session with the case's
minutes, then ``claims build``. The claim's lines carry the case's units, and the scrubber
finds no unit or time error on a claim the unit rule itself made: a code left without a unit
still counts in the day's total (CMS Pub 100-04 ch.5 §20.2, example 5: 7 + 7 + 7 minutes of
three codes are one unit, billed on one line of 7 minutes)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select

from clock import TODAY
from reference_cases import sourced_cases
from therabill.store import factories
from therabill.store.models import ClaimRecord
from therabill.store.services import Store, build

CASES = [
    case
    for case in sourced_cases()
    if case.get("rule") in ("cms", "midpoint") and "services" in case
]
PAYERS = {"cms": "Medicare Part B", "midpoint": "Acme Health Plan"}


def test_every_sourced_unit_case_builds_a_claim_with_its_units_and_no_unit_error(
    store: Store,
) -> None:
    cases = CASES
    assert len(cases) == 45  # the reference's 8-minute and midpoint cases, all in the code set
    factories.set_up_practice(
        store,
        factories.PracticeSpec(
            payers=(
                factories.PayerSpec("MEDICARE", "Medicare Part B", "MCR01"),
                factories.ACME,
            ),
            fees={code: 4000 for case in cases for code in _codes(case)},
            clients=(
                factories.client("C-CMS", payer="Medicare Part B", member_id="1EG4TE5MK73"),
                factories.client("C-MID", "Bo", payer="Acme Health Plan", member_id="AC123456"),
            ),
        ),
    )
    day_of: dict[str, dt.date] = {}
    with store.transaction(actor="therapist") as work:
        for n, case in enumerate(cases):
            day_of[case["id"]] = day = TODAY - dt.timedelta(days=n + 1)
            factories.add_session(
                work,
                client="C-CMS" if case["rule"] == "cms" else "C-MID",
                provider=factories.PT_NPI,
                day=day,
                # an untimed code's time is not in the timed total; a session records some
                services={s["code"]: s["minutes"] or 1 for s in case["services"]},
            )
    with store.transaction(actor="biller") as work:
        build.build_claims(work=work)
    with store.sessions() as db:
        claims = {claim.date_of_service: claim for claim in db.scalars(select(ClaimRecord))}
        wrong = []
        for case in cases:
            claim = claims.get(day_of[case["id"]])
            billed = {} if claim is None else {ln.code: ln.units for ln in claim.lines}
            allowed = [
                {code: units for code, units in expected.items() if units}
                for expected in case.get("expected_any_of", [case["expected"]])
            ]
            findings = json.loads(claim.findings_json) if claim is not None else []
            errors = [
                f["message"]
                for f in findings
                if f["severity"] == "error" and f["id"].split(".")[0] in ("units", "time")
            ]
            if billed not in allowed or errors:
                wrong.append((case["id"], billed, allowed, errors))
    assert wrong == []


def _codes(case: dict[str, Any]) -> list[str]:
    return [service["code"] for service in case["services"]]
