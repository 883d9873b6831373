"""Reminders by email, sent to a real SMTP server on loopback (aiosmtpd): the escalation
step due, the secure-message notice (no health details) or the PDF attached, nothing sent
twice, stops when paid or on hold, a refused or unreachable server leaves the message
unrecorded and the next run sends it; THERABILL_SMTP_URL parsed and bad ones refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_payments import owes
from typer.testing import CliRunner

from clock import TODAY
from smtp_server import free_port, smtp_server, tls_smtp_server
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.store import factories
from therabill.store.models import Client, ReminderMessage
from therabill.store.services import Store, payments, reminders, statements
from therabill.store.services.mailer import SmtpConfig, parse_smtp_url
from therabill.store.services.reminders import StatementFacts, first_unpaid, step_due

runner = CliRunner()
STATEMENT_DAY = TODAY - dt.timedelta(days=65)  # 60 days due: the second reminder


@pytest.fixture
def owing(store: Store, practice: factories.ExamplePractice, tmp_path: Path) -> Store:
    """C-1 owes 30.00 on a statement of 65 days ago, has an email address; the sender set."""
    owes(store, STATEMENT_DAY - dt.timedelta(days=5), 3000)
    with store.transaction(actor="biller") as work:
        client = work.db.execute(select(Client).where(Client.chart_number == "C-1")).scalar_one()
        client.email = "ada@example.com"
        statements.run_statements(work=work, through=STATEMENT_DAY, folder=tmp_path / "out")
        reminders.set_settings(work=work, sender="billing@harbour.example")
    return store


def _recorded(store: Store) -> int:
    with store.transaction() as work:
        return int(work.db.execute(select(func.count()).select_from(ReminderMessage)).scalar_one())


def test_the_step_due_goes_out_once_with_no_health_details(
    owing: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("THERABILL_SMTP_URL", f"smtp://127.0.0.1:{port}")
        first = reminders.run_reminders(store=owing, actor="biller")
        again = reminders.run_reminders(store=owing, actor="biller")
    assert [(m["step"], m["days"], m["to"]) for m in first.sent] == [(2, 60, "ada@example.com")]
    assert first.not_sent == [] and again.sent == [] and again.skipped["already_sent"] == 1
    (message,) = inbox.messages
    assert inbox.envelopes == [("billing@harbour.example", ["ada@example.com"])]
    assert message["Subject"] == "Reminder: your balance with Harbour Therapy"
    assert message["From"] == "Harbour Therapy <billing@harbour.example>"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Amount due: $30.00" in text and "Dear Ada Example," in text
    assert "no details of your care" in text
    for health in ("97110", "M54", "therapy session", "diagnos"):
        assert health not in text
    assert not list(message.iter_attachments())
    with owing.transaction() as work:
        (row,) = work.db.execute(select(ReminderMessage)).scalars()
        assert (row.step, row.to_address, row.attached, row.balance_cents) == (
            2, "ada@example.com", False, 3000,
        )  # fmt: skip


def test_the_pdf_attached_when_the_settings_say_so(
    owing: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with owing.transaction() as work:
        reminders.set_settings(work=work, attach_pdf=True, schedule="0,14,45")
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("THERABILL_SMTP_URL", f"smtp://127.0.0.1:{port}")
        done = reminders.run_reminders(store=owing, actor="biller")
    assert done.sent[0]["step"] == 2  # the last step of 0,14,45: the final notice
    (message,) = inbox.messages
    assert message["Subject"] == "Final notice: your balance with Harbour Therapy"
    (pdf,) = message.iter_attachments()
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")


def test_a_refusing_server_then_a_down_one_record_nothing_and_the_next_run_sends(
    owing: Store, monkeypatch: pytest.MonkeyPatch, cli_env: Path
) -> None:
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("THERABILL_SMTP_URL", f"smtp://127.0.0.1:{port}")
        inbox.refuse = True
        refused = reminders.run_reminders(store=owing, actor="biller")
        assert refused.sent == [] and _recorded(owing) == 0
        assert refused.not_sent[0]["reason"] == "the server refused the address (SMTP 550)"
    monkeypatch.setenv("THERABILL_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    down = runner.invoke(app, ["reminders", "run", "--json"])
    assert down.exit_code == 1
    data = json.loads(down.stdout)
    assert data["sent"] == [] and data["not_sent"][0]["client_id"] > 0
    assert data["not_sent"][0]["reason"].startswith("could not reach the server")
    assert "1 message(s) not sent; run again to send them." in down.stderr
    assert f"Not sent to {data['not_sent'][0]['client']} (" in down.stderr  # a name, not an id
    assert _recorded(owing) == 0
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("THERABILL_SMTP_URL", f"smtp://127.0.0.1:{port}")
        sent = runner.invoke(app, ["reminders", "run", "--json"])
        assert sent.exit_code == 0, sent.stderr
        assert len(json.loads(sent.stdout)["sent"]) == 1 and len(inbox.messages) == 1
    assert _recorded(owing) == 1


def test_login_with_user_and_password(owing: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server(user="front@desk", password="s3cret:pass") as (inbox, port):
        monkeypatch.setenv("THERABILL_SMTP_URL", f"smtp://front%40desk:wrong@127.0.0.1:{port}")
        wrong = reminders.run_reminders(store=owing, actor="biller")
        assert wrong.not_sent[0]["reason"].startswith("the server did not accept the user")
        assert "s3cret" not in json.dumps(wrong.to_dict())
        monkeypatch.setenv(
            "THERABILL_SMTP_URL", f"smtp://front%40desk:s3cret%3Apass@127.0.0.1:{port}"
        )
        right = reminders.run_reminders(store=owing, actor="biller")
    assert len(right.sent) == 1 and len(inbox.messages) == 1


def test_stops_when_paid_or_on_hold(owing: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    with owing.transaction() as work:
        statements.set_hold(work=work, client="C-1", hold=True)
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("THERABILL_SMTP_URL", f"smtp://127.0.0.1:{port}")
        held = reminders.run_reminders(store=owing, actor="biller")
        assert held.sent == [] and held.skipped["on_hold"] == 1
        with owing.transaction() as work:
            statements.set_hold(work=work, client="C-1", hold=False)
            payments.take_payment(work=work, client="C-1", amount_cents=3000, method="cash")
        paid = reminders.run_reminders(store=owing, actor="biller")
    assert paid.sent == [] and paid.skipped["paid"] == 1 and inbox.messages == []


def test_dry_run_lists_and_sends_nothing(
    owing: Store, monkeypatch: pytest.MonkeyPatch, cli_env: Path
) -> None:
    monkeypatch.delenv("THERABILL_SMTP_URL", raising=False)
    done = reminders.run_reminders(store=owing, actor="biller", dry_run=True)
    assert [m["step"] for m in done.would_send] == [2] and _recorded(owing) == 0
    with pytest.raises(InvalidInput, match="THERABILL_SMTP_URL: is not set"):
        reminders.run_reminders(store=owing, actor="biller")
    assert _recorded(owing) == 0
    with owing.transaction(actor="biller") as work:
        work.db.execute(
            select(Client).where(Client.chart_number == "C-1")
        ).scalar_one().email = None
    shown = runner.invoke(app, ["reminders", "run", "--dry-run"])
    assert shown.exit_code == 0 and shown.stdout.splitlines() == [
        "0 message(s) would be sent:",
        "No message for clients: 1 without an email address.",
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpConfig("mail.example.com", 25, "plain")),
        ("smtp://u:p@mail.example.com:587?starttls=true",
         SmtpConfig("mail.example.com", 587, "starttls", "u", "p")),
        ("smtps://a%40b.org:p%2Fq@mail.example.com", SmtpConfig("mail.example.com", 465, "tls", "a@b.org", "p/q")),
        ("smtp://relay.local:2525?starttls=0", SmtpConfig("relay.local", 2525, "plain")),
    ],
    ids=["plain", "starttls", "tls-encoded", "starttls-off"],
)  # fmt: skip
def test_smtp_urls(url: str, expected: SmtpConfig) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.com", "starts with smtp:// or smtps://, not http://"),
        ("mail.example.com", "starts with smtp:// or smtps://"),
        ("smtp://", "names no host"),
        ("smtp://mail.example.com:99999", "the port is not a number"),
        ("smtp://mail.example.com:25/inbox", "has a path"),
        ("smtp://mail.example.com?tls=1", "unknown option 'tls'"),
        ("smtp://mail.example.com?starttls=maybe", "is not true or false"),
        ("smtps://mail.example.com?starttls=1", "smtps:// is TLS already"),
        ("smtp://:secret@mail.example.com", "has a password but no user"),
    ],
)
def test_bad_smtp_urls(url: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        parse_smtp_url(url)
    assert caught.value.field == "THERABILL_SMTP_URL" and "secret" not in str(caught.value)


def test_a_bad_smtp_url_on_the_cli_is_one_error_line(
    owing: Store, monkeypatch: pytest.MonkeyPatch, cli_env: Path
) -> None:
    monkeypatch.setenv("THERABILL_SMTP_URL", "smtp://user:hunter2@mail.example.com:0x19")
    done = runner.invoke(app, ["reminders", "run"])
    assert done.exit_code == 2
    assert done.stderr.strip() == (
        "Error: THERABILL_SMTP_URL: the port is not a number from 1 to 65535"
    )
    assert _recorded(owing) == 0


@pytest.mark.parametrize(
    ("text", "field_message"),
    [("30,60", "starts with 0"), ("0,60,30", "comes after"), ("0,x", "is not days"),
     ("", "give the days"), ("0,400", "within 365")],
)  # fmt: skip
def test_bad_schedules(text: str, field_message: str) -> None:
    with pytest.raises(InvalidInput, match=field_message):
        reminders.parse_schedule(text)


@pytest.mark.parametrize(
    "address", ["not an address", "a@b", "x@y.com\nBcc: z@w.com", "a@b.com, c@d.com"]
)
def test_bad_senders(address: str) -> None:
    with pytest.raises(InvalidInput, match="is not an email address"):
        reminders.check_address(address, "sender")


def _s(n: int, day: int, cents: int) -> StatementFacts:
    return StatementFacts(n, f"S-{n}", dt.date(2026, 1, 1) + dt.timedelta(days=day), cents)


@pytest.mark.parametrize(
    ("payments", "anchor"),
    [([], 1), ([(dt.date(2026, 1, 20), 1000)], 1), ([(dt.date(2026, 1, 20), 5000)], 2),
     ([(dt.date(2026, 3, 1), 9000)], 3)],
    ids=["never-paid", "part-paid", "paid-in-full-between", "paid-before-the-last"],
)  # fmt: skip
def test_the_first_unpaid_statement(payments: list[tuple[dt.date, int]], anchor: int) -> None:
    run = [_s(1, 0, 5000), _s(2, 31, 7000), _s(3, 62, 2000)]
    assert first_unpaid(run, payments).id == anchor


@pytest.mark.parametrize(
    ("age", "step"), [(-1, None), (0, 0), (29, 0), (30, 1), (89, 2), (90, 3), (400, 3)]
)
def test_the_step_due(age: int, step: int | None) -> None:
    assert step_due([0, 30, 60, 90], age) == step


@pytest.mark.parametrize("implicit", [True, False], ids=["smtps", "starttls"])
def test_tls_and_starttls_check_the_certificate(
    owing: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, implicit: bool
) -> None:
    with tls_smtp_server(tmp_path, implicit=implicit) as (inbox, port, cert):
        url = f"smtps://127.0.0.1:{port}" if implicit else f"smtp://127.0.0.1:{port}?starttls=true"
        monkeypatch.setenv("THERABILL_SMTP_URL", url)
        untrusted = reminders.run_reminders(store=owing, actor="biller")
        assert untrusted.sent == [] and untrusted.not_sent[0]["reason"].startswith("TLS failed")
        monkeypatch.setenv("THERABILL_SMTP_CAFILE", str(cert))
        trusted = reminders.run_reminders(store=owing, actor="biller")
    assert len(trusted.sent) == 1 and len(inbox.messages) == 1 and _recorded(owing) == 1
