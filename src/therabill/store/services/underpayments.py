"""Contracted allowed amounts and underpayments.

A practice imports what each payer agreed to allow per unit (``therabill contract import``:
CSV ``code, modifier, allowed, reduced, effective, end``) for payer × code × modifier with
effective dates. A Medicare payer needs none: its profile's fee schedule (the MPFS, national
or the locality's, ``therabill payer import-fee-schedule``) is what it allows.

On posting an 835 (``flag_file``, called by the poster), every line the payer allowed less for
than agreed is an underpayment with the difference. What the 835 allowed is paid + the
patient's share (PR-1/2/3) + sequestration (CO-253, the 2% cut Medicare takes after the
allowed amount and the patient's share are set: First Coast, "Federal sequestration payment
reductions"; CMS CR 8378), so neither is mistaken for an underpayment
(``payers.fee_schedule.allowed_from_remittance``). The expected amount takes the multiple
procedure payment reduction where it applies: for Medicare's "always therapy" codes the unit
with the highest practice expense is paid in full and every other unit of the day at the
reduced amount (CMS Pub 100-04 ch. 5 §10.7; NGS Medicare and Novitas, "Multiple procedure
payment reduction"; ``payers.fee_schedule.day_allowed``); a contract applies it only when its
CSV gives a ``reduced`` amount. The day is the client's whole day with the payer, across
claims: the reduction "applies to all services furnished to a patient on the same day,
regardless of whether the services are provided in one therapy discipline or multiple
disciplines" (NGS Medicare, "Multiple procedure payment reduction"; Novitas, the same; CMS
CR 7050), so a PT claim and an OT claim for one visit day are ranked together. The lines of
the day's other claims already paid (not reversed) are ranked with the claim being posted;
when one of them was allowed its full first unit, the payer has spent the day's one full unit
on it, and every unit of the claim posted later is expected at the reduced amount (so paying
claims in the order they arrive is never taken for an underpayment). A denied line (allowed
nothing) is a denial, not an underpayment: the denials queue works it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from therabill.errors import InvalidInput
from therabill.payers import PayerProfile
from therabill.payers.fee_schedule import (
    FACILITY_PLACES,
    FeeSchedule,
    Rate,
    allowed_from_remittance,
    day_allowed,
)
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    ContractRate,
    Payer,
    RemittanceAdjustment,
    RemittanceClaim,
    RemittanceLine,
    RemittanceRecord,
    TherapySession,
    Underpayment,
)
from therabill.store.services import profiles
from therabill.store.services.code_advice import find_payer
from therabill.store.services.context import UnitOfWork

TOLERANCE_CENTS = 1  # a cent of rounding either way is no underpayment
STATUSES = ("open", "appealed", "closed")
CONTRACT_COLUMNS = ("code", "modifier", "allowed", "reduced", "effective", "end")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class ContractImport:
    payer: str
    rows: int
    codes: int

    def to_dict(self) -> dict[str, Any]:
        return {"payer": self.payer, "rows": self.rows, "codes": self.codes}


def _cents(text: str, field: str) -> int | None:
    value = text.strip().lstrip("$")
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"{text!r} is not an amount", field=field) from None
    if not amount.is_finite() or amount < 0 or amount >= 100_000:
        raise InvalidInput(f"{text!r} is out of range", field=field)
    return int((amount * 100).to_integral_value())


def _date(text: str, field: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


def import_contract(work: UnitOfWork, *, payer: str, text: str, file_name: str) -> ContractImport:
    """Read a contract CSV for ``payer`` (id or name) and store its rates; a row for a code,
    modifier and effective date already stored replaces it. Every row is checked before any
    is stored: a bad one names its row and column."""
    found = find_payer(work, payer)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("code", "allowed", "effective") if c not in header]
    if missing:
        raise InvalidInput(f"missing column(s): {', '.join(missing)}", field="file")
    rows: dict[tuple[str, str, dt.date], ContractRate] = {}
    for number, raw in enumerate(reader, start=2):
        if number > MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} rows", field="file")
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        where = f"row {number}"
        code = row.get("code", "").upper()
        if not code or len(code) != 5 or not code.isalnum():
            raise InvalidInput(f"{code!r} is not a procedure code", field=f"{where}: code")
        modifier = row.get("modifier", "").upper()
        if modifier and (len(modifier) != 2 or not modifier.isalnum()):
            raise InvalidInput(f"{modifier!r} is not a modifier", field=f"{where}: modifier")
        allowed = _cents(row.get("allowed", ""), f"{where}: allowed")
        if allowed is None:
            raise InvalidInput("the allowed amount per unit is needed", field=f"{where}: allowed")
        reduced = _cents(row.get("reduced", ""), f"{where}: reduced")
        effective = _date(row.get("effective", ""), f"{where}: effective")
        if effective is None:
            raise InvalidInput("the first date it applies is needed", field=f"{where}: effective")
        end = _date(row.get("end", ""), f"{where}: end")
        if end is not None and end < effective:
            raise InvalidInput(f"{end} is before {effective}", field=f"{where}: end")
        rows[(code, modifier, effective)] = ContractRate(
            payer_id=found.id, code=code, modifier=modifier, allowed_cents=allowed,
            reduced_cents=reduced, effective=effective, end=end,
            source=f"{file_name[:120]} (imported {dt.date.today().isoformat()})",
        )  # fmt: skip
    if not rows:
        raise InvalidInput("the file has no rates", field="file")
    existing = {
        (r.code, r.modifier, r.effective): r
        for r in work.db.execute(
            select(ContractRate).where(ContractRate.payer_id == found.id)
        ).scalars()
    }
    for key, rate in rows.items():
        old = existing.get(key)
        if old is not None:
            old.allowed_cents, old.reduced_cents = rate.allowed_cents, rate.reduced_cents
            old.end, old.source = rate.end, rate.source
        else:
            work.db.add(rate)
    work.db.flush()
    work.audit("import", "contract_rates", found.id, f"{len(rows)} rates from {file_name[:80]}")
    return ContractImport(found.name, len(rows), len({k[0] for k in rows}))


def contract_rates(work: UnitOfWork, *, payer: str) -> list[dict[str, Any]]:
    found = find_payer(work, payer)
    rates = work.db.execute(
        select(ContractRate)
        .where(ContractRate.payer_id == found.id)
        .order_by(ContractRate.code, ContractRate.modifier, ContractRate.effective)
    ).scalars()
    return [
        {
            "payer": found.name,
            "code": r.code,
            "modifier": r.modifier,
            "allowed": f"{Decimal(r.allowed_cents) / 100:.2f}",
            "reduced": None if r.reduced_cents is None else f"{Decimal(r.reduced_cents) / 100:.2f}",
            "effective": r.effective.isoformat(),
            "end": r.end.isoformat() if r.end else None,
            "source": r.source,
        }
        for r in rates
    ]


@dataclass(frozen=True)
class _Line:
    remittance_claim_id: int
    claim_line_id: int
    claim_id: int
    payer_id: int
    code: str
    modifiers: tuple[str, ...]
    units: int
    day: dt.date
    place: str
    paid_cents: int
    allowed_cents: int


def _rate_for(
    rates: Sequence[ContractRate], code: str, modifiers: Sequence[str], day: dt.date
) -> ContractRate | None:
    """The contract rate for a line: one for its modifier first, then one for any modifier."""
    current = [
        r for r in rates
        if r.code == code and r.effective <= day and (r.end is None or day <= r.end)
    ]  # fmt: skip
    for wanted in (*modifiers, ""):
        matching = [r for r in current if r.modifier == wanted]
        if matching:
            return max(matching, key=lambda r: r.effective)
    return None


@dataclass(frozen=True)
class _Pricing:
    """What one payer's lines of one day are priced by: a contract or a fee schedule."""

    schedule: FeeSchedule
    facility: bool
    basis: str
    cents_per_amount: int  # contract amounts are kept in cents, fee schedules in dollars

    def amounts(self, lines: Sequence[_Line], *, first_unit_paid: bool = False) -> list[int | None]:
        found = day_allowed(
            [(ln.code, ln.units) for ln in lines], self.schedule,
            facility=self.facility, first_unit_paid=first_unit_paid,
        )  # fmt: skip
        return [
            None if a is None else int((a * self.cents_per_amount).to_integral_value())
            for a in found
        ]

    @property
    def reduces(self) -> bool:
        """Whether any unit is paid at a reduced amount after the day's first (Medicare's
        multiple procedure payment reduction, or a contract's reduced amounts); not in a
        facility, where the schedule's facility amount is paid for every unit."""
        return not self.facility and any(
            r.therapy_reduced is not None for r in self.schedule.rates.values()
        )

    def took_the_full_unit(self, line: _Line) -> bool:
        """Whether the payer allowed this (earlier) line its full first unit: the reduction
        could apply to it, and it was allowed at least its amount with the full unit."""
        (full,) = self.amounts([line])
        (reduced,) = self.amounts([line], first_unit_paid=True)
        return (
            full is not None
            and reduced is not None
            and full > reduced
            and (line.allowed_cents >= full - TOLERANCE_CENTS)
        )


