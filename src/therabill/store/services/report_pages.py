"""The Reports page: where the money comes from and where it is stuck.

One function per report, each a few grouped SQL queries (the database sums, mostly over the
small report sums it keeps as rows are written: ``therabill.store.report_sums``; Python only
shapes the rows), each returning a :class:`Report`: a title, columns, rows of plain values
(money in cents), a chart spec and a note saying how it is counted. The web page draws each
chart beside its table; the CLI prints JSON; ``to_csv`` and ``to_xlsx`` export the same rows.

Ledger arithmetic (who owes what after each entry) is ``therabill.ledger.effect``, evaluated
in SQL by ``reports._coefficients``; collections are insurance and client payments less
refunds. Days in A/R = what payers and clients owe now ÷ the average charge per day over the
last 90 days (the usual definition: MGMA, HFMA "days in accounts receivable").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from therabill.errors import InvalidInput
from therabill.money import format_dollars
from therabill.store.csv_cells import QUOTING, safe_cell, sheet_cell
from therabill.store.models import (
    Authorization,
    AuthorizationUse,
    ClaimLine,
    ClaimRecord,
    Client,
    ClientSum,
    Denial,
    LedgerDaySum,
    LineDaySum,
    Payer,
    Provider,
    ServiceDaySum,
    SessionDayCount,
    TherapySession,
    VisitYear,
)
from therabill.store.services import profiles, reports
from therabill.store.services.context import UnitOfWork

# Reports that name clients: their reads are audited even when the figures were kept.
CLIENT_DATA = {
    "aging-client": "client_balances",
    "authorizations": "authorization",
    "visit-limits": "client_visits",
}
AR_WINDOW_DAYS = 90
BURN_WINDOW_DAYS = 28
MONEY = "money"  # a column whose values are cents


@dataclass
class Report:
    """One report: its table (``money`` columns hold cents) and its chart."""

    id: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any]
    note: str
    money: frozenset[int] = frozenset()  # indexes of the columns in cents
    figures: dict[str, Any] = field(default_factory=dict)

    def cell(self, i: int, value: Any) -> Any:
        """A value as shown: cents as dollars with two places."""
        if i in self.money and isinstance(value, int):
            return f"{value / 100:.2f}"
        return "" if value is None else value

    def shown_rows(self) -> list[list[Any]]:
        return [[self.cell(i, v) for i, v in enumerate(row)] for row in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "columns": self.columns,
            "rows": self.shown_rows(),
            "note": self.note,
            "figures": self.figures,
        }


def _chart(kind: str, labels: list[str], series: dict[str, list[float]], *, money: bool,
           stacked: bool = False) -> dict[str, Any]:  # fmt: skip
    return {
        "type": kind,
        "labels": labels,
        "money": money,
        "stacked": stacked,
        "datasets": [{"label": name, "data": data} for name, data in series.items()],
    }


def _dollars(cents: int) -> float:
    return round(cents / 100, 2)


def _month(column: Any, db: Session) -> Any:
    if db.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


# --- revenue and collections -------------------------------------------------------------

BY = {"month", "payer", "provider", "code"}


def revenue(work: UnitOfWork, *, start: dt.date, end: dt.date, by: str = "month") -> Report:
    """Charges, collections and adjustments by month of entry, or by payer, provider, code."""
    if by not in BY:
        raise InvalidInput(f"by is one of {', '.join(sorted(BY))}", field="by")
    db = work.db
    kind, amount = LedgerDaySum.kind, LedgerDaySum.amount_cents
    charge = func.sum(case((kind == "charge", amount), else_=0))
    insurance = func.sum(case((kind == "insurance_payment", amount), else_=0))
    patient = func.sum(case((kind == "patient_payment", amount), else_=0))
    refunds = func.sum(case((kind == "refund", amount), else_=0))
    adjusted = func.sum(case((kind.in_(("contractual_adjustment", "write_off")), amount), else_=0))
    key: Any
    query = select()
    if by == "month":
        key = _month(LedgerDaySum.effective_date, db)
    elif by == "payer":
        key = func.coalesce(Payer.name, "(client payments)")
        query = query.outerjoin(Payer, Payer.id == LedgerDaySum.payer_id)
    elif by == "provider":
        name = Provider.last_name + ", " + Provider.first_name
        key = func.coalesce(name, "(no claim)")
        query = query.outerjoin(Provider, Provider.id == LedgerDaySum.provider_id)
    else:
        key = case((LedgerDaySum.code == "", "(no line)"), else_=LedgerDaySum.code)
    rows = db.execute(
        query.add_columns(key.label("key"), charge, insurance, patient, refunds, adjusted)
        .select_from(LedgerDaySum)
        .where(LedgerDaySum.effective_date >= start, LedgerDaySum.effective_date <= end)
        .group_by(key)
        .order_by(key)
    ).all()
    table: list[list[Any]] = []
    for k, c, i, p, r, a in rows:
        collected = int(i or 0) + int(p or 0) - int(r or 0)
        table.append([str(k), int(c or 0), int(i or 0), int(p or 0), int(r or 0), collected,
                      int(a or 0)])  # fmt: skip
    if by != "month":
        table.sort(key=lambda row: -row[1])
    labels = [row[0] for row in table][:24]
    chart = _chart("bar", labels, {
        "Charges": [_dollars(row[1]) for row in table][:24],
        "Collections": [_dollars(row[5]) for row in table][:24],
    }, money=True)  # fmt: skip
    return Report(
        "revenue",
        f"Revenue and collections by {by}",
        [by.capitalize(), "Charges", "Insurance paid", "Client paid", "Refunds", "Collected",
         "Adjusted or written off"],
        table,
        chart,
        f"Ledger entries dated {start} to {end}; collected = insurance and client payments "
        "less refunds.",
        frozenset({1, 2, 3, 4, 5, 6}),
        {"charges_cents": sum(r[1] for r in table), "collected_cents": sum(r[5] for r in table)},
    )  # fmt: skip


# --- days in A/R and aging ------------------------------------------------------------------


def ar_days(work: UnitOfWork, *, today: dt.date) -> Report:
    """Days in A/R per payer and for the practice: owed now ÷ average daily charges."""
    db = work.db
    insurance, _ = reports._coefficients(ServiceDaySum)
    _, patient = reports._coefficients(ClientSum)
    since = today - dt.timedelta(days=AR_WINDOW_DAYS)
    recent = (LedgerDaySum.kind == "charge") & (LedgerDaySum.effective_date > since)
    owed = db.execute(
        select(Payer.name, func.sum(insurance))
        .select_from(ServiceDaySum)
        .join(Payer, Payer.id == ServiceDaySum.payer_id)
        .group_by(Payer.name)
        .order_by(Payer.name)
    ).all()
    charged_by: dict[str, int] = {
        name: int(cents or 0)
        for name, cents in db.execute(
            select(Payer.name, func.sum(LedgerDaySum.amount_cents))
            .join(Payer, Payer.id == LedgerDaySum.claim_payer_id)
            .where(recent)
            .group_by(Payer.name)
        )
    }
    rows = [(name, cents, charged_by.get(name, 0)) for name, cents in owed]
    owed_patient = int(db.execute(select(func.sum(patient))).scalar() or 0)
    all_charged = int(
        db.execute(select(func.sum(LedgerDaySum.amount_cents)).where(recent)).scalar() or 0
    )

    def days(owed: int, charges: int) -> float | None:
        return round(owed / (charges / AR_WINDOW_DAYS), 1) if charges > 0 else None

    table: list[list[Any]] = [
        [name, int(o or 0), int(c or 0), days(int(o or 0), int(c or 0))] for name, o, c in rows
    ]
    owed_insurance = sum(r[1] for r in table)
    total = owed_insurance + owed_patient
    table.append(["Clients (their share)", owed_patient, None, None])
    practice_days = days(total, all_charged)
    chart = _chart("bar", [r[0] for r in table[:-1]],
                   {"Days in A/R": [r[3] or 0 for r in table[:-1]]}, money=False)  # fmt: skip
    return Report(
        "ar-days",
        "Days in accounts receivable",
        ["Payer", "Owed now", f"Charges, last {AR_WINDOW_DAYS} days", "Days in A/R"],
        table,
        chart,
        f"Practice: {practice_days if practice_days is not None else '—'} days "
        f"(owed {format_dollars(total)} ÷ charges of the last {AR_WINDOW_DAYS} days per day).",
        frozenset({1, 2}),
        {"practice_days": practice_days, "owed_cents": total},
    )


def aging(work: UnitOfWork, *, today: dt.date, client: bool = False) -> Report:
    """Money owed by age of the date of service: insurance by payer, or the largest client
    balances."""
    figures = reports.aging_now(
        work.db, today=today, top_clients=25 if client else 0, payers=not client
    )
    rows_by = figures.by_client if client else figures.by_payer
    table: list[list[Any]] = [[name, *[row[b] for b in reports.BUCKETS], sum(row.values())] for name, row in
             rows_by.items()]  # fmt: skip
    table.sort(key=lambda r: -r[-1])
    series = {b: [_dollars(r[1 + i]) for r in table[:15]] for i, b in enumerate(reports.BUCKETS)}
    return Report(
        "aging-client" if client else "aging-insurance",
        "Client balances by age" if client else "Insurance balances by age",
        ["Client" if client else "Payer", *[f"{b} days" for b in reports.BUCKETS], "Total"],
        table,
        _chart("bar", [r[0] for r in table[:15]], series, money=True, stacked=True),
        "Age counted from the date of service; the 25 largest client balances."
        if client
        else "Age counted from the date of service.",
        frozenset(range(1, len(reports.BUCKETS) + 2)),
    )


# --- denials, unbilled work -----------------------------------------------------------------


def denials(work: UnitOfWork, *, start: dt.date, end: dt.date) -> Report:
    """Denials opened in the period by reason (CARC) and payer: how many, how much, still open."""
    is_open = func.sum(case((Denial.status == "open", 1), else_=0))
    rows = work.db.execute(
        select(Denial.carc, func.coalesce(Payer.name, "—"), func.count(), func.sum(Denial.amount_cents), is_open)
        .outerjoin(Payer, Payer.id == Denial.payer_id)
        .where(Denial.opened_on >= start, Denial.opened_on <= end)
        .group_by(Denial.carc, Payer.name)
    ).all()  # fmt: skip
    table: list[list[Any]] = [
        [f"CARC {c}", p, int(n), int(a or 0), int(o or 0)] for c, p, n, a, o in rows
    ]
    table.sort(key=lambda r: (-r[3], r[0]))
    per_reason: dict[str, int] = defaultdict(int)
    for row in table:
        per_reason[row[0]] += row[3]
    labels = sorted(per_reason, key=lambda r: -per_reason[r])[:12]
    return Report(
        "denials",
        "Denials by reason and payer",
        ["Reason", "Payer", "Denials", "Amount", "Still open"],
        table,
        _chart(
            "bar", labels, {"Amount denied": [_dollars(per_reason[r]) for r in labels]}, money=True
        ),
        f"Denials opened {start} to {end} (the denials queue: a contractual adjustment is no "
        "denial).",
        frozenset({3}),
        {"denials": sum(r[2] for r in table), "amount_cents": sum(r[3] for r in table)},
    )


def unbilled(work: UnitOfWork, *, today: dt.date) -> Report:
    """Sessions no claim was built for, and claims built but not sent, by provider and payer."""
    db = work.db
    name = Provider.last_name + ", " + Provider.first_name
    sessions = db.execute(
        select(name, func.count(), func.min(TherapySession.date_of_service))
        .select_from(TherapySession)
        .join(Provider, Provider.id == TherapySession.provider_id)
        .where(TherapySession.claim_id.is_(None), TherapySession.date_of_service <= today)
        .group_by(name)
    ).all()
    claims = db.execute(
        select(Payer.name, ClaimRecord.status, func.count(), func.sum(ClaimRecord.total_charge_cents),
               func.min(ClaimRecord.date_of_service))
        .join(Payer, Payer.id == ClaimRecord.payer_id)
        .where(ClaimRecord.status.in_(("draft", "ready")))
        .group_by(Payer.name, ClaimRecord.status)
    ).all()  # fmt: skip
    table: list[list[Any]] = [
        ["Session not billed", str(p), int(n), None, (today - first).days if first else None]
        for p, n, first in sessions
    ]
    table += [
        [f"Claim {status}, not sent", str(p), int(n), int(c or 0),
         (today - first).days if first else None]
        for p, status, n, c, first in claims
    ]  # fmt: skip
    table.sort(key=lambda r: (r[0], -(r[4] or 0)))
    labels = [f"{r[1]} ({r[0].split(',')[0].lower()})" for r in table][:15]
    return Report(
        "unbilled",
        "Unbilled sessions and claims not sent",
        ["What", "Provider or payer", "How many", "Charges", "Oldest (days)"],
        table,
        _chart("bar", labels, {"How many": [r[2] for r in table][:15]}, money=False),
        "Sessions without a claim (build them on the Claims page), and claims in draft or "
        "ready that were never submitted.",
        frozenset({3}),
        {"sessions": sum(r[2] for r in table if r[0] == "Session not billed")},
    )


# --- authorizations and visit limits -------------------------------------------------------


def run_out(
    left: int, used_recently: int, *, today: dt.date, window: int = BURN_WINDOW_DAYS
) -> dt.date | None:
    """The date the units left run out at the recent rate of use (None: none used lately)."""
    if left <= 0:
        return today
    if used_recently <= 0:
        return None
    return today + dt.timedelta(days=int(left * window / used_recently))


def authorizations(work: UnitOfWork, *, today: dt.date) -> Report:
    """Each authorization in force: units approved, used, left, and when they run out at the
    rate of the last four weeks (before or after the authorization ends)."""
    db = work.db
    since = today - dt.timedelta(days=BURN_WINDOW_DAYS)
    used = func.coalesce(func.sum(AuthorizationUse.units), 0)
    recent = func.coalesce(
        func.sum(case((ClaimLine.date_of_service > since, AuthorizationUse.units), else_=0)), 0
    )
    rows = db.execute(
        select(Authorization.id, Client.last_name + ", " + Client.first_name, Payer.name,
               Authorization.number, Authorization.units_approved, Authorization.end_date,
               used, recent)
        .join(Client, Client.id == Authorization.client_id)
        .join(Payer, Payer.id == Authorization.payer_id)
        .outerjoin(AuthorizationUse, AuthorizationUse.authorization_id == Authorization.id)
        .outerjoin(ClaimLine, ClaimLine.id == AuthorizationUse.claim_line_id)
        .where(Authorization.end_date >= today, Authorization.start_date <= today,
               Authorization.units_approved.is_not(None))
        .group_by(Authorization.id, Client.last_name, Client.first_name, Payer.name,
                  Authorization.number, Authorization.units_approved, Authorization.end_date)
    ).all()  # fmt: skip
    table: list[list[Any]] = []
    for _, client, payer, number, approved, ends, u, r in rows:
        left = int(approved or 0) - int(u)
        out = run_out(left, int(r), today=today)
        early = out is not None and out < ends
        table.append([client, payer, number, int(approved or 0), int(u), left, int(r),
                      out.isoformat() if out else "not in use", ends.isoformat(),
                      "yes" if early else ""])  # fmt: skip
    table.sort(key=lambda r: (r[7] == "not in use", r[7]))
    return Report(
        "authorizations",
        "Authorization burn-down",
        ["Client", "Payer", "Number", "Approved", "Used", "Left",
         f"Used, last {BURN_WINDOW_DAYS} days", "Runs out", "Ends", "Before it ends"],
        table,
        _chart("bar", [f"{r[0]} {r[2]}" for r in table][:15],
               {"Used": [r[4] for r in table][:15], "Left": [r[5] for r in table][:15]},
               money=False, stacked=True),
        f"Units left ÷ the units used in the last {BURN_WINDOW_DAYS} days give the date they "
        "run out at the current schedule.",
    )  # fmt: skip


VISIT_ROWS = 200  # clients listed, nearest their limit first; the rest are counted


def visit_limits(work: UnitOfWork, *, today: dt.date) -> Report:
    """Visits this year against each payer's yearly visit limit (payer profile
    ``visit_limits``), per client and discipline: billed dates of service. The clients
    nearest their limit come first and ``VISIT_ROWS`` are listed: at 10,000 clients the
    whole list took 0.6 s and nobody reads past the ones about to run out."""
    db = work.db
    payers = {p.id: p for p in db.execute(select(Payer)).scalars()}
    limited = {
        pid: profile.visit_limits
        for pid, payer in payers.items()
        if (profile := profiles.payer_profiles().get(payer.profile_id)) and profile.visit_limits
    }
    table: list[list[Any]] = []
    counted = 0
    if limited:
        limit = case(
            *(
                ((VisitYear.payer_id == pid) & (VisitYear.discipline == discipline), allowed)
                for pid, by_discipline in limited.items()
                for discipline, allowed in by_discipline.items()
            ),
            else_=None,
        )
        where = (
            VisitYear.payer_id.in_(list(limited)), VisitYear.year == today.year,
            VisitYear.visits > 0, limit.is_not(None),
        )  # fmt: skip
        counted = int(db.execute(select(func.count()).select_from(VisitYear).where(*where))
                      .scalar_one())  # fmt: skip
        rows = db.execute(
            select(Client.last_name + ", " + Client.first_name, VisitYear.payer_id,
                   VisitYear.discipline, VisitYear.visits, limit)
            .join(Client, Client.id == VisitYear.client_id)
            .where(*where)
            .order_by(limit - VisitYear.visits, Client.last_name, Client.first_name)
            .limit(VISIT_ROWS)
        ).all()  # fmt: skip
        for client, payer_id, discipline, visits, allowed in rows:
            table.append([client, payers[payer_id].name, discipline, int(visits), int(allowed),
                          int(allowed) - int(visits)])  # fmt: skip
    shown = (
        f" The {VISIT_ROWS} nearest their limit of {counted:,} are listed."
        if counted > len(table)
        else ""
    )
    return Report(
        "visit-limits",
        f"Visit limits, {today.year}",
        ["Client", "Payer", "Discipline", "Visits this year", "Limit", "Left"],
        table,
        _chart("bar", [f"{r[0]} ({r[2]})" for r in table][:15],
               {"Visits": [r[3] for r in table][:15], "Left": [max(r[5], 0) for r in table][:15]},
               money=False, stacked=True),
        "Dates of service billed to a payer whose profile limits yearly visits by discipline "
        f"(a voided claim is no visit), nearest the limit first.{shown}",
        figures={"clients": counted},
    )  # fmt: skip


# --- provider productivity ------------------------------------------------------------------


def productivity(work: UnitOfWork, *, start: dt.date, end: dt.date) -> Report:
    """Per provider, in the period: sessions, billed units, charges, collections."""
    db = work.db
    name = Provider.last_name + ", " + Provider.first_name
    sessions: dict[str, int] = {
        n: int(c or 0)
        for n, c in db.execute(
            select(name, func.sum(SessionDayCount.sessions))
            .join(Provider, Provider.id == SessionDayCount.provider_id)
            .where(SessionDayCount.date_of_service >= start, SessionDayCount.date_of_service <= end)
            .group_by(name)
        )
    }
    billed = {
        n: (int(u or 0), int(c or 0))
        for n, u, c in db.execute(
            select(name, func.sum(LineDaySum.units), func.sum(LineDaySum.charge_cents))
            .join(Provider, Provider.id == LineDaySum.provider_id)
            .where(LineDaySum.date_of_service >= start, LineDaySum.date_of_service <= end)
            .group_by(name)
        )
    }
    kind, amount = ServiceDaySum.kind, ServiceDaySum.amount_cents
    paid = case(
        (kind.in_(("insurance_payment", "patient_payment")), amount),
        (kind == "refund", -amount),
        else_=0,
    )
    collected: dict[str, int] = {
        n: int(c or 0)
        for n, c in db.execute(
            select(name, func.sum(paid))
            .join(Provider, Provider.id == ServiceDaySum.provider_id)
            .where(ServiceDaySum.date_of_service >= start, ServiceDaySum.date_of_service <= end)
            .group_by(name)
        )
    }
    names = sorted(set(sessions) | set(billed) | set(collected))
    table: list[list[Any]] = [[n, int(sessions.get(n, 0)), billed.get(n, (0, 0))[0], billed.get(n, (0, 0))[1],
              int(collected.get(n) or 0)] for n in names]  # fmt: skip
    table.sort(key=lambda r: -r[3])
    return Report(
        "productivity",
        "Provider productivity",
        ["Provider", "Sessions", "Units billed", "Charges", "Collected"],
        table,
        _chart("bar", [r[0] for r in table],
               {"Charges": [_dollars(r[3]) for r in table],
                "Collected": [_dollars(r[4]) for r in table]}, money=True),
        f"Dates of service {start} to {end}; collected = payments on those services so far.",
        frozenset({3, 4}),
    )  # fmt: skip


# --- all of them ----------------------------------------------------------------------------

REPORTS: dict[str, str] = {
    "revenue": "Revenue and collections (by month, payer, provider or code)",
    "ar-days": "Days in accounts receivable",
    "aging-insurance": "Insurance balances by age",
    "aging-client": "Client balances by age",
    "denials": "Denials by reason and payer",
    "unbilled": "Unbilled sessions and claims not sent",
    "authorizations": "Authorization burn-down",
    "visit-limits": "Visit-limit use",
    "productivity": "Provider productivity",
}


def period(
    start: dt.date | None, end: dt.date | None, *, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The period asked for; by default the twelve months up to today."""
    last = end or today
    first = start or dt.date(last.year - 1, last.month, 1)
    if first > last:
        raise InvalidInput(f"{first} is after {last}", field="from")
    return first, last


