"""Adding a client or a policy as typed (the page's form and the API's JSON share these), and
the one client search of the pages, the API and ``therabill client list``."""

from __future__ import annotations

import pytest

from therabill.errors import InvalidInput, NotFound
from therabill.store.services import Store, client_entry
from therabill.store.services.clients import search_clients
from therabill.store.services.users import Account, Role

BILLER = Account(id=1, username="bill", display_name="Bill", role=Role.BILLER, provider_id=None)
NEW = {"first_name": "Eve", "last_name": "Evans", "birth_date": "1990-06-15", "sex": "F"}


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"subscriber_birth_date": "soon"}, "subscriber_birth_date"),
        ({"payer": "", "member_id": "X1"}, "payer"),
        ({"payer": "1", "member_id": ""}, "member_id"),
    ],
    ids=["impossible date", "not a date", "no payer", "no member id"],
)
def test_a_bad_policy_names_its_field_and_adds_nothing(
    practice: Store, typed: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught, practice.transaction(actor="t") as work:
        client_entry.save_policy(work, client_id=1, values={"payer": "1", **typed})
    assert caught.value.field == field


def test_a_new_client_is_saved_with_the_caseload_a_biller_chose(practice: Store) -> None:
    assert client_entry.check_client(NEW) == []
    with practice.transaction(actor="t") as work:
        client_id = client_entry.save_client(
            work, account=BILLER, values=NEW, provider_ids={1}, client_id=None
        )
        assert [p.id for p in client_entry.providers_to_choose(work, BILLER, {1})] == [1, 2]
    with practice.reading(actor="t") as work:
        assert [c.id for c in search_clients(work, BILLER, "eve evans")] == [client_id]


@pytest.mark.parametrize(
    ("typed", "found"),
    [("", ["Example", "O'Hara"]), ("ada", ["Example"]), ("o'h", ["O'Hara"]), ("100%", [])],
    ids=["everyone", "first name", "apostrophe", "percent is literal"],
)
def test_the_command_line_search_sees_every_client(
    practice: Store, typed: str, found: list[str]
) -> None:
    with practice.transaction(actor="t") as work:
        client_entry.save_client(
            work,
            account=BILLER,
            values={**NEW, "first_name": "Ola", "last_name": "O'Hara"},
            provider_ids=set(),
            client_id=None,
        )
    with practice.reading(actor="t") as work:
        assert [c.last_name for c in search_clients(work, None, typed)] == found


@pytest.mark.parametrize(
    ("typed", "field"),
    [({"name": " "}, "name"), ({"npi": "1234567890"}, "npi"), ({"state": "1L"}, "state")],
    ids=["no name", "NPI check digit", "state not two letters"],
)
def test_the_practice_settings_name_the_bad_field(
    practice: Store, typed: dict[str, str], field: str
) -> None:
    from therabill.store.services.practice import update_practice

    values = {"name": "Harbour Therapy", "state": "il", **typed}
    with pytest.raises(InvalidInput) as caught, practice.transaction(actor="t") as work:
        update_practice(work=work, **values)
    assert caught.value.field == field


def test_the_practice_settings_clear_what_is_left_empty(practice: Store) -> None:
    from therabill.store.services.practice import show_practice, update_practice

    with practice.transaction(actor="t") as work:
        update_practice(work=work, name=" Harbour ", state="il", postal_code="")
    with practice.transaction(actor="t") as work:
        shown = show_practice(work=work)
        assert (shown.name, shown.state, shown.npi, shown.postal_code) == (
            "Harbour",
            "IL",
            None,
            None,
        )


THERAPIST = Account(id=2, username="pat", display_name="Pat", role=Role.THERAPIST, provider_id=1)


@pytest.mark.parametrize(
    ("account", "chosen", "expected"),
    [
        (BILLER, None, None),
        (BILLER, 2, 2),
        (THERAPIST, None, 1),
        (THERAPIST, 1, 1),
        (THERAPIST, 2, NotFound),
        (THERAPIST, 999, NotFound),  # no probing for ids that exist
        (BILLER, 999, InvalidInput),
    ],
    ids=[
        "biller none",
        "biller any",
        "therapist own",
        "therapist self",
        "therapist other",
        "therapist unknown",
        "biller unknown",
    ],
)
def test_the_provider_a_session_is_entered_for(
    practice: Store, account: Account, chosen: int | None, expected: object
) -> None:
    from therabill.store.services.access import provider_for

    with practice.reading(actor="t") as work:
        if isinstance(expected, type):
            with pytest.raises(expected):
                provider_for(work, account, chosen)
        else:
            found = provider_for(work, account, chosen)
            assert (found.id if found else None) == expected
