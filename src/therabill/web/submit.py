"""Check and submit: the ticked claims, checked again, written as one 837P per payer to the
outbox and marked submitted, in one transaction.

Written here because the store offers no submit service yet (issue 5's ``claims submit`` is
its CLI twin); it uses only the store's lifecycle service and the 837P writer. Files are
written to a temporary name and renamed, so the outbox never holds half a file; if marking
the claims fails, the files are removed again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from therabill.store.lifecycle import ClaimStatus
from therabill.store.services import Work, submission

SUBMITTABLE = frozenset({ClaimStatus.READY.value, ClaimStatus.CORRECTED.value})
SAFE_NAME = re.compile(r"^837P-[A-Za-z0-9_-]+-\d{9}\.x12$")


@dataclass(slots=True)
class SubmitOutcome:
    files: list[str] = field(default_factory=list)
    claims: list[int] = field(default_factory=list)


def submit_claims(work: Work, *, claim_ids: list[int], outbox: Path) -> SubmitOutcome:
    """Write the claims' 837P files and mark them submitted; refuses the whole batch if any
    claim is not ready or has scrub errors (naming the claim). The one service shared with
    ``therabill claims submit``: files appear only when the transaction commits, control
    numbers come from the database."""
    done = submission.submit_claims(
        work=work,
        claim_ids=claim_ids,
        outbox=outbox,
        reason="submitted in an 837P batch from the web app",
    )
    return SubmitOutcome(files=done.files, claims=done.claims)


def outbox_file(outbox: Path, name: str) -> Path | None:
    """A file of the outbox by name; ``None`` for anything else (no path tricks)."""
    if not SAFE_NAME.match(name):
        return None
    path = outbox / name
    return path if path.is_file() else None
