"""Client details and caseloads through the store's services, on each backend."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from therabill.errors import InvalidInput
from therabill.store.models import Client, Provider
from therabill.store.services import Store
from therabill.store.services.caseload import add_to_caseload, caseload_providers, set_caseload
from therabill.store.services.clients import client_input, phone_problem, read_client, update_client


def _ids(store: Store) -> tuple[int, list[int]]:
    with store.sessions() as db:
        client = db.execute(select(Client.id)).scalar_one()
        providers = list(db.execute(select(Provider.id).order_by(Provider.id)).scalars())
    return client, providers


def test_a_caseload_is_set_exactly_and_audited(practice: Store) -> None:
    client, (pat, sam) = _ids(practice)
    with practice.transaction(actor="tester") as work:
        set_caseload(work=work, client_id=client, provider_ids=[pat, sam])
        add_to_caseload(work=work, client_id=client, provider_id=pat)  # already there
    with practice.transaction(actor="tester") as work:
        assert [p.id for p in caseload_providers(work=work, client_id=client)] == [pat, sam]
        set_caseload(work=work, client_id=client, provider_ids=[sam])
        assert [p.id for p in caseload_providers(work=work, client_id=client)] == [sam]
        changes = [e for e in work.events if e.entity == "caseload"]
        assert [e.detail for e in changes] == [f"added= removed={pat}"]


def test_an_unknown_provider_changes_nothing(practice: Store) -> None:
    client, (pat, _sam) = _ids(practice)
    with pytest.raises(InvalidInput, match="no provider 999"), practice.transaction() as work:
        set_caseload(work=work, client_id=client, provider_ids=[pat, 999])
    with practice.transaction() as work:
        assert caseload_providers(work=work, client_id=client) == []


def test_every_bad_field_is_reported_and_imports_still_stop_at_the_first() -> None:
    row = {"first_name": "", "last_name": "X", "birth_date": "2990-01-01", "state": "Ill"}
    client, problems = read_client(row)
    assert client is None
    assert [(p.field, p.message) for p in problems] == [
        ("first_name", "is required"),
        ("birth_date", "2990-01-01 is not a plausible birth date"),
        ("state", "'Ill' is not two letters: use the USPS abbreviation (IL, NY, PR …)"),
    ]
    with pytest.raises(InvalidInput) as raised:
        client_input(row)
    assert raised.value.field == "first_name"


def test_updating_a_client_keeps_chart_numbers_unique(practice: Store) -> None:
    client, _providers = _ids(practice)
    with practice.transaction(actor="tester") as work:
        work.db.add(
            Client(
                first_name="Bo",
                last_name="Other",
                birth_date=dt.date(1960, 1, 1),
                chart_number="C-2",
            )
        )
    changed = client_input(
        {
            "first_name": "Ada",
            "last_name": "Example",
            "birth_date": "1950-03-04",
            "sex": "F",
            "chart_number": "C-2",
        }
    )
    with pytest.raises(InvalidInput, match="taken"), practice.transaction() as work:
        update_client(work=work, client_id=client, data=changed)
    kept = client_input(
        {
            "first_name": "Ada",
            "last_name": "Example-Long",
            "birth_date": "1950-03-04",
            "sex": "F",
            "chart_number": "C-1",
        }
    )
    with practice.transaction(actor="tester") as work:
        update_client(work=work, client_id=client, data=kept)
        [change] = [e for e in work.events if e.action == "change"]
        assert change.detail == "last_name"
    with practice.sessions() as db:
        stored = db.get(Client, client)
        assert stored is not None and stored.last_name == "Example-Long"


@pytest.mark.parametrize(
    ("name", "longest"), [("address", 400), ("city", 100), ("chart_number", 40)]
)
def test_a_field_too_long_is_refused_not_cut(name: str, longest: int) -> None:
    row = {"first_name": "Ada", "last_name": "Byrne", "birth_date": "1980-01-02"}
    ok, problems = read_client({**row, name: "x" * longest})
    assert ok is not None and problems == []
    client, problems = read_client({**row, name: "x" * (longest + 1)})
    assert client is None
    assert [(p.field, p.message) for p in problems] == [
        (name, f"is longer than {longest} characters")
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "217-555-0100",
        "(217) 555-0100",
        "1 217 555 0100",
        "+1 217.555.0100",
        "2175550100",
        "217-555-0100 x12",
        "217-555-0100 ext. 4",
        "555-0142",  # a local number without its area code (other systems' exports)
    ],
)
def test_a_us_phone_number_is_taken_as_typed(typed: str) -> None:
    assert phone_problem(typed) is None


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("12", "ten digits"),
        ("55-0100", "ten digits"),
        ("155-0100", "never start with 0 or 1"),
        ("217-555-01000", "ten digits"),
        ("217-555-010O", "ten digits"),
        ("call the mother", "ten digits"),
        ("017-555-0100", "never start with 0 or 1"),
        ("217-155-0100", "never start with 0 or 1"),
    ],
)
def test_anything_else_is_not_a_phone_number(typed: str, why: str) -> None:
    problem = phone_problem(typed)
    assert problem is not None and why in problem


@given(
    area=st.integers(200, 999),
    exchange=st.integers(200, 999),
    line=st.integers(0, 9999),
    shape=st.sampled_from(["{a}-{e}-{l}", "({a}) {e}-{l}", "{a}.{e}.{l}", "1{a}{e}{l}"]),
)
def test_every_nanp_number_in_any_usual_shape_is_taken(
    area: int, exchange: int, line: int, shape: str
) -> None:
    typed = shape.format(a=area, e=exchange, l=f"{line:04d}")
    assert phone_problem(typed) is None
