"""What a biller wants from a 271, for one member: covered or not and when, the plan, copay,
coinsurance, deductible and out-of-pocket (in/out of network, individual/family, remaining
beside total), visit limits by service type, prior authorization, Medicare's therapy amounts,
and the payer's refusals in plain words.

How EB segments are read (005010X279A1 section 1.4.7 and the EB element notes, summarized in
shared/reference/after-submission.md 6.1): EB01 says what the segment is (1-5 active, 6-8
inactive, A coinsurance in EB08, B copay in EB07, C deductible, G out-of-pocket, F a
limitation); EB02 the coverage level; EB03 the service types; EB06 the period, where 29
(remaining) and 33 (lifetime remaining) mean the amount is what is left, 24 (year to date)
what was used, and any other period the total for it; EB09/EB10 a quantity (VS visits, 99
quantity used); HSD a delivery pattern ("20 visits per calendar year"); EB11 Y an
authorization is required; EB12 in (Y) or out (N) of network, W both.

Medicare (EB04 MA/MB) sends the outpatient therapy amounts toward the KX threshold as a
limitation (EB01 F) under AE (physical therapy and speech-language pathology) and AD
(occupational therapy) with the year in DTP*292 (a 2009 CMS HETS 271 shows
``EB*F*IND*AD*MB**29*1840``, the amount remaining); they are reported as sent, with what
EB06 says they are. A parsed limit is advice: nothing here refuses a session
(after-submission.md 6.1: never auto-deny on a parsed limit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from therabill.x12.eligibility import codes
from therabill.x12.eligibility.model import Benefit, EligibilityResponse

_THERAPY_TYPES = frozenset({"AE", "AD", "PT", "AF"})
_MEDICARE = frozenset({"MA", "MB"})
_PLAN_DATES = {"346": "plan begins", "347": "plan ends", "356": "eligibility begins",
               "357": "eligibility ends", "291": "plan", "307": "eligibility",
               "292": "benefit"}  # fmt: skip


@dataclass(slots=True)
class Accumulator:
    """A deductible or out-of-pocket maximum for one level and network."""

    kind: str  # deductible | out_of_pocket
    level: str  # individual, family…
    network: str  # in | out | any | unknown | "" (not said)
    service_types: list[str] = field(default_factory=list)
    total: Decimal | None = None
    remaining: Decimal | None = None
    met: Decimal | None = None
    period: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "level": self.level,
            "network": self.network,
            "service_types": self.service_types,
            "total": self.total,
            "remaining": self.remaining,
            "met": self.met,
            "period": self.period,
        }


@dataclass(slots=True)
class CostShare:
    """A copay (amount) or coinsurance (percent, 20 = 20%) for some service types."""

    kind: str  # copay | coinsurance
    service_types: list[str]
    network: str
    amount: Decimal | None = None
    percent: Decimal | None = None
    level: str = ""
    period: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "service_types": self.service_types,
            "network": self.network,
            "amount": self.amount,
            "percent": self.percent,
            "level": self.level,
            "period": self.period,
        }


@dataclass(slots=True)
class VisitLimit:
    """Visits allowed for a group of service types: total, used and what is left."""

    group: str  # physical_therapy…
    service_types: list[str]
    network: str = ""
    total: Decimal | None = None
    used: Decimal | None = None
    remaining: Decimal | None = None
    period: str = ""
    messages: list[str] = field(default_factory=list)

    @property
    def left(self) -> Decimal | None:
        if self.remaining is not None:
            return self.remaining
        if self.total is not None and self.used is not None:
            return max(self.total - self.used, Decimal(0))
        return None

    def to_dict(self) -> dict[str, object]:
        return {
            "group": self.group,
            "name": codes.GROUPS.get(self.group, self.group),
            "service_types": self.service_types,
            "network": self.network,
            "total": self.total,
            "used": self.used,
            "remaining": self.left,
            "period": self.period,
            "messages": self.messages,
        }


@dataclass(slots=True)
class TherapyAmount:
    """Medicare's outpatient therapy amount for a year, as the payer sent it."""

    service_types: list[str]
    amount: Decimal
    meaning: str  # remaining | used | amount
    dates: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "service_types": self.service_types,
            "amount": self.amount,
            "meaning": self.meaning,
            "dates": self.dates,
        }


