"""Scrub a claim document as it is built: the scrubber's rules (``therabill.scrub``), given
what only the store knows, plus the store's own duplicate check (a line that repeats a line
already billed for the same client, date and code by the same discipline: the same code from
another discipline that day is the scrubber's ``same-day.other-discipline`` warning, since
both are payable when distinct, CMS MLN1783722).

``claims build`` and the session form's live check scrub through the same :class:`Scrubber`,
so both report the same findings; only the build tells it what it wrote (:meth:`remember`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Collection, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import aliased

from therabill import claims as doc
from therabill.claims.status import ClaimStatus
from therabill.findings import Finding, Severity
from therabill.money import to_decimal
from therabill.payers import PayerProfile
from therabill.payers.fee_schedule import ALLOWED_ADJUSTMENTS
from therabill.payers.threshold import Service, estimated_allowed, line_group
from therabill.scrub import ScrubContext, scrub_claim
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    Payer,
    Provider,
    RemittanceAdjustment,
    RemittanceClaim,
    RemittanceLine,
    TherapySession,
)
from therabill.store.services import bulk_reads, insights, profiles
from therabill.store.services.context import UnitOfWork
from therabill.store.services.drafts import DraftClaim, SessionRow

BilledKey = tuple[int, dt.date, str, str]  # client, date of service, code, discipline
FEW = 500  # clients named in a query's IN list at most (SQLite allows 32,766 parameters)


def billed_lines(
    work: UnitOfWork, sessions: Sequence[TherapySession | SessionRow]
) -> dict[BilledKey, int]:
    """Lines already on claims for the clients and dates of ``sessions`` → their claim."""
    if not sessions:
        return {}
    first = min(s.date_of_service for s in sessions)
    last = max(s.date_of_service for s in sessions)
    return billed_between(work, {s.client_id for s in sessions}, first, last)


def billed_between(
    work: UnitOfWork, client_ids: Collection[int], start: dt.date, end: dt.date
) -> dict[BilledKey, int]:
    """Lines already on claims for ``client_ids`` from ``start`` to ``end`` → their claim."""
    # A few clients (the live check's one, a small build) are named in the query, which then
    # reads their claims by index instead of every client's lines on those dates; a large
    # build reads the dates' lines once and keeps its clients' here.
    few = [ClaimRecord.client_id.in_(sorted(client_ids))] if len(client_ids) <= FEW else []
    # A line stops counting as billed when its session was freed or moved to another claim
    # (a closed or voided claim, a replaced one), and a void (frequency 8) bills nothing.
    rows = bulk_reads.rows(
        work,
        select(
            ClaimRecord.client_id,
            ClaimLine.date_of_service,
            ClaimLine.code,
            Provider.discipline,
            ClaimRecord.id,
        )
        .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
        .join(Provider, Provider.id == ClaimRecord.provider_id)
        .outerjoin(TherapySession, TherapySession.id == ClaimLine.session_id)
        .where(
            ClaimLine.date_of_service.between(start, end),
            ClaimRecord.frequency_code != "8",
            or_(ClaimLine.session_id.is_(None), TherapySession.claim_id == ClaimLine.claim_id),
            *few,
        ),
        practice_tables=(ClaimLine, ClaimRecord, Provider),
    )
    return {(c, d, code, who): claim_id for c, d, code, who, claim_id in rows if c in client_ids}


def duplicate_line(code: str, day: dt.date, other_claim: int, line_number: int) -> Finding:
    """The finding for a line whose client, date and code were billed on ``other_claim``."""
    return Finding(
        id="store.duplicate-line",
        severity=Severity.ERROR,
        message=f"{code} on {day} is already billed on claim {other_claim}",
        source="therabill store: a service is billed once (duplicate claim check)",
        line=line_number,
        code=code,
        fix="remove the line, or correct the first claim instead",
    )


def duplicate_lines(
    claim: ClaimRecord | DraftClaim, billed: dict[BilledKey, int], discipline: str
) -> list[Finding]:
    """Lines billed before on another claim for the same client, date and code by the same
    discipline (``discipline``: the claim's provider's). A secondary or tertiary payer's
    claim bills its primary claim's services again on purpose (coordination of benefits)."""
    findings = []
    mine = (claim.id, claim.original_claim_id, claim.primary_claim_id)
    for line in claim.lines:
        other = billed.get((claim.client_id, line.date_of_service, line.code, discipline))
        if other is None or other in mine:
            continue
        findings.append(duplicate_line(line.code, line.date_of_service, other, line.line_number))
    return findings


# Claims whose services do not count toward the year's allowed amounts: never sent (draft),
# refused (denied) or given up (closed) (issue 11; CMS counts what it allowed).
NOT_COUNTED = frozenset(
    {ClaimStatus.DRAFT.value, ClaimStatus.DENIED.value, ClaimStatus.CLOSED.value}
)
AllowedKey = tuple[str, int, str]  # client id (as in the claim document), year, KX group
DayKey = tuple[str, str, dt.date]  # client id, payer profile id, date of service


