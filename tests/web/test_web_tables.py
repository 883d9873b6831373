"""The one table: server-side sort, paging, totals over every matching row and a CSV of the
rows shown, on the claims queue (two claims: one a page is enough to page)."""

from __future__ import annotations

import csv
import io
import re
import time
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.datastructures import QueryParams
from web_helpers import Practice, counting_queries, csrf_of, login, run_jobs

from therabill.store.models import ClaimRecord
from therabill.store.services.paging import MAX_PER_PAGE, PageRequest
from therabill.web.routes.claims import QUEUE
from therabill.web.routes.insights import _range as insight_range
from therabill.web.tables import _csv_value, display


@pytest.fixture
def biller(web: TestClient, practice: Practice) -> TestClient:
    login(web, "bill")
    web.post("/claims/build", data={"csrf_token": csrf_of(web.get("/claims").text)})
    run_jobs(practice)
    return web


def _charges(practice: Practice) -> dict[int, int]:
    with practice.store.sessions() as db:
        return dict(db.execute(select(ClaimRecord.id, ClaimRecord.total_charge_cents)).all())


def _claim_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/claims/(\d+)">#', html)]


def test_pages_split_the_rows_and_totals_cover_every_matching_row(
    biller: TestClient, practice: Practice
) -> None:
    charges = _charges(practice)
    assert len(charges) == 2
    first = biller.get("/claims?status=&per=1").text
    second = biller.get("/claims?status=&per=1&page=2").text
    past_end = biller.get("/claims?status=&per=1&page=99").text  # the last page
    assert "1–1 of 2" in first and "2–2 of 2" in second
    assert sorted(_claim_ids(first) + _claim_ids(second)) == sorted(charges)
    assert _claim_ids(past_end) == _claim_ids(second)
    total = f"${sum(charges.values()) / 100:,.2f}"
    for page in (first, second):
        assert "Total of all 2" in page
        assert f'<td class="num">{total}</td>' in page
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2<' in second


def test_an_empty_list_says_so_once_inside_the_table(biller: TestClient) -> None:
    """No count, bulk buttons or CSV link above an empty list: its own message says it."""
    page = biller.get("/claims?status=paid").text
    assert page.count('<tr class="empty">') == 1
    assert QUEUE.empty in page
    assert 'id="claims-count"' not in page and "CSV of these rows" not in page
    assert "No rows" not in page
    full = biller.get("/claims?status=").text
    assert 'id="claims-count">1–2 of 2<' in full and '<tr class="empty">' not in full


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_sorted_column_orders_the_rows_and_says_so(
    biller: TestClient, practice: Practice, direction: str
) -> None:
    charges = _charges(practice)
    page = biller.get(f"/claims?status=&sort=charge&dir={direction}").text
    expected = sorted(charges, key=lambda i: (charges[i], i), reverse=direction == "desc")
    assert _claim_ids(page) == expected
    word = "descending" if direction == "desc" else "ascending"
    assert re.search(rf'aria-sort="{word}">\s*<a href="[^"]*sort=charge', page)


