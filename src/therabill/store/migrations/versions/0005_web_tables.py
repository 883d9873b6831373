"""the web app's tables (login sessions, API tokens, failed logins, accounts, 835 upload log,
one-time messages) join the migration chain; caseloads (client_providers)

Before this revision the web app made its tables with ``create_all`` on start-up, so a
database may already have some of them: each is created only when missing, with the same
columns, indexes and (unnamed) constraints ``create_all`` gave it, and rows already there stay.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 13:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WEB_TABLES = (
    "web_sessions",
    "web_api_tokens",
    "web_login_failures",
    "web_accounts",
    "web_remittance_uploads",
    "web_flashes",
)


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def _web_tables() -> None:
    if _missing("web_sessions"):
        op.create_table(
            "web_sessions",
            sa.Column("id_hash", sa.String(length=64), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("csrf_token", sa.String(length=64), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id_hash"),
        )
        op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    if _missing("web_api_tokens"):
        op.create_table(
            "web_api_tokens",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=80), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("token_hash"),
        )
        op.create_index("ix_web_api_tokens_user_id", "web_api_tokens", ["user_id"])
    if _missing("web_login_failures"):
        op.create_table(
            "web_login_failures",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("username", sa.String(length=80), nullable=False),
            sa.Column("remote", sa.String(length=64), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            "ix_web_login_failures_username_at", "web_login_failures", ["username", "at"]
        )
    if _missing("web_accounts"):
        op.create_table(
            "web_accounts",
            sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("provider_id", sa.Integer(), nullable=True),
            sa.Column("must_change_password", sa.Boolean(), nullable=False),
            sa.Column("disabled", sa.Boolean(), nullable=False),
            sa.PrimaryKeyConstraint("user_id"),
        )
    if _missing("web_remittance_uploads"):
        op.create_table(
            "web_remittance_uploads",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("file_name", sa.String(length=200), nullable=False),
            sa.Column("sha256", sa.String(length=64), nullable=False),
            sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("actor", sa.String(length=80), nullable=False),
            sa.Column("outcome", sa.String(length=40), nullable=False),
            sa.Column("summary", sa.String(length=400), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    if _missing("web_flashes"):
        op.create_table(
            "web_flashes",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("session_hash", sa.String(length=64), nullable=False),
            sa.Column("page", sa.String(length=40), nullable=False),
            sa.Column("payload", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_web_flashes_session_hash", "web_flashes", ["session_hash"])


def upgrade() -> None:
    _web_tables()
    op.create_table(
        "client_providers",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_providers_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_client_providers_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("client_id", "provider_id", name=op.f("pk_client_providers")),
    )
    op.create_index(op.f("ix_client_providers_provider_id"), "client_providers", ["provider_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_client_providers_provider_id"), table_name="client_providers")
    op.drop_table("client_providers")
    # The web tables stay: before 0005 the web app made them itself and their rows (logins,
    # API tokens) are still wanted by a therabill that expects 0004.
