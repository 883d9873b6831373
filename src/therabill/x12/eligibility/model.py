"""What a 271 says about one member (subscriber or dependent), as read: plain objects.

``Benefit`` is one EB segment (loop 2110C/D) with what follows it (HSD, DTP, MSG, REF, the
2120 entity); ``Rejection`` one AAA; ``EligibilityResponse`` one member (2000C or 2000D) with
the payer and provider above it. The summary (``summary.py``) reads these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from therabill.x12.eligibility import codes

MAX_BENEFITS = 2000
"""EB segments kept per member; a payer's full answer has a few hundred at most (Medicare's
HETS sends one per preventive code). More are counted, not kept: memory stays bounded."""
MAX_PER_BENEFIT = 20
"""HSD, DTP, MSG and REF segments kept per benefit."""
MAX_REJECTIONS = 50
MAX_NOTES = 50


@dataclass(frozen=True, slots=True)
class Delivery:
    """HSD: a quantity per period ("20 visits per calendar year")."""

    qualifier: str  # HSD01: VS visits, DY days, HS hours, MN months, FL units
    quantity: Decimal | None  # HSD02
    period: str  # HSD05 time period qualifier (element 615)
    periods: Decimal | None  # HSD06 number of periods

    def to_dict(self) -> dict[str, object]:
        return {
            "qualifier": self.qualifier,
            "quantity": self.quantity,
            "period": codes.PERIODS.get(self.period, self.period),
            "periods": self.periods,
        }


@dataclass(slots=True)
class Benefit:
    """One EB segment and the segments of its loop."""

    info: str  # EB01 eligibility or benefit information (element 1390)
    level: str = ""  # EB02 coverage level
    service_types: tuple[str, ...] = ()  # EB03, repeated
    insurance_type: str = ""  # EB04 (MB Medicare Part B, MA Part A, HM HMO…)
    plan: str = ""  # EB05 plan coverage description
    period: str = ""  # EB06 time period qualifier
    amount: Decimal | None = None  # EB07
    percent: Decimal | None = None  # EB08, a fraction (0.20 = 20%)
    quantity_qualifier: str = ""  # EB09 (VS visits, 99 quantity used, P6 services…)
    quantity: Decimal | None = None  # EB10
    authorization: str = ""  # EB11 Y/N/U: authorization or certification required
    network: str = ""  # EB12 Y in network, N out, W both, U unknown
    procedure: str = ""  # EB13-2 when EB13-1 names a code set (HC: CPT/HCPCS)
    deliveries: list[Delivery] = field(default_factory=list)
    dates: list[tuple[str, str]] = field(default_factory=list)  # DTP qualifier, value
    messages: list[str] = field(default_factory=list)
    references: list[tuple[str, str]] = field(default_factory=list)
    entity: str = ""  # 2120C/D NM1 name (another payer, a primary care provider…)
    segment_number: int = 0
    suspect: bool = False  # an element out of place (EB08 over 1): amounts not used

    def to_dict(self) -> dict[str, object]:
        return {
            "info": self.info,
            "level": self.level,
            "service_types": list(self.service_types),
            "insurance_type": self.insurance_type,
            "plan": self.plan,
            "period": self.period,
            "amount": self.amount,
            "percent": self.percent,
            "quantity_qualifier": self.quantity_qualifier,
            "quantity": self.quantity,
            "authorization_required": self.authorization,
            "in_network": self.network,
            "procedure": self.procedure,
            "deliveries": [d.to_dict() for d in self.deliveries],
            "dates": [list(d) for d in self.dates],
            "messages": list(self.messages),
            "references": [list(r) for r in self.references],
            "entity": self.entity,
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    """AAA: the payer could not answer (AAA03 why, AAA04 what to do next)."""

    loop: str  # 2000A/2100A payer, 2100B provider, 2100C/D member, 2110C/D one benefit
    code: str
    follow_up: str
    segment_number: int

    @property
    def reason(self) -> str:
        return codes.describe_rejection(self.code).meaning

    @property
    def action(self) -> str:
        return codes.describe_rejection(self.code).action

    @property
    def next_step(self) -> str:
        return codes.describe_follow_up(self.follow_up)

    @property
    def who(self) -> str:
        return {"2000A": "payer", "2100A": "payer", "2100B": "provider"}.get(self.loop, "member")

    def to_dict(self) -> dict[str, object]:
        return {
            "loop": self.loop,
            "code": self.code,
            "reason": self.reason,
            "action": self.action,
            "follow_up": self.follow_up,
            "next_step": self.next_step,
        }


@dataclass(slots=True)
class EligibilityResponse:
    """One member's answer: a 2000C subscriber or 2000D dependent of one 271 transaction
    (or, when the payer refused the request above any member, the refusal alone)."""

    file: str
    transaction: str  # ST02
    created: dt.date | None = None  # BHT04
    payer_name: str = ""
    payer_id: str = ""
    provider_name: str = ""
    provider_id: str = ""
    level: str = ""  # subscriber | dependent | "" (refused above any member)
    last_name: str = ""
    first_name: str = ""
    member_id: str = ""
    birth_date: dt.date | None = None
    group_number: str = ""
    plan_number: str = ""
    traces: list[str] = field(default_factory=list)  # TRN*2: our 270's trace numbers
    dates: list[tuple[str, str]] = field(default_factory=list)  # 2100 DTP
    benefits: list[Benefit] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # odd values skipped, with where
    more: int = 0  # segments counted beyond the caps

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "transaction": self.transaction,
            "created": self.created,
            "payer": {"name": self.payer_name, "id": self.payer_id},
            "provider": {"name": self.provider_name, "id": self.provider_id},
            "member": {
                "level": self.level,
                "last_name": self.last_name,
                "first_name": self.first_name,
                "member_id": self.member_id,
                "birth_date": self.birth_date,
                "group_number": self.group_number,
                "plan_number": self.plan_number,
            },
            "traces": list(self.traces),
            "dates": [list(d) for d in self.dates],
            "benefits": [b.to_dict() for b in self.benefits],
            "rejections": [r.to_dict() for r in self.rejections],
            "notes": list(self.notes),
            "more": self.more,
        }
