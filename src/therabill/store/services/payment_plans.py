"""Payment plans: a client pays a balance in instalments (every N weeks or months from a
first date). ``therabill payment-plan``, the client's account page and the API call these.

A plan covers at most what the client owes when it is set up, and a client has one active
plan at a time. Every payment taken while the plan is active (``payments.take_payment``,
kind payment, not a copay for a new session) is paid under it and fills its instalments
oldest first (``therabill.ledger.instalments``); the plan ends by itself when paid in full,
or when the biller ends it. The money still goes on the claim lines as any payment does:
the plan is a schedule of what to expect, not a second balance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, select

from therabill.errors import InvalidInput
from therabill.ledger import balance_of
from therabill.ledger.instalments import Schedule, Standing, Unit, standing
from therabill.money import format_money
from therabill.store.models import Client, ClientPayment, PaymentPlan
from therabill.store.services import ledger, lookup
from therabill.store.services.context import UnitOfWork


@dataclass(frozen=True, slots=True)
class PlanView:
    plan: PaymentPlan
    standing: Standing

    def to_dict(self) -> dict[str, Any]:
        p, s = self.plan, self.standing
        return {
            "plan_id": p.id,
            "client_id": p.client_id,
            "total_cents": p.total_cents,
            "instalment_cents": p.instalment_cents,
            "first_due": p.first_due.isoformat(),
            "every": p.every,
            "unit": p.unit,
            "started_on": p.started_on.isoformat(),
            "ended_on": p.ended_on.isoformat() if p.ended_on else None,
            "end_reason": p.end_reason or None,
            "paid_cents": s.paid_cents,
            "due_today_cents": s.due_cents,
            "overdue_cents": s.overdue_cents,
            "left_cents": s.left_cents,
            "next_due": s.next_due.isoformat() if s.next_due else None,
            "instalments": [
                {
                    "number": i.number,
                    "due_on": i.due_on.isoformat(),
                    "amount_cents": i.amount_cents,
                    "paid_cents": i.paid_cents,
                    "state": i.state,
                }
                for i in s.instalments
            ],
        }


def schedule_of(plan: PaymentPlan) -> Schedule:
    return Schedule(
        plan.total_cents, plan.instalment_cents, plan.first_due, plan.every, cast(Unit, plan.unit)
    )


def active_plan(work: UnitOfWork, client_id: int) -> PaymentPlan | None:
    return work.db.execute(
        select(PaymentPlan).where(
            PaymentPlan.client_id == client_id, PaymentPlan.ended_on.is_(None)
        )
    ).scalar_one_or_none()


def _paid(work: UnitOfWork, plan_ids: Iterable[int]) -> dict[int, int]:
    """What was paid under each plan, in one query."""
    ids = list(plan_ids)
    if not ids:
        return {}
    rows = work.db.execute(
        select(ClientPayment.plan_id, func.sum(ClientPayment.amount_cents))
        .where(ClientPayment.plan_id.in_(ids), ClientPayment.kind == "payment")
        .group_by(ClientPayment.plan_id)
    ).all()
    return {plan_id: int(total) for plan_id, total in rows if plan_id is not None}


def view(work: UnitOfWork, plan: PaymentPlan, on: dt.date | None = None) -> PlanView:
    paid = _paid(work, [plan.id]).get(plan.id, 0)
    return PlanView(plan, standing(schedule_of(plan), paid, on or dt.date.today()))


def create_plan(
    *,
    work: UnitOfWork,
    client: str | int,
    instalment_cents: int,
    first_due: dt.date,
    every: int = 1,
    unit: str = "month",
    total_cents: int | None = None,
    note: str = "",
    on: dt.date | None = None,
) -> PlanView:
    """Set up a plan for what the client owes (or ``total_cents`` of it)."""
    found = lookup.client(work, client)
    today = on or dt.date.today()
    current = active_plan(work, found.id)
    if current is not None:
        raise InvalidInput(
            f"this client already has a payment plan (started {current.started_on}); end it first",
            field="client",
        )
    owed = balance_of(ledger.facts(e) for e in ledger.client_entries(work, found.id)).patient_cents
    if owed <= 0:
        raise InvalidInput("the client owes nothing; a plan is for a balance", field="client")
    total = owed if total_cents is None else total_cents
    if total > owed:
        raise InvalidInput(
            f"the client owes {format_money(owed)}; a plan covers at most that", field="total"
        )
    if first_due < today:
        raise InvalidInput(f"{first_due} is before today ({today})", field="first")
    if unit not in ("week", "month"):
        raise InvalidInput(f"{unit!r} is not week or month", field="unit")
    schedule = Schedule(total, instalment_cents, first_due, every, cast(Unit, unit))
    plan = PaymentPlan(
        client_id=found.id, total_cents=schedule.total_cents,
        instalment_cents=schedule.instalment_cents, first_due=first_due, every=every, unit=unit,
        started_on=today, note=note.strip()[:200], actor=work.actor,
    )  # fmt: skip
    work.db.add(plan)
    work.db.flush()
    work.audit("create", "payment_plan", plan.id, f"{total} in {schedule.count} instalments")
    return PlanView(plan, standing(schedule, 0, today))


def end_plan(*, work: UnitOfWork, client: str | int, reason: str) -> PaymentPlan:
    """End the client's active plan (renegotiated, sent to collections …); kept as history."""
    found = lookup.client(work, client)
    plan = active_plan(work, found.id)
    if plan is None:
        raise InvalidInput("this client has no active payment plan", field="client")
    if not reason.strip():
        raise InvalidInput("say why the plan ends", field="reason")
    plan.ended_on = dt.date.today()
    plan.end_reason = reason.strip()[:200]
    work.audit("end", "payment_plan", plan.id, plan.end_reason)
    return plan


