"""A client's account (superbill, payments, statement preview) and the statements page, each
through the one store service the CLI also calls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from therabill.errors import InvalidInput, TherabillError
from therabill.money import format_dollars, parse_money
from therabill.paper import statement as statement_paper
from therabill.store.models import TherapySession
from therabill.store.services import (
    UnitOfWork,
    client_account,
    ledger,
    payment_plans,
    payments,
    reminders,
    statements,
)
from therabill.store.services.access import client_for
from therabill.store.services.practice import practice_row
from therabill.store.services.superbills import make_superbill
from therabill.web import flash
from therabill.web.deps import Ctx, FormFields, PageBiller, PathId
from therabill.web.reads import reading
from therabill.web.render import counted, render
from therabill.web.routes.jobs import start as start_job
from therabill.web.tables import Column, Table, TableView, csv_response, wants_csv

router = APIRouter()


def _day(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


def pdf_response(pdf: bytes, name: str) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/clients/{client_id}/superbill.pdf")
def superbill_pdf(
    ctx: Ctx,
    account: PageBiller,
    client_id: PathId,
    start: Annotated[str, Query(alias="from", max_length=10)],
    end: Annotated[str, Query(alias="to", max_length=10)],
) -> Response:
    """The superbill for the period (billers and admins)."""
    first, last = _day(start, "from"), _day(end, "to")
    with ctx.store.transaction(actor=account.username) as work:
        client_for(work, account, client_id)
        made = make_superbill(work=work, client=client_id, start=first, end=last)
    return pdf_response(made.pdf, f"superbill-{client_id}-{first}-{last}.pdf")


def account_picture(work: UnitOfWork, client_id: int) -> dict[str, Any]:
    """What the client page shows of the account: a link to it and the credit on account."""
    return {"credit_cents": payments.credit_cents(work, client_id), "account_link": True}


VISITS = Table(
    "visit-table",
    "Who owes what, per visit",
    columns=(
        Column("date", "Date", kind="date"),
        Column("claim", "Claim", link="claim_url"),
        Column("payer", "Payer"),
        Column("status", "Status", kind="status"),
        Column("charge", "Charge", kind="money", total=True),
        Column("insurance_paid", "Insurance paid", kind="money", total=True),
        Column("client_paid", "Client paid", kind="money", total=True),
        Column("insurance_owes", "Insurance owes", kind="money", total=True),
        Column("client_owes", "Client owes", kind="money", total=True),
    ),
    default_sort="date",
    descending=True,
    exportable=False,
    prefix="v-",
    anchor="visits",
    empty="No visits billed yet.",
)
PAYMENTS = Table(
    "payment-table",
    "Payments",
    columns=(
        Column("receipt", "Receipt", link="receipt_url"),
        Column("date", "Date", kind="date"),
        Column("kind", "Kind"),
        Column("method", "Method"),
        Column("amount", "Amount", kind="money", total=True),
    ),
    default_sort="date",
    descending=True,
    exportable=False,
    prefix="pay-",
    anchor="payments",
    empty="No payments yet.",
)
STATEMENTS = Table(
    "statement-table",
    "Statements sent",
    columns=(
        Column("number", "Statement", link="pdf_url"),
        Column("date", "Date", kind="date"),
        Column("amount", "Amount due", kind="money"),
    ),
    default_sort="date",
    descending=True,
    exportable=False,
    prefix="st-",
    anchor="paper",
    empty="No statements sent.",
)
ACCOUNT_REMINDERS = Table(
    "reminder-table",
    "Reminders sent",
    columns=(
        Column("sent", "Sent"),
        Column("to", "To"),
        Column("what", "What", sortable=False),
        Column("amount", "Amount due", kind="money"),
    ),
    default_sort="sent",
    descending=True,
    exportable=False,
    prefix="rm-",
    anchor="reminders",
    empty="No reminders sent.",
)

# The ledger in date order only: each row's balances are those after it, so another order
# would make the running columns read wrong. Paged like every table (the balances are
# computed over the whole ledger first, so page 3 starts where page 2 ended).
LEDGER = Table(
    "ledger-table",
    "Ledger",
    columns=(
        Column("date", "Date", kind="date", sortable=False),
        Column("entry", "Entry", sortable=False),
        Column("claim", "Claim", link="claim_url", sortable=False),
        Column("memo", "Memo", kind="cell", sortable=False),
        Column("insurance", "Insurance", kind="signed", sortable=False),
        Column("client", "Client", kind="signed", sortable=False),
        Column("insurance_owes", "Insurance owes", kind="money", sortable=False),
        Column("client_owes", "Client owes", kind="money", sortable=False),
        Column("total", "Total", kind="money", sortable=False),
    ),
    default_sort="",
    exportable=False,
    prefix="g-",
    anchor="ledger",
    empty="No entries.",
)


def account_tables(request: Request, acct: client_account.Account) -> dict[str, TableView]:
    """The account's lists as the one table (sorted and paged each on its own)."""
    visits = [
        {"date": v.date_of_service, "claim": f"#{v.claim_id}", "claim_url": f"/claims/{v.claim_id}",
         "payer": v.payer, "status": v.status, "charge": v.charge_cents,
         "insurance_paid": v.insurance_paid_cents, "client_paid": v.client_paid_cents,
         "insurance_owes": v.owed.insurance_cents, "client_owes": v.owed.patient_cents}
        for v in acct.visits
    ]  # fmt: skip
    paid = [
        {"receipt": p.receipt, "receipt_url": f"/receipts/{p.receipt}.pdf", "date": p.received_on,
         "kind": p.kind + (" (plan)" if p.plan_id else ""),
         "method": p.method + (f" {p.reference}" if p.reference else ""), "amount": p.amount_cents}
        for p in acct.payments
    ]  # fmt: skip
    sent = [
        {"number": st.number, "pdf_url": f"/statements/{st.number}.pdf", "date": st.statement_date,
         "amount": st.balance_cents}
        for st in acct.statements
    ]  # fmt: skip
    told = [
        {"sent": m.sent_at.strftime("%Y-%m-%d %H:%M"), "to": m.to_address,
         "what": m.subject + (" (statement attached)" if m.attached else ""),
         "amount": m.balance_cents}
        for m in acct.reminders
    ]  # fmt: skip
    entries = [
        {"_id": f"entry-{r.entry.id}", "date": r.entry.effective_date, "entry": r.what,
         "claim": f"#{r.entry.claim_id}" if r.entry.claim_id else "",
         "claim_url": f"/claims/{r.entry.claim_id}" if r.entry.claim_id else None,
         "memo": r.entry.memo or "", "receipt": r.entry.receipt or "",
         "insurance": r.insurance_cents, "client": r.client_cents,
         "insurance_owes": r.running.insurance_cents, "client_owes": r.running.patient_cents,
         "total": r.running.total_cents}
        for r in acct.rows
    ]  # fmt: skip
    return {
        "ledger_table": LEDGER.whole(request, entries),
        "visit_table": VISITS.whole(request, visits),
        "payment_table": PAYMENTS.whole(request, paid),
        "statement_table": STATEMENTS.whole(request, sent),
        "reminder_table": ACCOUNT_REMINDERS.whole(request, told),
    }


