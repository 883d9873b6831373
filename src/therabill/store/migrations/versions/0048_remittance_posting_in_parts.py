"""an 835 posted in parts (a post-835 job on SQLite) keeps where it got to on its file's row:
``remittance_files.posting``, the checkpoint (JSON) while the posting is under way or stopped
part-way, NULL once the file is posted (and for every file posted in one transaction)

Readers show a file whose ``posting`` is set as still posting (``remittances.list_deposits``,
the uploads list); a new upload of the same file finds it there and goes on from it once the
job that began it has ended (``remittances.posting_steps``).

Revision ID: 0048
Revises: 0046
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0048"
down_revision = "0046"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("remittance_files", sa.Column("posting", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("remittance_files") as batch:
        batch.drop_column("posting")
