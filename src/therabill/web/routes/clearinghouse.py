"""The clearinghouse page: what was sent and fetched, and when (``therabill clearinghouse
send`` and ``fetch`` do the sending and fetching)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from therabill.store.services import clearinghouse_transfer
from therabill.web.deps import Ctx, PageBiller
from therabill.web.reads import reading
from therabill.web.render import render

router = APIRouter()


@router.get("/clearinghouse", response_class=HTMLResponse)
def clearinghouse_page(request: Request, ctx: Ctx, account: PageBiller) -> HTMLResponse:
    with reading(ctx, account) as work:
        transfers = clearinghouse_transfer.list_transfers(work, limit=200)
    return render(request, "clearinghouse.html", {"transfers": transfers})
