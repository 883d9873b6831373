"""Medicare's yearly therapy threshold (KX) counted the way Medicare counts it: allowed
amounts, per client and calendar year, PT and speech-language pathology together, OT alone.

Sources: SSA §1833(g)(1)(B), (g)(2), (g)(7) (42 U.S.C. 1395l(g)): the threshold applies to
*incurred expenses* (what Medicare allows, deductible and coinsurance included), one amount
for PT and SLP combined and one for OT; CMS Pub 100-04 ch.5 §10.2-10.3 (the amounts accrue on
allowed amounts, not charges). Which group a line is in: its GP/GN/GO modifier (Pub 100-04
ch.5 §20.1), else the provider's discipline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from therabill.payers.fee_schedule import FACILITY_PLACES, day_allowed, full_unit_line
from therabill.payers.profile import PayerProfile

KX_GROUPS = {"pt": "pt_slp", "slp": "pt_slp", "ot": "ot"}
PLAN_GROUPS = {"GP": "pt_slp", "GN": "pt_slp", "GO": "ot"}
GROUP_NAMES = {"pt_slp": "PT and speech", "ot": "OT"}


def line_group(modifiers: Sequence[str], discipline: str) -> str | None:
    """The threshold group of a line: its plan of care modifier, else the discipline."""
    for m in modifiers:
        if m in PLAN_GROUPS:
            return PLAN_GROUPS[m]
    return KX_GROUPS.get(discipline)


@dataclass(frozen=True, slots=True)
class Service:
    """A line as the threshold counts it."""

    day: dt.date
    code: str
    units: int
    charge: Decimal


def estimated_allowed(
    profile: PayerProfile,
    services: Sequence[Service],
    place_of_service: str,
    *,
    earlier: Sequence[Service] = (),
) -> list[Decimal]:
    """Each service's allowed amount as the payer's fee schedule prices it, the day's
    therapy units reduced as Medicare reduces them (payers.fee_schedule.day_allowed), never
    more than the charge (Medicare allows the lesser of the two, SSA §1848(a)(1)). A service
    the schedule does not price (a carrier-priced code, a year without a schedule) counts its
    charge: the most the payer could allow.

    ``earlier``: the client's services with this payer on claims counted before this one.
    The reduction spans the patient's whole day across claims and disciplines (NGS Medicare,
    "Multiple procedure payment reduction"; Novitas: "all services furnished to a patient on
    the same day"), so a day that already had its full unit on another claim is priced with
    it: these services add what the day's total grows by, and summed over a day's claims the
    estimates equal the day priced at once (an earlier claim counted a full unit that a later,
    costlier code takes over: the later line is counted that much less)."""
    facility = place_of_service in FACILITY_PLACES
    amounts: list[Decimal] = [s.charge for s in services]
    by_day: dict[dt.date, list[int]] = {}
    for i, s in enumerate(services):
        by_day.setdefault(s.day, []).append(i)
    before: dict[dt.date, list[Service]] = {}
    for s in earlier:
        if s.day in by_day:
            before.setdefault(s.day, []).append(s)
    for day, indexes in by_day.items():
        schedule = profile.fee_schedule(day)
        if schedule is None:
            continue
        prior = [(s.code, s.units) for s in before.get(day, ())]
        own = [(services[i].code, services[i].units) for i in indexes]
        priced = day_allowed(prior + own, schedule, facility=facility)[len(prior) :]
        if prior:
            alone = day_allowed(prior, schedule, facility=facility)
            together = day_allowed(prior + own, schedule, facility=facility)[: len(prior)]
            counted_over = sum((a for a in alone if a is not None), Decimal(0)) - sum(
                (a for a in together if a is not None), Decimal(0)
            )
            full = full_unit_line(prior + own, schedule, facility=facility)
            if counted_over > 0 and full is not None and full >= len(prior):
                at = full - len(prior)
                priced[at] = max(Decimal(0), (priced[at] or Decimal(0)) - counted_over)
        for i, amount in zip(indexes, priced, strict=True):
            if amount is not None:
                amounts[i] = min(amount, services[i].charge)
    return amounts
