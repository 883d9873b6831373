"""Practices as tenants: every table is a practice's or the installation's, and on PostgreSQL
row-level security keeps a transaction to its practice even when a query forgets to.

The RLS tests connect as a plain role (LOGIN, no SUPERUSER, no BYPASSRLS), as a deployment
must (docs/tenants.md): the suite's own ``postgres`` superuser bypasses every policy
(https://www.postgresql.org/docs/current/ddl-rowsecurity.html).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from db_backends import POSTGRES_ENV, drop_role, plain_role, postgres_database
from therabill.errors import InvalidInput, NotFound, TherabillError
from therabill.store import audit, migrate, tenancy
from therabill.store.factories import PT_NPI, PracticeSpec, build_one_claim, client, set_up_practice
from therabill.store.models import Client, Payer, Practice
from therabill.store.services import (
    Store,
    clients,
    open_store,
    payers,
    practice,
    practices,
    users,
)
from therabill.store.services.submission import DatabaseControlNumbers

DAY = dt.date(2026, 11, 2)
CLIENT = client(payer="Acme Health Plan", member_id="M-1")


def test_every_table_is_a_practices_or_on_the_global_list(db_url: str) -> None:
    """A table someone adds later must carry ``practice_id`` (and on PostgreSQL the policy)
    or be named in tenancy.GLOBAL_TABLES on purpose."""
    store = open_store(db_url)
    migrate.upgrade(store.engine)
    postgres = store.engine.dialect.name == "postgresql"
    with store.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        assert names | {"alembic_version"} >= tenancy.GLOBAL_TABLES, "stale global list"
        policies: dict[str, tuple[bool, bool, int]] = {}
        if postgres:
            rows = conn.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                    "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname "
                    "AND p.policyname = :policy) FROM pg_class c "
                    "WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace"
                ),
                {"policy": tenancy.POLICY},
            )
            policies = {name: (bool(on), bool(forced), int(n)) for name, on, forced, n in rows}
        owned = tenancy.owned_tables(names)
        assert len(owned) >= 49
        for table in owned:
            column = {c["name"]: c for c in inspect(conn).get_columns(table)}.get("practice_id")
            assert column is not None and not column["nullable"], table
            if postgres:
                assert policies[table] == (True, True, 1), table
        for table in tenancy.GLOBAL_TABLES & names:
            if postgres:
                assert policies[table][0] is False, table
    store.dispose()


# --- row-level security, as a plain role -----------------------------------------------------


@dataclass
class TwoPractices:
    app: Store  # connected as the plain role
    admin_url: str  # the superuser's
    a: int
    b: int
    claim_a: int
    claim_b: int
    client_b: int


def _second_practice(app: Store) -> tuple[int, int, int]:
    """Practice B, with the same payer name, provider NPI and chart number as A (keys are
    per practice): (practice, client, claim)."""
    with app.transaction(actor="admin") as work:
        office = Practice(name="Second office")
        work.db.add(office)
        work.db.flush()
        b = office.id
    with tenancy.practice_scope(b):
        with app.transaction(actor="setup") as work:
            practice.update_practice(
                work=work,
                name="Second office",
                npi=PT_NPI,
                tax_id="987654321",
                address="2 Pier Road",
                city="Portland",
                state="ME",
                postal_code="04101-4321",
            )
            payers.add_payer(
                work=work, profile="COMMERCIAL", name="Acme Health Plan", payer_id="ACME1"
            )
            provider = practice.add_provider(
                work=work,
                npi=PT_NPI,
                first_name="Ben",
                last_name="Other",
                discipline="pt",
                taxonomy="225100000X",
            ).id
            practice.set_fee(work=work, code="97110", unit_charge_cents=4000)
            person = clients.add_client(work=work, data=CLIENT).id
        claim = build_one_claim(
            app, client=person, provider=provider, day=DAY, services={"97110": 30}
        )
    return b, person, claim


@pytest.fixture(scope="module")
def two_practices() -> Iterator[TwoPractices]:
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} not set")
    role = f"therabill_app_{uuid.uuid4().hex[:10]}"
    database = postgres_database()
    url = next(database)
    admin = open_store(url)
    migrate.upgrade(admin.engine)
    admin.dispose()
    app = open_store(plain_role(url, role))
    try:
        example = set_up_practice(app, PracticeSpec(clients=(CLIENT,)))
        claim_a = build_one_claim(
            app,
            client=example.clients[0],
            provider=example.providers[0],
            day=DAY,
            services={"97110": 30},
        )
        b, client_b, claim_b = _second_practice(app)
        yield TwoPractices(app, url, 1, b, claim_a, claim_b, client_b)
    finally:
        app.dispose()
        next(database, None)  # drops the database
        drop_role(role)


def test_an_unscoped_query_sees_only_its_practice(two_practices: TwoPractices) -> None:
    """``SELECT * FROM claims`` with no WHERE, as practice A: A's claim only."""
    app = two_practices.app
    for practice_id, claim in (
        (two_practices.a, two_practices.claim_a),
        (two_practices.b, two_practices.claim_b),
    ):
        with app.reading(practice=practice_id) as work:
            rows = work.db.execute(text("SELECT id, practice_id FROM claims")).all()
            assert rows == [(claim, practice_id)]
            assert work.db.get(Client, two_practices.client_b) is None or (
                practice_id == two_practices.b
            )