def _kx_payers(work: UnitOfWork) -> dict[int, PayerProfile]:
    """The practice's payers whose profile has a KX threshold (Medicare), by payer id."""
    known = profiles.payer_profiles()
    found: dict[int, PayerProfile] = {}
    for payer_id, profile_id in work.db.execute(select(Payer.id, Payer.profile_id)).all():
        profile = known.get(profile_id)
        if profile is not None and profile.kx_thresholds:
            found[payer_id] = profile
    return found


def _picked(
    claims: Any,
    payers: Collection[int],
    clients: Collection[int] | None,
    since: dt.date | None,
) -> list[ColumnElement[bool]]:
    """The conditions on ``claims`` (the claims table or an alias of it) for the claims to
    payers with a KX threshold, of ``clients`` when given, from ``since`` when given."""
    where: list[ColumnElement[bool]] = [claims.payer_id.in_(sorted(payers))]
    if clients is not None:
        where.append(claims.client_id.in_(sorted(clients)))
    if since is not None:
        where.append(claims.date_of_service >= since)
    return where


def _posted_cents(counted_line: Any) -> Any:
    """What ``counted_line``'s newest posted primary 835 that was not reversed allowed, in
    cents: paid plus the patient's share and sequestration
    (payers.fee_schedule.allowed_from_remittance); NULL when no posted 835 has the line."""
    newest = (
        select(RemittanceLine.id)
        .join(RemittanceClaim, RemittanceClaim.id == RemittanceLine.remittance_claim_id)
        .where(RemittanceLine.claim_line_id == counted_line.id,
               RemittanceClaim.claim_id == counted_line.claim_id,
               RemittanceClaim.reversed_by_id.is_(None), RemittanceClaim.secondary.is_(False),
               RemittanceClaim.status_code != "22")
        .order_by(RemittanceLine.remittance_claim_id.desc(), RemittanceLine.id.desc())
        .limit(1)
        .scalar_subquery()
    )  # fmt: skip
    posting = aliased(RemittanceLine)
    kinds = [
        and_(RemittanceAdjustment.group_code == group, RemittanceAdjustment.reason == reason)
        for group, reason in sorted(ALLOWED_ADJUSTMENTS)
    ]
    shares = (
        select(func.coalesce(func.sum(RemittanceAdjustment.amount_cents), 0))
        .where(RemittanceAdjustment.remittance_claim_id == posting.remittance_claim_id,
               RemittanceAdjustment.claim_line_id == posting.claim_line_id, or_(*kinds))
        .scalar_subquery()
    )  # fmt: skip
    return (
        select(posting.paid_cents + shares.correlate(posting))
        .where(posting.id == newest.correlate(counted_line))
        .scalar_subquery()
    )


def therapy_allowed(
    work: UnitOfWork, clients: Collection[int] | None = None, *, since: dt.date | None = None
) -> dict[AllowedKey, Decimal]:
    """The clients' allowed amounts per (client, year, KX group): see :func:`therapy_year`."""
    return therapy_year(work, clients, since=since)[0]