def _pricing(
    lines: Sequence[_Line], rates: Sequence[ContractRate], profile: PayerProfile | None
) -> _Pricing | None:
    """The contract's rates for these lines' codes, or else the payer's fee schedule."""
    if rates:
        chosen: dict[str, Rate] = {}
        for line in lines:
            rate = _rate_for(rates, line.code, line.modifiers, line.day)
            if rate is not None:
                chosen[line.code] = Rate(
                    line.code, "A", Decimal(rate.allowed_cents), Decimal(rate.allowed_cents),
                    None if rate.reduced_cents is None else Decimal(rate.reduced_cents),
                )  # fmt: skip
        basis = "contracted allowed amount"
        if any(r.therapy_reduced is not None for r in chosen.values()):
            basis += " (the contract's reduced amount after the day's first unit)"
        schedule = FeeSchedule("contract", lines[0].day.year, "contract", chosen)
        return _Pricing(schedule, False, basis, 1)
    schedule_now = profile.fee_schedule(lines[0].day) if profile is not None else None
    if schedule_now is None:
        return None
    facility = lines[0].place in FACILITY_PLACES
    basis = (
        f"fee schedule {schedule_now.name} ({'facility' if facility else 'non-facility'} "
        "amount; Medicare's multiple procedure payment reduction, Pub 100-04 ch. 5 §10.7)"
    )
    return _Pricing(schedule_now, facility, basis, 100)


