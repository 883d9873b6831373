"""the subscriber's sex and address on a policy, for a client who is not the subscriber

A child on a parent's policy is billed with the parent as subscriber. The 837P sends only the
subscriber's name and member id then (005010X222A1 loop 2010BA: N3/N4 and DMG "Required when
the patient is the subscriber"), but the paper claim shows the insured's address and sex
(CMS-1500 boxes 7 and 11a) and another payer's claim may ask for them, so the policy keeps
them when the practice has them. All optional.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 13:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subscriber_sex", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("subscriber_address", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("subscriber_city", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("subscriber_state", sa.String(length=2), nullable=True))
        batch_op.add_column(
            sa.Column("subscriber_postal_code", sa.String(length=10), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_column("subscriber_postal_code")
        batch_op.drop_column("subscriber_state")
        batch_op.drop_column("subscriber_city")
        batch_op.drop_column("subscriber_address")
        batch_op.drop_column("subscriber_sex")
