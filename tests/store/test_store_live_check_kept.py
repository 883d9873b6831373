"""The live check keeps a client's day between requests (``live_check.ClientDay``), stamped
with the client's revision (``therabill.store.revisions``), on each backend: every write that
changes what it holds moves the stamp, so the next check reads the day again, and reads
(audited ones included) never move it, so a biller typing minutes is answered from what was
kept. After each change the kept day must equal a fresh read of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from clock import TODAY
from therabill.identifiers.npi import calc_check_digit
from therabill.store import factories, revisions
from therabill.store.models import ClaimLine, Client, Provider
from therabill.store.services import (
    Store,
    UnitOfWork,
    access,
    auths,
    build,
    caches,
    clients,
    ledger,
    live_check,
    open_store,
    payers,
    practice,
    remittances,
    submission,
)
from therabill.store.services.live_check import Entered, ServiceEntry
from therabill.store.services.users import Account, Role

DAY = TODAY - dt.timedelta(days=20)
OT_NPI = "170000000" + calc_check_digit("170000000")
SPEC = factories.PracticeSpec(
    payers=(factories.PayerSpec("MEDICARE", "Medicare Part B", "04111"),),
    providers=(
        factories.PHYSICAL_THERAPIST,
        factories.ProviderSpec(OT_NPI, "Olive", "Tan", "ot", "225X00000X"),
    ),
    fees={**factories.PT_FEES, "97535": 4000},
    clients=(factories.client("C-1", "Cleo", payer="Medicare Part B", member_id="1EG4TE5MK73"),),
)


@pytest.fixture
def store(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("THERABILL_HOME", str(tmp_path / "home"))
    opened = open_store(db_url)
    factories.set_up_practice(opened, SPEC)
    yield opened
    opened.dispose()


def _parties(work: UnitOfWork) -> tuple[Client, Provider]:
    client = work.db.execute(select(Client)).scalar_one()
    provider = work.db.execute(
        select(Provider).where(Provider.npi == factories.PT_NPI)
    ).scalar_one()
    return client, provider


def _kept(store: Store) -> tuple[live_check.ClientDay, tuple[int, int]]:
    """The kept day (checked against a fresh read of it) and the stamp it was kept under."""
    with store.reading(actor="biller") as work:
        client, _provider = _parties(work)
        policy = clients.primary_policy(client, DAY)
        assert policy is not None
        kept = live_check.client_day(
            work, client=client, discipline="pt", payer=policy.payer, day=DAY, unsaved=True
        )
        fresh = live_check._read_client_day(
            work, client, "pt", policy.payer, DAY, True, dt.date.today()
        )
        assert work.practice_id is not None
        stamp = revisions.client_stamp(
            work.db.connection(), practice_id=work.practice_id, client_id=client.id
        )
        # the live check reads the ledger's generation (the payer records' stamp) in the
        # same statement as the client's stamp: the same figures as read on their own
        both = revisions.client_and_ledger_stamp(
            work.db.connection(), practice_id=work.practice_id, client_id=client.id
        )
        assert both == (stamp, caches.ledger_generation(work.db))
    assert kept == fresh
    return kept, stamp


def _entered(minutes: dict[str, int]) -> Entered:
    return Entered(
        day=DAY, services=[ServiceEntry(c, m) for c, m in minutes.items()], diagnoses=["M54.50"]
    )


def _preview(store: Store, **minutes: int) -> live_check.Preview:
    with store.reading(actor="biller") as work:
        client, provider = _parties(work)
        return live_check.preview_session(
            work,
            client=client,
            provider=provider,
            entered=_entered(minutes),
        )


def test_the_kept_day_follows_every_write_and_no_read(store: Store, tmp_path: Path) -> None:
    first, stamp = _kept(store)
    again, same = _kept(store)
    assert again is first and same == stamp  # kept: the second check read no day again
    with store.reading(actor="biller") as work:  # an audited read moves nothing
        ledger.client_ledger(work=work, client="C-1")
    assert _kept(store)[1] == stamp

    # another discipline's session that day: the same-day services change
    with store.transaction(actor="therapist") as work:
        factories.add_session(work, client="C-1", provider=OT_NPI, day=DAY, services={"97535": 30})
    kept, moved = _kept(store)
    assert moved != stamp and [s.code for s in kept.same_day] == ["97535"]

    # a claim built for the PT session: its line is billed
    with store.transaction(actor="therapist") as work:
        factories.add_session(
            work, client="C-1", provider=factories.PT_NPI, day=DAY, services={"97110": 30}
        )
    with store.transaction(actor="biller") as work:
        built = build.build_claims(work=work)
    assert built.claims
    kept, stamp = _kept(store)
    assert {code for (_, _, code, _) in kept.scrubbing[2]} >= {"97110"}  # type: ignore[index]

    # the line edited in place on the ready claim (no ledger entry, no new row)
    with store.transaction(actor="biller") as work:
        line = work.db.execute(select(ClaimLine).where(ClaimLine.code == "97110")).scalar_one()
        line.code = "97112"
    kept, moved = _kept(store)
    assert moved != stamp
    assert {code for (_, _, code, _) in kept.scrubbing[2]} >= {"97112"}  # type: ignore[index]
    assert "97110" not in {code for (_, _, code, _) in kept.scrubbing[2]}  # type: ignore[index]

    # the claims paid by an 835: the year's allowed amounts count what the payer allowed
    before = dict(kept.scrubbing[0])  # type: ignore[index]
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=tmp_path / "outbox")
    with store.transaction(actor="biller") as work:
        data = factories.remittance_for(work, built.claims, allowed_percent=50).encode()
    with store.transaction(actor="biller") as work:
        posted = remittances.post_remittance(work=work, data=data, file_name="era.835")
    assert posted.claims_posted
    kept, stamp = _kept(store)
    assert kept.scrubbing[0] != before  # type: ignore[index]

    # the practice's fees (client 0's revision)
    with store.transaction(actor="admin") as work:
        practice.set_fee(work=work, code="97110", unit_charge_cents=9900)
    kept, moved = _kept(store)
    assert moved != stamp and kept.fees["97110"] == 9900

    # an authorization added for the client
    _add_authorization(store)
    assert _kept(store)[1] != moved


def test_the_next_live_check_sees_a_line_edited_on_a_ready_claim(store: Store) -> None:
    """A claim billed 97110 that day: the live check of 97110 finds the duplicate; once the
    claim's line says 97112 instead, the next check finds it there and no longer for 97110."""
    claim = factories.build_one_claim(
        store, client="C-1", provider=factories.PT_NPI, day=DAY, services={"97110": 30}
    )

    def duplicates(**minutes: int) -> list[str]:
        found = _preview(store, **minutes).findings
        return [f.code or "" for f in found if f.id == "store.duplicate-line"]

    assert duplicates(**{"97110": 30}) == ["97110"]
    assert duplicates(**{"97112": 30}) == []
    with store.transaction(actor="biller") as work:
        line = work.db.execute(select(ClaimLine).where(ClaimLine.claim_id == claim)).scalar_one()
        line.code = "97112"
    assert duplicates(**{"97110": 30}) == []
    assert duplicates(**{"97112": 30}) == ["97112"]