def after_payment(work: UnitOfWork, plan: PaymentPlan, day: dt.date) -> None:
    """A plan paid in full ends on the day of the payment that completed it."""
    if view(work, plan, day).standing.complete:
        plan.ended_on = day
        plan.end_reason = "paid in full"
        work.audit("end", "payment_plan", plan.id, "paid in full")


def client_plans(
    *, work: UnitOfWork, client: str | int, on: dt.date | None = None
) -> list[PlanView]:
    """The client's plans, the active one first, then the ended ones newest first."""
    found = lookup.client(work, client)
    plans = list(
        work.db.execute(
            select(PaymentPlan)
            .where(PaymentPlan.client_id == found.id)
            .order_by(PaymentPlan.ended_on.is_not(None), PaymentPlan.id.desc())
        ).scalars()
    )
    paid = _paid(work, (p.id for p in plans))
    day = on or dt.date.today()
    work.audit("read", "payment_plan", found.id)
    return [PlanView(p, standing(schedule_of(p), paid.get(p.id, 0), day)) for p in plans]


def active_views(
    work: UnitOfWork, client_ids: Iterable[int] | None, on: dt.date
) -> list[tuple[Client, PlanView]]:
    """The active plans (of the clients given, or all) on day ``on``, in two queries."""
    query = (
        select(PaymentPlan, Client)
        .join(Client, Client.id == PaymentPlan.client_id)
        .where(PaymentPlan.ended_on.is_(None))
    )
    if client_ids is not None:
        query = query.where(PaymentPlan.client_id.in_(list(client_ids)))
    rows = [(plan, client) for plan, client in work.db.execute(query).all()]
    paid = _paid(work, (p.id for p, _ in rows))
    return [
        (client, PlanView(plan, standing(schedule_of(plan), paid.get(plan.id, 0), on)))
        for plan, client in rows
    ]


def plans_due(*, work: UnitOfWork, on: dt.date | None = None) -> list[tuple[Client, PlanView]]:
    """Active plans with an instalment due today or overdue, most overdue first (two
    queries whatever the number of plans)."""
    day = on or dt.date.today()
    out = [
        (client, shown)
        for client, shown in active_views(work, None, day)
        if shown.standing.due_cents or shown.standing.overdue_cents
    ]
    out.sort(key=lambda pair: (-pair[1].standing.overdue_cents, pair[0].last_name))
    work.audit("list", "payment_plan", None, f"{len(out)} due")
    return out