def test_no_practice_named_sees_nothing(two_practices: TwoPractices) -> None:
    """With two practices and none chosen, the policy compares with NULL: no rows at all."""
    with two_practices.app.engine.connect() as conn:
        assert tenancy.current_practice(conn) is None
        for table in ("claims", "clients", "ledger_entries", "audit_log"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_writing_into_another_practice_is_refused(two_practices: TwoPractices) -> None:
    app, b = two_practices.app, two_practices.b
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    insert_into_b = pytest.raises(DBAPIError, match="row-level security")
    with insert_into_b, app.transaction(practice=two_practices.a) as work:
        work.db.execute(
            text(
                "INSERT INTO clients (first_name, last_name, birth_date, sex, created_at, "
                "practice_id) VALUES ('Eve', 'Intruder', :born, 'F', :now, :b)"
            ),
            {"born": dt.date(1990, 1, 1), "now": now, "b": b},
        )
    move_to_b = pytest.raises(DBAPIError, match="row-level security")
    with move_to_b, app.transaction(practice=two_practices.a) as work:
        work.db.execute(
            text("UPDATE claims SET practice_id = :b WHERE id = :id"),
            {"b": b, "id": two_practices.claim_a},
        )
    with app.transaction(practice=two_practices.a) as work:
        changed = work.db.execute(
            text("UPDATE claims SET status = 'void' WHERE id = :id"),
            {"id": two_practices.claim_b},
        )
        assert changed.rowcount == 0  # B's claim is not there for A
        gone = work.db.execute(
            text("DELETE FROM client_providers WHERE client_id = :id"),
            {"id": two_practices.client_b},
        )
        assert gone.rowcount == 0


def test_no_practice_named_writes_nothing(two_practices: TwoPractices) -> None:
    """The column's default is the transaction's practice: unset, an insert fails."""
    with pytest.raises(DBAPIError), two_practices.app.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO payers (name, profile_id, created_at) "
                "VALUES ('Nobody', 'MEDICARE', now())"
            )
        )


def test_each_practice_has_its_own_audit_chain(two_practices: TwoPractices) -> None:
    app = two_practices.app
    for practice_id in (two_practices.a, two_practices.b):
        with app.reading(practice=practice_id) as work:
            result = audit.verify(work.db)
            assert result.ok, result.problems
            assert result.entries > 0 and result.ledger_entries > 0
            first = work.db.execute(text("SELECT min(seq) FROM audit_log")).scalar()
            assert first == 1  # every chain counts from 1


def test_a_superuser_is_refused_once_there_are_two_practices(
    two_practices: TwoPractices,
) -> None:
    """Row-level security does not bind a superuser: with several practices the store
    refuses to serve as one; the plain role is served."""
    two_practices.app.require_initialised()
    admin = open_store(two_practices.admin_url)
    try:
        with pytest.raises(TherabillError, match="bypasses row-level security"):
            admin.require_initialised()
    finally:
        admin.dispose()