def _columns(row: object) -> dict[str, object] | None:
    if row is None:
        return None
    mapper = inspect(type(row))
    return {a.key: getattr(row, a.key) for a in mapper.column_attrs}


def _plain(parties: live_check.DayParties) -> tuple[object, ...]:
    """The kept parties' values (rows compare by identity, their copies by these)."""
    return (
        _columns(parties.policy),
        _columns(parties.payer),
        _columns(parties.practice),
        [
            (_columns(s.authorization), s.authorization.code_list(), s.units_used, s.visits_used)
            for s in parties.statuses
        ],
        parties.others,
        parties.places,
    )


def _kept_parties(store: Store) -> tuple[live_check.DayParties, object]:
    """The kept parties of the client's PT day (checked against a fresh read of them) and the
    stamp they were kept under."""
    with store.reading(actor="biller") as work:
        client, provider = _parties(work)
        stamp = live_check._stamp(work, client)
        kept = live_check.day_parties(work, client=client, provider=provider, day=DAY, stamp=stamp)
        fresh = live_check._read_day_parties(work, client, provider, DAY)
    assert _plain(kept) == _plain(fresh)
    return kept, stamp


def test_the_kept_parties_follow_every_write_and_no_read(store: Store) -> None:
    """The client's policy and payer, the practice, the authorizations (with their codes and
    uses) and the provider's other sessions that day are kept between live checks; each
    write to them moves the stamp, and the next check's parties equal a fresh read."""
    first, stamp = _kept_parties(store)
    again, same = _kept_parties(store)
    assert again is first and same == stamp  # kept: read once
    with store.reading(actor="biller") as work:  # an audited read moves nothing
        ledger.client_ledger(work=work, client="C-1")
    assert _kept_parties(store)[1] == stamp
    assert first.others == () and first.statuses == ()

    # another PT session that day: pooled into the claim
    with store.transaction(actor="therapist") as work:
        factories.add_session(
            work, client="C-1", provider=factories.PT_NPI, day=DAY, services={"97110": 30}
        )
    kept, moved = _kept_parties(store)
    assert moved != stamp and [s.services[0].code for s in kept.others] == ["97110"]

    # the policy's member id
    with store.transaction(actor="biller") as work:
        client, _ = _parties(work)
        policy = clients.primary_policy(client, DAY)
        assert policy is not None
        clients.edit_policy(work=work, policy_id=policy.id, changes={"member_id": "1EG4TE5MK74"})
    kept, stamp = _kept_parties(store)
    assert stamp != moved and kept.policy is not None and kept.policy.member_id == "1EG4TE5MK74"

    # the payer's electronic id (client 0's revision)
    with store.transaction(actor="admin") as work:
        assert kept.payer is not None
        payers.edit_payer(work=work, payer=kept.payer.id, payer_id="99999")
    kept, moved = _kept_parties(store)
    assert moved != stamp and kept.payer is not None and kept.payer.payer_id == "99999"

    # the practice's name on the claim (the billing provider)
    with store.transaction(actor="admin") as work:
        work.require_practice().name = "Renamed Practice"
    kept, stamp = _kept_parties(store)
    assert stamp != moved and kept.practice is not None
    assert kept.practice.name == "Renamed Practice"

    # an authorization, then its codes alone changed (authorization_codes, migration 0047)
    auth_id = _add_authorization(store)
    kept, moved = _kept_parties(store)
    assert moved != stamp and [s.authorization.code_list() for s in kept.statuses] == [["97110"]]
    with store.transaction(actor="biller") as work:
        auths.edit_authorization(work=work, auth_id=auth_id, changes={"codes": ["97112"]})
    kept, stamp = _kept_parties(store)
    assert stamp != moved and [s.authorization.code_list() for s in kept.statuses] == [["97112"]]

    # the PT session billed: no longer pooled, and the authorization's units used
    with store.transaction(actor="biller") as work:
        auths.edit_authorization(work=work, auth_id=auth_id, changes={"codes": ["97110"]})
    with store.transaction(actor="biller") as work:
        assert build.build_claims(work=work).claims
    kept, moved = _kept_parties(store)
    assert moved != stamp and kept.others == ()
    assert [s.units_used for s in kept.statuses] == [2]


