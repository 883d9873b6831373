"""client revisions follow an authorization's codes: triggers on ``authorization_codes`` move
the client's revision (``therabill.store.revisions``), as those on ``authorizations`` and
``authorization_uses`` do. The live check now keeps the client's authorizations (with the
codes each covers) under that revision, so a change of the codes alone must move it.

Revision ID: 0047
Revises: 0045
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0047"
down_revision = "0045"
branch_labels = None
depends_on = None

TABLES = ("authorization_codes",)


def upgrade() -> None:
    from therabill.store import revisions

    revisions.create_triggers(op.get_bind(), tables=TABLES)


def downgrade() -> None:
    from therabill.store import revisions

    revisions.drop_triggers(op.get_bind(), tables=TABLES)
