"""The keyed audit chain as plain data: any edit, deletion or reordering is reported, and a
chain re-hashed without the key does not pass."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from therabill.store.audit import GENESIS, AuditEvent, check_chain, entry_hash


@dataclasses.dataclass
class Row:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: str
    prev_hash: str
    hash: str


KEY = b"k" * 32


def chain(events: list[AuditEvent], at: dt.datetime, key: bytes = KEY) -> list[Row]:
    rows, prev = [], GENESIS
    for seq, e in enumerate(events, 1):
        digest = entry_hash(key, prev, seq, at, e)
        rows.append(Row(seq, at, e.actor, e.action, e.entity, e.entity_id, e.detail, prev, digest))
        prev = digest
    return rows


text = st.text(max_size=12)
events = st.lists(st.builds(AuditEvent, text, text, text, text, text), min_size=1, max_size=12)
moments = st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC))
FIELDS = ("actor", "action", "entity", "entity_id", "detail")


@given(events, moments)
def test_an_untouched_chain_verifies(evs: list[AuditEvent], at: dt.datetime) -> None:
    rows = chain(evs, at)
    result = check_chain(rows, key=KEY, expect_head=rows[-1].hash)
    assert result.ok and result.entries == len(evs)


@given(events, moments, st.data())
def test_any_edited_field_is_caught(
    evs: list[AuditEvent], at: dt.datetime, data: st.DataObject
) -> None:
    rows = chain(evs, at)
    victim = data.draw(st.sampled_from(rows))
    name = data.draw(st.sampled_from(FIELDS))
    setattr(victim, name, getattr(victim, name) + "x")
    problems = check_chain(rows, key=KEY).problems
    assert f"entry {victim.seq}: changed after it was written" in problems


@given(events, moments, st.data())
def test_any_deleted_entry_is_caught(
    evs: list[AuditEvent], at: dt.datetime, data: st.DataObject
) -> None:
    rows = chain(evs, at)
    index = data.draw(st.integers(0, len(rows) - 1))
    head = rows[-1].hash
    del rows[index]
    assert not check_chain(rows, key=KEY, expect_head=head).ok


@given(events, moments)
def test_a_changed_time_is_caught(evs: list[AuditEvent], at: dt.datetime) -> None:
    rows = chain(evs, at)
    rows[0].at = at + dt.timedelta(microseconds=1)
    assert not check_chain(rows, key=KEY).ok


@given(events, moments, st.binary(min_size=32, max_size=64))
def test_a_chain_hashed_under_another_key_fails_everywhere(
    evs: list[AuditEvent], at: dt.datetime, other: bytes
) -> None:
    """Re-forging after an edit needs the key: a chain re-hashed under any other key (or the
    old unkeyed SHA-256) fails at every entry."""
    if other == KEY:
        return
    rows = chain(evs, at, key=other)
    problems = check_chain(rows, key=KEY).problems
    assert [f"entry {r.seq}: changed after it was written" for r in rows] == problems


@given(events, moments, st.integers(1, 12))
def test_entries_cut_from_the_end_are_caught_by_the_anchor(
    evs: list[AuditEvent], at: dt.datetime, cut: int
) -> None:
    rows = chain(evs, at)
    anchors = {r.seq: r.hash for r in rows}
    kept = rows[: max(0, len(rows) - cut)]
    result = check_chain(kept, key=KEY, anchors=anchors)
    assert result.ok is False
    assert "entries removed from the end?" in result.problems[-1]
    assert check_chain(rows, key=KEY, anchors=anchors).ok
