"""authorization, spelled the US way in the schema as on screen

The three prior-authorization tables and the claim line's link to them were created by 0001
with the British spelling. Each table is rebuilt under its new name (rows copied, ids kept),
then the old one is dropped; on SQLite the migration runs with foreign keys off and checked
at the end (see therabill.store.migrate), as SQLite's ALTER TABLE documentation prescribes
for rebuilding a referenced table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_AUTH_COLUMNS = (
    "id, client_id, payer_id, number, discipline, start_date, end_date, units_approved, "
    "visits_approved, case_manager_name, case_manager_phone, case_manager_email, created_at"
)


def _authorizations(name: str, singular: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("discipline", sa.String(length=20), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("units_approved", sa.Integer(), nullable=True),
        sa.Column("visits_approved", sa.Integer(), nullable=True),
        sa.Column("case_manager_name", sa.String(length=200), nullable=True),
        sa.Column("case_manager_phone", sa.String(length=30), nullable=True),
        sa.Column("case_manager_email", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=f"fk_{name}_client_id_clients"),
        sa.ForeignKeyConstraint(["payer_id"], ["payers.id"], name=f"fk_{name}_payer_id_payers"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        sa.UniqueConstraint("payer_id", "number", name=f"uq_{name}_payer_id"),
    )
    op.create_index(f"ix_{name}_client", name, ["client_id", "start_date"], unique=False)


def _codes(name: str, parent: str, column: str) -> None:
    op.create_table(
        name,
        sa.Column(column, sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint([column], [f"{parent}.id"], name=f"fk_{name}_{column}_{parent}"),
        sa.PrimaryKeyConstraint(column, "code", name=f"pk_{name}"),
    )


def _uses(name: str, parent: str, column: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(column, sa.Integer(), nullable=False),
        sa.Column("claim_line_id", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint([column], [f"{parent}.id"], name=f"fk_{name}_{column}_{parent}"),
        sa.ForeignKeyConstraint(
            ["claim_line_id"], ["claim_lines.id"], name=f"fk_{name}_claim_line_id_claim_lines"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        sa.UniqueConstraint("claim_line_id", name=f"uq_{name}_claim_line_id"),
    )
    op.create_index(f"ix_{name}_{column}", name, [column], unique=False)


def _resume_ids(table: str) -> None:
    """PostgreSQL: rows were copied with their ids, so the id sequence starts after them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
        )


def _rename(old: str, new: str) -> None:
    """Rebuild the three tables and the claim line's column from spelling ``old`` to ``new``."""
    auths, codes, uses, column = f"{new}s", f"{new}_codes", f"{new}_uses", f"{new}_id"
    old_auths, old_codes, old_uses, old_column = (
        f"{old}s",
        f"{old}_codes",
        f"{old}_uses",
        f"{old}_id",
    )
    _authorizations(auths, new)
    op.execute(f"INSERT INTO {auths} ({_AUTH_COLUMNS}) SELECT {_AUTH_COLUMNS} FROM {old_auths}")
    _resume_ids(auths)
    _codes(codes, auths, column)
    op.execute(f"INSERT INTO {codes} ({column}, code) SELECT {old_column}, code FROM {old_codes}")
    _uses(uses, auths, column)
    op.execute(
        f"INSERT INTO {uses} (id, {column}, claim_line_id, units, visits) "
        f"SELECT id, {old_column}, claim_line_id, units, visits FROM {old_uses}"
    )
    _resume_ids(uses)
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.drop_constraint(f"fk_claim_lines_{old_column}_{old_auths}", type_="foreignkey")
        batch_op.alter_column(old_column, new_column_name=column)
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:  # after the rename
        batch_op.create_foreign_key(f"fk_claim_lines_{column}_{auths}", auths, [column], ["id"])
    op.drop_table(old_uses)
    op.drop_table(old_codes)
    op.drop_table(old_auths)


def upgrade() -> None:
    _rename("authorisation", "authorization")


def downgrade() -> None:
    _rename("authorization", "authorisation")
