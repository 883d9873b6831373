"""Dates read in bulk without SQLAlchemy's per-row conversion.

SQLite stores a date as its ISO text and SQLAlchemy parses it again on every row it reads; a
claims build reads tens of thousands of rows whose dates repeat (a year has a few hundred),
so its bulk reads take the text (:func:`as_read`) and parse each distinct day once
(:class:`Days`). PostgreSQL's driver gives dates already.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, type_coerce

from therabill.store.services.context import UnitOfWork


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