@router.get("/clients/{client_id}/account", response_class=HTMLResponse)
def account_page(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId
) -> HTMLResponse:
    """The client's account: who owes what per visit, the ledger with signs and running
    balances, take a payment, the payment plan, statements, superbills and reminders."""
    left = flash.take(ctx.store, request, _page(client_id)) or {}
    with reading(ctx, account) as work:
        client_for(work, account, client_id)
        acct = client_account.client_account(work=work, client=client_id)
        sessions = list(
            work.db.execute(
                select(TherapySession)
                .where(TherapySession.client_id == client_id)
                .order_by(TherapySession.date_of_service.desc())
                .limit(20)
            ).scalars()
        )
        return render(
            request,
            "client_account.html",
            {
                "acct": acct,
                **account_tables(request, acct),
                "sessions": sessions,
                "methods": payments.METHODS,
                "today": dt.date.today(),
                "schedule": reminders.schedule_days(work),
                "left": left,
            },
        )


def _page(client_id: int) -> str:
    return f"account-{client_id}"


def _back(client_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/clients/{client_id}/account{anchor}", status_code=303)


def _small_int(text: str) -> int | None:
    """A record id typed in a form (ASCII digits, at most nine), else None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _field(form: FormFields, name: str) -> str:
    value = form.get(name, "")
    return value[:200].strip() if isinstance(value, str) else ""


@router.post("/clients/{client_id}/payments")
def take_payment(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, form: FormFields
) -> Response:
    """Take a payment, copay or refund (the CLI's service), then back to the client page
    with the receipt, or with the reason nothing was taken."""
    page = _page(client_id)
    try:
        with ctx.store.transaction(actor=account.username) as work:
            client_for(work, account, client_id)
            cents = parse_money(_field(form, "amount"))
            received = (
                _day(_field(form, "received_on"), "received_on")
                if _field(form, "received_on")
                else None
            )
            kind = _field(form, "kind") or "payment"
            if kind == "refund":
                done = payments.refund(
                    work=work, client=client_id, amount_cents=cents, method=_field(form, "method"),
                    reference=_field(form, "reference"), paid_on=received, memo=_field(form, "memo"),
                )  # fmt: skip
            else:
                session = _field(form, "session_id")
                done = payments.take_payment(
                    work=work, client=client_id, amount_cents=cents, method=_field(form, "method"),
                    reference=_field(form, "reference"), received_on=received,
                    keep_credit=bool(form.get("keep_credit")), memo=_field(form, "memo"),
                    copay_session=_small_int(session) if kind == "copay" else None,
                )  # fmt: skip
                if kind == "copay" and _small_int(session) is None:
                    raise InvalidInput("choose the session the copay is for", field="session")
            message = (
                f"Receipt {done.payment.receipt}: {format_dollars(cents)} "
                f"{'refunded' if kind == 'refund' else 'taken'}."
            )
            flash.leave(work, request, page, {"message": message, "receipt": done.payment.receipt})
    except TherabillError as exc:
        if isinstance(exc, ledger.Overpayment):
            exc.hint = (
                f"Take {format_dollars(exc.owed_cents)}, or tick “Keep anything more than owed as "
                "a credit” to keep the rest as a credit on account."
            )
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, page, {"error": str(exc)})
    return _back(client_id)


@router.post("/clients/{client_id}/apply-credit")
def apply_credit(request: Request, ctx: Ctx, account: PageBiller, client_id: PathId) -> Response:
    with ctx.store.transaction(actor=account.username) as work:
        client_for(work, account, client_id)
        applied = payments.apply_credit(work=work, client=client_id)
        cents = sum(c for _, c in applied)
        flash.leave(
            work,
            request,
            _page(client_id),
            {"message": f"Applied {format_dollars(cents)} of credit."},
        )
    return _back(client_id)


def _form_action(
    request: Request, ctx: Ctx, account: PageBiller, client_id: int,
    action: Callable[[UnitOfWork], str], anchor: str,
) -> Response:  # fmt: skip
    """Do one change in one transaction, then back to the account with what happened, or
    with the reason nothing changed."""
    try:
        with ctx.store.transaction(actor=account.username) as work:
            client_for(work, account, client_id)
            message = action(work)
            flash.leave(work, request, _page(client_id), {"message": message})
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, _page(client_id), {"error": str(exc)})
    return _back(client_id, anchor)


@router.post("/clients/{client_id}/payment-plan")
def create_plan(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, form: FormFields
) -> Response:
    """Set up a payment plan (the CLI's ``payment-plan create``)."""

    def make(work: UnitOfWork) -> str:
        total = _field(form, "total")
        every = _field(form, "every") or "1"
        if not (every.isascii() and every.isdigit()) or len(every) > 3:
            raise InvalidInput(f"{every!r} is not a whole number", field="every")
        made = payment_plans.create_plan(
            work=work, client=client_id,
            instalment_cents=parse_money(_field(form, "instalment"), field="instalment"),
            first_due=_day(_field(form, "first_due"), "first_due"), every=int(every),
            unit=_field(form, "unit") or "month",
            total_cents=parse_money(total, field="total") if total else None,
        )  # fmt: skip
        return (
            f"Payment plan set up: {len(made.standing.instalments)} instalments, the first "
            f"due {made.plan.first_due}."
        )

    return _form_action(request, ctx, account, client_id, make, "#plan")


@router.post("/clients/{client_id}/payment-plan/end")
def end_plan(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, form: FormFields
) -> Response:
    def end(work: UnitOfWork) -> str:
        payment_plans.end_plan(work=work, client=client_id, reason=_field(form, "reason"))
        return "Payment plan ended."

    return _form_action(request, ctx, account, client_id, end, "#plan")


@router.post("/clients/{client_id}/statement-hold")
def statement_hold(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, form: FormFields
) -> Response:
    """Hold (or resume) the client's statements and reminders."""

    def hold(work: UnitOfWork) -> str:
        on = _field(form, "hold") == "1"
        statements.set_hold(work=work, client=client_id, hold=on)
        return "Statements and reminders on hold." if on else "Statements and reminders resumed."

    return _form_action(request, ctx, account, client_id, hold, "#paper")


@router.get("/receipts/{number}.pdf")
def receipt_pdf(ctx: Ctx, account: PageBiller, number: str) -> Response:
    with ctx.store.transaction(actor=account.username) as work:
        row = payments.payment_row(work, number)
        client_for(work, account, row.client_id)
        pdf = payments.receipt_pdf(work=work, receipt=number)
    return pdf_response(pdf, f"receipt-{row.receipt}.pdf")


@router.get("/clients/{client_id}/statement.pdf")
def statement_preview(ctx: Ctx, account: PageBiller, client_id: PathId) -> Response:
    """The client's statement as of today, not recorded (a preview to print or hand over)."""
    with ctx.store.transaction(actor=account.username) as work:
        client_for(work, account, client_id)
        made = statements.preview(work=work, client=client_id)
    return pdf_response(statement_paper.render([made]), f"statement-{client_id}.pdf")


SENT = Table(
    "sent",
    "Statements made",
    columns=(
        Column("number", "Statement", link="pdf_url"),
        Column("statement_date", "Date", kind="date"),
        Column("client", "Client", link="client_url"),
        Column("amount", "Amount due", kind="money", total=True),
    ),
    default_sort="number",
    descending=True,
    empty="None yet.",
    anchor="sent-statements",
)
PREVIEW = Table(
    "preview-table",
    "Statements the run would make",
    columns=(
        Column("client", "Client", link="client_url"),
        Column("balance_cents", "Amount due", kind="money", total=True),
        Column("statement", "Statement", link="pdf_url", sortable=False),
    ),
    default_sort="",
    exportable=False,
    prefix="p-",
    anchor="preview",
    select="client_id",
    form="bulk-hold",
    row_name="client",
    empty="Nobody would get a statement for this period.",
)
RUNS = Table(
    "runs",
    "Statement runs",
    columns=(
        Column("through", "Through", kind="date"),
        Column("statements", "Statements", kind="number", total=True),
        Column("total_cents", "Total", kind="money", total=True),
        Column("actor", "By"),
    ),
    default_sort="",
    exportable=False,
    prefix="r-",
    anchor="runs-section",
    empty="No statement runs yet.",
)
REMINDERS_SENT = Table(
    "reminders-sent",
    "Reminders sent",
    columns=(
        Column("sent", "Sent"),
        Column("client", "Client", link="client_url"),
        Column("to", "To"),
        Column("what", "What", sortable=False),
        Column("amount", "Amount due", kind="money"),
    ),
    default_sort="",
    exportable=False,
    prefix="m-",
    anchor="reminders",
    empty="No reminders sent yet.",
)


@router.get("/statements", response_class=HTMLResponse)
def statements_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    preview: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Run a period (with a preview of who would get a statement first), the runs, the
    statements and reminders sent, and the settings."""
    left = flash.take(ctx.store, request, "statements") or {}
    through = None
    if preview:
        try:
            through = _day(preview, "through")
        except InvalidInput as exc:
            left = {"error": str(exc)}
    with reading(ctx, account) as work:
        practice = practice_row(work)
        page, rows = statements.sent_page(work, SENT.wanted(request.query_params))
        sent = SENT.view(request, page, rows)
        if wants_csv(request):
            return csv_response(sent)
        would = None
        if through is not None:
            try:
                would = statements.run_statements(work=work, through=through, dry_run=True)
            except TherabillError as exc:
                left = {"error": str(exc)}
        made = [
            {**m, "client": m["client_name"], "statement": "preview",
             "client_url": f"/clients/{m['client_id']}/account",
             "pdf_url": f"/clients/{m['client_id']}/statement.pdf"}
            for m in (would.made if would else [])
        ]  # fmt: skip
        due, skipped = reminders.due_with_skips(work)
        return render(
            request,
            "statements.html",
            {
                "runs": RUNS.whole(request, statements.list_runs(work=work)),
                "sent": sent,
                "preview_table": PREVIEW.whole(request, made) if would else None,
                "today": dt.date.today(),
                # the month just ended: what a monthly statement run is for
                "period_end": dt.date.today().replace(day=1) - dt.timedelta(days=1),
                "minimum_cents": practice.statement_minimum_cents,
                "payment_link": practice.payment_link,
                "instructions": practice.payment_instructions,
                "would": would,
                "reminder_settings": reminders.settings_dict(work),
                "reminders_sent": REMINDERS_SENT.whole(request, reminders.recent_rows(work)),
                "reminders_due": due,
                "reminders_skipped": skipped,
                "not_sent": left.get("not_sent"),
                "toast": left.get("message"),
                "toast_id": "statements-message",
                "toast_error": left.get("error"),
            },
        )


@router.post("/statements/run")
def run_statements(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    """The period's statements (the CLI's ``statements run``) as a background job, PDFs in
    the worker's data folder; the answer is the job's page. A bad date is refused here."""
    try:
        through = _day(_field(form, "through"), "through")
        if through > dt.date.today():
            raise InvalidInput("a statement run cannot be for a day still to come", field="through")
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, "statements", {"error": str(exc)})
        return RedirectResponse("/statements", status_code=303)
    return start_job(ctx.store, account, "statement-run", {"through": through.isoformat()})


@router.post("/statements/hold")
def hold_ticked(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    """Hold the statements of the clients ticked in the preview, then the preview again
    (without them)."""
    ids = {int(v) for v in form.getlist("client_id") if isinstance(v, str) and v.isdigit()}
    through = _field(form, "through")
    try:
        _day(through, "through")
        with ctx.store.transaction(actor=account.username) as work:
            count = statements.hold_clients(work=work, client_ids=ids)
            message = f"Statements and reminders on hold for {counted(count, 'client')}."
            flash.leave(work, request, "statements", {"message": message})
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, "statements", {"error": str(exc)})
        return RedirectResponse("/statements", status_code=303)
    return RedirectResponse(f"/statements?preview={through}#preview", status_code=303)


@router.post("/statements/settings")
def statement_settings(
    request: Request, ctx: Ctx, account: PageBiller, form: FormFields
) -> Response:
    try:
        minimum = _field(form, "minimum")
        cents = 0 if minimum in ("", "0", "0.00") else parse_money(minimum, field="minimum")
        raw = form.get("instructions", "")
        with ctx.store.transaction(actor=account.username) as work:
            statements.set_statement_settings(
                work=work, minimum_cents=cents, payment_link=_field(form, "payment_link"),
                instructions=raw[:2000] if isinstance(raw, str) else "",
            )  # fmt: skip
            flash.leave(work, request, "statements", {"message": "Saved."})
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, "statements", {"error": str(exc)})
    return RedirectResponse("/statements", status_code=303)


@router.get("/statements/{number}.pdf")
def statement_pdf(ctx: Ctx, account: PageBiller, number: str) -> Response:
    with reading(ctx, account) as work:
        pdf = statements.statement_pdf(work=work, number=number, account=account)
    return pdf_response(pdf, f"statement-{number.strip().upper()}.pdf")


@router.post("/statements/reminders")
def send_reminders(request: Request, ctx: Ctx, account: PageBiller) -> Response:
    """Send the reminders due (the CLI's ``reminders run``): what went out and what the
    mail server did not take (sent next time)."""
    try:
        report = reminders.run_reminders(store=ctx.store, actor=account.username)
        message = f"Reminders: {len(report.sent)} sent."
        left: dict[str, Any] = {"message": message}
        if report.not_sent:
            left["not_sent"] = report.not_sent
            left["error"] = (
                f"{len(report.not_sent)} not sent ({report.not_sent[0]['reason']}); they go "
                "out with the next run."
            )
    except TherabillError as exc:
        left = {"error": str(exc)}
    with ctx.store.transaction(actor=account.username) as work:
        flash.leave(work, request, "statements", left)
    return RedirectResponse("/statements#reminders", status_code=303)


@router.post("/statements/reminder-settings")
def reminder_settings(
    request: Request, ctx: Ctx, account: PageBiller, form: FormFields
) -> Response:
    try:
        with ctx.store.transaction(actor=account.username) as work:
            reminders.set_settings(
                work=work, sender=_field(form, "sender"), schedule=_field(form, "schedule"),
                attach_pdf=_field(form, "attach") == "pdf",
            )  # fmt: skip
            flash.leave(work, request, "statements", {"message": "Reminder settings saved."})
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, "statements", {"error": str(exc)})
    return RedirectResponse("/statements#reminders", status_code=303)