def test_the_csv_holds_exactly_the_rows_shown(biller: TestClient, practice: Practice) -> None:
    charges = _charges(practice)
    shown = _claim_ids(biller.get("/claims?status=&per=1&page=2&sort=claim&dir=asc").text)
    response = biller.get("/claims?status=&per=1&page=2&sort=claim&dir=asc&format=csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["Claim"].lstrip("#")) for r in rows] == shown == [max(charges)]
    assert Decimal(rows[0]["Charge"]) * 100 == charges[max(charges)]
    assert list(rows[0]) == [c.label for c in QUEUE.columns]


def _settled() -> None:
    """Wait for the kept figures' background refresh: its queries are counted by
    ``counting_queries`` (every engine of the process) in whichever window it runs."""
    from therabill.store.services import caches

    deadline = time.monotonic() + 30
    while any(c.refreshing() for c in caches.CACHES) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_page_costs_the_same_few_queries_whatever_it_shows(biller: TestClient) -> None:
    biller.get("/claims?status=&per=1")  # kept figures and tables made, not counted
    _settled()
    with counting_queries() as few:
        biller.get("/claims?status=&per=1")
    _settled()
    with counting_queries() as more:
        biller.get("/claims?status=&per=50")
    assert len(more) == len(few)  # no query per row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, PageRequest("date", True, 1, 50)),
        ({"sort": "charge", "dir": "asc"}, PageRequest("charge", False, 1, 50)),
        ({"sort": "age"}, PageRequest("date", True, 1, 50)),  # not sortable: the default
        ({"sort": "nonsense", "dir": "asc"}, PageRequest("date", True, 1, 50)),
        ({"page": "-3", "per": "abc"}, PageRequest("date", True, 1, 50)),
        ({"page": "7", "per": "100000"}, PageRequest("date", True, 7, MAX_PER_PAGE)),
    ],
    ids=["defaults", "sorted", "unsortable", "unknown", "junk", "too-many"],
)
def test_the_query_string_is_read_safely(query: dict[str, str], expected: PageRequest) -> None:
    assert QUEUE.wanted(QueryParams(query)) == expected


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Cruz, Carla", "Cruz, Carla"),
    ],
)
def test_csv_text_that_a_spreadsheet_would_run_is_made_inert(text: str, cell: str) -> None:
    """OWASP, "CSV Injection": a cell starting with = + - @ is run as a formula."""
    assert _csv_value(text, "text") == cell


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_csv_amounts_are_the_cents_exactly(cents: int) -> None:
    assert Decimal(_csv_value(cents, "money")) * 100 == cents
    shown = display(cents, "money")
    assert Decimal(shown.replace("$", "").replace(",", "")) * 100 == cents


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/no/such/page", 404),
        ("/claims/abc", 404),
        ("/claims/999999", 404),
        ("/claims?page=x", 200),
    ],
)
def test_every_error_page_keeps_the_menu(biller: TestClient, path: str, status: int) -> None:
    answer = biller.get(path)
    assert answer.status_code == status
    assert '<nav class="main" aria-label="Main">' in answer.text
    assert 'href="/claims"' in answer.text and "Skip to content" in answer.text


def test_a_claims_lines_and_history_are_the_one_table(
    biller: TestClient, practice: Practice
) -> None:
    claim_id, charge = sorted(_charges(practice).items())[0]
    page = biller.get(f"/claims/{claim_id}").text
    assert '<table id="claim-lines" class="data">' in page
    assert '<table id="history" class="data">' in page
    assert f'<td class="num">{display(charge, "money")}</td>' in page  # the lines' total
    assert 'aria-sort="ascending"' in biller.get(f"/claims/{claim_id}?l-sort=code").text


@pytest.mark.parametrize(
    ("stats", "shown"),
    [
        ({"min": "28.80", "max": "28.80"}, "$28.80"),  # every payment agreed: one figure
        ({"min": "20.00", "max": "28.80"}, "$20.00–$28.80"),
        (None, "—"),
    ],
)
def test_an_insight_range_shows_one_figure_when_low_and_high_agree(
    stats: dict[str, str] | None, shown: str
) -> None:
    assert insight_range(stats) == shown


def test_a_tablet_drops_the_secondary_columns_so_the_money_shows(biller: TestClient) -> None:
    """The claims queue's provider and age columns are marked for wide screens only (header,
    every cell and the footer); the stylesheet hides them below 1000 px; money comes before
    the long reason, so a 768 px tablet sees the charge without scrolling."""
    page = biller.get("/claims?status=").text
    head = re.findall(r'<th scope="col"(?: class="([^"]*)")?', page)
    labels = [c.label for c in QUEUE.columns]
    assert [labels[i] for i, css in enumerate(head[1:]) if "desk-only" in css] == [
        "Provider", "Age (days)"
    ]  # fmt: skip
    assert labels.index("Charge") < labels.index("Why it needs a look")
    row = page.split("<tbody>")[1].split("</tr>")[0]
    assert row.count('class="desk-only"') + row.count('class="num desk-only"') == 2
    css = biller.get("/static/app.css").text
    narrow = css.split("@media (max-width: 1000px)")[1].split("\n}\n")[0]
    assert ".desk-only { display: none; }" in narrow
