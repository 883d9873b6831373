"""Users, passwords and roles for the web app.

Passwords are hashed with argon2id (argon2-cffi's defaults follow RFC 9106's second
recommended option). A therapist account is linked to the provider it is, so it sees only its
own clients and sessions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from therabill.errors import InvalidInput
from therabill.store.models import Provider, User
from therabill.store.services import UnitOfWork
from therabill.store.web_tables import web_accounts

_HASHER = PasswordHasher()
# Hashing a throwaway password keeps a login for an unknown user as slow as a real one.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")
MIN_PASSWORD = 12


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

    @property
    def sees_all_clients(self) -> bool:
        return self.role is not Role.THERAPIST

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"must be at least {MIN_PASSWORD} characters", field="password")
    return _HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a role; use one of {', '.join(r.value for r in Role)}", field="role"
        ) from None


def load_account(conn: Connection, user_id: int) -> Account | None:
    row = conn.execute(
        select(
            User.id,
            User.username,
            User.display_name,
            User.role,
            web_accounts.c.provider_id,
            web_accounts.c.must_change_password,
            web_accounts.c.disabled,
        )
        .outerjoin(web_accounts, web_accounts.c.user_id == User.id)
        .where(User.id == user_id)
    ).first()
    if row is None or row.disabled:
        return None
    try:
        role = Role(row.role)
    except ValueError:
        return None
    return Account(
        id=row.id,
        username=row.username,
        display_name=row.display_name or row.username,
        role=role,
        provider_id=row.provider_id,
        must_change_password=bool(row.must_change_password),
    )


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
    if role is Role.THERAPIST:
        if provider_id is None:
            raise InvalidInput("a therapist login needs the provider it is", field="provider")
        if work.db.get(Provider, provider_id) is None:
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
    return user


def set_password(
    work: UnitOfWork, *, user_id: int, password: str, must_change: bool = False
) -> None:
    user = work.db.get(User, user_id)
    if user is None:
        raise InvalidInput(f"no user {user_id}", field="user")
    user.password_hash = hash_password(password)
    _upsert_account(work, user_id, must_change_password=must_change)
    work.audit("password", "user", user_id)


def set_disabled(work: UnitOfWork, *, user_id: int, disabled: bool) -> None:
    _upsert_account(work, user_id, disabled=disabled)
    work.audit("disable" if disabled else "enable", "user", user_id)


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