def test_a_kept_live_check_answers_as_a_fresh_one(store: Store) -> None:
    """The live check from kept parties gives the answer of one that keeps nothing."""
    with store.transaction(actor="therapist") as work:
        factories.add_session(
            work, client="C-1", provider=factories.PT_NPI, day=DAY, services={"97110": 30}
        )
    first = _preview(store, **{"97112": 25}).to_dict()
    kept = _preview(store, **{"97112": 25}).to_dict()  # from what the first one kept
    for cache in (live_check.LIVE_PARTIES, live_check.LIVE_CONTEXT):
        cache._kept.clear()
    assert kept == first == _preview(store, **{"97112": 25}).to_dict()
    assert first["scrubbed"] and first["total_charge_cents"] > 0


def _kept_people(store: Store) -> tuple[Client, Provider | None]:
    """The client and provider a live check by id keeps (checked against a fresh read)."""
    with store.reading(actor="biller") as work:
        client, provider = _parties(work)
        stamp = live_check._stamp(work, client)
        kept = live_check._people(work, client.id, provider.id, stamp)
        assert (_columns(kept[0]), _columns(kept[1])) == (_columns(client), _columns(provider))
    return kept  # type: ignore[return-value]


def test_the_kept_client_and_provider_follow_every_write(store: Store) -> None:
    """A live check by id (the session form's, the API's scrub) keeps copies of the client
    and provider under the client's stamp; a change to either is in the next check."""
    first = _kept_people(store)
    assert _kept_people(store)[0] is first[0]  # kept
    with store.transaction(actor="biller") as work:
        client, provider = _parties(work)
        client.last_name = "Renamed"
    kept = _kept_people(store)
    assert kept[0] is not first[0] and kept[0].last_name == "Renamed"
    with store.transaction(actor="admin") as work:
        client, provider = _parties(work)
        provider.taxonomy = "225100000X"
    moved = _kept_people(store)
    assert moved[1] is not None and moved[1].taxonomy == "225100000X"


