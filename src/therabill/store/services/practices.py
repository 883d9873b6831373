"""The practices of an installation and who works for each (docs/tenants.md).

On PostgreSQL one installation can hold several practices, each kept apart by row-level
security; on SQLite one installation is one practice, as it always was. A user's role is per
practice (``practice_members``): the same biller can be an admin for one practice and a biller
for another, and sees only the practices they belong to.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from therabill.errors import InvalidInput, NotFound
from therabill.store.engine import is_sqlite
from therabill.store.models import Practice, PracticeMember, User
from therabill.store.services.context import Store, UnitOfWork
from therabill.store.services.users import Role, join, parse_role


@dataclass(frozen=True, slots=True)
class Membership:
    """One practice a user works for, and their role there."""

    practice_id: int
    name: str
    role: Role


def memberships(conn: Connection, user_id: int) -> list[Membership]:
    """The practices ``user_id`` belongs to, by name (the installation's own tables: read
    before any practice is chosen)."""
    rows = conn.execute(
        select(PracticeMember.practice_id, Practice.name, PracticeMember.role)
        .join(Practice, Practice.id == PracticeMember.practice_id)
        .where(PracticeMember.user_id == user_id)
        .order_by(Practice.name, Practice.id)
    ).all()
    found = []
    for practice_id, name, role in rows:
        try:
            found.append(Membership(int(practice_id), str(name), Role(role)))
        except ValueError:
            continue  # a role this version does not know grants nothing
    return found


def add_practice(store: Store, *, name: str, actor: str) -> int:
    """A new practice in the installation (PostgreSQL only), with the acting admin (when
    they have a login) as its first admin. Its payers, providers and fees are set up in its
    own scope afterwards (``therabill --practice ID …``)."""
    if is_sqlite(store.engine):
        raise InvalidInput(
            "on SQLite one installation is one practice",
            hint="Use a PostgreSQL database (THERABILL_DATABASE_URL) for several practices.",
        )
    clean = name.strip()
    if not clean or len(clean) > 200:
        raise InvalidInput("is required (at most 200 characters)", field="name")
    with store.transaction(actor=actor) as work:
        taken = work.db.execute(select(Practice.id).where(Practice.name == clean)).first()
        if taken is not None:
            raise InvalidInput(f"a practice named {clean!r} already exists", field="name")
        office = Practice(name=clean)
        work.db.add(office)
        work.db.flush()
        practice_id = office.id
    # Its own audit chain starts with its creation (the installation's table has no chain;
    # the unscoped transaction above has no practice to audit in when there are several).
    with store.transaction(actor=actor, practice=practice_id) as work:
        work.audit("create", "practice", practice_id)
        admin = work.db.execute(select(User.id).where(User.username == actor)).scalar()
        if admin is not None:
            join(work, user_id=admin, practice_id=practice_id, role=Role.ADMIN)
    return practice_id


def join_by_name(work: UnitOfWork, *, username: str, role: str) -> Membership:
    """``therabill --practice ID user add NAME`` for a login that exists already: it joins
    the practice of ``work`` in ``role`` (no new password)."""
    if work.practice_id is None:
        raise InvalidInput("choose the practice", field="practice")
    user = work.db.execute(select(User).where(User.username == username.strip())).scalar()
    if user is None:
        raise NotFound(f"no user {username!r}")
    chosen = parse_role(role)
    join(work, user_id=user.id, practice_id=work.practice_id, role=chosen)
    office = work.require_practice()
    return Membership(office.id, office.name, chosen)


def list_practices(store: Store) -> list[tuple[int, str]]:
    """Every practice of the installation: (id, name), for the installation's admin."""
    with store.reader.connect() as conn:
        rows = conn.execute(select(Practice.id, Practice.name).order_by(Practice.id)).all()
    return [(int(i), str(n)) for i, n in rows]
