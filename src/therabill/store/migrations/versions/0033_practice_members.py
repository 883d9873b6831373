"""users in practices: ``practice_members`` (user, practice, role), filled with every user as
a member of the database's practice in the role they had; the practice a login session and an
API token work for (``web_sessions.practice_id``, ``web_api_tokens.practice_id``: NULL means
the user's only practice)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practice.id"], name=op.f("fk_practice_members_practice_id_practice")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_practice_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "practice_id", name=op.f("pk_practice_members")),
    )
    op.create_index(
        op.f("ix_practice_members_practice_id"), "practice_members", ["practice_id"], unique=False
    )
    op.execute(
        "INSERT INTO practice_members (user_id, practice_id, role, created_at) "
        "SELECT u.id, p.id, u.role, u.created_at FROM users u "
        "JOIN (SELECT min(id) AS id FROM practice) p ON p.id IS NOT NULL"
    )
    inspector = sa.inspect(op.get_bind())
    for table in ("web_sessions", "web_api_tokens"):
        if any(c["name"] == "practice_id" for c in inspector.get_columns(table)):
            continue  # made by create_all before 0005 from today's definition (see 0015)
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("practice_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in ("web_api_tokens", "web_sessions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("practice_id")
    op.drop_index(op.f("ix_practice_members_practice_id"), table_name="practice_members")
    op.drop_table("practice_members")
