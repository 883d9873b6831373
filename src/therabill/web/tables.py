"""The one table of the web app: every list declares its columns once (:class:`Table`), asks
its service for one page (``store.services.paging``) and renders it with the ``data_table``
macro of ``templates/_table.html``: sortable headers, paging, totals over every matching row,
money right-aligned under right-aligned headers, row selection for bulk actions, and a CSV of
exactly the rows shown.

How a list route uses it::

    LIST = Table("claims", "Claims", columns=(...), default_sort="date", descending=True)
    wanted = LIST.wanted(request.query_params)
    page, rows = claims_queue.queue(work, filters, wanted)
    view = LIST.view(request, page, rows)
    if wants_csv(request):
        return csv_response(view)
    return render(request, "claims.html", {"table": view})
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from therabill.money import format_dollars
from therabill.store.services.paging import MAX_PER_PAGE, AnyPage, Page, PageRequest

# "cell": drawn by the page's own ``cell(row, column)`` macro (a row's action buttons);
# "signed": cents with their sign, + too (a ledger entry's change to what is owed; 0 is blank)
Kind = Literal["text", "money", "signed", "number", "date", "status", "cell"]
PAGING = ("sort", "dir", "page", "per", "format")  # the table's own query parameters
PER_PAGE_CHOICES = (25, 50, 100, 200, MAX_PER_PAGE)


@dataclass(frozen=True, slots=True)
class Column:
    """One column: ``key`` in each row dict (and the sort name); ``link`` names the row key
    holding the cell's link; ``total``: the footer shows the sum over all matching rows."""

    key: str
    label: str
    kind: Kind = "text"
    sortable: bool = True
    link: str | None = None
    total: bool = False
    export: bool = True  # a column in the CSV (not a row's buttons)
    wide: bool = False  # a sentence (a reason, a next step): kept readable, not squeezed
    desk_only: bool = False  # hidden below 1000 px, so a tablet sees the money columns
    screen: bool = True  # a column on the page (False: the CSV's alone, shown in another cell)
    figures: bool = False  # a drawn cell of figures: right-aligned as numbers are

    @property
    def css(self) -> str:
        """The cell's classes: alignment by kind, and the narrow-screen rule."""
        found = (
            "num" if self.numeric else "date" if self.kind == "date"
            else "status-cell" if self.kind == "status"
            else f"cell-{self.key}" if self.kind == "cell"
            else "reason" if self.key == "reason" or self.wide else ""
        )  # fmt: skip
        return f"{found} desk-only".strip() if self.desk_only else found

    @property
    def head_css(self) -> str:
        """The header's classes: right-aligned over numbers, and the narrow-screen rule."""
        return " ".join(c for c in ("num" if self.numeric else "", self.desk_css) if c)

    @property
    def desk_css(self) -> str:
        return "desk-only" if self.desk_only else ""

    @property
    def numeric(self) -> bool:
        return self.figures or self.kind in ("money", "signed", "number")


