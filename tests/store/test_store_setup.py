"""Set-up records changed after they are added: authorizations, policies, payers and
providers edited and ended through the services and the CLI, on each backend."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.store.models import AuditEntry
from therabill.store.services import Store, auths, build, clients, payers, sessions
from therabill.store.services import practice as practice_services

runner = CliRunner()
JAN, JUN = dt.date(2026, 1, 1), dt.date(2026, 6, 30)


def _auth(work: Any, **changes: Any) -> int:
    values: dict[str, Any] = {
        "client": "C-1",
        "payer": "Medicare Part B",
        "number": "PA-1",
        "start": JAN,
        "end": JUN,
        "codes": ["97110"],
        "units": 10,
    }
    values.update(changes)
    return auths.add_authorization(work=work, **values).id


def _bill_one_session(store: Store, day: dt.date) -> None:
    with store.transaction(actor="pat") as work:
        sessions.add_session(
            work=work,
            client="C-1",
            provider="1234567893",
            day=day,
            services=[sessions.ServiceMinutes("97110", 38)],
            diagnoses=["M54.50"],
            note="Exercise.",
        )
    with store.transaction() as work:
        build.build_claims(work=work)


def test_an_authorization_is_changed_and_ended(practice: Store) -> None:
    with practice.transaction() as work:
        auth_id = _auth(work)
    _bill_one_session(practice, dt.date(2026, 3, 2))  # 38 minutes: 3 units used
    with practice.transaction(actor="bill") as work:
        changed = auths.edit_authorization(
            work=work,
            auth_id=auth_id,
            changes={"units": 12, "codes": ["97110", "97112"], "case_manager_name": "Lee"},
        )
        assert changed.units_remaining == 9 and changed.authorization.code_list() == [
            "97110",
            "97112",
        ]
    with practice.transaction(actor="bill") as work:
        ended = auths.end_authorization(work=work, auth_id=auth_id, on=dt.date(2026, 4, 30))
        assert ended.to_dict()["end_date"] == "2026-04-30"
        assert ended.units_used == 3
    with practice.sessions() as db:
        entries = [
            (e.actor, e.action, e.detail)
            for e in db.execute(
                select(AuditEntry).where(AuditEntry.entity == "authorization")
            ).scalars()
        ]
    assert ("bill", "change", "codes,units,case_manager_name") in entries
    assert ("bill", "end", "2026-04-30") in entries
    assert not any("Lee" in (detail or "") for _, _, detail in entries)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"units": 2}, "units", "3 units are already used"),
        ({"end": dt.date(2026, 2, 1)}, "end", "a built claim used it on 2026-03-02"),
        ({"start": dt.date(2026, 7, 1)}, "end", "ends before it starts"),
        ({"units": None, "visits": None}, "units", "give the units or the visits"),
        ({"codes": ["99999"]}, "codes", "not a known procedure code"),
        ({"number": "PA-2"}, "number", "already on file"),
        ({"discipline": "yoga"}, "discipline", "is not one of"),
        ({"payer": "x"}, "payer", "cannot be changed"),
    ],
    ids=["below-used", "use-outside", "dates", "nothing-approved", "code", "number", "discipline",
         "payer"],
)  # fmt: skip
def test_an_authorization_change_is_refused_whole(
    practice: Store, changes: dict[str, Any], field: str, message: str
) -> None:
    with practice.transaction() as work:
        auth_id = _auth(work)
        _auth(work, number="PA-2")
    _bill_one_session(practice, dt.date(2026, 3, 2))
    with pytest.raises(InvalidInput) as caught, practice.transaction() as work:
        auths.edit_authorization(work=work, auth_id=auth_id, changes=changes)
    assert caught.value.field == field and message in caught.value.message
    with practice.transaction() as work:
        status = auths.authorization_status(work=work, auth_id=auth_id)
        assert status.authorization.units_approved == 10
        assert status.authorization.end_date == JUN


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (dt.date(2025, 12, 31), "before the authorization starts"),
        (dt.date(2026, 7, 1), "change the dates to extend it"),
        (dt.date(2026, 3, 1), "a built claim used it on 2026-03-02"),
    ],
    ids=["before-start", "after-end", "after-a-use"],
)
def test_ending_an_authorization_is_checked(practice: Store, on: dt.date, message: str) -> None:
    with practice.transaction() as work:
        auth_id = _auth(work)
    _bill_one_session(practice, dt.date(2026, 3, 2))
    with pytest.raises(InvalidInput, match=message), practice.transaction() as work:
        auths.end_authorization(work=work, auth_id=auth_id, on=on)


def test_a_policy_for_a_client_not_in_the_practice_is_refused(practice: Store) -> None:
    """The service looks the client up in the work's practice itself (its callers do too):
    an id alone, of another practice's client or of none, adds no policy naming it
    (tests/test_practice_sweep.py tries another practice's client on PostgreSQL)."""
    with (
        pytest.raises(InvalidInput, match="no client 999999") as caught,
        practice.transaction() as work,
    ):
        clients.add_policy(
            work=work, client_id=999999, payer="Blue Harbour Health", member_id="BH-9"
        )
    assert caught.value.field == "client"
    with practice.transaction() as work:
        client = clients.show_client(work=work, client="C-1")
        added = clients.add_policy(
            work=work, client_id=client.id, payer="Blue Harbour Health", member_id="BH-9"
        )
        assert added.client_id == client.id


def test_a_policy_is_changed_and_ended(practice: Store) -> None:
    with practice.transaction() as work:
        client = clients.show_client(work=work, client="C-1")
        policy = clients.add_policy(
            work=work, client_id=client.id, payer="Blue Harbour Health", member_id="BH-1"
        )
        policy_id = policy.id
    with practice.transaction(actor="bill") as work:
        changed = clients.edit_policy(
            work=work,
            policy_id=policy_id,
            changes={
                "priority": "secondary",
                "relationship": "spouse",
                "subscriber_first_name": "Bo",
                "subscriber_last_name": "Example",
                "subscriber_birth_date": dt.date(1948, 1, 2),
                "group_number": " G-7 ",
            },
        )
        data = clients.policy_dict(changed)
    assert data["priority"] == "secondary" and data["relationship"] == "spouse"
    assert data["subscriber"] == {
        "first_name": "Bo",
        "last_name": "Example",
        "birth_date": "1948-01-02",
        "sex": None,
        "address": None,
        "city": None,
        "state": None,
        "postal_code": None,
    }
    assert data["group_number"] == "G-7"
    with practice.transaction(actor="bill") as work:
        ended = clients.end_policy(work=work, policy_id=policy_id, on=dt.date(2026, 6, 30))
        assert not ended.covers(dt.date(2026, 7, 1)) and ended.covers(dt.date(2026, 6, 30))
    with (
        pytest.raises(InvalidInput, match="change the dates instead"),
        practice.transaction() as work,
    ):
        clients.end_policy(work=work, policy_id=policy_id, on=dt.date(2026, 8, 1))
    with (
        pytest.raises(InvalidInput, match="name the subscriber") as caught,
        practice.transaction() as work,
    ):
        clients.edit_policy(work=work, policy_id=policy_id, changes={"subscriber_first_name": ""})
    assert caught.value.field == "subscriber"
    with (
        pytest.raises(InvalidInput, match="must be one of") as caught,
        practice.transaction() as work,
    ):
        clients.edit_policy(work=work, policy_id=policy_id, changes={"priority": "fourth"})
    assert caught.value.field == "priority"


def test_a_payer_and_a_provider_are_changed(practice: Store) -> None:
    with practice.transaction() as work:
        payer = payers.list_payers(work=work)[0]
        changed = payers.edit_payer(work=work, payer=payer.id, payer_id="60054")
        assert changed.payer_id == "60054"
        with pytest.raises(InvalidInput, match="already exists"):
            payers.edit_payer(work=work, payer=payer.id, name="medicare part b")
        provider = practice_provider(work)
        edited = practice_services.edit_provider(
            work=work, provider_id=provider, changes={"taxonomy": "225100000x", "licence": ""}
        )
        assert edited.taxonomy == "225100000X" and edited.licence is None
        with pytest.raises(InvalidInput, match="fails the NPI check digit"):
            practice_services.edit_provider(
                work=work, provider_id=provider, changes={"npi": "1234567890"}
            )
        with pytest.raises(InvalidInput, match="already exists"):
            practice_services.edit_provider(
                work=work, provider_id=provider, changes={"npi": "1245319599"}
            )
        assert practice_services.end_provider(work=work, provider_id=provider).active is False


def practice_provider(work: Any) -> int:
    return next(p.id for p in practice_services.list_providers(work=work) if p.npi == "1234567893")


# --- the CLI ---------------------------------------------------------------------------------


def run_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def run_error(*args: str) -> str:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.fixture
def cli_practice(home: Path) -> Path:
    runner.invoke(app, ["init", "--name", "Harbour Therapy"])
    run_json("payer", "add", "MEDICARE", "--payer-id", "00430")
    run_json("payer", "add", "COMMERCIAL", "--name", "Blue Harbour Health")
    run_json(
        "client", "add", "--first-name", "Ada", "--last-name", "Example",
        "--birth-date", "1950-03-04", "--chart", "C-1",
    )  # fmt: skip
    return home


def test_cli_edits_and_ends_the_set_up(cli_practice: Path) -> None:
    added = run_json(
        "auth", "add", "C-1", "--number", "PA-9", "--payer", "MEDICARE", "--from", "2026-01-01",
        "--to", "2026-06-30", "--code", "97110", "--units", "24",
    )  # fmt: skip
    edited = run_json("auth", "edit", str(added["id"]), "--units", "30", "--any-code")
    assert edited["units_approved"] == 30 and edited["codes"] == []
    assert edited["units_remaining"] == 30
    ended = run_json("auth", "end", str(added["id"]), "--on", "2026-05-31")
    assert ended["end_date"] == "2026-05-31"
    assert "on: is after its last day (2026-05-31)" in run_error(
        "auth", "end", str(added["id"]), "--on", "2026-07-01"
    )
    assert "no authorization 99" in run_error("auth", "edit", "99", "--units", "3")

    policy = run_json("client", "policy", "C-1", "--payer", "MEDICARE", "--member-id", "1EG4")
    changed = run_json(
        "client", "policy-edit", str(policy["policy_id"]), "--priority", "secondary",
        "--group", "G-1",
    )  # fmt: skip
    assert changed["priority"] == "secondary" and changed["group_number"] == "G-1"
    assert changed["payer"] == "Medicare Part B"
    ended_policy = run_json("client", "policy-end", str(policy["policy_id"]), "--on", "2026-12-31")
    assert ended_policy["end_date"] == "2026-12-31"
    assert "priority: must be one of" in run_error(
        "client", "policy-edit", str(policy["policy_id"]), "--priority", "fourth"
    )

    payer = run_json("payer", "edit", "2", "--payer-id", "60054")
    assert payer["payer_id"] == "60054" and payer["name"] == "Blue Harbour Health"
    assert "not an electronic payer id" in run_error("payer", "edit", "2", "--payer-id", "x y")

    provider = run_json(
        "provider", "add", "--npi", "1245319599", "--first-name", "Sam", "--last-name",
        "Ortiz", "--discipline", "pt",
    )  # fmt: skip
    renamed = run_json("provider", "edit", str(provider["id"]), "--last-name", "Ortiz-Lee")
    assert renamed["name"] == "Sam Ortiz-Lee" and renamed["active"] is True
    assert run_json("provider", "end", str(provider["id"]))["active"] is False
    assert run_json("provider", "end", str(provider["id"]), "--restore")["active"] is True
    assert "discipline" in run_error(
        "provider", "edit", str(provider["id"]), "--discipline", "yoga"
    )
