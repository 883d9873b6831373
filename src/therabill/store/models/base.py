"""Declarative base with a naming convention, so constraint names match on SQLite and
PostgreSQL and Alembic can compare and alter them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from therabill.store import tenancy

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Money in cents is a 64-bit integer everywhere. A 32-bit INTEGER (PostgreSQL's) stops at
# $21,474,836.47: one 835's payment total (BPR02) for a billing office's month, or a year's
# revenue figure, passes that. SQLite's INTEGER is already 64-bit; the type says so to both.
Cents = Annotated[int, mapped_column(BigInteger)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: DateTime(timezone=True)}  # noqa: RUF012


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PracticeOwned:
    """A row that belongs to one practice (see therabill.store.tenancy): filled with the
    transaction's practice; on PostgreSQL row-level security shows and accepts only those."""

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id"), default=tenancy.practice_default
    )
