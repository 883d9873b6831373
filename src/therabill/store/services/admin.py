"""Backups, exports and the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select

from therabill.errors import InvalidInput, TherabillError
from therabill.store import audit, audit_spool
from therabill.store.audit_key import key_source
from therabill.store.csv_cells import QUOTING, safe_row
from therabill.store.models import AuditEntry, Base
from therabill.store.services.context import Store, UnitOfWork

EXPORT_TABLES = (
    "practice",
    "providers",
    "payers",
    "clients",
    "policies",
    "authorizations",
    "authorization_codes",
    "sessions",
    "session_services",
    "session_diagnoses",
    "claims",
    "claim_lines",
    "claim_status_changes",
    "invoices",
    "invoice_lines",
    "ledger_entries",
    "fees",
)


def backup(*, store: Store, path: Path, actor: str | None = None) -> dict[str, Any]:
    """A consistent copy while therabill keeps running: SQLite's online backup API, or
    ``pg_dump`` (custom format; restore with ``pg_restore``) for PostgreSQL."""
    if path.exists():
        raise InvalidInput(f"{path} already exists; choose a new file", field="path")
    path.parent.mkdir(parents=True, exist_ok=True)
    url = store.engine.url
    if url.get_backend_name() == "sqlite":
        raw = store.engine.raw_connection()
        try:
            target = sqlite3.connect(path)
            with target:
                raw.driver_connection.backup(target)  # type: ignore[union-attr]
            target.close()
        finally:
            raw.close()
        method = "sqlite online backup"
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise TherabillError(
                "pg_dump is not installed", hint="apt-get install postgresql-client"
            )
        libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
        done = subprocess.run(
            [pg_dump, "--format=custom", f"--file={path}", f"--dbname={libpq}"],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        )
        if done.returncode != 0:
            path.unlink(missing_ok=True)
            raise TherabillError(f"pg_dump failed: {done.stderr.strip()[:300]}")
        method = "pg_dump --format=custom"
    with store.transaction(actor=actor) as work:
        work.audit("backup", "database", "*", method)
    return {
        "path": str(path),
        "bytes": path.stat().st_size,
        "method": method,
        "audit_key": key_source(),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    return value


def export(*, work: UnitOfWork, out: Path, fmt: str) -> dict[str, Any]:
    """Every table (not the audit log) as CSV files in a directory, or one JSON file."""
    if fmt not in ("csv", "json"):
        raise InvalidInput("must be csv or json", field="format")
    data: dict[str, list[dict[str, Any]]] = {}
    for name in EXPORT_TABLES:
        table: Table = Base.metadata.tables[name]
        order = list(table.primary_key.columns)
        found = work.db.execute(select(table).order_by(*order)).mappings().all()
        data[name] = [{k: _plain(v) for k, v in row.items()} for row in found]
    if fmt == "json":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    else:
        out.mkdir(parents=True, exist_ok=True)
        for name, table_rows in data.items():
            columns = [c.name for c in Base.metadata.tables[name].columns]
            with (out / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, quoting=QUOTING)
                writer.writeheader()
                writer.writerows(safe_row(row) for row in table_rows)
    work.audit("export", "database", "*", fmt)
    return {"path": str(out), "format": fmt, "rows": {k: len(v) for k, v in data.items()}}


def list_audit(
    *, work: UnitOfWork, limit: int = 100, entity: str | None = None
) -> list[dict[str, Any]]:
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return [
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "detail": e.detail,
        }
        for e in work.db.execute(query).scalars()
    ]


def verify_audit(*, store: Store, expect_head: str | None = None) -> audit.Verification:
    """Check the chain on a read transaction (no wait for a running job's write lock), and
    say how many read entries wait in the SQLite spool for the next write."""
    with store.read_sessions() as db:
        result = audit.verify(db, expect_head=expect_head)
    waiting = audit_spool.count(store.engine)
    if waiting:
        result.warnings.append(
            f"{waiting} read entries wait in {audit_spool.path(store.engine)} (written while "
            "a job held the database's write lock); the next action that writes adds them"
        )
    return result
