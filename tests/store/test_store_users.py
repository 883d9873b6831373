"""Users, login sessions and API tokens as services: what the admin page, the login page,
the API and ``therabill user`` all call."""

from __future__ import annotations

import datetime as dt

import pytest

from therabill.errors import InvalidInput, NotFound
from therabill.store.services import Store, api_tokens, login_sessions, users
from therabill.store.services.login_sessions import LoginOutcome

PASSWORD = "correct horse battery"
HOURS = {"idle": dt.timedelta(hours=1), "absolute": dt.timedelta(hours=8)}


def _login(practice: Store, name: str = "bill", role: str = "biller") -> users.NewLogin:
    with practice.transaction(actor="t") as work:
        return users.add_login(work, username=name, role=role, password=PASSWORD)


@pytest.mark.parametrize(
    ("role", "provider", "field"),
    [
        ("janitor", "", "role"),
        ("therapist", "", "provider"),
        ("therapist", "9999", "provider"),
    ],
    ids=["unknown role", "therapist without provider", "therapist with unknown provider"],
)
def test_a_login_that_cannot_be_added_names_the_field(
    practice: Store, role: str, provider: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught, practice.transaction(actor="t") as work:
        users.add_login(work, username="tess", role=role, provider=provider)
    assert caught.value.field == field


def test_a_new_login_without_a_password_gets_a_one_time_one(practice: Store) -> None:
    with practice.transaction(actor="t") as work:
        added = users.add_login(work, username="ana", role="therapist", provider="1234567893")
    assert added.one_time_password and added.one_time_password.endswith("-once")
    result = login_sessions.log_in(
        practice, username="ana", password=added.one_time_password, remote="1.2.3.4"
    )
    assert result.outcome is LoginOutcome.LOGGED_IN
    assert result.account is not None and result.account.must_change_password


def test_log_in_checks_the_password_and_throttles(practice: Store) -> None:
    _login(practice)
    wrong = login_sessions.log_in(practice, username="bill", password="nope", remote="a")
    assert wrong.outcome is LoginOutcome.WRONG and wrong.secret == ""
    for _ in range(login_sessions.MAX_FAILURES - 1):
        login_sessions.log_in(practice, username="bill", password="nope", remote="a")
    right = login_sessions.log_in(practice, username="bill", password=PASSWORD, remote="a")
    assert right.outcome is LoginOutcome.THROTTLED


@pytest.mark.parametrize("action", ["reset_password", "disable"])
def test_a_reset_or_disabled_login_is_logged_out_everywhere(practice: Store, action: str) -> None:
    added = _login(practice)
    result = login_sessions.log_in(practice, username="bill", password=PASSWORD, remote="a")
    assert login_sessions.logged_in(practice, result.secret, **HOURS) is not None
    with practice.transaction(actor="t") as work:
        if action == "disable":
            users.set_disabled(work, user_id=added.id, disabled=True)
        else:
            users.reset_password(work, user_id=added.id)
    assert login_sessions.logged_in(practice, result.secret, **HOURS) is None


def test_log_out_ends_the_session(practice: Store) -> None:
    _login(practice)
    result = login_sessions.log_in(practice, username="bill", password=PASSWORD, remote="a")
    assert result.account is not None
    login_sessions.log_out(practice, secret=result.secret, account=result.account)
    assert login_sessions.logged_in(practice, result.secret, **HOURS) is None


def test_an_api_token_acts_as_its_user_until_the_user_is_disabled(practice: Store) -> None:
    added = _login(practice)
    with practice.transaction(actor="t") as work:
        secret = api_tokens.issue_token(work, user_id=added.id, name="sync")
    account = api_tokens.token_account(practice, secret)
    assert account is not None and account.username == "bill"
    assert api_tokens.token_account(practice, secret + "x") is None
    with practice.transaction(actor="t") as work:
        users.set_disabled(work, user_id=added.id, disabled=True)
    assert api_tokens.token_account(practice, secret) is None


def test_the_list_of_logins_is_audited(practice: Store) -> None:
    _login(practice, "bill")
    _login(practice, "root", "admin")
    with practice.transaction(actor="t") as work:
        listed = users.list_users(work)
        events = list(work.events)
    assert [(u.username, u.role, u.can_log_in) for u in listed] == [
        ("bill", "biller", True),
        ("root", "admin", True),
    ]
    assert [(e.action, e.entity) for e in events] == [("list", "user")]


def test_an_unknown_user_is_not_found(practice: Store) -> None:
    with pytest.raises(NotFound), practice.transaction(actor="t") as work:
        users.reset_password(work, user_id=999)
    with pytest.raises(InvalidInput, match="no user 'nobody'"), practice.transaction() as work:
        users.user_named(work, "nobody")
