"""Payer insights: what each payer really paid and denied, from the posted remittances.

One row per posted 835 service line (a payment reversed by the payer, CLP02 22, is left out
with the payment it took back), grouped by payer × code × modifiers (and, on request,
provider and place of service): claims, units, allowed and paid per unit (median and range),
denials by reason (CARC), days from submission to the payment date, and a trend by month.

Allowed = paid + the patient's share (PR-1/2/3) + sequestration (CO-253), the arithmetic of
``payers.fee_schedule.allowed_from_remittance``. A line is denied when the payer allowed it
nothing; its reasons are the CARCs of its adjustments other than the patient's share.

Nothing here is estimated: every figure comes with the number of lines it is drawn from and
the dates of service they span; advice sentences (``payers.record``) need at least
``MIN_EVIDENCE`` lines.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from therabill.errors import InvalidInput
from therabill.payers.fee_schedule import ALLOWED_ADJUSTMENTS, allowed_from_remittance
from therabill.payers.record import CodeRecord, PayerRecord
from therabill.store import tenancy
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    ClaimStatusChange,
    Payer,
    Provider,
    RemittanceAdjustment,
    RemittanceClaim,
    RemittanceLine,
    RemittanceRecord,
    TherapySession,
)
from therabill.store.services import caches
from therabill.store.services.context import UnitOfWork

GROUPINGS = ("payer", "code", "modifiers", "provider", "place")
DEFAULT_GROUPING = ("payer", "code", "modifiers")
NOT_A_DENIAL = frozenset({"253"})  # sequestration cuts a payment; it never denies one
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PaidLine:
    """One posted service line as the payer decided it."""

    payer_id: int
    payer: str
    claim_id: int
    code: str
    modifiers: str
    provider_id: int
    provider: str
    place: str
    date_of_service: dt.date
    units: int
    charge_cents: int
    paid_cents: int
    allowed_cents: int
    reasons: tuple[str, ...]  # group-CARC of every adjustment, e.g. ("CO-45", "PR-2")
    submitted: dt.date | None
    paid_on: dt.date | None

    @property
    def denied(self) -> bool:
        return _denied(self.allowed_cents, self.charge_cents)

    @property
    def denial_reasons(self) -> list[str]:
        return _denial_reasons(self.reasons)

    @property
    def days_to_payment(self) -> int | None:
        return _days_to_payment(self.submitted, self.paid_on)


def _denied(allowed_cents: int, charge_cents: int) -> bool:
    return allowed_cents <= 0 and charge_cents > 0


def _denial_reasons(reasons: Sequence[str]) -> list[str]:
    return [r.split("-", 1)[1] for r in reasons
            if not r.startswith("PR-") and r.split("-", 1)[1] not in NOT_A_DENIAL]  # fmt: skip


def _days_to_payment(submitted: dt.date | None, paid_on: dt.date | None) -> int | None:
    if submitted is None or paid_on is None:
        return None
    return max((paid_on - submitted).days, 0)


def _dollars(cents: Decimal | int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _spread(values: Sequence[Decimal]) -> dict[str, str] | None:
    """Median and range of per-unit amounts in dollars (None without values)."""
    if not values:
        return None
    return {
        "median": str(_dollars(statistics.median(values))),
        "min": str(_dollars(min(values))),
        "max": str(_dollars(max(values))),
    }


def _lines_query(
    *,
    payer_id: int | None,
    code: str | None,
    start: dt.date | None,
    end: dt.date | None,
    codes: Sequence[str] | None = None,
) -> Select[*tuple[Any, ...]]:
    query = (
        select(
            RemittanceLine.remittance_claim_id,
            RemittanceLine.claim_line_id,
            RemittanceLine.charge_cents,
            RemittanceLine.paid_cents,
            ClaimLine.code,
            ClaimLine.modifiers,
            ClaimLine.units,
            ClaimLine.date_of_service,
            ClaimRecord.id,
            ClaimRecord.provider_id,
            func.coalesce(RemittanceClaim.payer_id, ClaimRecord.payer_id),
            func.coalesce(RemittanceRecord.payment_date, func.date(RemittanceRecord.posted_at)),
            TherapySession.place_of_service,
        )
        .join(RemittanceClaim, RemittanceClaim.id == RemittanceLine.remittance_claim_id)
        .join(RemittanceRecord, RemittanceRecord.id == RemittanceClaim.remittance_id)
        .join(ClaimLine, ClaimLine.id == RemittanceLine.claim_line_id)
        .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
        .outerjoin(TherapySession, TherapySession.id == ClaimLine.session_id)
        .where(RemittanceClaim.reversed_by_id.is_(None), RemittanceClaim.status_code != "22")
    )
    if payer_id is not None:
        query = query.where(
            func.coalesce(RemittanceClaim.payer_id, ClaimRecord.payer_id) == payer_id
        )
    if code is not None:
        query = query.where(ClaimLine.code == code)
    if codes is not None:
        query = query.where(ClaimLine.code.in_(list(codes)))
    if start is not None:
        query = query.where(ClaimLine.date_of_service >= start)
    if end is not None:
        query = query.where(ClaimLine.date_of_service <= end)
    return query


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def paid_lines(
    db: Session,
    *,
    payer_id: int | None = None,
    code: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    codes: Sequence[str] | None = None,
) -> list[PaidLine]:
    """Every posted line (not reversed) matching the filters, oldest service first."""
    query = _lines_query(payer_id=payer_id, code=code, start=start, end=end, codes=codes)
    rows = db.execute(query).all()
    if not rows:
        return []
    claim_ids = {row[8] for row in rows}
    adjustments: dict[tuple[int, int], list[tuple[str, str, int]]] = defaultdict(list)
    remit_claims = {row[0] for row in rows}
    for chunk in _chunks(sorted(remit_claims)):
        for rc, line, group, reason, cents in db.execute(
            select(
                RemittanceAdjustment.remittance_claim_id,
                RemittanceAdjustment.claim_line_id,
                RemittanceAdjustment.group_code,
                RemittanceAdjustment.reason,
                RemittanceAdjustment.amount_cents,
            ).where(RemittanceAdjustment.remittance_claim_id.in_(chunk))
        ):
            if line is not None:
                adjustments[(rc, line)].append((group, reason, cents))
    submitted: dict[int, dt.date | None] = {}
    for chunk in _chunks(sorted(claim_ids)):
        for claim_id, first in db.execute(
            select(ClaimStatusChange.claim_id, func.min(ClaimStatusChange.at))
            .where(ClaimStatusChange.to_status == "submitted")
            .where(ClaimStatusChange.claim_id.in_(chunk))
            .group_by(ClaimStatusChange.claim_id)
        ):
            submitted[claim_id] = _as_date(first)
    payers: dict[int, str] = {pid: name for pid, name in db.execute(select(Payer.id, Payer.name))}
    providers = {
        pid: f"{first} {last}"
        for pid, first, last in db.execute(
            select(Provider.id, Provider.first_name, Provider.last_name)
        )
    }
    lines = []
    for (
        rc,
        line_id,
        charge,
        paid,
        code_,
        mods,
        units,
        dos,
        claim_id,
        prov,
        payer,
        paid_on,
        pos,
    ) in rows:
        adj = adjustments.get((rc, line_id), [])
        lines.append(
            PaidLine(
                payer_id=payer,
                payer=payers.get(payer, f"#{payer}"),
                claim_id=claim_id,
                code=code_,
                modifiers=mods or "",
                provider_id=prov,
                provider=providers.get(prov, f"#{prov}"),
                place=pos or "",
                date_of_service=dos,
                units=max(int(units or 1), 1),
                charge_cents=charge,
                paid_cents=paid,
                allowed_cents=allowed_from_remittance(paid, adj),
                reasons=tuple(f"{g}-{r}" for g, r, _ in adj),
                submitted=submitted.get(claim_id),
                paid_on=_as_date(paid_on),
            )
        )
    lines.sort(key=lambda ln: (ln.date_of_service, ln.claim_id))
    return lines


def _chunks(values: Sequence[int], size: int = 900) -> Iterable[Sequence[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


@dataclass
class Summary:
    """The figures of one group of lines."""

    key: dict[str, str]
    lines: list[PaidLine] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        paid = [ln for ln in self.lines if not ln.denied]
        denied = [ln for ln in self.lines if ln.denied]
        reasons: Counter[str] = Counter(r for ln in denied for r in set(ln.denial_reasons))
        days = [d for ln in self.lines if (d := ln.days_to_payment) is not None]
        return {
            **self.key,
            "claims": len({ln.claim_id for ln in self.lines}),
            "lines": len(self.lines),
            "units": sum(ln.units for ln in self.lines),
            "paid_cents": sum(ln.paid_cents for ln in self.lines),
            "allowed_per_unit": _spread([Decimal(ln.allowed_cents) / ln.units for ln in paid]),
            "paid_per_unit": _spread([Decimal(ln.paid_cents) / ln.units for ln in paid]),
            "denied_lines": len(denied),
            "denial_rate": round(len(denied) / len(self.lines), 3) if self.lines else 0.0,
            "denials_by_carc": dict(reasons.most_common()),
            "days_to_payment": {
                "mean": round(statistics.fmean(days), 1),
                "median": statistics.median(days),
                "n": len(days),
            }
            if days
            else None,
            "first_service": self.lines[0].date_of_service.isoformat() if self.lines else None,
            "last_service": self.lines[-1].date_of_service.isoformat() if self.lines else None,
        }


def _key(line: PaidLine, grouping: Sequence[str]) -> dict[str, str]:
    values = {
        "payer": line.payer,
        "code": line.code,
        "modifiers": line.modifiers,
        "provider": line.provider,
        "place": line.place,
    }
    return {name: values[name] for name in grouping}


def summarize(
    lines: Iterable[PaidLine], grouping: Sequence[str] = DEFAULT_GROUPING
) -> list[Summary]:
    """Lines grouped by ``grouping`` (names from ``GROUPINGS``), most lines first."""
    groups: dict[tuple[str, ...], Summary] = {}
    for line in lines:
        key = _key(line, grouping)
        groups.setdefault(tuple(key.values()), Summary(key)).lines.append(line)
    return sorted(groups.values(), key=lambda s: (-len(s.lines), tuple(s.key.values())))


def trend(lines: Iterable[PaidLine]) -> list[dict[str, Any]]:
    """Per month of service, payer and code: lines, units, paid and the median paid per unit."""
    months: dict[tuple[str, str, str], list[PaidLine]] = defaultdict(list)
    for line in lines:
        months[(line.date_of_service.strftime("%Y-%m"), line.payer, line.code)].append(line)
    out = []
    for (month, payer, code), group in sorted(months.items()):
        paid = [Decimal(ln.paid_cents) / ln.units for ln in group if not ln.denied]
        out.append(
            {
                "month": month,
                "payer": payer,
                "code": code,
                "lines": len(group),
                "units": sum(ln.units for ln in group),
                "paid_cents": sum(ln.paid_cents for ln in group),
                "denied_lines": sum(ln.denied for ln in group),
                "paid_per_unit_median": str(_dollars(statistics.median(paid))) if paid else None,
            }
        )
    return out


def payer_days(lines: Iterable[PaidLine]) -> list[dict[str, Any]]:
    """Per payer: claims paid and the days from submission to payment (mean, median)."""
    per: dict[str, dict[int, int]] = defaultdict(dict)
    for line in lines:
        days = line.days_to_payment
        if days is not None:
            per[line.payer][line.claim_id] = days
    return [
        {
            "payer": payer,
            "claims": len(claims),
            "mean_days": round(statistics.fmean(claims.values()), 1),
            "median_days": statistics.median(claims.values()),
        }
        for payer, claims in sorted(per.items())
    ]


def _payer_id(work: UnitOfWork, payer: str | None) -> int | None:
    if payer is None or not payer.strip():
        return None
    from therabill.store.services.code_advice import find_payer

    return find_payer(work, payer).id


def insights(
    work: UnitOfWork,
    *,
    payer: str | None = None,
    code: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    grouping: Sequence[str] = DEFAULT_GROUPING,
) -> dict[str, Any]:
    """Everything ``therabill insights`` and the Insights page show, for the filters given."""
    unknown = [g for g in grouping if g not in GROUPINGS]
    if unknown or not grouping:
        raise InvalidInput(
            f"group by {', '.join(GROUPINGS)} (not {', '.join(unknown) or 'nothing'})",
            field="by",
        )
    if start is not None and end is not None and start > end:
        raise InvalidInput(f"{start} is after {end}", field="from")
    wanted_code = code.strip().upper() if code else None
    lines = paid_lines(
        work.db, payer_id=_payer_id(work, payer), code=wanted_code, start=start, end=end
    )
    work.audit("read", "payer_insights", None, f"{len(lines)} lines")
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "payer": payer,
        "code": wanted_code,
        "grouping": list(grouping),
        "lines": len(lines),
        "first_service": lines[0].date_of_service.isoformat() if lines else None,
        "last_service": lines[-1].date_of_service.isoformat() if lines else None,
        "groups": [s.to_dict() for s in summarize(lines, grouping)],
        "trend": trend(lines),
        "payers": payer_days(lines),
    }


@dataclass(frozen=True, slots=True)
class _Lines:
    """Which posted lines a payer record sums: service up to ``end`` (from ``start`` if
    given), of one payer (by the id :func:`_lines_query` filters on) and some codes if given."""

    end: dt.date
    start: dt.date | None = None
    payer_id: int | None = None
    codes: tuple[str, ...] | None = None


def _record_query(
    lines: _Lines, *, practice: int | None, paid_on: bool
) -> Select[*tuple[Any, ...]]:
    """The posted lines (not reversed) that ``lines`` names, as :func:`_lines_query` finds
    them, over the tables the payer records read (``paid_on``: with the remittance, for its
    payment date), limited to ``practice`` as the ORM's hook would (Core statements do not
    get the hook; row-level security holds it too)."""
    tables: list[Any] = [RemittanceLine, RemittanceClaim, ClaimLine, ClaimRecord]
    query = (
        select(RemittanceLine.id)
        .join(RemittanceClaim, RemittanceClaim.id == RemittanceLine.remittance_claim_id)
        .join(ClaimLine, ClaimLine.id == RemittanceLine.claim_line_id)
        .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
        .where(RemittanceClaim.reversed_by_id.is_(None), RemittanceClaim.status_code != "22",
               ClaimLine.date_of_service <= lines.end)
    )  # fmt: skip
    if lines.start is not None:
        query = query.where(ClaimLine.date_of_service >= lines.start)
    if lines.payer_id is not None:
        payer = func.coalesce(RemittanceClaim.payer_id, ClaimRecord.payer_id)
        query = query.where(payer == lines.payer_id)
    if lines.codes is not None:
        query = query.where(ClaimLine.code.in_(lines.codes))
    if paid_on:
        query = query.join(RemittanceRecord, RemittanceRecord.id == RemittanceClaim.remittance_id)
        tables.append(RemittanceRecord)
    if practice is not None:
        query = query.where(*(table.practice_id == practice for table in tables))
    return query


class _Code:
    """What a payer's record keeps of one code's lines while they are summed (per payer
    name, as :func:`record_of` groups them): counts, dates, each paid line's paid amount per
    unit with how many lines paid it, and the denied lines themselves."""

    __slots__ = ("denied", "first", "last", "lines", "paid", "paid_first", "paid_last", "per_unit")

    def __init__(self) -> None:
        self.lines = 0
        self.first: dt.date | None = None
        self.last: dt.date | None = None
        self.paid = 0
        self.paid_first: dt.date | None = None
        self.paid_last: dt.date | None = None
        self.per_unit: list[tuple[Decimal, int]] = []
        # (service date, claim, remittance claim, claim line) of each denied line
        self.denied: list[tuple[dt.date, int, int, int]] = []

    def add(self, count: int, first: dt.date, last: dt.date) -> None:
        self.lines += count
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)

    def add_paid(self, per_unit: Decimal, count: int, first: dt.date, last: dt.date) -> None:
        self.paid += count
        self.per_unit.append((per_unit, count))
        self.paid_first = first if self.paid_first is None else min(self.paid_first, first)
        self.paid_last = last if self.paid_last is None else max(self.paid_last, last)

    def median(self) -> Decimal | None:
        """``statistics.median`` of the paid lines' amounts per unit, from their counts."""
        if not self.paid:
            return None
        ordered = sorted(self.per_unit, key=lambda pair: pair[0])
        wanted = [self.paid // 2] if self.paid % 2 else [self.paid // 2 - 1, self.paid // 2]
        found: list[Decimal] = []
        seen = 0
        for value, count in ordered:
            seen += count
            while wanted and wanted[0] < seen:
                found.append(value)
                wanted.pop(0)
            if not wanted:
                break
        return found[0] if len(found) == 1 else (found[0] + found[1]) / 2

    def record(self, code: str, reasons: dict[tuple[int, int], list[str]]) -> CodeRecord:
        assert self.first is not None and self.last is not None
        counted: Counter[str] = Counter()
        for _, _, rc, line in sorted(self.denied):
            counted.update(set(_denial_reasons(reasons.get((rc, line), ()))))
        return CodeRecord(
            code=code,
            lines=self.lines,
            first=self.first,
            last=self.last,
            paid=self.paid,
            paid_median_cents=self.median(),
            paid_first=self.paid_first,
            paid_last=self.paid_last,
            denied=len(self.denied),
            reasons=tuple(r for r, _ in counted.most_common()),
        )


def _summed_records(db: Session, lines: _Lines) -> dict[str, PayerRecord]:
    """Every payer's record (:func:`record_of`) over the posted lines (not reversed) that
    ``lines`` names, by payer name, summed by the database: per payer,
    code, units and paid amount the lines' count and dates (their median per unit is the
    median of those groups' amounts, weighted by their counts); the denied lines one by one
    (a line is denied when its allowed amount, paid plus PR-1/2/3 and CO-253 as
    payers.fee_schedule.allowed_from_remittance adds them, is nothing) with their
    adjustments' reasons; per payer and claim, the newest service's payment date (the days to
    payment). Equal to :func:`record_of` over the lines one by one
    (tests/store/test_store_payer_records.py)."""
    kinds = [
        and_(RemittanceAdjustment.group_code == group, RemittanceAdjustment.reason == reason)
        for group, reason in sorted(ALLOWED_ADJUSTMENTS)
    ]
    connection = db.connection()
    practice = tenancy.transaction_practice(connection)
    query = _record_query(lines, practice=practice, paid_on=False)
    shares: Any
    if connection.dialect.name == "postgresql":
        # the patient's shares and sequestration summed per line once, then joined: as a
        # correlated sum per line the planner's estimate is high enough for PostgreSQL to
        # compile the statement (JIT, about 2.5 s of the server's time at 117,000 lines)
        adjustments = [] if practice is None else [RemittanceAdjustment.practice_id == practice]
        summed = (
            select(RemittanceAdjustment.remittance_claim_id, RemittanceAdjustment.claim_line_id,
                   func.sum(RemittanceAdjustment.amount_cents).label("cents"))
            .where(or_(*kinds), *adjustments)
            .group_by(RemittanceAdjustment.remittance_claim_id,
                      RemittanceAdjustment.claim_line_id)
            .subquery()
        )  # fmt: skip
        query = query.outerjoin(
            summed,
            and_(summed.c.remittance_claim_id == RemittanceLine.remittance_claim_id,
                 summed.c.claim_line_id == RemittanceLine.claim_line_id),
        )  # fmt: skip
        shares = func.coalesce(summed.c.cents, 0)
    else:  # SQLite: one look-up per line by the index is cheaper than summing them all
        shares = (
            select(func.coalesce(func.sum(RemittanceAdjustment.amount_cents), 0))
            .where(RemittanceAdjustment.remittance_claim_id == RemittanceLine.remittance_claim_id,
                   RemittanceAdjustment.claim_line_id == RemittanceLine.claim_line_id,
                   or_(*kinds))
            .scalar_subquery()
        )  # fmt: skip
    payer = func.coalesce(RemittanceClaim.payer_id, ClaimRecord.payer_id)
    denied = case(
        (and_(RemittanceLine.paid_cents + shares <= 0, RemittanceLine.charge_cents > 0),
         RemittanceLine.id),
        else_=None,
    )  # fmt: skip
    each = query.with_only_columns(
        payer.label("payer"), ClaimLine.code, ClaimLine.units, RemittanceLine.paid_cents,
        ClaimLine.date_of_service, RemittanceLine.remittance_claim_id,
        RemittanceLine.claim_line_id, ClaimRecord.id.label("claim"), denied.label("denied"),
    ).subquery()  # fmt: skip
    key = (each.c.payer, each.c.code, each.c.units, each.c.paid_cents, each.c.denied)
    groups = connection.execute(
        select(*key, func.count(), func.min(each.c.date_of_service),
               func.max(each.c.date_of_service), func.min(each.c.remittance_claim_id),
               func.min(each.c.claim_line_id), func.min(each.c.claim))
        .group_by(*key)
    ).all()  # fmt: skip
    if not groups:
        return {}
    names: dict[int, str] = dict(connection.execute(select(Payer.id, Payer.name)).all())
    per: dict[str, dict[str, _Code]] = defaultdict(dict)
    denied_lines: set[tuple[int, int]] = set()
    for payer_id, code, units, paid, denied_id, count, first, last, rc, line, claim in groups:
        codes = per[names.get(payer_id, f"#{payer_id}")]
        entry = codes.get(code) or codes.setdefault(code, _Code())
        entry.add(count, first, last)
        if denied_id is None:
            entry.add_paid(Decimal(paid) / max(int(units or 1), 1), count, first, last)
        else:
            entry.denied.append((first, claim, rc, line))
            denied_lines.add((rc, line))
    reasons: dict[tuple[int, int], list[str]] = defaultdict(list)
    remit_claims = sorted({rc for rc, _ in denied_lines})
    for at in range(0, len(remit_claims), 900):
        for rc, line, group, reason in connection.execute(
            select(RemittanceAdjustment.remittance_claim_id, RemittanceAdjustment.claim_line_id,
                   RemittanceAdjustment.group_code, RemittanceAdjustment.reason)
            .where(RemittanceAdjustment.remittance_claim_id.in_(remit_claims[at : at + 900]))
        ):  # fmt: skip
            if line is not None and (rc, line) in denied_lines:
                reasons[(rc, line)].append(f"{group}-{reason}")
    days = _days_to_pay(
        connection, _record_query(lines, practice=practice, paid_on=True),
        practice, names,
    )  # fmt: skip
    records = {}
    for name, codes in per.items():
        spent = days.get(name)
        records[name] = PayerRecord(
            payer=name,
            codes={
                code: entry.record(code, reasons)
                for code, entry in sorted(codes.items(), key=lambda item: (item[1].first, item[0]))
            },
            days_mean=round(spent.total / spent.claims, 1) if spent else None,
            days_claims=spent.claims if spent else 0,
            days_first=spent.first if spent else None,
            days_last=spent.last if spent else None,
        )
    return records


class _Days:
    """A payer's claims' days from submission to payment while they are summed."""

    __slots__ = ("claims", "first", "last", "total")

    def __init__(self) -> None:
        self.claims = 0
        self.total = 0
        self.first: dt.date | None = None
        self.last: dt.date | None = None

    def add(self, days: int, claims: int, first: dt.date, last: dt.date) -> None:
        self.claims += claims
        self.total += days * claims
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)


