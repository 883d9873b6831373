"""The dashboard: today's sessions, unbilled work, claims needing attention, money owed."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from therabill.store.services import reports
from therabill.store.services.remittance_intake import recent_remittances
from therabill.web.charts import bar_chart
from therabill.web.deps import Ctx, PageUser
from therabill.web.reads import reading
from therabill.web.render import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    today = dt.date.today()
    values: dict[str, object] = {"today": today}
    if account.sees_all_clients:  # summed outside the transaction: it can take a while
        owed = reports.aging(ctx.store.reader, today=today)
        values["aging"] = owed
        values["chart"] = bar_chart(owed.totals, title="Insurance balances by age (days)")
        values["buckets"] = reports.BUCKETS
    with reading(ctx, account) as work:
        values["sessions"] = reports.todays_sessions(work, account, today=today)
        values["unbilled"] = reports.unbilled_count(work, account)
        if account.sees_all_clients:
            values["attention"] = owed.attention
            work.audit("list", "aging", "practice")
            values["remittances"] = recent_remittances(work)
            values["payer_count"] = reports.payer_count(work)
    return render(request, "dashboard.html", values)
