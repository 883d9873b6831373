"""Payment plans, pure: a balance paid in instalments on a schedule (every N weeks or months
from a first date), and, for a day, which instalments are paid, due or overdue.

Payments made under the plan fill the instalments in order (the oldest first), so an early
or a large payment counts toward the next ones. An instalment is *overdue* the day after its
due date while not fully paid, *due* on its date. Integer cents only; the last instalment
takes what is left, so the instalments always add up to the plan's total.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from therabill.errors import InvalidInput

Unit = Literal["week", "month"]
UNITS: tuple[Unit, ...] = ("week", "month")
MAX_INSTALMENTS = 120  # ten years of monthly instalments
State = Literal["paid", "due", "overdue", "upcoming"]


@dataclass(frozen=True, slots=True)
class Schedule:
    """What the client agreed: ``total_cents`` in instalments of ``instalment_cents`` from
    ``first_due``, one every ``every`` weeks or months."""

    total_cents: int
    instalment_cents: int
    first_due: dt.date
    every: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.total_cents <= 0:
            raise InvalidInput("must be more than zero", field="total")
        if self.instalment_cents <= 0:
            raise InvalidInput("must be more than zero", field="instalment")
        if self.instalment_cents > self.total_cents:
            raise InvalidInput("is more than the plan's total", field="instalment")
        if self.unit not in UNITS:
            raise InvalidInput(f"{self.unit!r} is not week or month", field="unit")
        limit = 52 if self.unit == "week" else 12
        if not 1 <= self.every <= limit:
            raise InvalidInput(f"must be between 1 and {limit} {self.unit}s", field="every")
        if self.count > MAX_INSTALMENTS:
            raise InvalidInput(
                f"makes {self.count} instalments; at most {MAX_INSTALMENTS}", field="instalment"
            )

    @property
    def count(self) -> int:
        return -(-self.total_cents // self.instalment_cents)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; a day the month lacks becomes its last (Jan 31 → Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def due_dates(schedule: Schedule) -> list[dt.date]:
    """Every instalment's due date, always counted from the first (no drift after a short
    month)."""
    step = schedule.every
    if schedule.unit == "week":
        return [schedule.first_due + dt.timedelta(weeks=step * n) for n in range(schedule.count)]
    return [add_months(schedule.first_due, step * n) for n in range(schedule.count)]


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int
    due_on: dt.date
    amount_cents: int
    paid_cents: int
    state: State

    @property
    def left_cents(self) -> int:
        return self.amount_cents - self.paid_cents


@dataclass(frozen=True, slots=True)
class Standing:
    """A plan on one day: each instalment, what is due today and overdue, what is left."""

    instalments: tuple[Instalment, ...]
    paid_cents: int
    due_cents: int  # due today (instalments whose date is today, not yet paid)
    overdue_cents: int  # past their date and not yet paid
    left_cents: int  # everything not yet paid
    next_due: dt.date | None  # the first instalment not fully paid

    @property
    def complete(self) -> bool:
        return self.left_cents == 0


def standing(schedule: Schedule, paid_cents: int, on: dt.date) -> Standing:
    """The plan on day ``on`` with ``paid_cents`` paid under it, oldest instalments first.
    More than the total paid counts as the whole plan paid."""
    if paid_cents < 0:
        raise InvalidInput("cannot be negative", field="paid")
    dates = due_dates(schedule)
    left_to_place = min(paid_cents, schedule.total_cents)
    rows: list[Instalment] = []
    for number, due in enumerate(dates, start=1):
        amount = (
            schedule.instalment_cents
            if number < len(dates)
            else schedule.total_cents - schedule.instalment_cents * (len(dates) - 1)
        )
        paid = min(amount, left_to_place)
        left_to_place -= paid
        state: State
        if paid == amount:
            state = "paid"
        elif due < on:
            state = "overdue"
        elif due == on:
            state = "due"
        else:
            state = "upcoming"
        rows.append(Instalment(number, due, amount, paid, state))
    unpaid = [r for r in rows if r.state != "paid"]
    return Standing(
        instalments=tuple(rows),
        paid_cents=min(paid_cents, schedule.total_cents),
        due_cents=sum(r.left_cents for r in unpaid if r.state == "due"),
        overdue_cents=sum(r.left_cents for r in unpaid if r.state == "overdue"),
        left_cents=sum(r.left_cents for r in unpaid),
        next_due=unpaid[0].due_on if unpaid else None,
    )