@dataclass(slots=True)
class EligibilitySummary:
    status: str  # active | inactive | rejected | unknown
    payer: str = ""
    member_id: str = ""
    member_name: str = ""
    plan: str = ""
    group_number: str = ""
    response_date: dt.date | None = None
    coverage_from: dt.date | None = None
    coverage_to: dt.date | None = None
    copays: list[CostShare] = field(default_factory=list)
    coinsurance: list[CostShare] = field(default_factory=list)
    deductibles: list[Accumulator] = field(default_factory=list)
    out_of_pocket: list[Accumulator] = field(default_factory=list)
    visit_limits: list[VisitLimit] = field(default_factory=list)
    prior_authorization: list[str] = field(default_factory=list)  # service type meanings
    medicare_therapy: list[TherapyAmount] = field(default_factory=list)
    rejections: list[dict[str, object]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    traces: list[str] = field(default_factory=list)

    @property
    def status_text(self) -> str:
        return {
            "active": "coverage active",
            "inactive": "coverage not active",
            "rejected": "the payer refused the inquiry",
        }.get(self.status, "coverage not stated")

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "status_text": self.status_text,
            "payer": self.payer,
            "member_id": self.member_id,
            "member_name": self.member_name,
            "plan": self.plan,
            "group_number": self.group_number,
            "response_date": self.response_date,
            "coverage_from": self.coverage_from,
            "coverage_to": self.coverage_to,
            "copays": [c.to_dict() for c in self.copays],
            "coinsurance": [c.to_dict() for c in self.coinsurance],
            "deductibles": [a.to_dict() for a in self.deductibles],
            "out_of_pocket": [a.to_dict() for a in self.out_of_pocket],
            "visit_limits": [v.to_dict() for v in self.visit_limits],
            "prior_authorization": self.prior_authorization,
            "medicare_therapy": [t.to_dict() for t in self.medicare_therapy],
            "rejections": self.rejections,
            "messages": self.messages,
            "traces": self.traces,
        }


def _range(value: str) -> tuple[dt.date | None, dt.date | None]:
    """D8 ``CCYYMMDD`` or RD8 ``CCYYMMDD-CCYYMMDD``."""

    def day(text: str) -> dt.date | None:
        try:
            return dt.datetime.strptime(text.strip()[:8], "%Y%m%d").date()
        except ValueError:
            return None

    first, _, last = value.partition("-")
    return day(first), day(last) if last else None


def _network(code: str) -> str:
    return codes.NETWORKS.get(code, "")


def _types(benefit: Benefit) -> list[str]:
    return list(benefit.service_types) or ["30"]


def _accumulate(into: list[Accumulator], kind: str, benefit: Benefit) -> None:
    if benefit.amount is None:
        return
    level = codes.LEVELS.get(benefit.level, benefit.level.lower() or "individual")
    network = _network(benefit.network)
    types = _types(benefit)
    found = next(
        (a for a in into if (a.level, a.network, a.service_types) == (level, network, types)),
        None,
    )
    if found is None:
        found = Accumulator(kind, level, network, types)
        into.append(found)
    if benefit.period in codes.REMAINING_PERIODS:
        found.remaining = benefit.amount
    elif benefit.period in codes.USED_PERIODS:
        found.met = benefit.amount
    else:
        found.total = benefit.amount
        found.period = codes.PERIODS.get(benefit.period, benefit.period)