def _expected(
    lines: Sequence[_Line], earlier: Sequence[_Line], pricing: _Pricing
) -> tuple[list[int | None], str, dict[tuple[int, int], int]]:
    """Expected allowed cents for one payer's lines of one client and day being posted, and
    what they rest on, ranked with the ``earlier`` paid lines of the same day's other claims
    (the reduction spans the whole day: module docstring); and, when the ranking gives the
    day's full unit to a line posted now, what each earlier line is now expected at (its
    flag, made when it was posted alone, may no longer hold)."""
    basis = pricing.basis
    if not earlier:
        return pricing.amounts(lines), basis, {}
    claims = ", ".join(f"#{c}" for c in sorted({ln.claim_id for ln in earlier}))
    if any(pricing.took_the_full_unit(ln) for ln in earlier):
        basis += f"; the day's full unit was paid on claim {claims}"
        return pricing.amounts(lines, first_unit_paid=True), basis, {}
    ranked = pricing.amounts([*earlier, *lines])  # earlier first: a tie keeps it theirs
    again = {
        (ln.remittance_claim_id, ln.claim_line_id): want
        for ln, want in zip(earlier, ranked, strict=False)
        if want is not None
    }
    return ranked[len(earlier) :], basis + f"; ranked with claim {claims} of the same day", again


def _recheck_earlier(work: UnitOfWork, again: dict[tuple[int, int], int], by: str) -> None:
    """Open flags of earlier lines whose expected amount the whole day's ranking lowered:
    closed when nothing is owed any more, otherwise reduced to what is."""
    if not again:
        return
    lines = sorted({line_id for _, line_id in again})
    for i in range(0, len(lines), 900):
        for found in work.db.execute(
            select(Underpayment).where(
                Underpayment.claim_line_id.in_(lines[i : i + 900]), Underpayment.status == "open"
            )
        ).scalars():
            want = again.get((found.remittance_claim_id, found.claim_line_id))
            if want is None or want >= found.expected_cents:
                continue
            found.expected_cents, found.difference_cents = want, want - found.allowed_cents
            found.basis += f"; ranked again with {by} of the same day"
            if found.difference_cents <= TOLERANCE_CENTS:
                found.status = "closed"
                found.note = (
                    f"Nothing owed: ranked with {by} of the same day, the day's full unit "
                    "belongs to a line of that claim (Pub 100-04 ch. 5 §10.7)."
                )
            work.audit("change", "underpayment", found.id, found.status)


PAGE = 2000  # remittance claims looked at per query: a large 835 is checked in pages


