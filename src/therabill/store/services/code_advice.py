"""The code advisor where a payer is named: the practice's payer (by id or name), its profile,
and what it has really paid for each suggested code (payer insights over posted remittances).
Without a payer the advisor needs no database (``therabill.codes.advisor``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from therabill.codes.advisor import Advice, advise
from therabill.codes.model import DISCIPLINES
from therabill.codes.payer_advice import with_payer
from therabill.errors import InvalidInput
from therabill.store.models import Payer, Policy
from therabill.store.services import profiles
from therabill.store.services.access import client_for, provider_for
from therabill.store.services.context import UnitOfWork
from therabill.store.services.users import Account


def find_payer(work: UnitOfWork, text: str) -> Payer:
    """A practice payer by its id or its name (any case)."""
    key = text.strip()
    found = work.db.get(Payer, int(key)) if key.isdigit() else None
    if found is None:
        found = work.db.execute(
            select(Payer).where(func.lower(Payer.name) == key.lower())
        ).scalar_one_or_none()
    if found is None:
        names = ", ".join(work.db.execute(select(Payer.name).order_by(Payer.name)).scalars())
        raise InvalidInput(
            f"no payer {text!r}; the practice bills: {names or 'none'}", field="payer"
        )
    return found


def advise_for_payer(
    work: UnitOfWork,
    text: str,
    *,
    payer: str,
    discipline: str | None,
    day: dt.date,
    limit: int = 5,
) -> Advice:
    """The advisor's codes with what ``payer`` accepts, allows and has paid for each."""
    found = find_payer(work, payer)
    profile = profiles.require_profile(found.profile_id)
    advice = advise(text, discipline=discipline, day=day, limit=limit)
    work.audit("read", "payer_insights", found.id, "code advice")
    return with_payer(
        advice,
        profile,
        day=day,
        evidence=paid_evidence(work, found.id, advice.codes(), day),
        name=found.name,
    )


def paid_evidence(
    work: UnitOfWork, payer_id: int, codes: list[str], day: dt.date
) -> dict[str, str]:
    """Per code, what the payer has paid per unit, as a sentence with its count and dates."""
    from therabill.store.services import insights

    return insights.paid_sentences(work.db, payer_id=payer_id, codes=codes, today=day)


def advise_for_session(
    work: UnitOfWork,
    account: Account,
    text: str,
    *,
    provider_id: int | None,
    client_id: int | None,
    day: dt.date,
) -> Advice:
    """The advice the session form shows: the provider's discipline, and the client's primary
    payer on ``day`` (what it takes and has paid) when the client has one."""
    provider = provider_for(work, account, provider_id, field="provider")
    discipline = provider.discipline if provider is not None else None
    if discipline is not None and discipline not in DISCIPLINES:
        discipline = None
    payer_id = None
    if client_id is not None:
        client = client_for(work, account, client_id)
        policies = work.db.execute(
            select(Policy).where(Policy.client_id == client.id, Policy.priority == "primary")
        ).scalars()
        payer_id = next((p.payer_id for p in policies if p.covers(day)), None)
    if payer_id is None:
        return advise(text, discipline=discipline, day=day)
    return advise_for_payer(work, text, payer=str(payer_id), discipline=discipline, day=day)