def _preview_by_id(store: Store, **minutes: int) -> live_check.Preview:
    """The live check as the session form and the API ask it: access checked by id, then
    the check of the client and provider by id."""
    biller = Account(id=0, username="biller", display_name="B", role=Role.BILLER, provider_id=None)
    with store.reading(actor="biller") as work:
        client, provider = _parties(work)
        client_id = access.client_id_for(work, biller, client.id)
        provider_id = access.provider_id_for(work, biller, provider.id)
        assert [e.entity for e in work.events] == ["client"]  # audited as a read
        return live_check.preview_for(
            work,
            client_id=client_id,
            provider_id=provider_id,
            entered=_entered(minutes),
        )


def test_a_live_check_by_id_answers_as_one_of_loaded_rows(store: Store) -> None:
    """``preview_for`` (kept client and provider) answers as ``preview_session`` given the
    rows, kept or not, before and after the client's policy changes."""
    _add_authorization(store)
    by_id = _preview_by_id(store, **{"97110": 38}).to_dict()
    assert by_id == _preview_by_id(store, **{"97110": 38}).to_dict()  # from what was kept
    for cache in (live_check.LIVE_PARTIES, live_check.LIVE_CONTEXT, live_check.LIVE_PEOPLE):
        cache._kept.clear()
    assert by_id == _preview(store, **{"97110": 38}).to_dict()
    assert by_id["scrubbed"] and by_id["total_charge_cents"] > 0
    with store.transaction(actor="biller") as work:
        client, _ = _parties(work)
        policy = clients.primary_policy(client, DAY)
        assert policy is not None
        clients.edit_policy(work=work, policy_id=policy.id, changes={"member_id": "1EG4TE5MK74"})
    again = _preview_by_id(store, **{"97110": 38}).to_dict()
    for cache in (live_check.LIVE_PARTIES, live_check.LIVE_CONTEXT, live_check.LIVE_PEOPLE):
        cache._kept.clear()
    assert again == _preview(store, **{"97110": 38}).to_dict()


def _add_authorization(store: Store) -> int:
    """Medicare's authorization AUTH-1 for C-1, 20 units of 97110 around the day."""
    with store.transaction(actor="biller") as work:
        return auths.add_authorization(
            work=work,
            client="C-1",
            payer="Medicare Part B",
            number="AUTH-1",
            start=DAY - dt.timedelta(days=30),
            end=DAY + dt.timedelta(days=30),
            codes=["97110"],
            units=20,
        ).id
