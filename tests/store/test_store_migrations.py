"""Migrations: an empty database and one made by the previous migration both reach head,
and the models match what the migrations build (autogenerate finds nothing to do)."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from therabill.store import migrate, tenancy
from therabill.store import web_tables as tables
from therabill.store.services import open_store


def test_empty_database_upgrades_to_head(db_url: str) -> None:
    store = open_store(db_url)
    assert migrate.current_revision(store.engine) is None
    migrate.upgrade(store.engine)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    migrate.upgrade(store.engine)  # a second run is a no-op
    store.dispose()


PREVIOUS = [
    r.revision
    for r in reversed(list(ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()))
][:-1]


@pytest.mark.parametrize("previous", PREVIOUS, ids=[f"from-{r}" for r in PREVIOUS])
def test_database_from_previous_migration_keeps_its_rows(db_url: str, previous: str) -> None:
    store = open_store(db_url)
    migrate.upgrade(store.engine, previous)
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO practice (id, name, created_at) VALUES (1, 'Office', :now)"),
            {"now": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
        )
        tenancy.set_practice(conn, 1)  # from 0030 on, PostgreSQL rows take it from here
        conn.execute(
            text(
                "INSERT INTO clients (id, first_name, last_name, birth_date, sex, created_at) "
                "VALUES (1, 'Ada', 'Example', :born, 'F', :now)"
            ),
            {"born": dt.date(1990, 1, 2), "now": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
        )
        conn.execute(
            text(
                "INSERT INTO ledger_entries (kind, amount_cents, responsibility, client_id, "
                "effective_date, posted_at, actor, memo) VALUES ('patient_payment', 2500, "
                "'patient', 1, :day, :now, 'tester', '')"
            ),
            {"day": dt.date(2026, 1, 1), "now": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
        )
    migrate.upgrade(store.engine)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT amount_cents FROM ledger_entries")).scalar() == 2500
        # Every row already there belongs to the database's practice (0032).
        for table in ("clients", "ledger_entries"):
            owners = conn.execute(text(f"SELECT DISTINCT practice_id FROM {table}")).all()
            assert owners == [(1,)], table
    # The ledger is append-only (0002), for the rows already there too.
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET amount_cents = 1"))
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries"))
    store.dispose()


def test_models_match_migrations(db_url: str) -> None:
    store = open_store(db_url)
    migrate.upgrade(store.engine)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": migrate.compare_type})
        assert compare_metadata(context, migrate.schema_metadata()) == []
    store.dispose()


def test_web_tables_made_before_0005_upgrade_and_keep_their_rows(db_url: str) -> None:
    """Before 0005 the web app made its tables with create_all on start-up: such a database
    reaches head, keeps its logins, and matches the models as a new one does."""
    store = open_store(db_url)
    migrate.upgrade(store.engine, "0004")
    old = [t for t in tables.metadata.sorted_tables if t.name != "web_flashes"]
    tables.metadata.create_all(store.engine, tables=old)
    now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    with store.engine.begin() as conn:
        conn.execute(
            tables.web_sessions.insert().values(
                id_hash="a" * 64, user_id=1, csrf_token="t", created_at=now, last_seen_at=now
            )
        )
        conn.execute(
            tables.web_api_tokens.insert().values(
                token_hash="b" * 64, user_id=1, name="sync", created_at=now, expires_at=now
            )
        )
        conn.execute(
            tables.web_accounts.insert().values(
                user_id=1, provider_id=None, must_change_password=True, disabled=False
            )
        )
    migrate.upgrade(store.engine)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT csrf_token FROM web_sessions")).scalar() == "t"
        assert conn.execute(text("SELECT name FROM web_api_tokens")).scalar() == "sync"
        assert conn.execute(text("SELECT count(*) FROM web_accounts")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM web_flashes")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM client_providers")).scalar() == 0
        context = MigrationContext.configure(conn, opts={"compare_type": migrate.compare_type})
        assert compare_metadata(context, migrate.schema_metadata()) == []
    store.dispose()


def test_migrations_build_the_web_tables(db_url: str) -> None:
    """therabill init alone is enough for the web app: no create_all on start-up."""
    store = open_store(db_url)
    migrate.upgrade(store.engine)
    with store.engine.connect() as conn:
        for table in tables.metadata.sorted_tables:
            assert conn.execute(text(f"SELECT count(*) FROM {table.name}")).scalar() == 0
    store.dispose()


def test_sqlite_pragmas_are_set_on_every_connection(tmp_path: object) -> None:
    store = open_store(f"sqlite:///{tmp_path}/p.sqlite3")
    for _ in range(2):
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        store.engine.dispose()


def test_authorizations_keep_their_rows_across_the_spelling_change(db_url: str) -> None:
    """0008 rebuilds the authorization tables under their US names: rows, ids, the claim
    line's link and the foreign keys survive, and new rows get fresh ids."""
    store = open_store(db_url)
    migrate.upgrade(store.engine, "0007")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    day = dt.date(2026, 1, 5)
    statements = [
        "INSERT INTO practice (id, name, created_at) VALUES (1, 'Office', :now)",
        "INSERT INTO clients (id, first_name, last_name, birth_date, sex, created_at) "
        "VALUES (1, 'Ada', 'Example', :day, 'F', :now)",
        "INSERT INTO payers (id, name, payer_id, profile_id, created_at) "
        "VALUES (1, 'Medicare', '00430', 'MEDICARE', :now)",
        "INSERT INTO authorisations (id, client_id, payer_id, number, start_date, end_date, "
        "units_approved, created_at) VALUES (7, 1, 1, 'PA-778', :day, :day, 24, :now)",
        "INSERT INTO authorisation_codes (authorisation_id, code) VALUES (7, '97110')",
    ]
    with store.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), {"day": day, "now": now})
    migrate.upgrade(store.engine)
    with store.engine.begin() as conn:
        assert (
            conn.execute(text("SELECT number FROM authorizations WHERE id = 7")).scalar()
            == "PA-778"
        )
        assert conn.execute(text("SELECT code FROM authorization_codes")).scalar() == "97110"
        conn.execute(
            text(
                "INSERT INTO authorizations (client_id, payer_id, number, start_date, end_date, "
                "created_at) VALUES (1, 1, 'PA-779', :day, :day, :now)"
            ),
            {"day": day, "now": now},
        )
        assert conn.execute(text("SELECT max(id) FROM authorizations")).scalar() == 8
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO authorization_codes (authorization_id, code) VALUES (99, '97110')")
        )
    store.dispose()


