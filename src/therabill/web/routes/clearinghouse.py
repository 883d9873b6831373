"""The clearinghouse page: what was sent and fetched, and when (``therabill clearinghouse
send`` and ``fetch`` do the sending and fetching)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from therabill.store.services import clearinghouse_transfer
from therabill.web.deps import Ctx, PageBiller
from therabill.web.reads import reading
from therabill.web.render import render
from therabill.web.tables import Column, Table, csv_response, wants_csv

router = APIRouter()


TRANSFERS = Table(
    "transfers",
    "Files sent and fetched",
    columns=(
        Column("when", "When"),
        Column("direction", "Direction"),
        Column("file", "File"),
        Column("kind", "Kind"),
        Column("status", "Outcome", kind="status"),
        Column("detail", "Details", sortable=False),
    ),
    default_sort="",  # newest first, as the service gives them
    empty="Nothing sent or fetched yet.",
)


@router.get("/clearinghouse", response_class=HTMLResponse)
def clearinghouse_page(request: Request, ctx: Ctx, account: PageBiller) -> Response:
    with reading(ctx, account) as work:
        transfers = clearinghouse_transfer.list_transfers(work, limit=200)
    rows = [
        {**t, "when": t["when"].strftime("%Y-%m-%d %H:%M"), "kind": t["kind"] or "unknown",
         "file": t["file"] + (f" (as {t['remote']})" if t["remote"] != t["file"] else ""),
         "_class": "warn" if t["status"] == "quarantined" else ""}
        for t in transfers
    ]  # fmt: skip
    view = TRANSFERS.whole(request, rows)
    if wants_csv(request):
        return csv_response(view)
    return render(request, "clearinghouse.html", {"table": view})
