"""Users, passwords and roles: the logins of the web app and its API, managed from the web
app's admin page and ``therabill user`` alike.

Passwords are hashed with argon2id (argon2-cffi's defaults follow RFC 9106's second
recommended option), at most ``HASHING_AT_ONCE`` at a time per process so a burst of logins
cannot take every core from the pages. A chosen password must be at least 12 characters and
hard to guess by zxcvbn's estimate (its dictionaries of common passwords, names and words,
keyboard patterns, dates and repeats; NIST SP 800-63B §5.1.1.2 asks to refuse passwords
"commonly-used, expected, or compromised"), and differ from the one it replaces. A therapist
account is linked to the provider it is, so it sees only its own clients and sessions.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Integer,
    Row,
    Select,
    bindparam,
    insert,
    select,
    update,
)

from therabill.errors import InvalidInput, NotFound
from therabill.store import tenancy
from therabill.store.models import Practice, PracticeMember, Provider, User
from therabill.store.services import lookup
from therabill.store.services.context import UnitOfWork
from therabill.store.web_tables import (
    utcnow,
    web_accounts,
    web_api_tokens,
    web_mfa,
    web_sessions,
)

_HASHER = PasswordHasher()
# What a login with an unknown name is checked against, so it takes as long as a wrong
# password. The hash of a random password nobody kept, made once with the hasher's own
# parameters (a test checks they still match): hashing one at import took half a second
# of every command's start.
UNKNOWN_USER_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$Ma06ujbmNPOlvUQkgEGnJg$"
    "AIvX4v4KAWhShwxn32utr1uxdwlM+y165zrsiSNi3KQ"
)
# Hashing a throwaway password keeps a login for an unknown user as slow as a real one.
MIN_PASSWORD = 12
# zxcvbn's score 3: "safely unguessable: moderate protection from offline slow-hash
# scenario" (at least 10^8 guesses), the score its authors suggest as a minimum.
MIN_STRENGTH = 3
HASHING_AT_ONCE = 2
_HASHING = threading.BoundedSemaphore(HASHING_AT_ONCE)


class Role(StrEnum):
    THERAPIST = "therapist"
    BILLER = "biller"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Account:
    """Who is logged in: enough to decide what they may see."""

    id: int
    username: str
    display_name: str
    role: Role
    provider_id: int | None
    must_change_password: bool = False
    mfa_enrolled: bool = False  # an authenticator app confirmed (store.services.mfa)
    # The practice this login works for and its name; None with several to choose from
    # (the web asks), or before there is any practice.
    practice_id: int | None = None
    practice_name: str = ""
    practices: int = 1  # how many practices the user belongs to (a switch when more than 1)

    @property
    def practice_due(self) -> bool:
        """Several practices and none chosen yet: nothing can be shown before the choice."""
        return self.practice_id is None and self.practices > 1

    @property
    def sees_all_clients(self) -> bool:
        return self.role is not Role.THERAPIST

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class NewLogin:
    """A login just added; ``one_time_password`` is shown once (None: the user gave theirs)."""

    id: int
    username: str
    role: Role
    one_time_password: str | None


@dataclass(frozen=True, slots=True)
class UserRow:
    """One line of the list of logins."""

    id: int
    username: str
    name: str
    role: str
    provider: str
    disabled: bool
    can_log_in: bool


def check_strength(password: str, *, about: tuple[str, ...] = ()) -> None:
    """Refuse a password that is short or easy to guess, saying why in zxcvbn's words.
    ``about``: the user's own name and login, which a guesser would try first."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"must be at least {MIN_PASSWORD} characters", field="password")
    # Imported here: reading zxcvbn's word lists takes about 0.4 s, which every command that
    # opens the store (``claims build``, ``era post`` …) would otherwise pay for nothing.
    from zxcvbn import zxcvbn

    # zxcvbn's matching grows with the length; 100 characters is far past "strong".
    found = zxcvbn(password[:100], user_inputs=[*about, "therabill"])
    if found["score"] < MIN_STRENGTH:
        feedback = found["feedback"]
        why = feedback.get("warning") or "It is too easy to guess."
        hint = " ".join(feedback.get("suggestions") or ["Add another word or two."])
        raise InvalidInput(f"is too easy to guess. {why} {hint}".strip(), field="password")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"must be at least {MIN_PASSWORD} characters", field="password")
    with _HASHING:
        return _HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    with _HASHING:
        try:
            return _HASHER.verify(stored or UNKNOWN_USER_HASH, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False


def one_time_password() -> str:
    """A password to hand over once; the user must choose their own at first login."""
    return secrets.token_urlsafe(12) + "-once"


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a role; use one of {', '.join(r.value for r in Role)}", field="role"
        ) from None


