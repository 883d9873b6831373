"""What was uploaded on the Remittances page and what came of it (file name, hash, outcome).

Posting itself is the posting service's job; this only remembers uploads for the dashboard.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from therabill.store.services import UnitOfWork
from therabill.store.web_tables import utcnow, web_remittance_uploads


def record_upload(
    work: UnitOfWork, *, file_name: str, sha256: str, outcome: str, summary: str
) -> None:
    work.db.execute(
        insert(web_remittance_uploads).values(
            file_name=file_name[:200],
            sha256=sha256,
            uploaded_at=utcnow(),
            actor=work.actor,
            outcome=outcome[:40],
            summary=summary[:400],
        )
    )
    work.audit("upload", "remittance", sha256[:40], outcome)


def recent_remittances(work: UnitOfWork, limit: int = 10) -> list[dict[str, Any]]:
    rows = work.db.execute(
        select(web_remittance_uploads).order_by(web_remittance_uploads.c.id.desc()).limit(limit)
    ).all()
    return [dict(row._mapping) for row in rows]
