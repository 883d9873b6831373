"""Declarative base with a naming convention, so constraint names match on SQLite and
PostgreSQL and Alembic can compare and alter them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData, bindparam, event
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    with_loader_criteria,
)

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


class PracticeRows:
    """A table whose every row is one practice's (a ``practice_id`` column): every ORM
    SELECT over it names the transaction's practice (:func:`_name_the_practice`). Each
    table declares the column as its key wants it."""

    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"))


class PracticeOwned(PracticeRows):
    """A row that belongs to one practice (see therabill.store.tenancy): filled with the
    transaction's practice; on PostgreSQL row-level security shows and accepts only those."""

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id"), default=tenancy.practice_default
    )


ALL_PRACTICES = "therabill_all_practices"  # execution option: leave the practice unnamed
PRACTICE_PARAMETER = "therabill_practice_id"
# One option for every query, its value a parameter: an option holding the practice in a
# closure would be analysed again at each execution (about 100 µs a query).
_NAME_THE_PRACTICE = with_loader_criteria(
    PracticeRows,
    lambda cls: cls.practice_id == bindparam("therabill_practice_id"),
    include_aliases=True,
    propagate_to_loaders=False,  # a relationship's load looks rows up by their keys
)


@event.listens_for(Session, "do_orm_execute")
def _name_the_practice(state: ORMExecuteState) -> None:
    """Every ORM SELECT of a transaction that works for a practice names it:
    ``practice_id = <the practice>`` on each practice's table it reads, in its WHERE and in
    its joins' ON, subqueries included (SQLAlchemy's ``with_loader_criteria``, the "global
    WHERE criteria" recipe: https://docs.sqlalchemy.org/en/20/orm/session_events.html#adding-global-where-on-criteria).

    Row-level security already holds a PostgreSQL transaction to its practice, but the
    planner cannot look the policy's ``current_setting(...)`` up in the column's statistics
    nor match it with an index's leading ``practice_id`` as it does a value; with the
    practice named, the indexes led by ``practice_id`` (migration 0036) serve each practice's
    lists and reports at any number of practices. On SQLite (one practice) the condition is
    always true. The policy stays the guard: this is for the planner."""
    if not state.is_select or state.execution_options.get(ALL_PRACTICES):
        return
    practice_id = tenancy.transaction_practice(state.session.connection())
    if practice_id is None:
        return
    if not (state.is_column_load or state.is_relationship_load):
        state.statement = state.statement.options(_NAME_THE_PRACTICE)
    # the value, for this statement and for the loads of its eager relationships (selectin
    # loads carry the criteria on)
    parameters = state.parameters
    if isinstance(parameters, dict):
        state.parameters = {**parameters, PRACTICE_PARAMETER: practice_id}
    else:
        state.parameters = {PRACTICE_PARAMETER: practice_id}
