"""The session form's live check: units under the payer's rule, and the scrubber's findings
for the claim this session would become, computed without saving anything.

The claim-to-be is assembled the way ``claims build`` assembles one (the store's document
builder, the store's scrubber wrapper) but from unsaved rows; the charge per unit comes from
the practice's fee, else the payer profile's fee. Nothing is added to the database session.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import extract, func, select

from therabill.codes import load_code_set
from therabill.errors import TherabillError
from therabill.findings import Finding, Severity
from therabill.scrub import ScrubContext, scrub_claim
from therabill.scrub.rules.modifiers import KX_GROUPS
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    Client,
    Fee,
    Payer,
    Practice,
    Provider,
    SessionDiagnosis,
    TherapySession,
)
from therabill.store.services import auths, documents, profiles
from therabill.store.services.clients import primary_policy
from therabill.store.services.context import UnitOfWork
from therabill.store.services.scrubbing import duplicate_line
from therabill.units import UnitResult, UnitRule, count_units

_CONTEXT: tuple[profiles.Stamp, ScrubContext] | None = None


def forget_scrub_context() -> None:
    """Reload the scrubber's tables on next use (a payer profile was edited)."""
    global _CONTEXT
    _CONTEXT = None


def scrub_context(work: UnitOfWork, client_id: int, today: dt.date) -> ScrubContext:
    """The scrubber's tables, loaded once per process and again when a payer profile file
    changes (saved by any worker), with this client's therapy charges so far this year
    (Medicare's KX threshold needs the year, not one claim)."""
    global _CONTEXT
    stamp = profiles.profiles_stamp()
    if _CONTEXT is None or _CONTEXT[0] != stamp:
        _CONTEXT = (stamp, ScrubContext.load())
    tables = _CONTEXT[1]
    year = extract("year", ClaimLine.date_of_service)
    rows = work.db.execute(
        select(year, Provider.discipline, func.sum(ClaimLine.charge_cents))
        .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
        .join(Provider, Provider.id == ClaimRecord.provider_id)
        .where(ClaimRecord.client_id == client_id)
        .group_by(year, Provider.discipline)
    ).all()
    spent: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    for in_year, discipline, cents in rows:
        group = KX_GROUPS.get(discipline)
        if group:
            spent[(str(client_id), int(in_year), group)] += Decimal(int(cents or 0)) / 100
    return replace(tables, today=today, therapy_spent=spent)


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    code: str
    minutes: int
    modifiers: tuple[str, ...] = ()


@dataclass(slots=True)
class Preview:
    rule: UnitRule = UnitRule.CMS
    rule_source: str = "CMS 8-minute rule (no payer profile says otherwise)"
    payer: str | None = None
    units: UnitResult | None = None
    charges: dict[str, int] = field(default_factory=dict)
    total_cents: int = 0
    findings: list[Finding] = field(default_factory=list)
    problem: str | None = None
    problem_field: str | None = None
    scrubbed: bool = False
    pooled_sessions: int = 0  # the day's other unbilled sessions counted in

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.value,
            "payer": self.payer,
            "units": self.units.to_dict() if self.units else None,
            "charges_cents": self.charges,
            "total_charge_cents": self.total_cents,
            "findings": [
                {k: v for k, v in f.to_dict().items() if v is not None} for f in self.findings
            ],
            "scrubbed": self.scrubbed,
            "problem": self.problem,
            "field": self.problem_field,
        }


def preview_session(
    work: UnitOfWork,
    *,
    client: Client | None,
    provider: Provider | None,
    day: dt.date,
    services: list[ServiceEntry],
    place_of_service: str = "11",
    diagnoses: list[str] | None = None,
    start: dt.time | None = None,
    end: dt.time | None = None,
    techniques: list[str] | None = None,
    exclude_session: int | None = None,
) -> Preview:
    """Units and findings for the claim a session would become; never raises for bad input."""
    result = Preview()
    policy = primary_policy(client, day) if client is not None else None
    payer: Payer | None = policy.payer if policy is not None else None
    if payer is not None:
        result.payer = payer.name
        result.rule = profiles.unit_rule(payer.profile_id)
        profile = profiles.payer_profiles().get(payer.profile_id)
        source = getattr(profile, "sources", {}).get("unit_rule") if profile else None
        result.rule_source = f"{payer.name}'s profile" + (f" ({source})" if source else "")
    elif client is not None:
        result.rule_source = "no insurance on file for this date: CMS 8-minute rule shown"
    wanted = [s for s in services if s.code]
    if not wanted:
        return result
    others: list[TherapySession] = []
    if client is not None and provider is not None:
        # ``claims build`` pools the day's unbilled sessions of one client and provider into
        # one claim (the CMS rule counts the day's total timed minutes): so does the preview.
        query = select(TherapySession).where(
            TherapySession.client_id == client.id,
            TherapySession.provider_id == provider.id,
            TherapySession.date_of_service == day,
            TherapySession.claim_id.is_(None),
        )
        if exclude_session is not None:
            query = query.where(TherapySession.id != exclude_session)
        others = list(work.db.execute(query.order_by(TherapySession.id)).scalars())
        result.pooled_sessions = len(others)
        wanted = [
            ServiceEntry(sv.code, sv.minutes, tuple(m for m in sv.modifiers.split(",") if m))
            for other in others
            for sv in other.services
        ] + wanted
    code_set = load_code_set()
    try:
        result.units = count_units(
            [(s.code, s.minutes) for s in wanted], rule=result.rule, day=day, code_set=code_set
        )
    except TherabillError as exc:
        result.problem, result.problem_field = str(exc), exc.field
        return result
    result.findings.extend(result.units.findings)
    fees = dict(work.db.execute(select(Fee.code, Fee.unit_charge_cents)).all())
    profile = profiles.payer_profiles().get(payer.profile_id) if payer else None
    for line in result.units.lines:
        per_unit = fees.get(line.code)
        if per_unit is None and profile is not None and line.code in profile.fees:
            per_unit = int(Decimal(profile.fees[line.code]) * 100)
        result.charges[line.code] = (per_unit or 0) * line.units
    result.total_cents = sum(result.charges.values())
    if client is None or provider is None or policy is None or payer is None:
        return result
    session = TherapySession(
        client_id=client.id,
        provider_id=provider.id,
        date_of_service=day,
        start_time=start,
        end_time=end,
        place_of_service=place_of_service,
        techniques="\n".join(techniques or []) or None,
    )
    result.findings.extend(
        _scrub(
            work,
            client,
            provider,
            policy,
            payer,
            [*others, session],
            wanted,
            result,
            diagnoses or [],
        )
    )
    result.scrubbed = True
    return result