_ACCOUNT_COLUMNS = (
    User.id.label("account_id"),
    User.username,
    User.display_name,
    User.role,
    web_accounts.c.provider_id,
    web_accounts.c.must_change_password,
    web_accounts.c.disabled,
    web_mfa.c.confirmed_at,
    PracticeMember.practice_id.label("member_practice_id"),
    PracticeMember.role.label("member_role"),
    Practice.id.label("member_practice_found"),
    Practice.name.label("member_practice_name"),
)


def _account_joins(query: Select[Any]) -> Select[Any]:
    """The user's web account, authenticator and practices joined to ``query``'s users."""
    return (
        query.outerjoin(web_accounts, web_accounts.c.user_id == User.id)
        .outerjoin(web_mfa, web_mfa.c.user_id == User.id)
        .outerjoin(PracticeMember, PracticeMember.user_id == User.id)
        .outerjoin(Practice, Practice.id == PracticeMember.practice_id)
    )


def account_columns(query: Select[Any], user_id: ColumnElement[int]) -> Select[Any]:
    """``query`` with the account of ``user_id`` joined in: its user, web account and
    authenticator columns and one row for each practice the user belongs to (one row with
    empty membership columns when none): the page's login look-up and the API's token
    look-up read session or token and account in one statement. Read the rows with
    :func:`account_from_rows`."""
    return _account_joins(query.add_columns(*_ACCOUNT_COLUMNS).join(User, User.id == user_id))


# Built once: every page and API request looks its account up.
_ACCOUNT = _account_joins(select(*_ACCOUNT_COLUMNS).select_from(User)).where(
    User.id == bindparam("user_id", type_=Integer)
)
_ONLY_PRACTICE = select(Practice.id, Practice.name).limit(2)


def _membership(
    conn: Connection, rows: Sequence[Row[Any]], practice_id: int | None
) -> tuple[int | None, str, str | None, int]:
    """(practice, its name, the user's role there, how many practices they belong to): the
    chosen practice when they belong to it, else their only one. No membership at all (a
    login made before there was a practice): ``users.role`` in the only practice."""
    members = [
        (r.member_practice_id, r.member_practice_name, r.member_role)
        for r in rows
        if r.member_practice_found is not None
    ]
    if not members:
        only = conn.execute(_ONLY_PRACTICE).all()
        if len(only) == 1:
            return int(only[0][0]), str(only[0][1]), None, 1
        return None, "", None, 0
    for pid, name, role in members:
        if practice_id == pid or (practice_id is None and len(members) == 1):
            return int(pid), str(name), str(role), len(members)
    return None, "", None, len(members)


def load_account(conn: Connection, user_id: int, practice_id: int | None = None) -> Account | None:
    """The account of ``user_id`` working for ``practice_id`` (None: their only practice);
    ``None`` when there is none, it is disabled, or it does not belong to that practice."""
    return account_from_rows(conn, conn.execute(_ACCOUNT, {"user_id": user_id}).all(), practice_id)


def account_from_rows(
    conn: Connection, rows: Sequence[Row[Any]], practice_id: int | None
) -> Account | None:
    """The account in ``rows`` (a query of :func:`account_columns`) working for
    ``practice_id``, as :func:`load_account` says."""
    if not rows:
        return None
    chosen, practice_name, member_role, count = _membership(conn, rows, practice_id)
    if practice_id is not None and chosen is None:
        return None
    row = rows[0]
    if row.disabled:
        return None
    try:
        role = Role(member_role or row.role)
    except ValueError:
        return None
    return Account(
        id=row.account_id,
        username=row.username,
        display_name=row.display_name or row.username,
        role=role,
        provider_id=row.provider_id,
        must_change_password=bool(row.must_change_password),
        mfa_enrolled=row.confirmed_at is not None,
        practice_id=chosen,
        practice_name=practice_name,
        practices=max(count, 1),
    )


