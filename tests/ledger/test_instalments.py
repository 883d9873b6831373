"""Payment plan arithmetic: due dates every N weeks or months (month ends kept), the last
instalment takes the rest, payments fill instalments oldest first, and due/overdue on a day."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.errors import InvalidInput
from therabill.ledger.instalments import Schedule, add_months, due_dates, standing


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 5, 31), 12, dt.date(2027, 5, 31)),
    ],
    ids=["jan31-feb", "leap-year", "year-end", "december", "a-year"],
)
def test_add_months_keeps_the_day_or_the_month_end(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(day, months) == expected


def test_monthly_dates_count_from_the_first_so_a_short_month_does_not_drift() -> None:
    plan = Schedule(40000, 10000, dt.date(2026, 1, 31), 1, "month")
    assert due_dates(plan) == [
        dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30),
    ]  # fmt: skip


def test_every_two_weeks_and_the_last_instalment_takes_the_rest() -> None:
    plan = Schedule(25000, 10000, dt.date(2026, 12, 1), 2, "week")
    shown = standing(plan, 0, dt.date(2026, 11, 28))
    assert [(i.due_on, i.amount_cents) for i in shown.instalments] == [
        (dt.date(2026, 12, 1), 10000), (dt.date(2026, 12, 15), 10000), (dt.date(2026, 12, 29), 5000),
    ]  # fmt: skip
    assert shown.next_due == dt.date(2026, 12, 1) and shown.left_cents == 25000


def test_due_overdue_and_part_paid_on_a_day() -> None:
    plan = Schedule(30000, 10000, dt.date(2026, 10, 28), 1, "month")
    shown = standing(plan, 12000, dt.date(2026, 12, 28))
    assert [(i.state, i.paid_cents) for i in shown.instalments] == [
        ("paid", 10000), ("overdue", 2000), ("due", 0),
    ]  # fmt: skip
    assert (shown.overdue_cents, shown.due_cents, shown.left_cents) == (8000, 10000, 18000)
    assert shown.next_due == dt.date(2026, 11, 28) and not shown.complete
    done = standing(plan, 40000, dt.date(2026, 12, 28))
    assert done.complete and done.paid_cents == 30000 and done.next_due is None


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0, 100, "month", 1), "total"),
        ((100, 0, "month", 1), "instalment"),
        ((100, 200, "month", 1), "instalment"),
        ((100, 50, "day", 1), "unit"),
        ((100, 50, "month", 13), "every"),
        ((100, 50, "week", 0), "every"),
        ((100000, 1, "week", 1), "instalment"),
    ],
    ids=["no-total", "no-instalment", "instalment-over-total", "unit", "13-months", "0-weeks",
         "too-many"],
)  # fmt: skip
def test_bad_schedules_name_the_field(args: tuple[int, int, str, int], field: str) -> None:
    total, instalment, unit, every = args
    with pytest.raises(InvalidInput) as caught:
        Schedule(total, instalment, dt.date(2026, 12, 1), every, unit)  # type: ignore[arg-type]
    assert caught.value.field == field


@given(
    total=st.integers(1, 10**7),
    share=st.integers(1, 120),
    paid=st.integers(0, 2 * 10**7),
    every=st.integers(1, 12),
    unit=st.sampled_from(["week", "month"]),
    offset=st.integers(-800, 800),
)
def test_instalments_add_up_and_payments_fill_in_order(
    total: int, share: int, paid: int, every: int, unit: str, offset: int
) -> None:
    instalment = max(1, -(-total // share))
    plan = Schedule(total, instalment, dt.date(2026, 11, 28), every, unit)  # type: ignore[arg-type]
    day = dt.date(2026, 11, 28) + dt.timedelta(days=offset)
    shown = standing(plan, paid, day)
    rows = shown.instalments
    assert sum(i.amount_cents for i in rows) == total
    assert all(0 < i.amount_cents <= instalment for i in rows)
    assert sum(i.paid_cents for i in rows) == min(paid, total) == shown.paid_cents
    assert shown.left_cents == total - shown.paid_cents
    assert shown.due_cents + shown.overdue_cents <= shown.left_cents
    # filled oldest first: no instalment is paid while an earlier one is not fully paid
    states = [i.left_cents == 0 for i in rows]
    assert states == sorted(states, reverse=True)
    assert [i.due_on for i in rows] == sorted(i.due_on for i in rows)
