"""The web app's own tables: login sessions, API tokens, failed logins, account settings,
the 835 upload log and one-time messages shown after a redirect.

The store's migration chain builds them (migration 0005), so they live with the store, which
never imports the web package; ``therabill.store.migrate`` hands this metadata to Alembic
beside the store's models, so autogenerate compares them too.
They keep a MetaData of their own, without the store's naming convention, so a database whose
web tables were made before 0005 (by ``create_all``) has exactly the constraint names 0005
builds. Every row holds ids and hashes only: a session or token is stored as the SHA-256 of the
secret the browser holds, so a copy of the database cannot be used to log in.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from therabill.store import tenancy

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
    # "" a full session; "mfa": the password was right, the second factor is still due
    # (migration 0015).
    Column("stage", String(10), nullable=False, server_default=""),
    # The practice this login works for (migration 0033; NULL: the user's only practice).
    Column("practice_id", Integer),
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
    Column("expires_at", DateTime(timezone=True), nullable=False),  # migration 0015
    # The practice the token works for (migration 0033; NULL: the user's only practice).
    Column("practice_id", Integer),
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

# Time-based one-time passwords (RFC 6238): the shared secret of a user's authenticator app,
# confirmed once a code from it was typed; ``last_step`` refuses a code used already.
web_mfa = Table(
    "web_mfa",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=False),
    Column("secret", String(64), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("last_step", Integer, nullable=False, default=0),
)

# One-time recovery codes for a lost authenticator, kept as SHA-256 like API tokens.
web_mfa_recovery = Table(
    "web_mfa_recovery",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", DateTime(timezone=True)),
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
    # The practice it was uploaded for (migration 0032; no foreign key: this MetaData cannot
    # name the store's ``practice`` table).
    Column("practice_id", Integer, nullable=False, default=tenancy.practice_default),
)

# A message for the next page of one login session (Post/Redirect/Get): written by a POST,
# read and deleted by the GET it redirects to. ``session_hash`` is web_sessions.id_hash.
web_flashes = Table(
    "web_flashes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_hash", String(64), nullable=False, index=True),
    Column("page", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