def test_money_columns_hold_more_than_32_bits(db_url: str) -> None:
    """Every amount in cents is 64-bit after the migrations (0029): a month's 835 payment
    total for a billing office passes PostgreSQL INTEGER's $21,474,836.47."""
    from sqlalchemy import BigInteger, inspect

    store = open_store(db_url)
    migrate.upgrade(store.engine)
    inspector = inspect(store.engine)
    money = [
        (table, column["name"], column["type"])
        for table in inspector.get_table_names()
        for column in inspector.get_columns(table)
        if column["name"].endswith("_cents")
    ]
    assert len(money) >= 36
    if store.engine.dialect.name == "postgresql":
        assert [m for m in money if not isinstance(m[2], BigInteger)] == []
    with store.engine.begin() as conn:  # $30,000,000.00 round-trips on either backend
        conn.execute(text("INSERT INTO practice (name, statement_minimum_cents, print_offset_right, "
                          "print_offset_down, created_at) VALUES ('Big', 3000000000, 0, 0, "
                          "CURRENT_TIMESTAMP)"))  # fmt: skip
        big = conn.execute(text("SELECT statement_minimum_cents FROM practice")).scalar()
    assert big == 3_000_000_000
    store.dispose()


def test_users_become_members_of_the_practice_in_their_role(db_url: str) -> None:
    """0033: every login of a single-practice database belongs to its practice, in the role
    it had, so the single-practice flow goes on unchanged."""
    store = open_store(db_url)
    migrate.upgrade(store.engine, "0032")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO practice (id, name, created_at) VALUES (1, 'Office', :now)"),
            {"now": now},
        )
        for user_id, name, role in ((1, "root", "admin"), (2, "bill", "biller")):
            conn.execute(
                text(
                    "INSERT INTO users (id, username, display_name, role, created_at) "
                    "VALUES (:id, :name, '', :role, :now)"
                ),
                {"id": user_id, "name": name, "role": role, "now": now},
            )
    migrate.upgrade(store.engine)
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT user_id, practice_id, role FROM practice_members ORDER BY user_id")
        ).all()
    assert [tuple(r) for r in rows] == [(1, 1, "admin"), (2, 1, "biller")]
    store.dispose()


def test_the_installations_control_numbers_start_above_every_practices(db_url: str) -> None:
    """0045: no number a practice has sent is handed out again by another practice: the
    installation's floor starts at the highest of each kind."""
    store = open_store(db_url)
    migrate.upgrade(store.engine, "0038")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with store.engine.begin() as conn:
        for practice_id, name in ((1, "One"), (2, "Two")):
            conn.execute(
                text("INSERT INTO practice (id, name, created_at) VALUES (:id, :name, :now)"),
                {"id": practice_id, "name": name, "now": now},
            )
        for practice_id, kind, number in (
            (1, "interchange", 41), (2, "interchange", 17), (1, "group", 3), (2, "group", 9),
        ):  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO x12_control_numbers (practice_id, kind, last_number) "
                    "VALUES (:p, :k, :n)"
                ),
                {"p": practice_id, "k": kind, "n": number},
            )
    migrate.upgrade(store.engine)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, last_number FROM x12_installation_numbers"))
        assert dict(rows.tuples().all()) == {"interchange": 41, "group": 9}
    store.dispose()
