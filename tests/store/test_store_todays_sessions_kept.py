"""The dashboard's sessions of the day are kept under the practice's stamp
(``revisions.practice_stamp``), on each backend: every write to what the list shows (a
session, its services, its claim, the client's or provider's name) moves the stamp, so the
next dashboard reads the list again; reads never move it. After each change the kept list
must equal a fresh read of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clock import TODAY
from therabill.identifiers.npi import calc_check_digit
from therabill.store import factories
from therabill.store.models import Client, Provider, SessionService
from therabill.store.services import Store, build, ledger, open_store, reports
from therabill.store.services.users import Account, Role

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
BILLER = Account(id=1, username="biller", display_name="Biller", role=Role.BILLER, provider_id=None)


@pytest.fixture
def store(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("THERABILL_HOME", str(tmp_path / "home"))
    opened = open_store(db_url)
    factories.set_up_practice(opened, SPEC)
    yield opened
    opened.dispose()


def _listed(store: Store, account: Account = BILLER) -> list[dict[str, Any]]:
    """Today's sessions as the dashboard gets them (kept), checked against a fresh read."""
    with store.reading(actor=account.username) as work:
        kept = reports.todays_sessions(work, account, today=TODAY)
        fresh = reports._todays_sessions(work, account, TODAY)
        assert [e.action for e in work.events] == ["list"]  # audited each time, kept or not
    assert kept == fresh
    return kept


def test_the_kept_sessions_of_the_day_follow_every_write_and_no_read(store: Store) -> None:
    assert _listed(store) == []
    with store.transaction(actor="therapist") as work:
        factories.add_session(
            work, client="C-1", provider=factories.PT_NPI, day=TODAY, services={"97110": 30}
        )
    first = _listed(store)
    assert [(s["codes"], s["billed"]) for s in first] == [("97110 30′", False)]
    with store.reading(actor="biller") as work:  # an audited read moves nothing
        ledger.client_ledger(work=work, client="C-1")
    with store.reading(actor="biller") as work:
        stamp = reports.dashboard_stamp(work)
    _listed(store)
    with store.reading(actor="biller") as work:
        assert reports.dashboard_stamp(work) == stamp

    # the minutes of its service changed in place
    with store.transaction(actor="therapist") as work:
        work.db.execute(select(SessionService)).scalar_one().minutes = 38
    assert [s["codes"] for s in _listed(store)] == ["97110 38′"]

    # the client's and the provider's names
    with store.transaction(actor="biller") as work:
        work.db.execute(select(Client)).scalar_one().last_name = "Renamed"
    assert "Renamed" in _listed(store)[0]["client"]
    with store.transaction(actor="admin") as work:
        provider = work.db.execute(
            select(Provider).where(Provider.npi == factories.PT_NPI)
        ).scalar_one()
        provider.last_name = "Moved"
    assert _listed(store)[0]["provider"].endswith("Moved")

    # another discipline's session, then the day billed
    with store.transaction(actor="therapist") as work:
        factories.add_session(
            work, client="C-1", provider=OT_NPI, day=TODAY, services={"97535": 30}
        )
    assert len(_listed(store)) == 2
    with store.transaction(actor="biller") as work:
        assert build.build_claims(work=work).claims
    assert all(s["billed"] for s in _listed(store))


def test_a_therapist_is_kept_their_own_sessions_apart(store: Store) -> None:
    with store.transaction(actor="therapist") as work:
        factories.add_session(
            work, client="C-1", provider=factories.PT_NPI, day=TODAY, services={"97110": 30}
        )
        factories.add_session(
            work, client="C-1", provider=OT_NPI, day=TODAY, services={"97535": 30}
        )
        ot = work.db.execute(select(Provider.id).where(Provider.npi == OT_NPI)).scalar_one()
    therapist = Account(
        id=2, username="olive", display_name="Olive", role=Role.THERAPIST, provider_id=ot
    )
    assert len(_listed(store)) == 2
    mine = _listed(store, therapist)
    assert [s["codes"] for s in mine] == ["97535 30′"]
    mine[0]["codes"] = "changed by the caller"  # a caller's copy: the kept rows stay
    assert [s["codes"] for s in _listed(store, therapist)] == ["97535 30′"]
