"""``claims build`` fills ``same_day_services`` from the practice's other sessions, so a PT
and an OT billing 97530 for one client on one day each get the same-day warning (never an
error: both claims stay submittable)."""

from __future__ import annotations

import datetime as dt
import json

from therabill.claims import Claim
from therabill.store import factories
from therabill.store.models import ClaimRecord
from therabill.store.services import Store, build

DAY = dt.date(2026, 11, 20)
OT = factories.ProviderSpec("1558598797", "Olga", "Tran", "ot", "225X00000X")


def test_pt_and_ot_the_same_day_both_get_the_warning(store: Store) -> None:
    spec = factories.PracticeSpec(
        providers=(factories.PHYSICAL_THERAPIST, OT),
        fees={"97530": 5000, "97110": 4500},
        clients=(factories.client(payer="Acme Health Plan", member_id="M100"),),
    )
    built = factories.set_up_practice(store, spec)
    pt, ot = built.providers
    with store.transaction(actor="therapists") as work:
        factories.add_session(work, client="C-1", provider=pt, day=DAY, services={"97530": 30})
        factories.add_session(
            work, client="C-1", provider=ot, day=DAY, services={"97530": 30},
            start=dt.time(11, 0),
        )  # fmt: skip
    with store.transaction(actor="biller") as work:
        result = build.build_claims(work=work)
    assert len(result.claims) == 2
    with store.sessions() as db:
        records = [db.get(ClaimRecord, claim_id) for claim_id in result.claims]
        seen = {}
        for record in records:
            assert record is not None and record.document_json is not None
            document = Claim.model_validate_json(record.document_json)
            findings = json.loads(record.findings_json)
            same_day = [f for f in findings if f["id"] == "same-day.other-discipline"]
            assert [f["severity"] for f in same_day] == ["warning"]
            assert [f["id"] for f in findings if f["severity"] == "error"] == []
            assert document.same_day_services is not None
            seen[document.provider.discipline] = [
                (s.discipline, s.code) for s in document.same_day_services
            ]
    assert seen == {"pt": [("ot", "97530")], "ot": [("pt", "97530")]}


def test_one_discipline_alone_gets_no_same_day_services(store: Store) -> None:
    built = factories.set_up_practice(
        store,
        factories.PracticeSpec(
            clients=(factories.client(payer="Acme Health Plan", member_id="M100"),)
        ),
    )
    claim_id = factories.build_one_claim(
        store, client="C-1", provider=built.providers[0], day=DAY, services={"97110": 30}
    )
    with store.sessions() as db:
        record = db.get(ClaimRecord, claim_id)
        assert record is not None and record.document_json is not None
        assert Claim.model_validate_json(record.document_json).same_day_services is None
