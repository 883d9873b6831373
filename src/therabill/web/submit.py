"""Check and submit: the ticked claims, checked again, written as one 837P per payer to the
outbox and marked submitted, in one transaction.

Written here because the store offers no submit service yet (issue 5's ``claims submit`` is
its CLI twin); it uses only the store's lifecycle service and the 837P writer. Files are
written to a temporary name and renamed, so the outbox never holds half a file; if marking
the claims fails, the files are removed again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from therabill import claims as doc
from therabill.errors import InvalidInput
from therabill.store.lifecycle import ClaimStatus
from therabill.store.models import Claim
from therabill.store.services import Work
from therabill.store.services.claim_records import change_status
from therabill.x12.claim_837p import write_batch
from therabill.x12.clearinghouse import load_clearinghouse
from therabill.x12.control_numbers import FileControlNumbers

SUBMITTABLE = frozenset({ClaimStatus.READY.value, ClaimStatus.CORRECTED.value})
SAFE_NAME = re.compile(r"^837P-[A-Za-z0-9_-]+-\d{9}\.x12$")


@dataclass(slots=True)
class SubmitOutcome:
    files: list[str] = field(default_factory=list)
    claims: list[int] = field(default_factory=list)


def submit_claims(work: Work, *, claim_ids: list[int], outbox: Path) -> SubmitOutcome:
    """Write the claims' 837P files and mark them submitted; refuses the whole batch if any
    claim is not ready or has scrub errors (naming the claim)."""
    documents: list[doc.Claim] = []
    for claim_id in claim_ids:
        claim = work.db.get(Claim, claim_id)
        if claim is None:
            raise InvalidInput(f"no claim {claim_id}", field="claim")
        if claim.status not in SUBMITTABLE:
            raise InvalidInput(
                f"claim {claim_id} is {claim.status}; only ready or corrected claims go out",
                field="claim",
            )
        errors = [f for f in json.loads(claim.findings_json) if f.get("severity") == "error"]
        if errors:
            raise InvalidInput(f"claim {claim_id} has {len(errors)} scrub error(s)", field="claim")
        if not claim.document_json:
            raise InvalidInput(f"claim {claim_id} has no claim document; rebuild it", field="claim")
        documents.append(doc.Claim.model_validate_json(claim.document_json))
    files = write_batch(
        documents,
        profile=load_clearinghouse(),
        numbers=FileControlNumbers(),
        created=dt.datetime.now(dt.UTC),
    )
    outbox.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for claim_file in files:
            target = outbox / claim_file.file_name
            temporary = target.with_suffix(".part")
            temporary.write_text(claim_file.text, encoding="ascii")
            with temporary.open("rb") as handle:
                os.fsync(handle.fileno())
            temporary.replace(target)
            written.append(target)
        for claim_id in claim_ids:
            change_status(
                work=work,
                claim_id=claim_id,
                new=ClaimStatus.SUBMITTED,
                reason="submitted in an 837P batch from the web app",
            )
        work.audit("submit", "claims", ",".join(map(str, claim_ids))[:40], f"{len(files)} files")
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return SubmitOutcome(files=[p.name for p in written], claims=claim_ids)


def outbox_file(outbox: Path, name: str) -> Path | None:
    """A file of the outbox by name; ``None`` for anything else (no path tricks)."""
    if not SAFE_NAME.match(name):
        return None
    path = outbox / name
    return path if path.is_file() else None
