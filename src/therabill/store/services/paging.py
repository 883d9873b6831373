"""One page of a list: sorted, counted and totalled by the database, never by loading every
row. Every list of the web app (and any other reader that pages) asks for its rows through
:func:`fetch_page`, so a practice with a million claims gets its first page as fast as one
with ten.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import QueryableAttribute, Session

Ts = TypeVarTuple("Ts")
SortKey = ColumnElement[Any] | QueryableAttribute[Any]

MAX_PER_PAGE = 500  # the most rows one page (and its CSV) holds


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page, in which order: ``sort`` names one of the list's sortable columns."""

    sort: str = ""
    descending: bool = False
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True, slots=True)
class Page(Generic[*Ts]):
    """The rows of one page, how many rows match in all, and the sums over all of them."""

    rows: list[Row[*Ts]]
    total: int
    page: int
    per_page: int
    sort: str
    descending: bool
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 when nothing matches)."""
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


AnyPage = Page[*tuple[Any, ...]]  # a page of any row shape (tables, templates)


def fetch_page(
    db: Session,
    query: Select[*Ts],
    wanted: PageRequest,
    *,
    sorts: Mapping[str, SortKey],
    default: str,
    tiebreak: Sequence[SortKey],
    sums: Sequence[str] = (),
    alone: Select[*tuple[Any, ...]] | None = None,
    alone_sorts: Collection[str] = (),
) -> Page[*Ts]:
    """The ``wanted`` page of ``query``: sorted by ``sorts[wanted.sort]`` (``default`` when
    the name is unknown) then ``tiebreak`` (a unique key, so pages never overlap), with the
    count of all matching rows and the sums of the labelled columns ``sums`` over all of them
    in one more query. A page past the end is the last page.

    ``alone``: the same rows from the list's own table without the joins that only add names
    (inner joins on required keys, which keep every row): its first column the table's
    primary key, then the ``sums`` columns by the same labels, with every condition of
    ``query``. The count and the sums are taken from it, and for a sort named in
    ``alone_sorts`` (whose key and ``tiebreak`` are that table's own) the page's keys are
    taken from it first, so the joins run for the page's rows only. Among many practices the
    planner underestimates a join of several practices' tables (each with its own
    ``practice_id`` test) and loops over the whole practice; this keeps the joins to a page
    (docs/performance.md, "Many practices in one PostgreSQL database")."""
    sort = wanted.sort if wanted.sort in sorts else default
    per_page = min(max(wanted.per_page, 1), MAX_PER_PAGE)
    whole = (query if alone is None else alone).order_by(None).subquery()
    figures = db.execute(
        select(
            func.count(), *[func.coalesce(func.sum(whole.c[name]), 0) for name in sums]
        ).select_from(whole)
    ).one()
    total = int(figures[0])
    pages = max(1, -(-total // per_page))
    page = min(max(wanted.page, 1), pages)
    key = sorts[sort]
    order = [key.desc() if wanted.descending else key.asc()]
    order += [t.desc() if wanted.descending else t.asc() for t in tiebreak]
    if alone is not None and sort in alone_sorts:
        row_key = alone.selected_columns[0]
        keys = (
            alone.with_only_columns(row_key)
            .order_by(*order)
            .limit(per_page)
            .offset((page - 1) * per_page)
            .subquery()
        )
        shown = query.where(row_key.in_(select(keys.c[0]))).order_by(*order)
    else:
        shown = query.order_by(*order).limit(per_page).offset((page - 1) * per_page)
    rows = list(db.execute(shown).all())
    return Page(
        rows=rows,
        total=total,
        page=page,
        per_page=per_page,
        sort=sort,
        descending=wanted.descending,
        totals={name: int(value) for name, value in zip(sums, figures[1:], strict=True)},
    )
