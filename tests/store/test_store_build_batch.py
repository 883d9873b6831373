"""``claims build`` is set-based (issue 17): the number of SQL statements a build issues does
not grow with its claims, and rules that depend on the claims built before in the same batch
(authorization units, visits, duplicates) still see them. Counted, never timed."""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from therabill.store.factories import PT_NPI
from therabill.store.models import AuthorizationUse, ClaimRecord
from therabill.store.services import Store, auths, build, build_batch, clients, sessions

CLIENTS = 40
DAYS = 6  # 240 sessions → 240 claims
FIRST_DAY = dt.date(2026, 10, 5)


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """The SQL statements run on ``store``'s engine in the block (an executemany is one)."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def add_caseload(store: Store) -> None:
    """40 clients (half Medicare, half commercial with a 4-unit authorization each), each
    seen on six days by the physical therapist (38 minutes of 97110: 3 units)."""
    with store.transaction(actor="setup") as work:
        for i in range(CLIENTS):
            medicare = i % 2 == 0
            client = clients.add_client(
                work=work,
                data=clients.client_input(
                    {
                        "first_name": f"Client{i}",
                        "last_name": "Batch",
                        "birth_date": "1960-01-01",
                        "payer": "Medicare Part B" if medicare else "Blue Harbour Health",
                        "member_id": f"B{i:06d}",
                    }
                ),
            )
            if not medicare:
                auths.add_authorization(
                    work=work,
                    client=client.id,
                    payer="Blue Harbour Health",
                    number=f"A-{i}",
                    start=FIRST_DAY,
                    end=FIRST_DAY + dt.timedelta(days=60),
                    codes=["97110"],
                    units=4,
                )
            for day in range(DAYS):
                sessions.add_session(
                    work=work,
                    client=client.id,
                    provider=PT_NPI,
                    day=FIRST_DAY + dt.timedelta(days=day),
                    start=dt.time(9),
                    end=dt.time(9, 40),
                    services=[sessions.ServiceMinutes("97110", 38)],
                    diagnoses=["M54.50"],
                )


def test_a_build_of_240_sessions_is_set_based_and_sees_its_own_earlier_claims(
    practice: Store,
) -> None:
    """One claim per session, yet a few dozen statements: no query or insert per claim (the
    per-claim build issued more than ten per claim). One test, since the caseload is the
    expensive part.

    Each commercial client's 4 units: the first claim (3 units) sees 4 left, the second
    sees the 1 the first left, the rest see none: every claim sees what the claims before it
    in the same build took, as when they were written one by one. Each stored document
    carries its own claim number."""
    add_caseload(practice)
    with statements(practice) as seen, practice.transaction() as work:
        result = build.build_claims(work=work)
    assert result.sessions_billed == CLIENTS * DAYS and len(result.claims) == CLIENTS * DAYS
    assert len(seen) <= 60, "\n".join(seen)
    with practice.sessions() as db:
        claims = db.execute(
            select(ClaimRecord.id, ClaimRecord.client_id, ClaimRecord.document_json).order_by(
                ClaimRecord.client_id, ClaimRecord.date_of_service
            )
        ).all()
        used = db.execute(select(func.sum(AuthorizationUse.units))).scalar_one()
    assert sorted(result.claims) == sorted(claim_id for claim_id, _, _ in claims)
    left: dict[int, list[int]] = {}
    for claim_id, client_id, text in claims:
        document = json.loads(text or "{}")
        assert document["claim_id"] == f"TB{claim_id:08d}"
        if document.get("authorization") is not None:
            left.setdefault(client_id, []).append(document["authorization"]["units_remaining"])
    assert len(left) == CLIENTS // 2
    assert set(map(tuple, left.values())) == {(4, 1, 0, 0, 0, 0)}
    assert used == CLIENTS // 2 * DAYS * 3  # every claim records the units it used


def test_a_build_keeps_the_collector_off_older_objects_and_puts_its_settings_back(
    practice: Store,
) -> None:
    """During a build the cyclic garbage collector skips what was there before it (frozen)
    and runs less often; after it, the process's settings are as they were and nothing stays
    frozen, even when the build fails."""
    add_caseload(practice)
    before = gc.get_threshold()
    during: list[tuple[tuple[int, int, int], int]] = []

    def seen(_done: int, _total: int) -> None:
        during.append((gc.get_threshold(), gc.get_freeze_count()))

    with practice.transaction() as work:
        build.build_claims(work=work, progress=seen, session_ids=[1, 2])
    assert during and all(
        threshold[0] >= build_batch.YOUNG_OBJECTS and frozen > 0 for threshold, frozen in during
    )
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0

    def fails(_done: int, _total: int) -> None:
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError), practice.transaction() as work:
        build.build_claims(work=work, progress=fails)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