def user_named(work: UnitOfWork, username: str) -> User:
    """The login ``username`` of the work's practice (one of another practice is not found)."""
    found = work.db.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if found is None or not in_practice(work, found.id):
        raise InvalidInput(f"no user {username!r}")
    return found


def in_practice(work: UnitOfWork, user_id: int) -> bool:
    """Whether ``user_id`` works for the work's practice: a member of it, or a login made
    before there were memberships in an installation of one practice. Logins are the
    installation's (docs/tenants.md), so a practice's admin may change only its own."""
    if work.practice_id is None:
        return True
    if work.db.get(PracticeMember, (user_id, work.practice_id)) is not None:
        return True
    elsewhere = work.db.execute(
        select(PracticeMember.practice_id).where(PracticeMember.user_id == user_id).limit(1)
    ).first()
    return elsewhere is None and tenancy.only_practice(work.db.connection()) is not None


def practice_user(work: UnitOfWork, user_id: int) -> User:
    """The login ``user_id`` if it works for the work's practice, else not found."""
    user = work.db.get(User, user_id)
    if user is None or not in_practice(work, user_id):
        raise NotFound()
    return user


def create_user(
    work: UnitOfWork,
    *,
    username: str,
    role: Role,
    password: str,
    display_name: str = "",
    provider_id: int | None = None,
    must_change_password: bool = False,
) -> User:
    """A new login. A therapist must be linked to a provider (their own sessions)."""
    name = username.strip()
    if not name or len(name) > 80 or not name.replace(".", "").replace("-", "").isalnum():
        raise InvalidInput("use letters, digits, dots and dashes (1–80)", field="username")
    if work.db.execute(select(User.id).where(User.username == name)).first():
        raise InvalidInput(f"a user named {name!r} already exists", field="username")
    if role is Role.THERAPIST and provider_id is None:
        raise InvalidInput("a therapist login needs the provider it is", field="provider")
    if provider_id is not None and work.db.get(Provider, provider_id) is None:
        # Any role: a login is never tied to another practice's provider.
        raise InvalidInput(f"no provider {provider_id}", field="provider")
    user = User(
        username=name,
        display_name=display_name.strip(),
        role=role.value,
        password_hash=hash_password(password),
    )
    work.db.add(user)
    work.db.flush()
    work.db.execute(
        insert(web_accounts).values(
            user_id=user.id,
            provider_id=provider_id,
            must_change_password=must_change_password,
            disabled=False,
        )
    )
    work.audit("create", "user", user.id, f"role={role.value}")
    practice_id = work.chain_practice()
    if practice_id is not None:
        join(work, user_id=user.id, practice_id=practice_id, role=role)
    return user


def join(work: UnitOfWork, *, user_id: int, practice_id: int, role: Role) -> None:
    """Make ``user_id`` a member of ``practice_id`` as ``role`` (or change their role there;
    ``users.role`` follows, for the login's first practice)."""
    if work.db.get(Practice, practice_id) is None:
        raise NotFound(f"no practice {practice_id}")
    member = work.db.get(PracticeMember, (user_id, practice_id))
    if member is None:
        work.db.add(PracticeMember(user_id=user_id, practice_id=practice_id, role=role.value))
    elif member.role != role.value:
        member.role = role.value
    else:
        return
    work.db.flush()
    work.audit("join", "user", user_id, f"practice={practice_id} role={role.value}")


def add_login(
    work: UnitOfWork,
    *,
    username: str,
    role: str,
    provider: str = "",
    display_name: str = "",
    password: str | None = None,
) -> NewLogin:
    """Add a login as typed (role by name, provider by NPI or id). Without ``password`` it
    gets a one-time password, which the user replaces at first login."""
    chosen = parse_role(role)
    one_time = one_time_password() if password is None else None
    if password is not None:
        check_strength(password, about=(username, display_name))
    user = create_user(
        work,
        username=username,
        role=chosen,
        password=one_time or password or "",
        display_name=display_name,
        provider_id=lookup.provider(work, provider).id if provider.strip() else None,
        must_change_password=one_time is not None,
    )
    return NewLogin(user.id, user.username, chosen, one_time)


