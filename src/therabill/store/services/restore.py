"""``therabill restore``: a backup back into a new, empty database, checked before use.

A SQLite backup (``therabill backup`` on SQLite: the online backup API's copy) is copied into
the target with the same API; a PostgreSQL backup (``pg_dump --format=custom``) goes in with
``pg_restore --single-transaction --exit-on-error``, so a failed restore leaves the target as
empty as it was. A target that already holds tables is refused: restoring over a live practice
would mix two histories. Afterwards the schema is upgraded if the backup is older, the audit
log is checked under the audit key (which the backup does not contain: see README, Audit and
backups), the anchor file records that this database now ends where the backup did, and the
restore itself is audited.
Sources: https://www.sqlite.org/backup.html, https://www.postgresql.org/docs/current/app-pgrestore.html
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, text

from therabill.errors import InvalidInput, TherabillError
from therabill.store import audit, audit_anchor, migrate
from therabill.store.audit_key import key_source
from therabill.store.services.context import Store, open_store

SQLITE_MAGIC = b"SQLite format 3\x00"  # https://www.sqlite.org/fileformat.html §1.3.1
PG_DUMP_MAGIC = b"PGDMP"  # the custom archive's first bytes (pg_backup_archiver.c)


def _kind(path: Path) -> str:
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file", field="file")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise InvalidInput(
        f"{path} is neither a SQLite backup nor a pg_dump custom-format file "
        "(what therabill backup writes)",
        field="file",
    )


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _refuse_unless_empty(engine: Engine) -> None:
    tables = inspect(engine).get_table_names()
    if tables:
        raise TherabillError(
            f"the database {_shown(engine)} is not empty ({len(tables)} tables): restore only "
            "into a new, empty database, so a backup never mixes with another history.",
            hint="Point THERABILL_DATABASE_URL at a new SQLite file or an empty PostgreSQL "
            "database (createdb), then run therabill restore again.",
        )


def _restore_sqlite(path: Path, engine: Engine) -> None:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source:
        checked = source.execute("PRAGMA quick_check").fetchone()
        if checked is None or checked[0] != "ok":
            raise InvalidInput(f"{path} is damaged: {checked}", field="file")
        names = {r[0] for r in source.execute("SELECT name FROM sqlite_master")}
        if not {"alembic_version", "audit_log", "practice"} <= names:
            raise InvalidInput(f"{path} is not a therabill database", field="file")
        raw = engine.raw_connection()
        try:
            source.backup(raw.driver_connection)  # type: ignore[arg-type]
        finally:
            raw.close()


def _restore_postgres(path: Path, engine: Engine) -> None:
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise TherabillError(
            "pg_restore is not installed", hint="apt-get install postgresql-client"
        )
    libpq = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    done = subprocess.run(
        [
            pg_restore,
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={libpq}",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
    )
    if done.returncode != 0:
        raise TherabillError(f"pg_restore failed: {done.stderr.strip()[:300]}")


def restore(*, path: Path, url: str | None = None, actor: str | None = None) -> dict[str, Any]:
    """Restore the backup at ``path`` into the empty database at ``url`` (default: the
    practice's) and check it; returns what was restored and the audit check."""
    kind = _kind(path)
    store: Store = open_store(url)
    try:
        backend = store.engine.dialect.name
        if kind != backend:
            raise InvalidInput(
                f"{path} is a {kind} backup but the database is {backend}: restore it into "
                f"a {kind} database",
                field="file",
            )
        _refuse_unless_empty(store.engine)
        if kind == "sqlite":
            _restore_sqlite(path, store.engine)
        else:
            _restore_postgres(path, store.engine)
        store.engine.dispose()
        revision = migrate.current_revision(store.engine)
        upgraded = revision != migrate.head_revision()
        if upgraded:
            migrate.upgrade(store.engine)
        with store.engine.connect() as conn:
            chains = conn.exec_driver_sql(audit_anchor.HEADS).all()
        for practice_id, seq, digest in chains:
            # Heads anchored for this database before the restore, past the backup's end,
            # no longer apply: the database now legitimately ends where the backup did.
            head = audit_anchor.Head(int(seq), str(digest), int(practice_id))
            audit_anchor.record(store.engine.url, head, restored=True)
        with store.sessions() as db:
            checked = audit.verify(db)
        if not checked.ok:
            raise TherabillError(
                f"the backup is restored into {_shown(store.engine)}, but its audit log does "
                f"not check out under the audit key in {key_source()}: "
                + "; ".join(checked.problems[:3]),
                hint="If this backup was written under another key, put that key back "
                "(THERABILL_AUDIT_KEY or the audit.key file) and run: therabill audit verify",
            )
        with store.transaction(actor=actor) as work:
            work.audit("restore", "database", "*", f"from backup, head {checked.head_seq}")
            counts = {
                name: int(work.db.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in ("clients", "sessions", "claims", "ledger_entries")
            }
    finally:
        store.dispose()
    return {
        "path": str(path),
        "database": _shown(store.engine),
        "method": "sqlite online backup" if kind == "sqlite" else "pg_restore",
        "upgraded_from": revision if upgraded else None,
        "audit": checked.to_dict(),
        "rows": counts,
    }