@dataclass(frozen=True, slots=True)
class Table:
    """A list's columns and defaults. ``select``: the row key a row's checkbox sends (bulk
    actions), to the form ``form``; ``selectable``: the row key saying whether a row can be
    ticked; ``row_name``: the row key that names a row to a screen reader."""

    name: str
    caption: str
    columns: tuple[Column, ...]
    default_sort: str
    descending: bool = False
    per_page: int = 50
    select: str | None = None
    selectable: str | None = None
    form: str | None = None
    row_name: str | None = None
    empty: str = "Nothing matches."
    exportable: bool = True  # offers the CSV of its rows (a page with one list)
    prefix: str = ""  # before its query parameters, when a page shows several tables
    anchor: str = ""  # the id its links come back to on a page of several tables

    def key(self, name: str) -> str:
        """The query parameter ``name`` (sort, dir, page, per) of this table."""
        return self.prefix + name

    def wanted(self, params: Mapping[str, str]) -> PageRequest:
        """The page the query string asks for; anything unreadable falls back to the
        defaults (a stale bookmark still opens the list)."""
        sortable = {c.key for c in self.columns if c.sortable}
        sort = params.get(self.key("sort"), "")
        if sort not in sortable:
            sort = self.default_sort
            descending = self.descending
        else:
            descending = params.get(self.key("dir"), "") == "desc"
        return PageRequest(
            sort=sort,
            descending=descending,
            page=_number(params.get(self.key("page"), ""), 1),
            per_page=min(_number(params.get(self.key("per"), ""), self.per_page), MAX_PER_PAGE),
        )

    @property
    def shown(self) -> tuple[Column, ...]:
        """The columns the page draws (the CSV has every exported one)."""
        return tuple(c for c in self.columns if c.screen)

    @property
    def totals(self) -> tuple[str, ...]:
        """The keys the service sums over every matching row."""
        return tuple(c.key for c in self.columns if c.total)

    def view(
        self,
        request: Request,
        page: AnyPage,
        rows: Sequence[Mapping[str, Any]],
        *,
        path: str | None = None,
    ) -> TableView:
        """The page to render; ``path``: the list's own address, when the request was another
        (a form's POST that shows the list again, a fragment)."""
        own = {self.key(name) for name in PAGING} | {"format", "done"}
        params = {k: v for k, v in request.query_params.items() if k not in own and v}
        return TableView(self, page, list(rows), path or request.url.path, params)

    def whole(
        self, request: Request, rows: Sequence[Mapping[str, Any]], *, path: str | None = None
    ) -> TableView:
        """A short list a service returns whole (a summary of a few dozen rows at most):
        sorted, paged and totalled here, so it looks and works as every other table."""
        wanted = self.wanted(request.query_params)
        ordered = list(rows)
        if any(c.key == wanted.sort and c.sortable for c in self.columns):
            present = [r for r in ordered if r.get(wanted.sort) is not None]
            missing = [r for r in ordered if r.get(wanted.sort) is None]
            present.sort(key=lambda r: _order(r[wanted.sort]), reverse=wanted.descending)
            ordered = present + missing
        per = wanted.per_page
        pages = max(1, -(-len(ordered) // per))
        number = min(wanted.page, pages)
        totals = {
            c.key: sum(int(r.get(c.key) or 0) for r in ordered) for c in self.columns if c.total
        }
        page: AnyPage = Page(
            rows=[],
            total=len(ordered),
            page=number,
            per_page=per,
            sort=wanted.sort,
            descending=wanted.descending,
            totals=totals,
        )
        shown = ordered[(number - 1) * per : number * per]
        return self.view(request, page, shown, path=path)


def _order(value: Any) -> tuple[int, Any]:
    """A sort key that never compares a number with a word (numbers first)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value).casefold())


def grid(
    name: str,
    caption: str,
    labels: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    money: Collection[int] = (),
    totals: Collection[int] = (),
    prefix: str = "",
    anchor: str = "",
) -> Table:
    """A table for rows of plain values (a report's, a chart's): the ``money`` columns are
    cents, columns of numbers are right-aligned; the rows keep their order until a header is
    clicked. Its rows are :func:`grid_rows`."""
    columns = []
    for i, label in enumerate(labels):
        values = [row[i] for row in rows if i < len(row) and row[i] not in (None, "")]
        kind: Kind = "text"
        if i in money:
            kind = "money"
        elif values and all(
            isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in values
        ):
            kind = "number"
        columns.append(Column(f"c{i}", label, kind, total=i in totals))
    return Table(
        name,
        caption,
        tuple(columns),
        default_sort="",
        exportable=False,
        prefix=prefix,
        anchor=anchor,
    )


def grid_rows(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [{f"c{i}": value for i, value in enumerate(row)} for row in rows]


def _number(text: str, default: int) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 10**9 else default


@dataclass(slots=True)
class TableView:
    """One rendered page of a :class:`Table`: its rows, and the links of its headers and
    pager, which keep the list's filters (``params``)."""

    table: Table
    page: AnyPage
    rows: list[Mapping[str, Any]]
    path: str
    params: dict[str, str] = field(default_factory=dict)

    def url(self, **changes: str | int) -> str:
        """This list's address with the current filters, sort and page, changed by
        ``changes`` (a value of ``""`` drops the parameter)."""
        query: dict[str, str] = dict(self.params)
        page, key = self.page, self.table.key
        if page.sort != self.table.default_sort or page.descending != self.table.descending:
            query[key("sort")] = page.sort
            query[key("dir")] = "desc" if page.descending else "asc"
        if page.page != 1:
            query[key("page")] = str(page.page)
        if page.per_page != self.table.per_page:
            query[key("per")] = str(page.per_page)
        for name, value in changes.items():
            name = name if name == "format" else key(name)
            if value == "":
                query.pop(name, None)
            else:
                query[name] = str(value)
        anchor = f"#{self.table.anchor}" if self.table.anchor else ""
        return self.path + ("?" + urlencode(query) if query else "") + anchor

    @property
    def first(self) -> int:
        """The 1-based position of the first row shown (0 when nothing matches)."""
        return (self.page.page - 1) * self.page.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page.page - 1) * self.page.per_page + len(self.rows)

    def sort_url(self, column: Column) -> str:
        """Sorted by ``column``: ascending first, then the other way on a second click."""
        descending = column.key == self.page.sort and not self.page.descending
        if column.key != self.page.sort and column.numeric:
            descending = True  # amounts and counts: the largest first
        return self.url(sort=column.key, dir="desc" if descending else "asc", page="")

    def aria_sort(self, column: Column) -> str | None:
        if column.key != self.page.sort:
            return None
        return "descending" if self.page.descending else "ascending"

    def page_url(self, number: int) -> str:
        return self.url(page=number if number != 1 else "")

    def csv_url(self) -> str:
        return self.url(format="csv")

    @property
    def hidden(self) -> dict[str, str]:
        """The sort and page size, as hidden fields of a filter form (a new filter starts
        again at page one)."""
        kept: dict[str, str] = {}
        page, key = self.page, self.table.key
        if page.sort != self.table.default_sort or page.descending != self.table.descending:
            kept = {key("sort"): page.sort, key("dir"): "desc" if page.descending else "asc"}
        if page.per_page != self.table.per_page:
            kept[key("per")] = str(page.per_page)
        return kept

    def cell(self, row: Mapping[str, Any], column: Column) -> str:
        """The cell as a page shows it."""
        return display(row.get(column.key), column.kind)

    def total(self, column: Column) -> str:
        return display(self.page.totals.get(column.key, 0), column.kind)

    @property
    def per_page_choices(self) -> tuple[int, ...]:
        return PER_PAGE_CHOICES


def display(value: Any, kind: Kind) -> str:
    if value is None or value == "":
        return ""
    if kind == "money":
        return format_dollars(int(value))
    if kind == "signed":
        cents = int(value)
        return "" if cents == 0 else ("+" if cents > 0 else "") + format_dollars(cents)
    if kind == "number":
        return f"{value:,}" if isinstance(value, int | float | Decimal) else str(value)
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if kind == "status":
        return str(value).replace("_", " ")
    return str(value)


def _csv_value(value: Any, kind: Kind) -> str:
    """A spreadsheet's cell: plain amounts (``1234.50``), and text that a spreadsheet would
    run as a formula made inert (OWASP, "CSV Injection": a leading = + - @ tab or CR)."""
    if value is None:
        return ""
    if kind in ("money", "signed"):
        cents = int(value)
        return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    text = display(value, kind)
    if kind in ("text", "cell") and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def wants_csv(request: Request) -> bool:
    return request.query_params.get("format") == "csv"


def csv_text(view: TableView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = [c for c in view.table.columns if c.export]
    writer.writerow([c.label for c in columns])
    for row in view.rows:
        writer.writerow([_csv_value(row.get(c.key), c.kind) for c in columns])
    return out.getvalue()


def csv_response(view: TableView) -> Response:
    """The rows shown (this page, these filters, this order) as a CSV download."""
    name = f"{view.table.name}-page{view.page.page}.csv"
    return Response(
        csv_text(view),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
