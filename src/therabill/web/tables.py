"""The web app's own tables: login sessions, API tokens, failed logins, account settings.

They live in their own metadata (not the store's), created on start-up with ``create_all``,
so the store's migration chain stays the store engineer's alone. Every row holds ids and
hashes only: a session or token is stored as the SHA-256 of the secret the browser holds, so a
copy of the database cannot be used to log in.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
)

web_api_tokens = Table(
    "web_api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("name", String(80), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

web_login_failures = Table(
    "web_login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False),
    Column("remote", String(64), nullable=False, default=""),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_web_login_failures_username_at", "username", "at"),
)

web_accounts = Table(
    "web_accounts",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("provider_id", Integer),
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

web_remittance_uploads = Table(
    "web_remittance_uploads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("outcome", String(40), nullable=False),
    Column("summary", String(400), nullable=False, default=""),
)


def create_tables(engine: Engine) -> None:
    """Create the web tables that do not exist yet (idempotent)."""
    metadata.create_all(engine, checkfirst=True)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
