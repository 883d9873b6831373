"""The Statements page: a preview of the run in the page (nothing recorded), the run, and
reminders by email sent to a real SMTP server on loopback, with the settings; the account
page lists the reminders sent."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_web_overpayment import _owes
from web_helpers import Practice, csrf_of, login, post_and_follow

from smtp_server import free_port, smtp_server
from therabill.store.models import Client, ReminderMessage, Statement


def _count(practice: Practice, model: type[Statement] | type[ReminderMessage]) -> int:
    with practice.store.sessions() as db:
        return int(db.execute(select(func.count()).select_from(model)).scalar_one())


def test_preview_then_make_the_statements(
    web: TestClient, practice: Practice, therabill_home: object
) -> None:
    _owes(practice, 3000)
    login(web, "bill")
    # the month just ended is the period offered, then the period previewed
    assert web.get("/statements").text.count('name="through" required value="2026-10-31"') == 1
    preview = web.get("/statements?preview=2026-11-28")
    assert 'name="through" value="2026-11-28"' in preview.text
    assert 'id="preview-summary">1 statement would be made, for $30.00 in all' in preview.text
    assert "Carla Cruz" in preview.text and _count(practice, Statement) == 0
    bad = web.get("/statements?preview=2026-11-31")
    assert "is not a date" in bad.text and 'id="preview-summary"' not in bad.text
    future = web.get("/statements?preview=2027-01-01")
    assert "still to come" in future.text
    made = post_and_follow(
        web, "/statements/run", {"csrf_token": csrf_of(preview.text), "through": "2026-11-28"}
    )
    assert "1 made, 0 already made" in made.text and _count(practice, Statement) == 1
    assert 'id="job-result"' in made.text  # the outcome as a toast on the job's page
    made = web.get("/statements")
    sent = made.text.partition('<table id="sent"')[2].partition("</table>")[0]
    assert "Cruz, Carla" in sent and "$30.00" in sent  # the client's name, money formatted
    shown = web.get("/statements", params={"format": "csv"}).text.splitlines()
    assert shown[0] == "Statement,Date,Client,Amount due" and shown[1].endswith(
        ',"Cruz, Carla",30.00'
    )


def test_reminders_from_the_page(
    web: TestClient, practice: Practice, therabill_home: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    _owes(practice, 3000)
    with practice.store.transaction() as work:
        client = work.db.get(Client, practice.ana_client)
        assert client is not None
        client.email = "carla@example.com"
    login(web, "bill")
    page = web.get("/statements").text
    token = csrf_of(page)
    post_and_follow(web, "/statements/run", {"csrf_token": token, "through": "2026-11-28"})
    saved = web.post(
        "/statements/reminder-settings",
        data={"csrf_token": token, "sender": "not an address", "schedule": "0,30", "attach": "notice"},
    )  # fmt: skip
    assert "is not an email address" in saved.text
    saved = web.post(
        "/statements/reminder-settings",
        data={"csrf_token": token, "sender": "billing@test.example", "schedule": "0,30,60",
              "attach": "notice"},
    )  # fmt: skip
    assert "Reminder settings saved." in saved.text and 'value="0,30,60"' in saved.text
    assert 'id="reminders-due">1 message due now' in saved.text
    assert "No message for clients:" not in saved.text  # Carla is the one owing
    monkeypatch.setenv("THERABILL_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    down = web.post("/statements/reminders", data={"csrf_token": token})
    assert "1 not sent (could not reach the server" in down.text and 'id="not-sent"' in down.text
    assert '/account">Cruz, Carla</a>' in down.text.split('id="not-sent"')[1]  # a name
    assert _count(practice, ReminderMessage) == 0
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("THERABILL_SMTP_URL", f"smtp://127.0.0.1:{port}")
        sent = web.post("/statements/reminders", data={"csrf_token": token})
        assert (
            "Reminders: 1 sent." in sent.text and 'id="reminders-due">0 messages due' in sent.text
        )
        assert "No message for clients: 1 already sent this step." in sent.text
        again = web.post("/statements/reminders", data={"csrf_token": token})
        assert "Reminders: 0 sent." in again.text
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "carla@example.com"
    account = web.get(f"/clients/{practice.ana_client}/account").text
    assert "carla@example.com" in account and "Your statement from Test practice" in account


def test_the_preview_holds_the_ticked_clients(web: TestClient, practice: Practice) -> None:
    """Select-all and a bulk hold on the preview: the held client drops out of the run."""
    _owes(practice, 3000)
    login(web, "bill")
    preview = web.get("/statements?preview=2026-11-28").text
    boxes = re.findall(r'name="client_id" value="(\d+)" form="bulk-hold"', preview)
    assert boxes == [str(practice.ana_client)] and 'class="select-all"' in preview
    token = csrf_of(preview)
    nothing = web.post("/statements/hold", data={"csrf_token": token, "through": "2026-11-28"})
    assert "tick at least one client" in nothing.text
    held = web.post(
        "/statements/hold",
        data={"csrf_token": token, "through": "2026-11-28", "client_id": boxes},
    )
    assert "on hold for 1 client." in held.text and "1 on hold" in held.text
    with practice.store.sessions() as db:
        client = db.get(Client, practice.ana_client)
        assert client is not None and client.statement_hold
