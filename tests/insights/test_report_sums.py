"""The report sums stay the sums of their rows: after any run of postings, adjustments,
reversals, sessions added, moved and deleted, claim lines edited and claims voided, on SQLite and
PostgreSQL; and an existing database's sums are built in full by the migration that adds
them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text

from clock import TODAY
from posting_fixtures import build_claim
from therabill.ledger import EntryKind
from therabill.store import migrate, report_sums
from therabill.store.factories import SLP_NPI
from therabill.store.models import ClaimLine, ClaimRecord, LedgerEntry, Provider, TherapySession
from therabill.store.services import Store, ledger

KINDS = [k for k in EntryKind if k is not EntryKind.TRANSFER_TO_INSURANCE]
DAYS = st.integers(min_value=-400, max_value=30).map(lambda d: TODAY + dt.timedelta(days=d))
POST = st.tuples(
    st.just("post"),
    st.sampled_from(KINDS),
    st.integers(min_value=1, max_value=10**9),  # past a 32-bit sum within a few entries
    st.integers(min_value=0, max_value=3),  # which line (3: none, the client's own money)
    DAYS,
)
ACTIONS = st.one_of(
    POST,
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("session"), st.integers(min_value=1, max_value=2), DAYS),
    st.tuples(st.just("move"), st.integers(min_value=0, max_value=50), DAYS),
    st.tuples(st.just("forget"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("status"), st.integers(min_value=0, max_value=1),
              st.sampled_from(["void", "paid", "denied"])),
    st.tuples(st.just("edit line"), st.integers(min_value=0, max_value=2),
              st.integers(min_value=0, max_value=8), st.integers(min_value=0, max_value=10**6)),
)  # fmt: skip


def _apply(store: Store, action: tuple[object, ...]) -> None:
    with store.transaction(actor="tester") as work:
        db = work.db
        lines = list(db.execute(select(ClaimLine).order_by(ClaimLine.id)).scalars())
        match action:
            case ("post", EntryKind() as kind, int(cents), int(which), dt.date() as day):
                line = lines[which] if which < len(lines) else None
                client_id = db.get(ClaimRecord, line.claim_id).client_id if line else 1  # type: ignore[union-attr]
                ledger.post_entry(work=work, kind=kind, amount_cents=cents, claim_line=line,
                                  client_id=client_id, effective_date=day)  # fmt: skip
            case ("reverse", int(pick)):
                ids = list(db.execute(
                    select(LedgerEntry.id).where(LedgerEntry.reverses_id.is_(None))
                    .where(~LedgerEntry.id.in_(select(LedgerEntry.reverses_id)
                                               .where(LedgerEntry.reverses_id.is_not(None))))
                    .order_by(LedgerEntry.id)
                ).scalars())  # fmt: skip
                if ids:
                    ledger.reverse_entry(work=work, entry_id=ids[pick % len(ids)], reason="test")
            case ("session", int(provider), dt.date() as day):
                db.add(TherapySession(client_id=1, provider_id=provider, date_of_service=day))
            case ("move" | "forget", int(pick), *rest):
                sessions = list(
                    db.execute(select(TherapySession).where(TherapySession.claim_id.is_(None)))
                    .scalars()
                )  # fmt: skip
                if sessions:
                    chosen = sessions[pick % len(sessions)]
                    if rest:
                        chosen.date_of_service = rest[0]
                        chosen.provider_id = 3 - chosen.provider_id
                    else:
                        db.execute(delete(TherapySession).where(TherapySession.id == chosen.id))
            case ("status", int(which), str(status)):  # frequency and priority never change
                claims = list(db.execute(select(ClaimRecord).order_by(ClaimRecord.id)).scalars())
                claims[which].status = status
            case ("edit line", int(which), int(units), int(cents)):
                line = lines[which % len(lines)]
                line.units, line.charge_cents = units, cents


@pytest.fixture
def claimed(practice: Store) -> Store:
    """Two built claims (three lines, their charges in the ledger): made once for all of a
    test's examples, which each add to the same ledger."""
    build_claim(practice, "C-1", c97110=30, c97140=15)
    build_claim(practice, "C-2", c97110=23)
    with practice.transaction(actor="tester") as work:  # a second provider to move sessions to
        work.db.add(Provider(npi=SLP_NPI, first_name="Sam", last_name="Ortiz", discipline="slp"))
    return practice


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=6))
def test_the_sums_are_the_sums_of_their_rows(claimed: Store, actions: list[tuple[object, ...]]) -> None:  # fmt: skip
    for action in actions:
        _apply(claimed, action)
    with claimed.engine.connect() as connection:
        assert report_sums.differences(connection) == {}


def test_an_existing_database_gets_its_sums_in_full(practice: Store, tmp_path: Path) -> None:
    """Rows written before the sums existed (the sums' migration taken back, then made again)
    are all summed by the migration."""
    build_claim(practice, "C-1", c97110=30, c97140=15)
    with practice.transaction(actor="tester") as work:
        work.db.add(TherapySession(client_id=2, provider_id=1, date_of_service=TODAY))
    config = migrate.alembic_config()
    before = _previous(config)
    with practice.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, before)
    with practice.engine.connect() as connection:
        assert "client_sums" not in _tables(connection)
    migrate.upgrade(practice.engine)
    with practice.engine.connect() as connection:
        assert report_sums.differences(connection) == {}
        counts = {t.table: connection.execute(text(f"SELECT count(*) FROM {t.table}")).scalar()
                  for t in report_sums.SUMS}  # fmt: skip
    assert all(counts.values()), counts
    with practice.transaction(actor="tester") as work:  # and the triggers keep them
        work.db.add(TherapySession(client_id=2, provider_id=1, date_of_service=TODAY))
    with practice.engine.connect() as connection:
        assert report_sums.differences(connection) == {}


def _previous(config: object) -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)  # type: ignore[arg-type]
    made = next(r for r in script.walk_revisions() if r.path.endswith("_report_sums.py"))
    assert isinstance(made.down_revision, str)
    return made.down_revision


def _tables(connection: object) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(connection).get_table_names())  # type: ignore[arg-type]
