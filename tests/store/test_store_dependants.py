"""A child on a parent's policy: the claim is built without errors and its 837P, with the
parent in 2010BA (name and member id only) and the child in 2000C/2010CA, passes pyx12.

Source: ASC X12 005010X222A1, loop 2010BA N3/N4 and DMG: "Required when the patient is the
subscriber. If not required by this implementation guide, do not send."; loop 2000C:
"Required when the patient is not the subscriber" (PAT01 19: child).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from helpers_837 import CREATED, profile, pyx12_errors
from therabill.claims import Claim
from therabill.errors import InvalidInput
from therabill.store import factories
from therabill.store.models import ClaimRecord, Policy
from therabill.store.services import Store, clients
from therabill.x12.claim_837p import render_837p

DAY = dt.date(2026, 11, 20)
CHILD = factories.client("C-9", "Sam", "Lopez", birth_date=dt.date(2015, 3, 14), sex="M")


def child_on_parents_policy(store: Store, **subscriber: str) -> int:
    built = factories.set_up_practice(store, factories.PracticeSpec(clients=(CHILD,)))
    with store.transaction(actor="biller") as work:
        clients.add_policy(
            work=work,
            client_id=built.clients[0],
            payer="Acme Health Plan",
            member_id="XYZ123456789",
            relationship="child",
            subscriber_first_name="Maria",
            subscriber_last_name="Lopez",
            **subscriber,  # type: ignore[arg-type]
        )
    return factories.build_one_claim(
        store, client="C-9", provider=built.providers[0], day=DAY, services={"97110": 38}
    )


@pytest.mark.parametrize(
    "subscriber",
    [
        {},
        {"subscriber_sex": "F", "subscriber_address": "12 Elm Rd", "subscriber_city": "Portland",
         "subscriber_state": "ME", "subscriber_postal_code": "04102"},
    ],
    ids=["parent-name-only", "parent-address-on-file"],
)  # fmt: skip
def test_a_child_on_a_parents_policy_gets_a_valid_837p(
    store: Store, subscriber: dict[str, str]
) -> None:
    claim_id = child_on_parents_policy(store, **subscriber)
    with store.sessions() as db:
        record = db.get(ClaimRecord, claim_id)
        assert record is not None and record.document_json is not None
        findings = json.loads(record.findings_json)
        document = Claim.model_validate_json(record.document_json)
    assert [f["id"] for f in findings if f["severity"] == "error"] == []
    assert document.subscriber is not None and document.subscriber.relationship == "child"
    if subscriber:  # kept on the policy for the paper claim, not sent in the 837P
        assert document.subscriber.sex == "F" and document.subscriber.address is not None
    text = render_837p(
        [document], profile=profile(), interchange=1, group=1,
        transactions=itertools.count(1), created=CREATED,
    )  # fmt: skip
    assert pyx12_errors(text) == []
    segments = text.replace("\n", "").split("~")
    start = segments.index("HL*2*1*22*1")
    assert segments[start + 1 : start + 4] == [
        "SBR*P********CI",
        "NM1*IL*1*LOPEZ*MARIA****MI*XYZ123456789",
        "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME1",
    ]
    assert segments[start + 4 : start + 8] == [
        "HL*3*2*23*0",
        "PAT*19",
        "NM1*QC*1*LOPEZ*SAM",
        "N3*2 HARBOUR ROAD",
    ]
    assert "DMG*D8*20150314*M" in segments


@pytest.mark.parametrize(
    ("field", "value"),
    [("subscriber_sex", "X"), ("subscriber_state", "Maine"), ("subscriber_postal_code", "4102")],
)
def test_a_bad_subscriber_detail_is_refused_naming_the_field(
    store: Store, field: str, value: str
) -> None:
    built = factories.set_up_practice(store, factories.PracticeSpec(clients=(CHILD,)))
    with pytest.raises(InvalidInput) as raised, store.transaction(actor="biller") as work:
        clients.add_policy(
            work=work, client_id=built.clients[0], payer="Acme Health Plan",
            member_id="XYZ1", relationship="child", subscriber_first_name="Maria",
            subscriber_last_name="Lopez", **{field: value},  # type: ignore[arg-type]
        )  # fmt: skip
    assert raised.value.field == field
    with store.sessions() as db:
        assert db.query(Policy).count() == 0