def _days_to_pay(
    connection: Connection,
    query: Select[*tuple[Any, ...]],
    practice: int | None,
    names: dict[int, str],
) -> dict[str, _Days]:
    """Per payer name, its claims' days from the first submission to the payment date of
    the claim's newest line with the payer (what :func:`record_of` keeps per claim), from
    the posted lines of ``query`` (:func:`_record_query`'s). The database groups the claims
    by payer, submission day and payment day (a few rows per payer and week); a claim whose
    lines the payer paid on different days is read line by line."""
    paid_on = func.coalesce(RemittanceRecord.payment_date, func.date(RemittanceRecord.posted_at))
    payer = func.coalesce(RemittanceClaim.payer_id, ClaimRecord.payer_id)
    changes = [] if practice is None else [ClaimStatusChange.practice_id == practice]
    per_claim = (
        query.with_only_columns(
            payer.label("payer"), ClaimRecord.id.label("claim"),
            func.max(ClaimLine.date_of_service).label("last"), func.min(paid_on).label("early"),
            func.max(paid_on).label("late"),
        )
        .group_by(payer, ClaimRecord.id)
        .subquery()
    )  # fmt: skip
    submitted = (
        select(func.date(func.min(ClaimStatusChange.at)))
        .where(ClaimStatusChange.claim_id == per_claim.c.claim,
               ClaimStatusChange.to_status == "submitted", *changes)
        .scalar_subquery()
    )  # fmt: skip
    dated = select(
        per_claim.c.payer, per_claim.c.last, per_claim.c.early,
        case((per_claim.c.early != per_claim.c.late, per_claim.c.claim), else_=None).label("mixed"),
        submitted.label("submitted"),
    ).subquery()  # fmt: skip
    key = (dated.c.payer, dated.c.submitted, dated.c.early, dated.c.mixed)
    out: dict[str, _Days] = defaultdict(_Days)
    mixed: dict[tuple[str, int], dt.date] = {}
    for payer_id, day, on, claim, count, first, last in connection.execute(
        select(*key, func.count(), func.min(dated.c.last), func.max(dated.c.last))
        .where(dated.c.submitted.is_not(None))
        .group_by(*key)
    ):  # fmt: skip
        submitted_on, paid = _as_date(day), _as_date(on)
        name = names.get(payer_id, f"#{payer_id}")
        if claim is not None:  # paid on more than one day: its newest line decides
            assert submitted_on is not None
            mixed[name, claim] = submitted_on
        elif (d := _days_to_payment(submitted_on, paid)) is not None:
            out[name].add(d, count, first, last)
    claims = sorted({claim for _, claim in mixed})
    for at in range(0, len(claims), 900):
        newest: dict[tuple[str, int], tuple[dt.date, dt.date]] = {}
        for payer_id, claim_id, day, last in connection.execute(
            query.with_only_columns(payer, ClaimRecord.id, paid_on,
                                    func.max(ClaimLine.date_of_service))
            .where(ClaimRecord.id.in_(claims[at : at + 900]))
            .group_by(payer, ClaimRecord.id, paid_on)
        ):  # fmt: skip
            name = names.get(payer_id, f"#{payer_id}")
            if (on := _as_date(day)) is None or (name, claim_id) not in mixed:
                continue
            kept = newest.get((name, claim_id))
            if kept is None or (last, on) > kept:
                newest[name, claim_id] = (last, on)
        for (name, claim_id), (last, on) in newest.items():
            if (d := _days_to_payment(mixed[name, claim_id], on)) is not None:
                out[name].add(d, 1, last, last)
    return out


