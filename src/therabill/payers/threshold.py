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

from therabill.payers.fee_schedule import FACILITY_PLACES, day_allowed
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
    profile: PayerProfile, services: Sequence[Service], place_of_service: str
) -> list[Decimal]:
    """Each service's allowed amount as the payer's fee schedule prices it, the day's
    therapy units reduced as Medicare reduces them (payers.fee_schedule.day_allowed), never
    more than the charge (Medicare allows the lesser of the two, SSA §1848(a)(1)). A service
    the schedule does not price (a carrier-priced code, a year without a schedule) counts its
    charge: the most the payer could allow."""
    facility = place_of_service in FACILITY_PLACES
    amounts: list[Decimal] = [s.charge for s in services]
    by_day: dict[dt.date, list[int]] = {}
    for i, s in enumerate(services):
        by_day.setdefault(s.day, []).append(i)
    for day, indexes in by_day.items():
        schedule = profile.fee_schedule(day)
        if schedule is None:
            continue
        priced = day_allowed(
            [(services[i].code, services[i].units) for i in indexes], schedule, facility=facility
        )
        for i, amount in zip(indexes, priced, strict=True):
            if amount is not None:
                amounts[i] = min(amount, services[i].charge)
    return amounts