def set_password(
    work: UnitOfWork, *, user_id: int, password: str, must_change: bool = False
) -> None:
    """Set the password of ``user_id``, a login of the work's practice (else not found)."""
    user = practice_user(work, user_id)
    user.password_hash = hash_password(password)
    _upsert_account(work, user_id, must_change_password=must_change)
    work.audit("password", "user", user_id)


def change_password(
    work: UnitOfWork, *, user_id: int, current: str, new: str, keep_session: str = ""
) -> None:
    """The user's own change: the current password first, then a new one that is strong and
    not the one it replaces (so not the one-time password either). Every other login
    session and every API token of the user ends (``keep_session``: the id hash of the
    session the change was made in, which stays)."""
    user = practice_user(work, user_id)
    if not check_password(user.password_hash, current):
        raise InvalidInput("is not your current password", field="current")
    if new == current:
        raise InvalidInput("must differ from the one it replaces", field="password")
    check_strength(new, about=(user.username, user.display_name or ""))
    user.password_hash = hash_password(new)
    _upsert_account(work, user_id, must_change_password=False)
    log_out_everywhere(work, user_id=user_id, but=keep_session)
    work.audit("password", "user", user_id, "changed by the user")


def reset_password(work: UnitOfWork, *, user_id: int) -> str:
    """A new one-time password for ``user_id`` (returned, to hand over), and the user is
    logged out everywhere, their API tokens revoked."""
    practice_user(work, user_id)
    password = one_time_password()
    set_password(work, user_id=user_id, password=password, must_change=True)
    log_out_everywhere(work, user_id=user_id)
    return password


def set_disabled(work: UnitOfWork, *, user_id: int, disabled: bool) -> None:
    """Disable (and log out everywhere, revoking API tokens) or enable a login. Enabling
    brings no token back."""
    practice_user(work, user_id)
    _upsert_account(work, user_id, disabled=disabled)
    log_out_everywhere(work, user_id=user_id)
    work.audit("disable" if disabled else "enable", "user", user_id)


def log_out_everywhere(work: UnitOfWork, *, user_id: int, but: str = "") -> None:
    """End every open login session of a user (but the one whose id hash is ``but``) and
    revoke every API token: password changed or reset, account disabled. Only a login of
    the work's practice (else not found)."""
    if not in_practice(work, user_id):
        raise NotFound()
    now = utcnow()
    work.db.execute(
        update(web_sessions)
        .where(
            web_sessions.c.user_id == user_id,
            web_sessions.c.ended_at.is_(None),
            web_sessions.c.id_hash != but,
        )
        .values(ended_at=now)
    )
    revoked = cast(
        CursorResult[Any],
        work.db.execute(
            update(web_api_tokens)
            .where(web_api_tokens.c.user_id == user_id, web_api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ),
    )
    if revoked.rowcount:
        work.audit("revoke", "api_token", user_id, f"all {revoked.rowcount}")


def list_users(work: UnitOfWork) -> list[UserRow]:
    """Every login, by name, with the provider a therapist is linked to (audited)."""
    rows = work.db.execute(
        select(User, web_accounts.c.provider_id, web_accounts.c.disabled, PracticeMember.role)
        .join(PracticeMember, PracticeMember.user_id == User.id)
        .outerjoin(web_accounts, web_accounts.c.user_id == User.id)
        .where(PracticeMember.practice_id == work.practice_id)  # this practice's logins only
        .order_by(User.username)
    ).all()
    names = {
        p.id: f"{p.first_name} {p.last_name}" for p in work.db.execute(select(Provider)).scalars()
    }
    work.audit("list", "user", "*")
    return [
        UserRow(
            id=user.id,
            username=user.username,
            name=user.display_name or "",
            role=role,
            provider=names.get(provider_id, "") if provider_id else "",
            disabled=bool(disabled),
            can_log_in=user.password_hash is not None,
        )
        for user, provider_id, disabled, role in rows
    ]


def _upsert_account(work: UnitOfWork, user_id: int, **values: object) -> None:
    exists = work.db.execute(
        select(web_accounts.c.user_id).where(web_accounts.c.user_id == user_id)
    ).first()
    if exists:
        work.db.execute(
            update(web_accounts).where(web_accounts.c.user_id == user_id).values(values)
        )
    else:
        defaults: dict[str, object] = {"must_change_password": False, "disabled": False}
        work.db.execute(insert(web_accounts).values({"user_id": user_id, **defaults, **values}))