def flag_file(work: UnitOfWork, *, file_id: int) -> int:
    """Find the underpaid lines of one posted 835 file; returns how many were flagged. The
    file's claims are taken a page at a time, so a 100,000-claim file keeps one page in
    memory, not all of its lines."""
    flagged, after = 0, 0
    profiles_now = profiles.payer_profiles()  # once: each look-up checks the profile files
    while page := file_page(work, file_id=file_id, after=after):
        after = page[-1]
        flagged += flag_page(work, page, profiles_now)
    flagged_file(work, file_id=file_id, flagged=flagged)
    return flagged


def file_page(work: UnitOfWork, *, file_id: int, after: int) -> list[int]:
    """The next :data:`PAGE` remittance claims of a file after id ``after`` that
    :func:`flag_page` looks at (a poster in parts flags a page per part)."""
    # Read in id order from ``after`` (the primary key), the file's payments a list to match:
    # a file's claims are posted one after another, so a page reads about its own rows. ``+ 0``
    # keeps SQLite off the index on remittance_id, which it took before: every claim of the
    # file's payments after ``after`` read and sorted for each page, a check that grew
    # faster than the file (docs/performance.md).
    payments = select(RemittanceRecord.id).where(RemittanceRecord.file_id == file_id)
    return list(
        work.db.execute(
            select(RemittanceClaim.id)
            .where(
                (RemittanceClaim.remittance_id + 0).in_(payments.scalar_subquery()),
                RemittanceClaim.id > after,
                RemittanceClaim.status_code != "22",
                RemittanceClaim.reversed_by_id.is_(None),
            )
            .order_by(RemittanceClaim.id)
            .limit(PAGE)
        ).scalars()
    )


def flagged_file(work: UnitOfWork, *, file_id: int, flagged: int) -> None:
    """Audit a file's flagging once all its pages are done."""
    if flagged:
        work.audit("flag", "underpayments", file_id, f"{flagged} lines")


_LINE_COLUMNS = (
    RemittanceLine.remittance_claim_id, RemittanceLine.claim_line_id, RemittanceLine.paid_cents,
    ClaimLine.claim_id, ClaimLine.code, ClaimLine.modifiers, ClaimLine.units,
    ClaimLine.date_of_service, ClaimRecord.payer_id, RemittanceClaim.payer_id,
    TherapySession.place_of_service, ClaimRecord.client_id,
)  # fmt: skip


def _paid_lines(work: UnitOfWork, *where: Any) -> list[tuple[_Line, int]]:
    """Remitted lines (with their client id) and what each was allowed, from the 835's own
    adjustments (``allowed_from_remittance``)."""
    rows = work.db.execute(
        select(*_LINE_COLUMNS)
        .join(RemittanceClaim, RemittanceClaim.id == RemittanceLine.remittance_claim_id)
        .join(ClaimLine, ClaimLine.id == RemittanceLine.claim_line_id)
        .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
        .outerjoin(TherapySession, TherapySession.id == ClaimLine.session_id)
        .where(*where)
    ).all()
    return _lines_of(work, [tuple(row) for row in rows])


def _page_lines(work: UnitOfWork, remit_claims: list[int]) -> list[tuple[_Line, int]]:
    """:func:`_paid_lines` of a page of remittance claims, the same rows in the same order,
    read in two steps so each is searched by its own ids: the remitted lines by their
    remittance claims, then the claim lines of the claims paid. (In one join SQLite read the
    practice's every claim line per page, through an index led by the practice that it takes
    for a narrow one: the check grew with the file; docs/performance.md.)"""
    paid = sorted(  # in the file's order (sorted here: an ORDER BY may scan the table)
        work.db.execute(
            select(RemittanceLine.id, RemittanceLine.remittance_claim_id,
                   RemittanceLine.claim_line_id, RemittanceLine.paid_cents,
                   RemittanceClaim.payer_id, RemittanceClaim.claim_id)
            .join(RemittanceClaim, RemittanceClaim.id == RemittanceLine.remittance_claim_id)
            .where(RemittanceLine.remittance_claim_id.in_(remit_claims))
        ).all()
    )  # fmt: skip
    wanted = {row[2] for row in paid}
    claim_ids = sorted({int(row[5]) for row in paid})
    details: dict[int, tuple[Any, ...]] = {}
    columns = (
        ClaimLine.id, ClaimLine.claim_id, ClaimLine.code, ClaimLine.modifiers, ClaimLine.units,
        ClaimLine.date_of_service, ClaimRecord.payer_id, TherapySession.place_of_service,
        ClaimRecord.client_id,
    )  # fmt: skip
    for i in range(0, len(claim_ids), 900):  # a remitted line is one of its claim's lines
        for row in work.db.execute(
            select(*columns)
            .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
            .outerjoin(TherapySession, TherapySession.id == ClaimLine.session_id)
            .where(ClaimLine.claim_id.in_(claim_ids[i : i + 900]))
        ):
            if row[0] in wanted:
                details[row[0]] = tuple(row[1:])
    missing = sorted(wanted - details.keys())
    for i in range(0, len(missing), 900):  # should one not be: found by its own id
        for row in work.db.execute(
            select(*columns)
            .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
            .outerjoin(TherapySession, TherapySession.id == ClaimLine.session_id)
            .where(ClaimLine.id.in_(missing[i : i + 900]))
        ):
            details[row[0]] = tuple(row[1:])
    rows = []
    for _id, rc, line_id, paid_cents, remit_payer, _claim in paid:
        found = details.get(line_id)
        if found is None:  # the inner join of _paid_lines leaves such a line out
            continue
        claim_id, code, mods, units, day, claim_payer, pos, client = found
        rows.append((rc, line_id, paid_cents, claim_id, code, mods, units, day, claim_payer,
                     remit_payer, pos, client))  # fmt: skip
    return _lines_of(work, rows)


