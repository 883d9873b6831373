"""First run of ``therabill serve``: bring the database to the newest schema, create the
practice (the demo one when asked) and, when no one can log in yet, an admin with a one-time
password to print.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, select

from therabill.store import migrate
from therabill.store.models import Practice, User
from therabill.store.services import users
from therabill.store.services.context import Store
from therabill.store.services.demo import create_demo
from therabill.store.services.practice import init_practice

ADMIN_NAME = "admin"


@dataclass(frozen=True, slots=True)
class FirstRun:
    created_practice: bool
    demo: bool
    admin_username: str | None = None
    admin_password: str | None = None


def _has_practice(store: Store) -> bool:
    if not inspect(store.engine).has_table("practice"):
        return False
    with store.sessions() as db:
        return db.execute(select(Practice.id).limit(1)).first() is not None


def _make_demo(store: Store) -> bool:
    """The store's demo practice (the same as ``therabill demo``)."""
    create_demo(store=store)
    return True


def prepare(store: Store, *, demo: bool = False) -> FirstRun:
    """Make ``store`` ready to serve; idempotent (a second call changes nothing)."""
    created = not _has_practice(store)
    made_demo = False
    if created:
        migrate.upgrade(store.engine)
        if demo:
            made_demo = _make_demo(store)
        if not _has_practice(store):
            init_practice(store=store, name="Demo practice" if demo else None)
    else:
        migrate.upgrade(store.engine)
    with store.sessions() as db:
        anyone = db.execute(select(User.id).where(User.password_hash.is_not(None)).limit(1)).first()
    if anyone is not None:
        return FirstRun(created, made_demo)
    password = users.one_time_password()
    name = ADMIN_NAME
    with store.transaction(actor="therabill serve") as work:
        taken = work.db.execute(select(User).where(User.username == name)).scalar_one_or_none()
        if taken is not None:
            users.set_password(work, user_id=taken.id, password=password, must_change=True)
            taken.role = users.Role.ADMIN.value
        else:
            users.create_user(
                work,
                username=name,
                role=users.Role.ADMIN,
                password=password,
                display_name="Administrator",
                must_change_password=True,
            )
    return FirstRun(created, made_demo, name, password)
