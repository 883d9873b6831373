"""login security: API tokens expire (expires_at; tokens made before get 90 days from their
creation), a login session's stage (second factor still due), authenticator secrets
(web_mfa) and recovery codes (web_mfa_recovery)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 15:00:00.000000
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TOKEN_DAYS = 90


def _has_column(table: str, column: str) -> bool:
    return column in {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _has_table(table: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    # Each piece only when missing: a database whose web tables the app made with
    # create_all before 0005 may have them already (see 0005).
    if not _has_column("web_api_tokens", "expires_at"):
        _token_expiry()
    if not _has_column("web_sessions", "stage"):
        with op.batch_alter_table("web_sessions", schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("stage", sa.String(length=10), nullable=False, server_default="")
            )
    if not _has_table("web_mfa"):
        op.create_table(
            "web_mfa",
            sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("secret", sa.String(length=64), nullable=False),
            sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("last_step", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("user_id"),
        )
    if not _has_table("web_mfa_recovery"):
        op.create_table(
            "web_mfa_recovery",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("code_hash", sa.String(length=64), nullable=False),
            sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_web_mfa_recovery_user_id", "web_mfa_recovery", ["user_id"])


def _token_expiry() -> None:
    """expires_at, filled for the tokens already there: 90 days from their creation."""
    with op.batch_alter_table("web_api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table(
        "web_api_tokens",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        created = row.created_at or dt.datetime.now(dt.UTC)
        bind.execute(
            sa.update(tokens)
            .where(tokens.c.id == row.id)
            .values(expires_at=created + dt.timedelta(days=TOKEN_DAYS))
        )
    with op.batch_alter_table("web_api_tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    op.drop_index("ix_web_mfa_recovery_user_id", table_name="web_mfa_recovery")
    op.drop_table("web_mfa_recovery")
    op.drop_table("web_mfa")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_column("stage")
    with op.batch_alter_table("web_api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
