"""service locations and the pay-to address: where sessions take place when not at the
practice (837P loop 2310C, CMS-1500 box 32) and where payments go (837P loop 2010AB)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 18:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("npi", sa.String(length=10), nullable=True),
        sa.Column("address", sa.String(length=55), nullable=False),
        sa.Column("city", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_locations")),
        sa.UniqueConstraint("name", name=op.f("uq_service_locations_name")),
    )
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pay_to_address", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("pay_to_city", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("pay_to_state", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("pay_to_postal_code", sa.String(length=10), nullable=True))
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_location_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_sessions_service_location_id_service_locations"),
            "service_locations",
            ["service_location_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sessions_service_location_id_service_locations"), type_="foreignkey"
        )
        batch_op.drop_column("service_location_id")
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.drop_column("pay_to_postal_code")
        batch_op.drop_column("pay_to_state")
        batch_op.drop_column("pay_to_city")
        batch_op.drop_column("pay_to_address")
    op.drop_table("service_locations")
