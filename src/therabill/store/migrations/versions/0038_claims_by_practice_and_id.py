"""claims by practice and id: the newest claims of one practice (the API's list, the claims
queue sorted by claim number) read from one range of an index

The claims queue sorted by claim number (and the API's newest 200) walked the primary key
backwards and skipped every other practice's claims: among 100 practices the first practice
loaded skipped 445,500 of them to find its 200 (docs/performance.md, "Many practices in one
PostgreSQL database"). An index led by ``practice_id`` then ``id`` gives each practice's
claims in number order.

Revision ID: 0038
Revises: 0039
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0038"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_claims_practice", "claims", ["practice_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_claims_practice", table_name="claims")