def test_sqlite_stays_one_practice(tmp_path: object) -> None:
    """On SQLite the practice is the installation's only one, found without a scope."""
    store = open_store(f"sqlite:///{tmp_path}/one.sqlite3")
    set_up_practice(store)
    with store.reading() as work:
        assert work.practice_id == 1
        owners = work.db.execute(select(Payer.practice_id).distinct()).scalars().all()
        assert owners == [1]
    store.dispose()


# --- users in practices -------------------------------------------------------------------


def test_a_users_role_is_per_practice(two_practices: TwoPractices) -> None:
    """One login, admin of A and biller of B: the role follows the practice chosen; with two
    and none chosen the web asks first; a practice they are not in is not theirs."""
    app = two_practices.app
    with app.transaction(practice=two_practices.a, actor="root") as work:
        added = users.add_login(work, username="dana", role="admin", password=None)
    with app.transaction(practice=two_practices.b, actor="root") as work:
        joined = practices.join_by_name(work, username="dana", role="biller")
        assert joined.practice_id == two_practices.b
    with app.reader.connect() as conn:
        both = practices.memberships(conn, added.id)
        assert [
            (m.practice_id, m.role.value) for m in sorted(both, key=lambda m: m.practice_id)
        ] == [
            (two_practices.a, "admin"),
            (two_practices.b, "biller"),
        ]
        undecided = users.load_account(conn, added.id)
        assert undecided is not None and undecided.practice_due
        in_a = users.load_account(conn, added.id, two_practices.a)
        in_b = users.load_account(conn, added.id, two_practices.b)
        assert in_a is not None and in_a.role is users.Role.ADMIN
        assert in_b is not None and in_b.role is users.Role.BILLER
        assert in_b.practice_name == "Second office"
        assert users.load_account(conn, added.id, 999) is None
    with app.reading(practice=two_practices.b) as work:  # B's list of logins: B's members
        assert "dana" in {row.username for row in users.list_users(work)}


def test_a_practice_is_added_on_postgresql_only(
    two_practices: TwoPractices, tmp_path: object
) -> None:
    app = two_practices.app
    added = practices.add_practice(app, name="Third office", actor="root")
    assert (added, "Third office") in practices.list_practices(app)
    with app.reading(practice=added) as work:  # its own audit chain, from 1
        assert work.db.execute(text("SELECT min(seq) FROM audit_log")).scalar() == 1
        assert work.db.execute(text("SELECT count(*) FROM claims")).scalar() == 0
    with pytest.raises(InvalidInput, match="already exists"):
        practices.add_practice(app, name="Third office", actor="root")
    sqlite = open_store(f"sqlite:///{tmp_path}/one.sqlite3")
    set_up_practice(sqlite)
    with pytest.raises(InvalidInput, match="one installation is one practice"):
        practices.add_practice(sqlite, name="Another", actor="root")
    sqlite.dispose()


def test_each_practice_has_its_own_files(two_practices: TwoPractices) -> None:
    """Outbox, inbox and statements are per practice: the first practice keeps the data
    directory it always had, others get practices/<id>; a practice's user is never handed a
    file that carries none of its claims, even when given the other's folder."""
    from therabill.config import data_dir, practice_folder
    from therabill.store.services import submission

    t = two_practices
    assert practice_folder(t.a) == data_dir() == practice_folder(None)
    assert practice_folder(t.b) == data_dir() / "practices" / str(t.b)
    files = {}
    for practice_id, claim in ((t.a, t.claim_a), (t.b, t.claim_b)):
        with t.app.transaction(actor="biller", practice=practice_id) as work:
            outbox = practice_folder(work.practice_id) / "outbox"
            outcome = submission.submit_claims(work=work, outbox=outbox, claim_ids=[claim])
            files[practice_id] = outcome.paths[0]
    assert files[t.a].parent == data_dir() / "outbox"
    assert files[t.b].parent == practice_folder(t.b) / "outbox"
    b_file = files[t.b]
    with t.app.transaction(actor="biller", practice=t.a) as work:
        found = submission.download_outbox_file(work=work, outbox=b_file.parent, name=b_file.name)
    assert found is None
    with t.app.transaction(actor="biller", practice=t.b) as work:
        found = submission.download_outbox_file(work=work, outbox=b_file.parent, name=b_file.name)
    assert found == b_file


