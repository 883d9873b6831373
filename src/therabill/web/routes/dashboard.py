"""The dashboard: the day's work queues (each figure opens its list), today's sessions, money
owed by age and the latest remittances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from therabill.store.services import reports, worklists
from therabill.store.services.caches import Stamped, database_key
from therabill.store.services.remittance_intake import recent_remittances
from therabill.web.charts import bar_chart
from therabill.web.context import WebContext
from therabill.web.deps import Ctx, PageUser
from therabill.web.reads import reading
from therabill.web.render import render
from therabill.web.tables import Column, Table

router = APIRouter()

TODAY = Table(
    "today",
    "Today's sessions",
    columns=(
        Column("start", "Start", sortable=False),
        Column("client", "Client", link="client_url", sortable=False),
        Column("provider", "Provider", sortable=False),
        Column("codes", "Codes", sortable=False),
        Column("billed", "Billed", sortable=False),
    ),
    default_sort="",
    per_page=100,
    exportable=False,
    empty="No sessions entered for today yet.",
)


def _aging_table(name: str, caption: str, first: Column) -> Table:
    return Table(
        name,
        caption,
        columns=(
            first,
            *(Column(b, b, kind="money", sortable=False, total=True) for b in reports.BUCKETS),
            Column("total", "Total", kind="money", sortable=False, total=True),
        ),
        default_sort="",
        per_page=100,
        exportable=False,
    )


BY_PAYER = _aging_table(
    "owed-by-payer",
    "Money owed by insurers, by age",
    Column("payer", "Payer", link="url", sortable=False),
)
BY_CLIENT = _aging_table(
    "owed-by-client",
    "Largest client balances, by age",
    Column("client", "Client", link="url", sortable=False),
)
REMITTANCES = Table(
    "recent-remittances",
    "Recent remittances",
    columns=(
        Column("when", "Received", sortable=False),
        Column("file_name", "File", sortable=False),
        Column("outcome", "Outcome", sortable=False),
        Column("summary", "Summary", sortable=False),
    ),
    default_sort="",
    per_page=100,
    exportable=False,
    empty="No remittance uploaded yet.",
)


def _aging_rows(rows: dict[str, dict[str, int]], ids: dict[str, int], kind: str) -> list[Any]:
    href = {"payer": "/claims?status=&payer={}", "client": "/clients/{}"}[kind]
    return [
        {
            kind: name,
            "url": href.format(ids[name]) if name in ids else None,
            **buckets,
            "total": sum(buckets.values()),
        }
        for name, buckets in rows.items()
    ]


class _Same:
    """A stamp equal only to a stamp of the very same object: rendered figures are kept
    while ``reports.aging`` answers with the figures it keeps (their own stamp is the
    ledger's generation), and rendered again for any other."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)


# The money section as HTML (the chart and the two aging tables: a third of a dashboard's
# CPU to render), per database, practice and day, kept with the figures it shows.
AGING_HTML: Stamped[Markup] = Stamped("the dashboard's money tables", keys=256)


def _aging_tables(request: Request, ctx: WebContext, owed: reports.Aging, today: dt.date) -> Markup:
    """The chart and the aging tables of ``owed``; rendered once per kept figures when the
    page is asked without a page or order of its own (the tables' query parameters)."""

    def rendered() -> Markup:
        return Markup(
            ctx.templates.get_template("_dashboard_aging.html").render(
                chart=bar_chart(owed.totals, title="Insurance balances by age (days)"),
                by_payer=BY_PAYER.whole(
                    request, _aging_rows(owed.by_payer, owed.payer_ids, "payer")
                ),
                by_client=BY_CLIENT.whole(
                    request, _aging_rows(owed.by_client, owed.client_ids, "client")
                ),
            )
        )

    if request.query_params:
        return rendered()
    key: Hashable = (database_key(ctx.store.reader.url), today)
    return AGING_HTML.get(key, _Same(owed), rendered)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    today = dt.date.today()
    values: dict[str, object] = {"today": today}
    if account.sees_all_clients:  # summed outside the transaction: it can take a while
        owed = reports.aging(ctx.store.reader, today=today)
        values["aging"] = owed
        values["aging_tables"] = _aging_tables(request, ctx, owed, today)
    with reading(ctx, account) as work:
        stamp = reports.dashboard_stamp(work)  # one read for both kept parts
        sessions = reports.todays_sessions(work, account, today=today, stamp=stamp)
        values["queues"] = worklists.work_queues(work, account, today=today, stamp=stamp)
        if account.sees_all_clients:
            work.audit("list", "aging", "practice")
            recent = recent_remittances(work)
            values["remittances"] = REMITTANCES.whole(
                request,
                [{**r, "when": r["uploaded_at"].strftime("%Y-%m-%d %H:%M")} for r in recent],
            )
            values["payer_count"] = reports.payer_count(work)
    values["sessions"] = TODAY.whole(
        request,
        [
            {
                **s,
                "client_url": f"/clients/{s['client_id']}",
                "billed": "yes" if s["billed"] else "no",
            }
            for s in sessions
        ],
    )
    return render(request, "dashboard.html", values)
