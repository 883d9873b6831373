"""The clearinghouse page: what was sent and fetched, and when, and a *Fetch now* that runs
the fetch as a background job (``therabill clearinghouse send`` and ``fetch`` do the same
from the command line)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from therabill.store.services import clearinghouse_transfer
from therabill.web.deps import Ctx, FormFields, PageBiller
from therabill.web.reads import reading
from therabill.web.render import render
from therabill.web.routes.jobs import start as start_job
from therabill.web.tables import Column, Table, csv_response, wants_csv
from therabill.x12.clearinghouse import available_clearinghouses

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
    return render(
        request, "clearinghouse.html", {"table": view, "profiles": available_clearinghouses()}
    )


@router.post("/clearinghouse/fetch")
def fetch_now(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    """Fetch what the clearinghouse left for us, as a background job; the answer is the
    job's page (an unknown profile is refused before anything is queued: 422)."""
    profile = str(form.get("clearinghouse") or "default").strip()
    return start_job(ctx.store, account, "clearinghouse-fetch", {"clearinghouse": profile})