def test_an_admin_changes_only_their_practices_logins(two_practices: TwoPractices) -> None:
    """Logins are the installation's: A's admin cannot reset, disable or look up by name a
    login of B only (users.in_practice); B's own admin can."""
    app = two_practices.app
    with app.transaction(practice=two_practices.b, actor="root") as work:
        only_b = users.add_login(work, username="bea", role="biller", password=None).id
    with app.transaction(practice=two_practices.a, actor="root") as work:
        assert not users.in_practice(work, only_b)
        with pytest.raises(NotFound):
            users.reset_password(work, user_id=only_b)
        with pytest.raises(NotFound):
            users.set_disabled(work, user_id=only_b, disabled=True)
        with pytest.raises(InvalidInput, match="no user 'bea'"):
            users.user_named(work, "bea")
    with app.transaction(practice=two_practices.b, actor="root") as work:
        assert users.user_named(work, "bea").id == only_b
        users.set_disabled(work, user_id=only_b, disabled=True)


def test_a_login_of_no_practice_is_the_only_practices(tmp_path: object) -> None:
    """A login made before logins had practices (no membership row) belongs to the
    installation's only practice, as before: its admin still manages it (SQLite)."""
    store = open_store(f"sqlite:///{tmp_path}/one.sqlite3")
    set_up_practice(store)
    with store.transaction(actor="root") as work:
        old = users.add_login(work, username="olda", role="biller", password=None).id
        work.db.execute(text("DELETE FROM practice_members WHERE user_id = :u"), {"u": old})
    with store.transaction(actor="root") as work:
        assert users.in_practice(work, old)
        assert users.user_named(work, "olda").id == old
        users.reset_password(work, user_id=old)
    store.dispose()


def test_a_practices_payer_profiles_and_fees_are_its_own(two_practices: TwoPractices) -> None:
    """A payer profile saved by B's admin goes to B's folder (where B's fee schedules are
    imported too: the same ``default_payers_dir``) and changes nothing for A, which still
    bills by the shipped profile."""
    from therabill.config import data_dir, practice_folder
    from therabill.payers.loader import default_payers_dir
    from therabill.store.services import caches, profiles
    from therabill.units import UnitRule

    t = two_practices
    shipped = profiles.profile_text(profiles.payer_profiles()["COMMERCIAL"])
    changed = shipped.replace('unit_rule = "midpoint"', 'unit_rule = "cms"', 1)
    assert changed != shipped
    with t.app.transaction(actor="root", practice=t.b) as work:
        assert default_payers_dir() == practice_folder(t.b) / "payers"
        profiles.save_profile(work, profile_id="COMMERCIAL", text=changed)
    assert (practice_folder(t.b) / "payers" / "commercial.toml").is_file()
    assert not (data_dir() / "payers" / "commercial.toml").exists()
    with tenancy.practice_scope(t.b):
        assert profiles.unit_rule("COMMERCIAL") is UnitRule.CMS
        assert caches.scrub_tables().payers["COMMERCIAL"].unit_rule is UnitRule.CMS
    for a in (t.a, None):
        with tenancy.practice_scope(a):
            assert profiles.unit_rule("COMMERCIAL") is UnitRule.MIDPOINT
            assert caches.scrub_tables().payers["COMMERCIAL"].unit_rule is UnitRule.MIDPOINT
    with tenancy.practice_scope(t.b):  # the code set and edits are shared, not reread
        assert caches.scrub_tables().code_set is caches.scrub_tables().code_set
    with tenancy.practice_scope(t.a):
        a_codes = caches.scrub_tables().code_set
    with tenancy.practice_scope(t.b):
        assert caches.scrub_tables().code_set is a_codes


def test_control_numbers_are_unique_across_practices(two_practices: TwoPractices) -> None:
    """A billing office sends every practice's files under one submitter id: an ISA13 or
    GS06 one practice used is never another's, whichever host writes the file (TA1 025)."""
    taken: list[int] = []
    for practice_id, count in ((two_practices.a, 3), (two_practices.b, 2), (two_practices.a, 1)):
        with two_practices.app.transaction(practice=practice_id) as work:
            taken += DatabaseControlNumbers(work).reserve("interchange", count)
    assert len(set(taken)) == len(taken) == 6
    assert taken == sorted(taken)
    with two_practices.app.reading(practice=two_practices.b) as work:
        assert DatabaseControlNumbers(work).last()["interchange"] == taken[4]
