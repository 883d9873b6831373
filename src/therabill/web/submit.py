"""Check and submit from the web: the store's submission service (one 837P per payer to the
outbox, claims marked submitted, all in the caller's transaction); this module only finds a
file of the outbox for download, safely."""

from __future__ import annotations

import re
from pathlib import Path

from therabill.store.services import UnitOfWork
from therabill.store.services.submission import SubmitOutcome
from therabill.store.services.submission import submit_claims as store_submit

SAFE_NAME = re.compile(r"^837P-[A-Za-z0-9_-]+-\d{9}\.x12$")


def submit_claims(work: UnitOfWork, *, claim_ids: list[int], outbox: Path) -> SubmitOutcome:
    """The ticked claims, checked again and written (the whole batch, or none of it)."""
    return store_submit(
        work=work,
        outbox=outbox,
        claim_ids=claim_ids,
        reason="submitted in an 837P batch from the web app",
    )


def outbox_file(outbox: Path, name: str) -> Path | None:
    """A file of the outbox by name; ``None`` for anything else (no path tricks)."""
    if not SAFE_NAME.match(name):
        return None
    path = outbox / name
    return path if path.is_file() else None