def _lines_of(work: UnitOfWork, rows: list[tuple[Any, ...]]) -> list[tuple[_Line, int]]:
    """Rows of :data:`_LINE_COLUMNS` as lines, each with what it was allowed."""
    adjustments: dict[tuple[int, int], list[tuple[str, str, int]]] = defaultdict(list)
    remits = sorted({row[0] for row in rows})
    for i in range(0, len(remits), 900):
        for rc, line_id, group, reason, cents in work.db.execute(
            select(RemittanceAdjustment.remittance_claim_id, RemittanceAdjustment.claim_line_id,
                   RemittanceAdjustment.group_code, RemittanceAdjustment.reason,
                   RemittanceAdjustment.amount_cents)
            .where(RemittanceAdjustment.remittance_claim_id.in_(remits[i : i + 900]))
        ):  # fmt: skip
            if line_id is not None:
                adjustments[(rc, line_id)].append((group, reason, cents))
    found = []
    for (
        rc,
        line_id,
        paid,
        claim_id,
        code,
        mods,
        units,
        day,
        claim_payer,
        remit_payer,
        pos,
        client,
    ) in rows:
        line = _Line(
            rc, line_id, claim_id, remit_payer or claim_payer, code,
            tuple(m for m in (mods or "").split(",") if m), max(int(units or 1), 1), day,
            pos or "11", paid, allowed_from_remittance(paid, adjustments.get((rc, line_id), [])),
        )  # fmt: skip
        found.append((line, client))
    return found


def flag_page(
    work: UnitOfWork, remit_claims: list[int], profiles_now: dict[str, PayerProfile]
) -> int:
    """Flag the underpaid lines of these remittance claims (one page of a file)."""
    paid = _page_lines(work, remit_claims)
    if not paid:
        return 0
    payer_ids = {line.payer_id for line, _ in paid}
    payers = {
        p.id: p for p in work.db.execute(select(Payer).where(Payer.id.in_(payer_ids))).scalars()
    }
    rates: dict[int, list[ContractRate]] = defaultdict(list)
    for rate in work.db.execute(
        select(ContractRate).where(ContractRate.payer_id.in_(payer_ids))
    ).scalars():
        rates[rate.payer_id].append(rate)
    days: dict[tuple[int, int, dt.date], list[_Line]] = defaultdict(list)
    for line, client in paid:
        days[(line.payer_id, client, line.day)].append(line)
    priced: dict[tuple[int, int, dt.date], _Pricing] = {}
    for key, lines in days.items():
        payer = payers[lines[0].payer_id]
        pricing = _pricing(lines, rates.get(payer.id, []), profiles_now.get(payer.profile_id))
        if pricing is not None:
            priced[key] = pricing
    # only a day priced with a multiple procedure reduction is ranked with its other claims
    ranked = {key: days[key] for key, pricing in priced.items() if pricing.reduces}
    earlier = _earlier_lines(work, ranked, remit_claims) if ranked else {}
    flagged = 0
    for key, pricing in priced.items():
        lines = days[key]
        payer = payers[lines[0].payer_id]
        claims_here = {ln.claim_id for ln in lines}
        others = [ln for ln in earlier.get(key, []) if ln.claim_id not in claims_here]
        expected, basis, again = _expected(lines, others, pricing)
        claims_now = ", ".join(f"#{c}" for c in sorted(claims_here))
        _recheck_earlier(work, again, f"claim {claims_now}")
        for line, want in zip(lines, expected, strict=True):
            if want is None or line.allowed_cents <= 0:
                continue  # no agreed amount, or denied (the denials queue has it)
            difference = want - line.allowed_cents
            if difference <= TOLERANCE_CENTS:
                continue
            work.db.add(
                Underpayment(
                    remittance_claim_id=line.remittance_claim_id,
                    claim_line_id=line.claim_line_id,
                    claim_id=line.claim_id,
                    payer_id=payer.id,
                    code=line.code,
                    units=line.units,
                    expected_cents=want,
                    allowed_cents=line.allowed_cents,
                    paid_cents=line.paid_cents,
                    difference_cents=difference,
                    basis=basis,
                )
            )
            flagged += 1
    if flagged:
        work.db.flush()
    return flagged


