"""The session list and the claims queue take a page's rows from their own table first and
join the names for those rows only (``paging.fetch_page``'s ``alone``): every page must hold
exactly the rows the whole sorted list holds at that place, ties and all.

The expected pages are cut here from every matching row sorted in Python by the list's own
order (its key, then its unique tiebreak), on data full of ties: many sessions on one day at
one time, many claims on one date with one charge and one balance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from therabill.store import factories
from therabill.store.services import Store, build, claims_queue, worklists
from therabill.store.services.paging import PageRequest
from therabill.store.services.users import Account, Role

TODAY = dt.date(2026, 11, 20)
DAYS = (dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 4))
BILLER = Account(1, "biller", "Biller", Role.BILLER, None)
PEOPLE = (("C-1", "Ada", "Example"), ("C-2", "Ben", "Example"), ("C-3", "Cy", "Zed"))
SPEC = replace(
    factories.PracticeSpec(),
    providers=(
        factories.PHYSICAL_THERAPIST,
        factories.ProviderSpec(factories.SLP_NPI, "Sam", "Ortiz", "slp"),
    ),
    fees={"97110": 4000, "92507": 9000},
    clients=tuple(
        factories.client(chart, first, last, payer="Acme Health Plan", member_id=f"M-{chart}")
        for chart, first, last in PEOPLE
    ),
)


def _sessions(store: Store, days: tuple[dt.date, ...]) -> None:
    """Every client with both providers on each day, all at 9:00: ties on date and time."""
    with store.transaction(actor="therapist") as work:
        for day in days:
            for chart, _, _ in PEOPLE:
                for npi, code in ((factories.PT_NPI, "97110"), (factories.SLP_NPI, "92507")):
                    factories.add_session(
                        work, client=chart, provider=npi, day=day, services={code: 30}
                    )


@pytest.fixture
def ties(store: Store) -> Store:
    """18 sessions over three days; those of the first two days billed."""
    factories.set_up_practice(store, SPEC)
    _sessions(store, DAYS[:2])
    with store.transaction(actor="biller") as work:
        assert build.build_claims(work=work).claims
    _sessions(store, DAYS[2:])
    return store


def _cut(rows: list[Any], per_page: int, page: int) -> list[Any]:
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(page, 1), pages)
    return rows[(page - 1) * per_page : page * per_page]


def _session_pages(store: Store, billed: str, sort: str, descending: bool, per_page: int,
                   page: int) -> tuple[int, int, list[int]]:  # fmt: skip
    with store.reading(actor="biller") as work:
        found, rows = worklists.session_page(
            work,
            BILLER,
            worklists.SessionFilter(billed=billed),
            PageRequest(sort=sort, descending=descending, page=page, per_page=per_page),
        )
    return found.total, found.page, [row["id"] for row in rows]


@pytest.mark.parametrize("billed", ["", "no", "yes"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("per_page", [1, 4, 5, 50])
def test_each_page_of_sessions_by_date_is_its_place_in_the_whole_list(
    ties: Store, billed: str, descending: bool, per_page: int
) -> None:
    with ties.reading(actor="biller") as work:
        _, everything = worklists.session_page(
            work, BILLER, worklists.SessionFilter(billed=billed), PageRequest(per_page=500)
        )
    # the whole list by date, then start time, then id: computed here from the rows
    whole = sorted(
        everything,
        key=lambda row: (row["date"], row["session"], row["id"]),
        reverse=descending,
    )
    expected_total = {"": 18, "no": 6, "yes": 12}[billed]
    assert len(whole) == expected_total
    pages = -(-expected_total // per_page)
    for page in range(1, pages + 2):  # and one past the end: the last page again
        total, shown_page, ids = _session_pages(ties, billed, "date", descending, per_page, page)
        assert total == expected_total
        assert shown_page == min(page, pages)
        assert ids == [row["id"] for row in _cut(whole, per_page, page)], (page, per_page)


def test_the_other_session_sorts_page_as_before(ties: Store) -> None:
    """Sorting by client or provider joins the names first, as it always did: each page is
    still its place in the whole list."""
    for sort, name in (("client", "client"), ("provider", "provider")):
        with ties.reading(actor="biller") as work:
            _, everything = worklists.session_page(
                work, BILLER, worklists.SessionFilter(), PageRequest(sort=sort, per_page=500)
            )
        keys = [row[name].split(",")[0] if sort == "client" else row[name].split()[-1]
                for row in everything]  # fmt: skip
        assert keys == sorted(keys)
        paged = []
        for page in range(1, 6):
            paged += _session_pages(ties, "", sort, False, 4, page)[2]
        assert paged == [row["id"] for row in everything]


@pytest.mark.parametrize("sort", ["date", "claim", "status", "charge", "balance"])
@pytest.mark.parametrize("descending", [False, True])
def test_each_page_of_the_claims_queue_is_its_place_in_the_whole_queue(
    ties: Store, sort: str, descending: bool
) -> None:
    with ties.reading(actor="biller") as work:
        everything_page, everything = claims_queue.queue_page(
            work, claims_queue.QueueFilter(), PageRequest(sort="claim", per_page=500), today=TODAY
        )
    assert len(everything) == everything_page.total > 4
    assert len({row["date"] for row in everything}) < len(everything)  # ties on the date
    column = "id" if sort == "claim" else sort  # the row's "claim" is its label, "#12"
    whole = sorted(everything, key=lambda row: (row[column], row["id"]), reverse=descending)
    for per_page in (1, 3, 4):
        pages = -(-len(whole) // per_page)
        for page in range(1, pages + 2):
            with ties.reading(actor="biller") as work:
                found, rows = claims_queue.queue_page(
                    work,
                    claims_queue.QueueFilter(),
                    PageRequest(sort=sort, descending=descending, page=page, per_page=per_page),
                    today=TODAY,
                )
            assert found.total == len(whole)
            assert found.totals == everything_page.totals
            assert found.page == min(page, pages)
            assert rows == _cut(whole, per_page, page), (sort, per_page, page)


def test_empty_lists_are_one_empty_page(store: Store) -> None:
    factories.set_up_practice(store, SPEC)
    with store.reading(actor="biller") as work:
        sessions, session_rows = worklists.session_page(
            work, BILLER, worklists.SessionFilter(), PageRequest(page=3)
        )
        claims, claim_rows = claims_queue.queue_page(
            work, claims_queue.QueueFilter(status="attention"), PageRequest(page=2), today=TODAY
        )
    assert (sessions.total, sessions.page, session_rows) == (0, 1, [])
    assert (claims.total, claims.page, claim_rows) == (0, 1, [])
    assert claims.totals == {"charge": 0, "balance": 0}


def test_a_filter_that_matches_nothing_gives_an_empty_page(ties: Store) -> None:
    with ties.reading(actor="biller") as work:
        found, rows = claims_queue.queue_page(
            work, claims_queue.QueueFilter(status="paid"), PageRequest(), today=TODAY
        )
        other, none = worklists.session_page(
            work, BILLER, worklists.SessionFilter(provider_id=-5), PageRequest()
        )
    assert (found.total, rows, found.totals) == (0, [], {"charge": 0, "balance": 0})
    assert (other.total, none) == (0, [])