def _visits(into: dict[tuple[str, str], VisitLimit], benefit: Benefit) -> None:
    """EB*F with EB09 VS (or 99 used), and HSD*VS under any benefit."""
    groups = {codes.group_of(t) for t in benefit.service_types} - {"other", "general"}
    if not groups:
        return
    network = _network(benefit.network)
    for group in sorted(groups):
        types = [t for t in benefit.service_types if codes.group_of(t) == group]
        limit = into.get((group, network))
        new = limit is None
        limit = limit or VisitLimit(group, types, network)
        touched = False
        if benefit.info == codes.LIMITATION and benefit.quantity is not None:
            if benefit.quantity_qualifier == "VS":
                touched = True
                if benefit.period in codes.REMAINING_PERIODS:
                    limit.remaining = benefit.quantity
                elif benefit.period in codes.USED_PERIODS:
                    limit.used = benefit.quantity
                else:
                    limit.total = benefit.quantity
                    limit.period = codes.PERIODS.get(benefit.period, benefit.period)
            elif benefit.quantity_qualifier == "99":  # quantity used
                touched, limit.used = True, benefit.quantity
        for delivery in benefit.deliveries:
            if delivery.qualifier == "VS" and delivery.quantity is not None:
                touched = True
                if delivery.period in codes.REMAINING_PERIODS:
                    limit.remaining = delivery.quantity
                elif limit.total is None:
                    limit.total = delivery.quantity
                    limit.period = codes.PERIODS.get(delivery.period, delivery.period)
        if touched:
            limit.messages.extend(m for m in benefit.messages[:3] if m not in limit.messages)
            if new:
                into[(group, network)] = limit


def summarize(response: EligibilityResponse) -> EligibilitySummary:
    """The biller's view of one member's 271 answer (see the module docstring)."""
    out = EligibilitySummary(
        status="unknown",
        payer=response.payer_name,
        member_id=response.member_id,
        member_name=", ".join(p for p in (response.last_name, response.first_name) if p),
        group_number=response.group_number,
        response_date=response.created,
        traces=list(response.traces),
    )
    for qualifier, value in response.dates:
        first, last = _range(value)
        if qualifier in ("346", "356", "307", "291") and first and out.coverage_from is None:
            out.coverage_from = first
            if last:
                out.coverage_to = last
        elif qualifier in ("347", "357") and first:
            out.coverage_to = first
    active = inactive = False
    visits: dict[tuple[str, str], VisitLimit] = {}
    prior: dict[str, None] = {}
    for benefit in response.benefits:
        info = benefit.info
        if benefit.suspect:
            continue  # an element out of place: its amounts cannot be trusted
        if info in codes.ACTIVE:
            active = True
            if benefit.plan and not out.plan:
                out.plan = benefit.plan
            for qualifier, value in benefit.dates:
                first, last = _range(value)
                if (
                    qualifier in ("346", "356", "307", "291", "292")
                    and first
                    and not out.coverage_from
                ):
                    out.coverage_from, out.coverage_to = first, last or out.coverage_to
        elif info in codes.INACTIVE:
            inactive = True
        elif info == codes.COPAY and benefit.amount is not None:
            out.copays.append(
                CostShare("copay", _types(benefit), _network(benefit.network), amount=benefit.amount,
                          level=codes.LEVELS.get(benefit.level, ""),
                          period=codes.PERIODS.get(benefit.period, benefit.period))
            )  # fmt: skip
        elif info == codes.COINSURANCE and benefit.percent is not None:
            out.coinsurance.append(
                CostShare("coinsurance", _types(benefit), _network(benefit.network),
                          percent=_plain(benefit.percent * 100),
                          level=codes.LEVELS.get(benefit.level, ""))
            )  # fmt: skip
        elif info == codes.DEDUCTIBLE:
            _accumulate(out.deductibles, "deductible", benefit)
        elif info == codes.OUT_OF_POCKET:
            _accumulate(out.out_of_pocket, "out_of_pocket", benefit)
        _visits(visits, benefit)
        if benefit.authorization == "Y":
            for code in _types(benefit):
                prior[codes.describe_service_type(code)] = None
        if (
            benefit.insurance_type in _MEDICARE
            and info in (codes.LIMITATION, "D")
            and benefit.amount is not None
            and _THERAPY_TYPES.intersection(benefit.service_types)
        ):
            meaning = (
                "remaining" if benefit.period in codes.REMAINING_PERIODS
                else "used" if benefit.period in codes.USED_PERIODS else "amount"
            )  # fmt: skip
            dates = next((v for q, v in benefit.dates if q == "292"), "")
            out.medicare_therapy.append(
                TherapyAmount(list(benefit.service_types), benefit.amount, meaning, dates)
            )
        if not benefit.service_types or "30" in benefit.service_types:
            out.messages.extend(m for m in benefit.messages if len(out.messages) < 10)
    if not out.plan:
        out.plan = response.plan_number
    out.visit_limits = list(visits.values())
    out.prior_authorization = list(prior)
    out.rejections = [r.to_dict() for r in response.rejections]
    if active:
        out.status = "active"
    elif inactive:
        out.status = "inactive"
    elif response.rejections:
        out.status = "rejected"
    return out


