"""Bring a database to the newest schema, programmatically (``therabill init`` calls this).

Migrations live in the package (``store/migrations``) so an installed therabill can upgrade a
practice's database without an alembic.ini.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Integer, MetaData

SCRIPT_LOCATION = "therabill.store:migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def schema_metadata() -> list[MetaData]:
    """Everything the migrations build: the store's models and the web app's own tables
    (login sessions, tokens, upload log), which keep a MetaData without the naming
    convention (see therabill.store.web_tables). Alembic compares both, so autogenerate neither
    misses a change to a web table nor proposes to drop one."""
    from therabill.store import web_tables
    from therabill.store.models import Base

    return [Base.metadata, web_tables.metadata]


def compare_type(
    context: MigrationContext,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    """Alembic's type comparison, except that SQLite's INTEGER and BIGINT are one type there
    (both INTEGER affinity, stored in up to 8 bytes: https://www.sqlite.org/datatype3.html
    section 3), so money widened to BIGINT for PostgreSQL needs no SQLite table rebuild."""
    if (
        context.dialect.name == "sqlite"
        and isinstance(inspected_type, Integer)
        and isinstance(metadata_type, Integer)
    ):
        return False
    return None  # Alembic's own comparison


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade to ``revision`` in one transaction (all of it, or nothing on PostgreSQL).

    On SQLite foreign keys are off while the migrations run and checked before the commit:
    rebuilding a table that others reference (batch mode, 0008) needs it, and SQLite ignores
    the pragma inside a transaction (https://www.sqlite.org/lang_altertable.html#otheralter).
    """
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(
                            f"the upgrade left rows without their parent: {broken[:5]}"
                        )
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    if revision == "head":
        anchor_head(engine)


def anchor_head(engine: Engine) -> None:
    """Write the audit log's head to the anchor file (after the upgrade committed: 0020
    re-keys the chain and seals the ledger in the same transaction)."""
    from therabill.store import audit_anchor

    with engine.connect() as connection:
        chains = connection.exec_driver_sql(audit_anchor.HEADS).all()
    for practice_id, seq, digest in chains:
        audit_anchor.record(engine.url, audit_anchor.Head(int(seq), str(digest), int(practice_id)))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def make_revision(engine: Engine, message: str) -> None:
    """For developers: autogenerate a new migration from the models (compare to the database)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
