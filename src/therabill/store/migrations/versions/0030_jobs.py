"""background jobs: the jobs table (both backends) and, on PostgreSQL, procrastinate's queue
schema in a schema of its own ("procrastinate"), so `therabill init` installs everything a
`therabill worker` needs (docs/jobs.md).

procrastinate's schema is its own file, applied as the installed procrastinate ships it
(``SchemaManager.get_schema()``, https://procrastinate.readthedocs.io/en/stable/howto/basics/schema.html);
a later procrastinate upgrade that changes it brings a migration here that applies that
version's SQL migration files.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

QUEUE_SCHEMA = "procrastinate"


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("worker", sa.String(length=80), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queue_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_status_id", "jobs", ["status", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        op.execute(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}")
        op.execute(f"SET LOCAL search_path TO {QUEUE_SCHEMA}")
        # exec_driver_sql: the schema's own % signs are not parameters.
        op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
        op.execute("SET LOCAL search_path TO DEFAULT")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SCHEMA IF EXISTS {QUEUE_SCHEMA} CASCADE")
    op.drop_index("ix_jobs_status_id", table_name="jobs")
    op.drop_table("jobs")
