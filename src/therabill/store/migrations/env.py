"""Alembic environment: run with the connection therabill hands over (see store.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from therabill.store import migrate
from therabill.store.migrate import schema_metadata

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through therabill.store.migrate (therabill init)")

context.configure(
    connection=connection,
    target_metadata=schema_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=migrate.compare_type,
)
with context.begin_transaction():
    context.run_migrations()
