"""The claim lifecycle as data: every status reachable from draft, every move checked (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.claims.status import (
    NEEDS_ATTENTION,
    TRANSITIONS,
    ClaimStatus,
    check_transition,
    parse_status,
)
from therabill.errors import InvalidInput

S = ClaimStatus


def test_every_status_has_its_moves_and_is_reachable_from_draft() -> None:
    assert set(TRANSITIONS) == set(ClaimStatus)
    reached, todo = {S.DRAFT}, [S.DRAFT]
    while todo:
        for nxt in TRANSITIONS[todo.pop()] - reached:
            reached.add(nxt)
            todo.append(nxt)
    assert reached == set(ClaimStatus)
    assert TRANSITIONS[S.CLOSED] == frozenset()
    assert S.DRAFT in NEEDS_ATTENTION and S.PAID not in NEEDS_ATTENTION


@pytest.mark.parametrize(
    ("text", "expected"),
    [("paid", S.PAID), (" Partly Paid ", S.PARTLY_PAID), ("partly-paid", S.PARTLY_PAID)],
    ids=["plain", "spaces-and-capitals", "hyphen"],
)
def test_parse_status(text: str, expected: ClaimStatus) -> None:
    assert parse_status(text) == expected


def test_parse_status_names_the_field_and_the_choices() -> None:
    with pytest.raises(InvalidInput, match="unknown claim status 'payed'; one of draft") as err:
        parse_status("payed", field="to")
    assert err.value.field == "to"


@given(st.sampled_from(list(ClaimStatus)), st.sampled_from(list(ClaimStatus)))
def test_check_transition_allows_exactly_the_table(current: ClaimStatus, new: ClaimStatus) -> None:
    if new in TRANSITIONS[current]:
        check_transition(current, new)
    else:
        with pytest.raises(InvalidInput, match=f"a {current.value} claim cannot become"):
            check_transition(current, new)