RECORD_DAYS = 365  # the advice reads the last year of posted lines
PAYER_RECORDS: caches.Stamped[dict[str, PayerRecord]] = caches.Stamped("payer records")


def record_of(payer: str, lines: Sequence[PaidLine]) -> PayerRecord:
    """One payer's record (``payers.record``) from its posted lines, oldest service first:
    the definition the database's sums (:func:`_summed_records`) are tested equal to."""
    by_code: dict[str, list[PaidLine]] = defaultdict(list)
    for line in lines:
        by_code[line.code].append(line)
    codes = {}
    for code, group in by_code.items():
        paid = [ln for ln in group if not ln.denied]
        denied = [ln for ln in group if ln.denied]
        reasons = Counter(r for ln in denied for r in set(ln.denial_reasons))
        codes[code] = CodeRecord(
            code=code,
            lines=len(group),
            first=group[0].date_of_service,
            last=group[-1].date_of_service,
            paid=len(paid),
            paid_median_cents=statistics.median(Decimal(ln.paid_cents) / ln.units for ln in paid)
            if paid
            else None,
            paid_first=paid[0].date_of_service if paid else None,
            paid_last=paid[-1].date_of_service if paid else None,
            denied=len(denied),
            reasons=tuple(r for r, _ in reasons.most_common()),
        )
    days: dict[int, tuple[int, dt.date]] = {}
    for line in lines:
        if (d := line.days_to_payment) is not None:
            days[line.claim_id] = (d, line.date_of_service)
    return PayerRecord(
        payer=payer,
        codes=codes,
        days_mean=round(statistics.fmean(d for d, _ in days.values()), 1) if days else None,
        days_claims=len(days),
        days_first=min(day for _, day in days.values()) if days else None,
        days_last=max(day for _, day in days.values()) if days else None,
    )


