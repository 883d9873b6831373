"""Therapy plans of care: the certifying physician/NPP (the claim's referring provider), the
certified dates, progress reports, and what a claim carries of them.

Sources: CMS Pub 100-02 ch.15 §220.1.3 (certification within 30 days of the first treatment
day; a plan covers at most 90 calendar days) and §220.3 D (a progress report at least once
every 10 treatment days); 837P loop 2310A / CMS-1500 box 17 for the referring provider. The
rules that warn are in ``therabill.scrub.rules.plan_of_care``; here are the facts.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from therabill.claims import document as doc
from therabill.codes.model import DISCIPLINES
from therabill.errors import InvalidInput
from therabill.payers import PayerProfile
from therabill.scrub.rules.plan_of_care import RECERTIFY_WARNING_DAYS
from therabill.store.models import ClaimRecord, PlanOfCare, ProgressReport, Provider
from therabill.store.models import TherapySession as Session
from therabill.store.services import bulk_reads, lookup
from therabill.store.services.context import UnitOfWork, require_text

PLAN_DAYS = 90  # §220.1.3: a plan covers at most 90 calendar days


def add_plan(
    *,
    work: UnitOfWork,
    client: str | int,
    discipline: str,
    referring_npi: str,
    referring_first_name: str,
    referring_last_name: str,
    start: dt.date,
    end: dt.date | None = None,
    certified_on: dt.date | None = None,
) -> PlanOfCare:
    """A new plan of care (or a recertification: the next period's plan). ``end`` defaults
    to the 90th day; a longer period is refused, since it cannot be certified at once."""
    found = lookup.client(work, client)
    if discipline not in DISCIPLINES:
        raise InvalidInput(
            f"{discipline!r} is not one of {', '.join(DISCIPLINES)}", field="discipline"
        )
    last = end or start + dt.timedelta(days=PLAN_DAYS - 1)
    _check_dates(start, last, certified_on)
    plan = PlanOfCare(
        client_id=found.id,
        discipline=discipline,
        referring_npi=lookup.npi(referring_npi, "referring_npi"),
        referring_first_name=_name(referring_first_name, "referring_first_name"),
        referring_last_name=_name(referring_last_name, "referring_last_name"),
        start_date=start,
        end_date=last,
        certified_on=certified_on,
    )
    work.db.add(plan)
    work.db.flush()
    work.audit("create", "plan_of_care", plan.id, f"client {found.id}")
    return plan


def _name(text: str, field: str) -> str:
    clean = require_text(text, field)
    if len(clean) > 100:
        raise InvalidInput("is longer than 100 characters", field=field)
    return clean


def _check_dates(start: dt.date, end: dt.date, certified_on: dt.date | None) -> None:
    if end < start:
        raise InvalidInput("ends before it starts", field="end")
    if (end - start).days >= PLAN_DAYS:
        raise InvalidInput(
            f"a plan of care covers at most {PLAN_DAYS} days (CMS Pub 100-02 ch.15 §220.1.3); "
            "recertify with a new plan for the next period",
            field="end",
        )
    if certified_on is not None and certified_on > dt.date.today():
        raise InvalidInput("is in the future", field="certified_on")


def plan_row(work: UnitOfWork, plan_id: int) -> PlanOfCare:
    found = work.db.get(PlanOfCare, plan_id)
    if found is None:
        raise InvalidInput(f"no plan of care {plan_id}", field="plan")
    return found


def certify_plan(*, work: UnitOfWork, plan_id: int, on: dt.date) -> PlanOfCare:
    """Record the date the physician or NPP signed the plan (or gave the verbal order)."""
    plan = plan_row(work, plan_id)
    if on > dt.date.today():
        raise InvalidInput("is in the future", field="on")
    plan.certified_on = on
    work.db.flush()
    work.audit("certify", "plan_of_care", plan.id, on.isoformat())
    return plan


def record_progress_report(*, work: UnitOfWork, plan_id: int, on: dt.date) -> PlanOfCare:
    """A progress report written on ``on`` under the plan: the 10-treatment-day count starts
    again after it."""
    plan = plan_row(work, plan_id)
    if not plan.start_date <= on <= plan.end_date:
        raise InvalidInput(
            f"is outside the plan ({plan.start_date} to {plan.end_date})", field="on"
        )
    if on > dt.date.today():
        raise InvalidInput("is in the future", field="on")
    plan.progress_reports.append(ProgressReport(report_date=on))
    work.db.flush()
    work.audit("progress-report", "plan_of_care", plan.id, on.isoformat())
    return plan


def list_plans(*, work: UnitOfWork, client: str | int) -> list[PlanOfCare]:
    found = lookup.client(work, client)
    plans = list(
        work.db.execute(
            select(PlanOfCare)
            .where(PlanOfCare.client_id == found.id)
            .order_by(PlanOfCare.start_date, PlanOfCare.id)
        ).scalars()
    )
    work.audit("list", "plan_of_care", found.id, f"{len(plans)} rows")
    return plans


def plan_dict(plan: PlanOfCare) -> dict[str, Any]:
    return {
        "id": plan.id,
        "client_id": plan.client_id,
        "discipline": plan.discipline,
        "referring_provider": {
            "npi": plan.referring_npi,
            "first_name": plan.referring_first_name,
            "last_name": plan.referring_last_name,
        },
        "start_date": plan.start_date.isoformat(),
        "end_date": plan.end_date.isoformat(),
        "certified_on": plan.certified_on.isoformat() if plan.certified_on else None,
        "progress_reports": [r.report_date.isoformat() for r in plan.progress_reports],
    }


def plan_on(
    work: UnitOfWork, *, client_id: int, discipline: str, day: dt.date
) -> PlanOfCare | None:
    """The plan covering ``day``, else the latest one that started before it (a session
    after the plan ran out still names its certifier)."""
    return _plan_for(
        work.db.execute(
            select(PlanOfCare).where(
                PlanOfCare.client_id == client_id,
                PlanOfCare.discipline == discipline,
                PlanOfCare.start_date <= day,
            )
        ).scalars(),
        day,
    )


def _plan_for(plans: Iterable[PlanOfCare], day: dt.date) -> PlanOfCare | None:
    """Of ``plans``, the one covering ``day``, else the latest that started before it."""
    started = [p for p in plans if p.start_date <= day]
    if not started:
        return None
    return max(started, key=lambda p: (p.end_date >= day, p.start_date, -p.id))


def _session_days(
    work: UnitOfWork,
    *,
    client_id: int,
    discipline: str,
    after: dt.date,
    through: dt.date,
    payer_id: int | None = None,
) -> set[dt.date]:
    """Dates with a stored session of the discipline after ``after``, up to and with
    ``through``; with ``payer_id``, only sessions billed to that payer or not billed yet."""
    query = (
        select(Session.date_of_service)
        .distinct()
        .join(Provider, Provider.id == Session.provider_id)
        .where(
            Session.client_id == client_id,
            Provider.discipline == discipline,
            Session.date_of_service > after,
            Session.date_of_service <= through,
        )
    )
    if payer_id is not None:
        query = query.outerjoin(ClaimRecord, ClaimRecord.id == Session.claim_id).where(
            or_(Session.claim_id.is_(None), ClaimRecord.payer_id == payer_id)
        )
    return set(work.db.execute(query).scalars())


class PlanSource(Protocol):
    """Where :func:`claim_facts` reads plans and treatment days: the database, one query
    each (:class:`_Queries`), or what a claims build loaded once (:class:`PreloadedPlans`)."""

    def plan_on(self, *, client_id: int, discipline: str, day: dt.date) -> PlanOfCare | None: ...

    def session_days(
        self, *, client_id: int, discipline: str, after: dt.date, through: dt.date
    ) -> set[dt.date]: ...

    def visit_days(
        self, *, client_id: int, discipline: str, after: dt.date, through: dt.date, payer_id: int
    ) -> set[dt.date]: ...


@dataclass(frozen=True, slots=True)
class _Queries:
    work: UnitOfWork

    def plan_on(self, *, client_id: int, discipline: str, day: dt.date) -> PlanOfCare | None:
        return plan_on(self.work, client_id=client_id, discipline=discipline, day=day)

    def session_days(
        self, *, client_id: int, discipline: str, after: dt.date, through: dt.date
    ) -> set[dt.date]:
        return _session_days(
            self.work, client_id=client_id, discipline=discipline, after=after, through=through
        )

    def visit_days(
        self, *, client_id: int, discipline: str, after: dt.date, through: dt.date, payer_id: int
    ) -> set[dt.date]:
        return _session_days(
            self.work,
            client_id=client_id,
            discipline=discipline,
            after=after,
            through=through,
            payer_id=payer_id,
        )


class PreloadedPlans:
    """The plans of care and session dates of a claims build's clients, read in two queries
    instead of two per claim. Neither changes while the build runs (it only bills sessions),
    so the answers are the database's. The visits counted per payer move as sessions are
    billed: with ``visits_from`` the clients' sessions from that day are read with the payer
    each is billed to, and the build tells :meth:`billed` what it bills."""

    CHUNK = 5_000  # client ids per IN list, well under SQLite's bound-parameter limit

    def __init__(
        self,
        work: UnitOfWork,
        client_ids: Iterable[int],
        *,
        first_days: Mapping[int, dt.date] | None = None,
        visits_from: dt.date | None = None,
        visit_clients: Iterable[int] | None = None,
    ) -> None:
        """``first_days``: each client's first day asked about (treatment days are then read
        from the earliest plan that can be chosen from that day on, not from the first plan
        ever); ``visits_from``: read the visits of ``visit_clients`` (default all) from then."""
        ids = sorted(set(client_ids))
        self._work = work
        # (client, discipline) → [date, session id, payer billed (None: not billed)]
        self._visits: dict[tuple[int, str], list[list[Any]]] | None = None
        self._visit_of: dict[int, list[Any]] = {}
        self._visit_clients: set[int] = set()
        if visits_from is not None:
            chosen = ids if visit_clients is None else sorted(set(visit_clients))
            self._load_visits(chosen, visits_from)
            self._visit_clients = set(chosen)
        self._plans: dict[tuple[int, str], list[PlanOfCare]] = defaultdict(list)
        for start in range(0, len(ids), self.CHUNK):
            chunk = ids[start : start + self.CHUNK]
            for plan in work.db.execute(
                select(PlanOfCare)
                .where(PlanOfCare.client_id.in_(chunk))
                .options(selectinload(PlanOfCare.progress_reports))
            ).scalars():
                self._plans[(plan.client_id, plan.discipline)].append(plan)
        self._days: dict[tuple[int, str], list[dt.date]] = {}
        earliest = min((p.start_date for p in self._choosable(first_days or {})), default=None)
        if earliest is None:
            return
        found: dict[tuple[int, str], set[dt.date]] = defaultdict(set)
        clients = sorted({client for client, _ in self._plans})
        parsed = bulk_reads.Days()
        for start in range(0, len(clients), self.CHUNK):
            rows = bulk_reads.rows(
                work,
                select(
                    Session.client_id,
                    Provider.discipline,
                    bulk_reads.as_read(work, Session.date_of_service),
                )
                .join(Provider, Provider.id == Session.provider_id)
                .where(
                    Session.client_id.in_(clients[start : start + self.CHUNK]),
                    Session.date_of_service >= earliest,
                ),
                practice_tables=(Session, Provider),
            )
            for client_id, discipline, day in rows:
                found[(client_id, discipline)].add(parsed[day])
        self._days = {key: sorted(days) for key, days in found.items()}

    def _load_visits(self, ids: list[int], since: dt.date) -> None:
        visits: dict[tuple[int, str], list[list[Any]]] = defaultdict(list)
        parsed = bulk_reads.Days()
        for start in range(0, len(ids), self.CHUNK):
            rows = bulk_reads.rows(
                self._work,
                select(
                    Session.client_id,
                    Provider.discipline,
                    bulk_reads.as_read(self._work, Session.date_of_service),
                    Session.id,
                    ClaimRecord.payer_id,
                )
                .join(Provider, Provider.id == Session.provider_id)
                .outerjoin(ClaimRecord, ClaimRecord.id == Session.claim_id)
                .where(
                    Session.client_id.in_(ids[start : start + self.CHUNK]),
                    Session.date_of_service >= since,
                ),
                practice_tables=(Session, Provider),
            )
            for client_id, discipline, day, session_id, payer_id in rows:
                visit = [parsed[day], session_id, payer_id]
                visits[(client_id, discipline)].append(visit)
                self._visit_of[session_id] = visit
        self._visits = visits

    def _choosable(self, first_days: Mapping[int, dt.date]) -> Iterator[PlanOfCare]:
        """The plans :func:`_plan_for` can choose on a client's first day or after: those
        still running then, and the latest started by then (all, without a first day)."""
        for (client_id, _), plans in self._plans.items():
            first = first_days.get(client_id)
            if first is None:
                yield from plans
                continue
            yield from (p for p in plans if p.end_date >= first)
            started = [p for p in plans if p.start_date <= first]
            if started:
                yield max(started, key=lambda p: p.start_date)

    def billed(self, session_ids: Iterable[int], payer_id: int) -> None:
        """Sessions the build billed to ``payer_id``: they count for that payer only now."""
        for session_id in session_ids:
            visit = self._visit_of.get(session_id)
            if visit is not None:
                visit[2] = payer_id

    def visit_days(
        self, *, client_id: int, discipline: str, after: dt.date, through: dt.date, payer_id: int
    ) -> set[dt.date]:
        """As the database answers (``_session_days`` with the payer): dates with a session
        billed to ``payer_id`` or not billed yet."""
        if self._visits is None or client_id not in self._visit_clients:  # not preloaded
            return _Queries(self._work).visit_days(
                client_id=client_id,
                discipline=discipline,
                after=after,
                through=through,
                payer_id=payer_id,
            )
        return {
            day
            for day, _, payer in self._visits.get((client_id, discipline), ())
            if after < day <= through and (payer is None or payer == payer_id)
        }

    def plan_on(self, *, client_id: int, discipline: str, day: dt.date) -> PlanOfCare | None:
        """As :func:`plan_on`, from the preloaded plans."""
        return _plan_for(self._plans.get((client_id, discipline), ()), day)

    def session_days(
        self, *, client_id: int, discipline: str, after: dt.date, through: dt.date
    ) -> set[dt.date]:
        days = self._days.get((client_id, discipline), [])
        return set(days[bisect.bisect_right(days, after) : bisect.bisect_right(days, through)])


def claim_facts(
    work: UnitOfWork,
    *,
    client_id: int,
    discipline: str,
    payer_id: int,
    profile: PayerProfile | None,
    day: dt.date,
    unsaved: bool = False,
    source: PlanSource | None = None,
) -> dict[str, Any]:
    """What a claim document carries of the plan of care: the referring provider (whenever
    a plan names one), the plan's dates with the treatment days since the last progress
    report (when the payer wants a plan) and the visits this year (when the payer limits
    them). ``unsaved``: the claim's day has a session not stored yet (the live check's),
    counted as a treatment day and a visit all the same. ``source``: where plans and
    treatment days are read (default: the database)."""
    source = source or _Queries(work)
    extra = {day} if unsaved else set()
    facts: dict[str, Any] = {}
    plan = source.plan_on(client_id=client_id, discipline=discipline, day=day)
    if plan is not None:
        facts["referring_provider"] = doc.ReferringProvider(
            npi=plan.referring_npi,
            first_name=plan.referring_first_name,
            last_name=plan.referring_last_name,
        )
        days = None
        if profile is not None and profile.plan_of_care_required:
            reports = [r.report_date for r in plan.progress_reports if r.report_date <= day]
            after = max([plan.start_date - dt.timedelta(days=1), *reports])
            days = len(
                extra
                | source.session_days(
                    client_id=client_id, discipline=discipline, after=after, through=day
                )
            )
        facts["plan_of_care"] = doc.PlanOfCare(
            discipline=cast(doc.Discipline, plan.discipline),
            start=plan.start_date,
            end=plan.end_date,
            certified=plan.certified_on,
            treatment_days=days,
        )
    if profile is not None and discipline in profile.visit_limits:
        year_start = dt.date(day.year, 1, 1) - dt.timedelta(days=1)
        facts["visits_this_year"] = len(
            extra
            | source.visit_days(
                client_id=client_id,
                discipline=discipline,
                after=year_start,
                through=day,
                payer_id=payer_id,
            )
        )
    return facts


@dataclass(frozen=True, slots=True)
class PlanView:
    """A plan of care as the client page lists it, with what needs doing about it."""

    plan: PlanOfCare
    needs: str  # "", "signature", "recertification", "ended"
    last_report: dt.date | None


def plan_views(work: UnitOfWork, *, client_id: int, today: dt.date) -> list[PlanView]:
    """The client's plans, newest first: awaiting the certifier's signature, running out
    within 14 days (recertify, §220.1.3), or ended."""
    plans = work.db.execute(
        select(PlanOfCare)
        .where(PlanOfCare.client_id == client_id)
        .order_by(PlanOfCare.start_date.desc(), PlanOfCare.id.desc())
    ).scalars()
    views = []
    for plan in plans:
        if plan.end_date < today:
            needs = "ended"
        elif plan.certified_on is None:
            needs = "signature"
        elif plan.end_date <= today + dt.timedelta(days=RECERTIFY_WARNING_DAYS):
            needs = "recertification"
        else:
            needs = ""
        reports = [r.report_date for r in plan.progress_reports]
        views.append(PlanView(plan, needs, max(reports) if reports else None))
    return views