def therapy_year(
    work: UnitOfWork,
    clients: Collection[int] | None = None,
    *,
    since: dt.date | None = None,
    days: tuple[dt.date, dt.date] | None = None,
) -> tuple[dict[AllowedKey, Decimal], dict[DayKey, list[Service]]]:
    """The clients' allowed amounts per (client, year, KX group) on claims to payers with a
    KX threshold (Medicare), so the KX rule sees the whole year, not one claim. A line
    counts what its posted 835 allowed, else what the payer's fee schedule allows (Medicare's
    therapy reduction included); draft, denied and closed claims, voids and the claims a
    replacement or void supersedes count nothing. Each line counts on its own: a claim's
    line that no posted 835 has (the posting records a line an 835 left out as paid
    nothing, so this is a line without any remittance line) counts its estimate beside the
    posted lines' amounts. Only ``clients``' when given (the live check asks for one
    client); only services from ``since``.

    With them, each counted line by (client, payer profile, day): Medicare's multiple procedure
    reduction spans the client's whole day across claims, so a claim is priced with the lines
    of the same day on claims counted before it (payers.threshold.estimated_allowed).

    The database works out each posted line's allowed amount (the newest posting's paid
    amount and adjustments, as :func:`payers.fee_schedule.allowed_from_remittance` adds
    them); only the days with a line to estimate are priced line by line (the estimate
    prices a line with its day's other lines, posted or not) and, when ``days`` (first,
    last) is given, every day between them (the days the caller scrubs claims of, whose
    lines the KX rule prices with the day's: a build's sessions); the same-day lines are
    those days'. Without ``days`` every day is priced so, as the live check needs."""
    payers = _kx_payers(work)
    allowed: dict[AllowedKey, Decimal] = defaultdict(Decimal)
    same_day: dict[DayKey, list[Service]] = defaultdict(list)
    if not payers:
        return allowed, same_day
    superseding = aliased(ClaimRecord)
    # the claims a counted replacement or void supersedes (CMS frequency codes 7 and 8)
    superseded = select(superseding.original_claim_id).where(
        *_picked(superseding, payers, clients, since),
        superseding.original_claim_id.is_not(None),
        superseding.status.not_in(NOT_COUNTED),
    )
    rows = bulk_reads.rows(
        work,
        select(ClaimLine.claim_id, ClaimRecord.client_id, ClaimRecord.payer_id,
               Provider.discipline, _posted_cents(ClaimLine),
               bulk_reads.as_read(work, ClaimLine.date_of_service), ClaimLine.code,
               ClaimLine.modifiers, ClaimLine.units, ClaimLine.charge_cents,
               TherapySession.place_of_service)
        .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
        .join(Provider, Provider.id == ClaimRecord.provider_id)
        .outerjoin(TherapySession, TherapySession.id == ClaimLine.session_id)
        .where(*_picked(ClaimRecord, payers, clients, since),
               ClaimRecord.status.not_in(NOT_COUNTED), ClaimRecord.frequency_code != "8",
               ClaimRecord.id.not_in(superseded))
        .order_by(ClaimLine.claim_id, ClaimLine.line_number),
        practice_tables=(ClaimLine, ClaimRecord, Provider),
    )  # fmt: skip
    days_of = bulk_reads.Days()
    # the (client, day)s priced line by line: a line to estimate, or a day the caller scrubs
    needed = {(row[1], row[5]) for row in rows if row[4] is None}
    if days is None:
        needed.update((row[1], row[5]) for row in rows)
    else:
        needed.update((row[1], row[5]) for row in rows if days[0] <= days_of[row[5]] <= days[1])
    groups: dict[tuple[str, str], str | None] = {}

    def group_of(modifiers: str, discipline: str) -> str | None:
        key = (modifiers, discipline)
        if key not in groups:
            groups[key] = line_group(modifiers.split(","), discipline)
        return groups[key]

    # A claim's estimates depend on its payer, place, and each line's year (the fee
    # schedule's), day (a day's units are priced together), code, units and charge: claims
    # alike in those are priced once (a practice bills the same visits week after week).
    priced: dict[tuple[Any, ...], list[Decimal]] = {}
    # a line as the threshold counts it, made once per (day, code, units, cents): frozen, so
    # the claims alike share it
    made: dict[tuple[dt.date, str, int, int], Service] = {}
    for _, claim_rows in itertools.groupby(rows, key=itemgetter(0)):
        lines = list(claim_rows)
        _, client_id, payer_id, discipline, _, _, _, _, _, _, place = lines[0]
        client = str(client_id)
        if not any((client_id, line[5]) in needed for line in lines):
            # posted, every line, on days no estimate needs: what the 835s allowed
            for *_, posted, raw_day, _, modifiers, _, _, _ in lines:
                if (group := group_of(modifiers, discipline)) is not None:
                    allowed[(client, days_of[raw_day].year, group)] += to_decimal(int(posted))
            continue
        place = place or "11"
        profile = payers[payer_id]
        services = []
        order: dict[dt.date, int] = {}  # the claim's days, in the order of its lines
        shape: list[Any] = [payer_id, place]
        for *_, raw_day, code, _, units, cents, _ in lines:
            day = days_of[raw_day]
            key = (day, code, units, cents)
            service = made.get(key)
            if service is None:
                service = made[key] = Service(day, code, units, to_decimal(cents))
            services.append(service)
            shape += (day.year, order.setdefault(day, len(order)), code, units, cents)
        earlier = [s for day in sorted(order) for s in same_day.get((client, profile.id, day), ())]
        for service in services:
            same_day[(client, profile.id, service.day)].append(service)
        estimates: list[Decimal] | None = None
        if any(line[4] is None for line in lines):
            shape_key = tuple(shape)
            estimates = None if earlier else priced.get(shape_key)
            if estimates is None:
                estimates = estimated_allowed(profile, services, place, earlier=earlier)
                if not earlier:
                    priced[shape_key] = estimates
        for index, (*_, posted, _, _, modifiers, _, _, _) in enumerate(lines):
            if (group := group_of(modifiers, discipline)) is None:
                continue
            year = services[index].day.year
            if posted is None:
                assert estimates is not None
                allowed[(client, year, group)] += estimates[index]
            else:
                allowed[(client, year, group)] += to_decimal(int(posted))
    return allowed, same_day