def payer_records(
    db: Session, *, today: dt.date, stamp: tuple[int, int] | None = None
) -> dict[str, PayerRecord]:
    """Every payer's record over the last ``RECORD_DAYS`` of service, by payer name; kept
    while the ledger's generation stays the same (posting an 835 moves it). ``stamp``: that
    generation, read already in this transaction (the live check reads it with the client's
    revision, ``revisions.client_and_ledger_stamp``)."""
    if stamp is None:
        stamp = caches.ledger_generation(db)
    key = (caches.database_key(db.get_bind().engine.url), today)

    def compute() -> dict[str, PayerRecord]:
        return _summed_records(db, _Lines(start=today - dt.timedelta(days=RECORD_DAYS), end=today))

    return PAYER_RECORDS.get(key, stamp, compute)


def paid_sentences(
    db: Session, *, payer_id: int, codes: Sequence[str], today: dt.date
) -> dict[str, str]:
    """Per code, the payer's record with it in sentences (codes with too few lines are left
    out). ``today`` bounds the dates of service (nothing from the future)."""
    if not codes:
        return {}
    out = {}
    for record in _summed_records(
        db, _Lines(end=today, payer_id=payer_id, codes=tuple(codes))
    ).values():
        for code, entry in record.codes.items():
            sentences = entry.sentences(record.payer)
            if sentences:
                out[code] = "; ".join(sentences)
    return out
