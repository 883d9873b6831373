"""One action on many denials at once: the denials queue's select-all and bulk buttons (a
biller appeals the ten CO-16s of one payer, or writes off a page of small balances past
the timely-filing limit). All or none: a denial that cannot take the action refuses the lot,
naming itself, so a half-done batch never needs untangling."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from therabill.errors import InvalidInput, TherabillError
from therabill.store.services import denials
from therabill.store.services.context import UnitOfWork

BulkAction = Literal["appeal", "write_off"]
BULK_ACTIONS: tuple[BulkAction, ...] = ("appeal", "write_off")


def work_denials(
    *,
    work: UnitOfWork,
    denial_ids: Collection[int],
    action: str,
    reason: str = "",
    approved_by: str = "",
) -> int:
    """Appeal (therabill's letter, sent today) or write off (``reason``, approved by the
    login ``approved_by``) every denial in ``denial_ids``; how many. Each goes through the
    same service as one denial does (``denials.appeal_denial``, ``write_off_denial``)."""
    if action not in BULK_ACTIONS:
        raise InvalidInput(f"{action!r} is not an action for several denials", field="action")
    ids = sorted(set(denial_ids))
    if not ids:
        raise InvalidInput("tick at least one denial", field="id")
    for denial_id in ids:
        try:
            if action == "appeal":
                denials.appeal_denial(work=work, denial_id=denial_id)
            else:
                denials.write_off_denial(
                    work=work, denial_id=denial_id, reason=reason, approved_by=approved_by
                )
        except TherabillError as exc:
            raise InvalidInput(f"denial {denial_id}: {exc.message}; nothing was changed") from exc
    return len(ids)
