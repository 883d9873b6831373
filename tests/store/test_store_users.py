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
    for _ in range(login_sessions.FREE_TRIES - 1):
        login_sessions.log_in(practice, username="bill", password="nope", remote="a")
    right = login_sessions.log_in(practice, username="bill", password=PASSWORD, remote="a")
    assert right.outcome is LoginOutcome.THROTTLED and right.wait == 1


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


@pytest.mark.parametrize("action", ["disable then enable", "reset_password", "change"])
def test_an_api_token_ends_with_the_users_password_or_access(practice: Store, action: str) -> None:
    """A token survived a password reset and disable→enable (issue 14): no longer."""
    added = _login(practice)
    with practice.transaction(actor="t") as work:
        secret = api_tokens.issue_token(work, user_id=added.id, name="sync")
    account = api_tokens.token_account(practice, secret)
    assert account is not None and account.username == "bill"
    assert api_tokens.token_account(practice, secret + "x") is None
    with practice.transaction(actor="t") as work:
        if action == "disable then enable":
            users.set_disabled(work, user_id=added.id, disabled=True)
            users.set_disabled(work, user_id=added.id, disabled=False)
        elif action == "reset_password":
            users.reset_password(work, user_id=added.id)
        else:
            users.change_password(
                work, user_id=added.id, current=PASSWORD, new="plum orchard lantern 42"
            )
    assert api_tokens.token_account(practice, secret) is None
    with practice.transaction(actor="t") as work:
        assert [t.state for t in api_tokens.list_tokens(work, user_id=added.id)] == ["revoked"]


def test_an_api_token_expires_and_can_be_revoked(practice: Store) -> None:
    import time_machine

    added = _login(practice)
    with practice.transaction(actor="t") as work:
        default = api_tokens.issue_token(work, user_id=added.id, name="sync")
        short = api_tokens.issue_token(work, user_id=added.id, name="script", days=7)
        listed = api_tokens.list_tokens(work, user_id=added.id)
    assert [(t.name, (t.expires_at - t.created_at).days, t.state) for t in listed] == [
        ("script", 7, "live"),
        ("sync", api_tokens.DEFAULT_DAYS, "live"),
    ]
    now = dt.datetime.now(dt.UTC)
    with time_machine.travel(now + dt.timedelta(days=8), tick=False):
        assert api_tokens.token_account(practice, short) is None
        assert api_tokens.token_account(practice, default) is not None
    with time_machine.travel(now + dt.timedelta(days=91), tick=False):
        assert api_tokens.token_account(practice, default) is None
    with practice.transaction(actor="t") as work:
        api_tokens.revoke_token(work, token_id=listed[1].id, user_id=added.id)
    assert api_tokens.token_account(practice, default) is None
    assert api_tokens.token_account(practice, short) is not None
    other = _login(practice, "root", "admin")
    with pytest.raises(NotFound), practice.transaction(actor="t") as work:
        api_tokens.revoke_token(work, token_id=listed[0].id, user_id=other.id)


@pytest.mark.parametrize(
    ("current", "new", "field", "message"),
    [
        ("wrong password here", "plum orchard lantern 42", "current", "is not your current"),
        (PASSWORD, PASSWORD, "password", "must differ"),
        (PASSWORD, "aaaaaaaaaaaa", "password", "Repeats like"),
        (PASSWORD, "password1234", "password", "very common password"),
        (PASSWORD, "bill bill bill 1", "password", "too easy to guess"),
        (PASSWORD, "short", "password", "at least 12 characters"),
    ],
    ids=["wrong current", "same again", "repeats", "common", "own name", "short"],
)
def test_a_password_change_is_checked(
    practice: Store, current: str, new: str, field: str, message: str
) -> None:
    added = _login(practice)
    with pytest.raises(InvalidInput) as caught, practice.transaction(actor="t") as work:
        users.change_password(work, user_id=added.id, current=current, new=new)
    assert caught.value.field == field and message in caught.value.message


def test_a_one_time_password_cannot_become_the_password(practice: Store) -> None:
    added = _login(practice)
    with practice.transaction(actor="t") as work:
        one_time = users.reset_password(work, user_id=added.id)
    with pytest.raises(InvalidInput, match="must differ"), practice.transaction() as work:
        users.change_password(work, user_id=added.id, current=one_time, new=one_time)


def test_a_password_change_ends_the_users_other_sessions(practice: Store) -> None:
    added = _login(practice)
    here = login_sessions.log_in(practice, username="bill", password=PASSWORD, remote="a")
    there = login_sessions.log_in(practice, username="bill", password=PASSWORD, remote="b")
    found = login_sessions.logged_in(practice, here.secret, **HOURS)
    assert found is not None
    with practice.transaction(actor="t") as work:
        users.change_password(
            work,
            user_id=added.id,
            current=PASSWORD,
            new="plum orchard lantern 42",
            keep_session=found[0].id_hash,
        )
    assert login_sessions.logged_in(practice, here.secret, **HOURS) is not None
    assert login_sessions.logged_in(practice, there.secret, **HOURS) is None


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


def test_password_hashing_takes_at_most_two_cores_whatever_the_burst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """32 logins at once (the review's burst) verify at most ``HASHING_AT_ONCE`` passwords at
    a time, each in its own thread: the other requests keep the rest of the machine."""
    import threading
    import time

    from argon2 import PasswordHasher

    running, most = 0, 0
    lock = threading.Lock()
    original = PasswordHasher.verify

    def verify(self: PasswordHasher, stored: str, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.01)
            return original(self, stored, password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    threads = [
        threading.Thread(target=users.check_password, args=(None, "wrong password"))
        for _ in range(32)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= most <= users.HASHING_AT_ONCE


def test_an_unknown_name_is_checked_against_a_hash_as_costly_as_a_real_one() -> None:
    """The stored stand-in hash must carry the hasher's current parameters, or an unknown
    name would answer faster (or slower) than a wrong password."""
    from argon2 import PasswordHasher

    assert not PasswordHasher().check_needs_rehash(users.UNKNOWN_USER_HASH)
    assert users.check_password(None, "anything at all") is False
    assert users.check_password("", "anything at all") is False
