"""files sent to and fetched from the clearinghouse

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clearinghouse_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=7), nullable=False),
        sa.Column("profile", sa.String(length=60), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("remote_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clearinghouse_transfers")),
        sa.UniqueConstraint(
            "direction",
            "profile",
            "remote_name",
            "sha256",
            name=op.f("uq_clearinghouse_transfers_direction"),
        ),
    )


def downgrade() -> None:
    op.drop_table("clearinghouse_transfers")