def _money(amount: Decimal) -> str:
    return f"${amount:,.0f}" if amount == amount.to_integral_value() else f"${amount:,.2f}"


def _count(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _plain(value: Decimal) -> Decimal:
    """20.00 as 20 and 12.50 as 12.5: ``normalize()`` alone makes 20 ``2E+1``, which the
    JSON and the screen would show as such."""
    return Decimal(_count(value))


def headline(summary: EligibilitySummary, discipline: str | None = None) -> str:
    """One line for the session form: "12 of 20 PT visits left; copay $30"."""
    if summary.status == "rejected":
        first = summary.rejections[0] if summary.rejections else {}
        return f"the payer refused the inquiry: {first.get('reason', 'no reason given')}"
    if summary.status == "inactive":
        return "coverage not active"
    parts: list[str] = []
    group = codes.DISCIPLINE_GROUPS.get(discipline or "")
    limits = [v for v in summary.visit_limits if group is None or v.group == group]
    limits.sort(key=lambda v: (v.network != "in", v.network == ""))
    for limit in limits[:1]:
        name = codes.SHORT.get(limit.group, limit.group)
        left = limit.left
        if left is not None and limit.total is not None:
            parts.append(f"{_count(left)} of {_count(limit.total)} {name} visits left")
        elif left is not None:
            parts.append(f"{_count(left)} {name} visits left")
        elif limit.total is not None:
            parts.append(f"{_count(limit.total)} {name} visits a {limit.period or 'period'}")
    copay = _pick(summary.copays, group)
    if copay is not None and copay.amount is not None:
        parts.append(f"copay {_money(copay.amount)}")
    else:
        share = _pick(summary.coinsurance, group)
        if share is not None and share.percent is not None:
            parts.append(f"coinsurance {_count(share.percent)}%")
    if group and any(
        codes.group_of(t) == group for t in _prior_codes(summary)
    ):  # fmt: skip
        parts.append("prior authorization required")
    if not parts:
        return summary.status_text
    return "; ".join(parts)


def _prior_codes(summary: EligibilitySummary) -> list[str]:
    names = set(summary.prior_authorization)
    return [c for c, t in codes.service_types().items() if t.meaning in names]


def _pick(shares: list[CostShare], group: str | None) -> CostShare | None:
    """The in-network share for the discipline's service types, else the plan's (30),
    else the first in network."""

    def rank(share: CostShare) -> tuple[int, int]:
        own = group is not None and any(codes.group_of(t) == group for t in share.service_types)
        plan = "30" in share.service_types or "98" in share.service_types
        return (0 if own else 1 if plan else 2, 0 if share.network in ("in", "any") else 1)

    candidates = [s for s in shares if s.network != "out"] or shares
    return min(candidates, key=rank) if candidates else None


def _dec(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def summary_from_dict(data: dict[str, Any]) -> EligibilitySummary:
    """An ``EligibilitySummary`` back from its ``to_dict`` form (as stored, amounts as text):
    the headline is recomputed for each session's discipline."""

    def shares(items: list[dict[str, Any]]) -> list[CostShare]:
        return [
            CostShare(i["kind"], list(i["service_types"]), i.get("network", ""),
                      _dec(i.get("amount")), _dec(i.get("percent")), i.get("level", ""),
                      i.get("period", ""))
            for i in items
        ]  # fmt: skip

    return EligibilitySummary(
        status=str(data.get("status", "unknown")),
        copays=shares(data.get("copays", [])),
        coinsurance=shares(data.get("coinsurance", [])),
        visit_limits=[
            VisitLimit(
                v["group"],
                list(v["service_types"]),
                v.get("network", ""),
                _dec(v.get("total")),
                _dec(v.get("used")),
                _dec(v.get("remaining")),
                v.get("period", ""),
            )
            for v in data.get("visit_limits", [])
        ],
        prior_authorization=list(data.get("prior_authorization", [])),
        rejections=list(data.get("rejections", [])),
    )