# what a Scrubber reads of its clients: the year's allowed amounts, the same day's counted
# services, the lines already billed
Known = tuple[dict[AllowedKey, Decimal], dict[DayKey, list[Service]], dict[BilledKey, int]]


class Scrubber:
    """The scrubber with its tables loaded once per build (or live check).

    ``clients`` limits the year's allowed amounts read for the KX rule to those clients;
    ``today`` replaces the tables' date (tables kept by a long-running process are older);
    ``since``: the first day whose allowed amounts are read (default January 1 of last year;
    a build reads from the first year of its services, the only years its claims count).
    ``days``: the first and last day of the claims scrubbed (a build's), when known: the
    same-day lines are then read for those days only (see :func:`therapy_year`).
    ``known``: what :func:`therapy_year` and :func:`billed_lines` answered for these clients
    and sessions already (the live check keeps them per client and day, see
    ``live_check.ClientDay``); copied, as :meth:`remember` adds to them. ``ledger``: the
    ledger's generation read already in this transaction (the payer records' stamp).
    """

    def __init__(
        self,
        work: UnitOfWork,
        sessions: Sequence[TherapySession | SessionRow],
        loaded: ScrubContext | None,
        *,
        clients: Collection[int] | None = None,
        today: dt.date | None = None,
        since: dt.date | None = None,
        days: tuple[dt.date, dt.date] | None = None,
        known: Known | None = None,
        ledger: tuple[int, int] | None = None,
    ) -> None:
        self.work = work
        # the payer profiles as this scrub run found them (read once, not per claim)
        self.profiles = profiles.payer_profiles()
        tables = loaded or ScrubContext.load()
        day = today or tables.today
        since = since or dt.date(day.year - 1, 1, 1)
        if known is None:
            self.allowed, self.same_day = therapy_year(work, clients, since=since, days=days)
            self.billed = billed_lines(work, sessions)
        else:
            allowed, same_day, billed = known
            self.allowed = defaultdict(Decimal, allowed)
            self.same_day = defaultdict(list, {k: list(v) for k, v in same_day.items()})
            self.billed = dict(billed)
        self.context = dataclasses.replace(
            tables,
            therapy_allowed=self.allowed,
            therapy_same_day=self.same_day,
            today=day,
            payer_records=insights.payer_records(work.db, today=day, stamp=ledger),
        )

    def fill(self, document: doc.Claim) -> doc.Claim:
        """``document`` with the client's allowed amounts so far in each year and KX group
        of its lines (``therapy_allowed_to_date``), when its payer has a KX threshold."""
        payer = self.profiles.get(document.payer.id)
        if payer is None or not payer.kx_thresholds or document.therapy_allowed_to_date:
            return document
        keys = sorted(
            {
                (line.date.year, group)
                for line in document.lines
                if (group := line_group(line.modifiers, document.provider.discipline))
            }
        )
        to_date = [
            doc.TherapyAllowed(
                year=year,
                group=group,
                allowed=self.allowed.get((document.client.id, year, group), Decimal("0.00")),
            )
            for year, group in keys
        ]
        return document.model_copy(update={"therapy_allowed_to_date": to_date})

    def __call__(self, *, document: doc.Claim, claim: ClaimRecord | DraftClaim) -> list[Finding]:
        """The scrubber's findings for ``document``, then the lines already billed."""
        found = list(scrub_claim(self.fill(document), self.context).findings)
        return found + duplicate_lines(claim, self.billed, document.provider.discipline)

    def remember(self, *, document: doc.Claim, claim: ClaimRecord | DraftClaim) -> None:
        """A claim the build wrote: later claims of the build see its lines (duplicates)
        and, unless it stays a draft, to a payer with a KX threshold, its allowed amounts
        (the year's total)."""
        assert claim.id is not None, "the build remembers a numbered claim"
        discipline = document.provider.discipline
        for billed in claim.lines:
            billed_key = (claim.client_id, billed.date_of_service, billed.code, discipline)
            self.billed.setdefault(billed_key, claim.id)
        payer = self.profiles.get(document.payer.id)
        if payer is None or not payer.kx_thresholds or claim.status in NOT_COUNTED:
            return
        services = [
            Service(ln.date, ln.code, ln.units if ln.units is not None else 1, ln.charge)
            for ln in document.lines
        ]
        client = document.client.id
        day_keys = sorted({(client, payer.id, s.day) for s in services})
        earlier = [s for key in day_keys for s in self.same_day.get(key, ())]
        amounts = estimated_allowed(payer, services, document.place_of_service, earlier=earlier)
        for service in services:
            self.same_day.setdefault((client, payer.id, service.day), []).append(service)
        for line, amount in zip(document.lines, amounts, strict=True):
            group = line_group(line.modifiers, document.provider.discipline)
            if group:
                key = (document.client.id, line.date.year, group)
                self.allowed[key] = self.allowed.get(key, Decimal("0.00")) + amount
