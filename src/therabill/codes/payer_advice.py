"""What one payer says about the codes the advisor suggests: does it take the code from this
discipline, which code it wants instead, its payment status, what it allows per unit (its
profile's amounts or fee schedule), and what it has really paid (evidence from posted
remittances, summed by the store and handed in as sentences with their counts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from therabill.codes.advisor import Advice, Avoid
from therabill.codes.model import DISCIPLINES
from therabill.payers.fee_schedule import unit_amount
from therabill.payers.profile import PAYMENT_STATUS, PayerProfile


def _accepts(profile: PayerProfile, code: str, discipline: str | None) -> bool:
    if discipline is not None:
        return profile.accepts(code, discipline)
    return code not in profile.not_accepted and (
        not profile.accepted_codes or code in profile.accepted_codes
    )


def payer_facts(
    profile: PayerProfile,
    code: str,
    *,
    discipline: str | None,
    day: dt.date,
    name: str | None = None,
) -> dict[str, Any]:
    """The profile's word on one code, each fact with the setting it comes from; ``name``
    is the payer as the practice calls it (default the profile's name)."""
    facts: dict[str, Any] = {
        "payer": name or profile.name,
        "accepted": _accepts(profile, code, discipline),
    }
    sources: list[str] = []
    if not facts["accepted"]:
        facts["instead"] = list(profile.alternatives.get(code, ()))
        key = "not_accepted" if code in profile.not_accepted else "accepted_for"
        sources.append(profile.cite(key))
    if code in profile.preferred:
        facts["preferred"] = profile.preferred[code]
        sources.append(profile.cite("preferred"))
    if code in profile.status:
        facts["status"] = PAYMENT_STATUS[profile.status[code]]
        sources.append(profile.cite("status", code))
    if profile.needs_authorization(code):
        facts["prior_authorization"] = True
    allowed: Decimal | None = None
    schedule = profile.fee_schedule(day)
    rate = schedule.rate(code) if schedule else None
    if schedule is not None and rate is not None and rate.paid:
        allowed = unit_amount(rate, facility=False)
        sources.append(f"fee schedule {schedule.name} ({schedule.source})")
    elif code in profile.fees:
        allowed = profile.fees[code]
        sources.append(profile.cite("fees"))
    if allowed is not None:
        facts["allowed_per_unit"] = str(allowed)
    facts["source"] = "; ".join(sources)
    return facts


def with_payer(
    advice: Advice,
    profile: PayerProfile,
    *,
    day: dt.date,
    evidence: Mapping[str, str] | None = None,
    name: str | None = None,
) -> Advice:
    """The advice with the payer's facts on every suggestion, a code the payer does not take
    moved below those it takes (and named in ``avoid``), and the paid evidence per code."""
    evidence = evidence or {}
    taken, refused = [], []
    avoid = list(advice.avoid)
    for suggestion in advice.suggestions:
        facts = payer_facts(
            profile, suggestion.code, discipline=advice.discipline, day=day, name=name
        )
        if suggestion.code in evidence:
            facts["paid"] = evidence[suggestion.code]
        updated = replace(suggestion, payer=facts)
        if facts["accepted"]:
            taken.append(updated)
            continue
        refused.append(updated)
        instead = " or ".join(facts.get("instead", ()))
        why = f"{name or profile.name} does not take {suggestion.code}" + (
            f" from a {DISCIPLINES[advice.discipline]}" if advice.discipline else ""
        )
        why += f"; it takes {instead}" if instead else ""
        if all(a.code != suggestion.code for a in avoid):
            avoid.append(Avoid(suggestion.code, why, facts["source"]))
    return replace(
        advice, suggestions=tuple(taken + refused), avoid=tuple(avoid), payer=name or profile.name
    )