def build_report(
    work: UnitOfWork,
    name: str,
    *,
    today: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: str = "month",
) -> Report:
    """One report by its id (``REPORTS``)."""
    first, last = period(start, end, today=today)
    makers: dict[str, Callable[[], Report]] = {
        "revenue": lambda: revenue(work, start=first, end=last, by=by),
        "ar-days": lambda: ar_days(work, today=today),
        "aging-insurance": lambda: aging(work, today=today),
        "aging-client": lambda: aging(work, today=today, client=True),
        "denials": lambda: denials(work, start=first, end=last),
        "unbilled": lambda: unbilled(work, today=today),
        "authorizations": lambda: authorizations(work, today=today),
        "visit-limits": lambda: visit_limits(work, today=today),
        "productivity": lambda: productivity(work, start=first, end=last),
    }
    if name not in makers:
        raise InvalidInput(f"no report {name!r}; reports: {', '.join(REPORTS)}", field="report")
    if name == "revenue" and by not in BY:
        raise InvalidInput(f"by is one of {', '.join(sorted(BY))}", field="by")
    found = makers[name]()
    if name in CLIENT_DATA:
        work.audit("list", CLIENT_DATA[name], "practice", f"{name} report")
    return found


def all_reports(
    work: UnitOfWork, *, today: dt.date, start: dt.date | None = None, end: dt.date | None = None
) -> list[Report]:
    return [build_report(work, name, today=today, start=start, end=end) for name in REPORTS]


def to_csv(report: Report) -> str:
    """The report's table as CSV (money in dollars with two places), every cell quoted and
    none a formula a spreadsheet would run (``csv_cells``: a payer or client name is typed by
    people)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=QUOTING)
    writer.writerow(report.columns)
    writer.writerows([safe_cell(v) for v in row] for row in report.shown_rows())
    return buffer.getvalue()


def to_xlsx(reports_: Sequence[Report]) -> bytes:
    """One workbook, one sheet per report, money as numbers formatted in dollars; text cells
    never formulas and without the control characters a workbook cannot hold."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for report in reports_:
        sheet = book.create_sheet(title=report.id[:31])
        sheet.append([sheet_cell(report.title)])
        sheet.append([sheet_cell(c) for c in report.columns])
        for row in report.rows:
            sheet.append([
                v / 100 if i in report.money and isinstance(v, int) else sheet_cell(v)
                for i, v in enumerate(row)
            ])  # fmt: skip
        sheet.append([])
        sheet.append([sheet_cell(report.note)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