def _already_billed(
    work: UnitOfWork, client_id: int, day: dt.date, lines: list[ClaimLine]
) -> list[Finding]:
    """A code billed before for this client on this date (the store's duplicate check, run
    here on unsaved lines: a service is billed once)."""
    codes = {line.code for line in lines}
    billed = dict(
        work.db.execute(
            select(ClaimLine.code, ClaimRecord.id)
            .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
            .where(
                ClaimRecord.client_id == client_id,
                ClaimLine.date_of_service == day,
                ClaimLine.code.in_(codes),
            )
        ).all()
    )
    return [
        duplicate_line(line.code, day, billed[line.code], line.line_number)
        for line in lines
        if line.code in billed
    ]


def _scrub(
    work: UnitOfWork,
    client: Client,
    provider: Provider,
    policy: Any,
    payer: Payer,
    sessions: list[TherapySession],
    services: list[ServiceEntry],
    result: Preview,
    diagnoses: list[str],
) -> list[Finding]:
    session = sessions[-1]
    day = session.date_of_service
    for other in sessions[:-1]:
        for dx in other.diagnoses:
            if dx.code not in diagnoses:
                diagnoses = [dx.code, *diagnoses]
    assert result.units is not None
    modifiers = {s.code: ",".join(s.modifiers) for s in services}
    clean_dx = list(
        dict.fromkeys(d.strip().upper().replace(".", "") for d in diagnoses if d.strip())
    )
    pointers = ",".join(str(i) for i in range(1, min(len(clean_dx), 4) + 1))
    claim = ClaimRecord(
        id=0,
        client_id=client.id,
        payer_id=payer.id,
        policy_id=policy.id,
        provider_id=provider.id,
        date_of_service=day,
        status="draft",
        frequency_code="1",
    )
    lines = [
        ClaimLine(
            line_number=n,
            date_of_service=day,
            code=ln.code,
            modifiers=modifiers.get(ln.code, ""),
            minutes=ln.minutes,
            units=ln.units,
            charge_cents=result.charges.get(ln.code, 0),
            diagnosis_pointers=pointers,
        )
        for n, ln in enumerate((ln for ln in result.units.lines if ln.units > 0), 1)
    ]
    if not lines:
        return []
    claim.lines = lines
    session.diagnoses = [SessionDiagnosis(position=i, code=d) for i, d in enumerate(clean_dx, 1)]
    authorization, remaining = None, None
    for status in auths.statuses(work=work, client_id=client.id, payer_id=payer.id):
        if any(status.covers(code=ln.code, day=day) for ln in lines):
            authorization, remaining = status.authorization, status.units_remaining
            break
    practice = work.db.execute(select(Practice).limit(1)).scalar_one_or_none()
    try:
        document = documents.claim_document(
            claim=claim,
            client=client,
            payer=payer,
            policy=policy,
            provider=provider,
            practice=practice,
            sessions=sessions,
            diagnoses=clean_dx,
            authorization=authorization,
            units_remaining=remaining,
        )
        context = scrub_context(work, client.id, dt.date.today())
        found = list(scrub_claim(document, context).findings)
        return found + _already_billed(work, client.id, day, lines)
    except TherabillError as exc:
        result.problem, result.problem_field = str(exc), exc.field
        return []
    except ValueError as exc:  # pydantic's ValidationError: a field the claim cannot hold
        result.problem = f"the claim cannot be built yet: {str(exc).splitlines()[0]}"
        return []
    finally:
        for obj in (claim, session, *lines):
            if obj in work.db:
                work.db.expunge(obj)
