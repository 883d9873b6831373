"""The claims build's bulk reads (tens of thousands of rows) without the per-row costs that
do not pay there.

- :func:`rows`: a statement run as Core on the transaction's connection, not through the
  ORM's loading (about half the CPU of reading such a result). The ORM's practice hook
  (``models.base``) does not see it, so the statement names the practice on the tables it
  is told (those read by inner join: it is for the planner, whose indexes lead with
  ``practice_id``); on PostgreSQL row-level security holds the transaction to its practice
  all the same.
- :func:`as_read` and :class:`Days`: SQLite stores a date as its ISO text and SQLAlchemy
  parses it again on every row; the bulk reads take the text and parse each distinct day
  once (a year has a few hundred). PostgreSQL's driver gives dates already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Select, String, type_coerce

from therabill.store import tenancy
from therabill.store.models.base import PracticeRows
from therabill.store.services.context import UnitOfWork


def rows(
    work: UnitOfWork,
    statement: Select[*tuple[Any, ...]],
    *,
    practice_tables: Sequence[type[PracticeRows]],
) -> Sequence[tuple[Any, ...]]:
    """Every row of ``statement`` with ``practice_id = <the transaction's practice>`` on each
    of ``practice_tables`` (never an outer join's table: the condition would drop the rows
    it has none for)."""
    connection = work.db.connection()
    practice = tenancy.transaction_practice(connection)
    if practice is not None:
        statement = statement.where(*(table.practice_id == practice for table in practice_tables))
    return cast(Sequence[tuple[Any, ...]], connection.execute(statement).all())


def as_read(work: UnitOfWork, column: Any) -> Any:
    """``column`` (a date) as the driver gives it: on SQLite its text, elsewhere the date
    (the SQL is the same; only SQLAlchemy's conversion of the value is left out)."""
    if work.db.get_bind().dialect.name == "sqlite":
        return type_coerce(column, String)
    return column


class Days(dict[Any, dt.date]):
    """What :func:`as_read` gave → the date, each distinct value parsed once."""

    def __missing__(self, value: dt.date | str) -> dt.date:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        self[value] = day
        return day