def _earlier_lines(
    work: UnitOfWork, days: dict[tuple[int, int, dt.date], list[_Line]], remit_claims: list[int]
) -> dict[tuple[int, int, dt.date], list[_Line]]:
    """The already paid lines (not reversed, not in this page) of the same clients' same days
    with the same payer, keyed as ``days``: the rest of each day the reduction ranks."""
    clients = sorted({client for _, client, _ in days})
    dates = sorted({day for _, _, day in days})
    found: dict[tuple[int, int, dt.date], list[_Line]] = defaultdict(list)
    for i in range(0, len(clients), 900):
        for line, client in _paid_lines(
            work,
            ClaimRecord.client_id.in_(clients[i : i + 900]),
            ClaimRecord.date_of_service.between(dates[0], dates[-1]),
            RemittanceClaim.status_code != "22",
            RemittanceClaim.reversed_by_id.is_(None),
            RemittanceClaim.id.not_in(remit_claims),
        ):
            key = (line.payer_id, client, line.day)
            if key in days and line.allowed_cents > 0:  # a denied line took no unit of the day
                found[key].append(line)
    return found


def _money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def list_underpayments(
    work: UnitOfWork, *, payer: str | None = None, status: str | None = "open"
) -> list[dict[str, Any]]:
    """Underpaid lines, the largest difference first, with what to appeal for."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status is one of {', '.join(STATUSES)}", field="status")
    query = (
        select(Underpayment, Payer.name, ClaimLine.date_of_service, ClaimLine.modifiers,
               RemittanceClaim.payer_claim_number)
        .join(Payer, Payer.id == Underpayment.payer_id)
        .join(ClaimLine, ClaimLine.id == Underpayment.claim_line_id)
        .join(RemittanceClaim, RemittanceClaim.id == Underpayment.remittance_claim_id)
        .where(RemittanceClaim.reversed_by_id.is_(None))
        .order_by(Underpayment.difference_cents.desc(), Underpayment.id)
    )  # fmt: skip
    if payer:
        query = query.where(Underpayment.payer_id == find_payer(work, payer).id)
    if status is not None:
        query = query.where(Underpayment.status == status)
    found = work.db.execute(query.limit(1000)).all()
    work.audit("list", "underpayments", None, f"{len(found)} lines")
    return [
        {
            "id": u.id,
            "claim": u.claim_id,
            "payer": name,
            "payer_claim_number": number,
            "date_of_service": day.isoformat(),
            "code": u.code,
            "modifiers": mods,
            "units": u.units,
            "expected": _money(u.expected_cents),
            "allowed": _money(u.allowed_cents),
            "paid": _money(u.paid_cents),
            "difference": _money(u.difference_cents),
            "expected_cents": u.expected_cents,
            "allowed_cents": u.allowed_cents,
            "paid_cents": u.paid_cents,
            "difference_cents": u.difference_cents,
            "basis": u.basis,
            "status": u.status,
            "note": u.note,
        }
        for u, name, day, mods, number in found
    ]


def set_status(
    work: UnitOfWork, *, underpayment_id: int, status: str, note: str = ""
) -> Underpayment:
    """Mark an underpayment appealed or closed (with a note saying what was done)."""
    if status not in STATUSES:
        raise InvalidInput(f"status is one of {', '.join(STATUSES)}", field="status")
    found = work.db.get(Underpayment, underpayment_id)
    if found is None:
        raise InvalidInput(f"no underpayment {underpayment_id}", field="id")
    found.status, found.note = status, note.strip()[:2000]
    work.db.flush()
    work.audit("change", "underpayment", found.id, status)
    return found
