"""The API's client accounts: take a payment or copay, refund a credit, a client's payments.
The same services and access rules as the client's account page and ``therabill payment``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import Field

from therabill.errors import InvalidInput
from therabill.money import parse_money
from therabill.store.services import client_account, payment_plans, payments
from therabill.store.services.access import client_for
from therabill.web.api.schemas import Day, Id, Item, Page, Strict
from therabill.web.deps import ApiBiller, Ctx
from therabill.web.reads import reading

router = APIRouter(tags=["accounts"])
PathId = Annotated[int, Path(ge=1, le=2_000_000_000)]
Money = Annotated[str, Field(max_length=12, pattern=r"^\d{1,9}(\.\d{1,2})?$", examples=["45.00"])]


class PaymentIn(Strict):
    """A client's payment: spread oldest first, over ``lines`` in order, or ``amounts`` per
    claim line. More than the client owes is refused (422) unless ``keep_credit``."""

    amount: Money
    method: Literal["cash", "check", "card", "other"]
    reference: Annotated[str, Field(max_length=60)] | None = None
    received_on: Day | None = None
    lines: Annotated[list[Id], Field(max_length=100, default_factory=list)]
    amounts: Annotated[dict[str, Money], Field(max_length=100, default_factory=dict)]
    keep_credit: bool = False
    copay_session: Id | None = None
    memo: Annotated[str, Field(max_length=200)] = ""


class RefundIn(Strict):
    amount: Money
    method: Literal["cash", "check", "card", "other"]
    reference: Annotated[str, Field(max_length=60)] | None = None
    paid_on: Day | None = None
    memo: Annotated[str, Field(max_length=200)] = ""


def _amounts(given: dict[str, str]) -> dict[int, int] | None:
    out: dict[int, int] = {}
    for key, value in given.items():
        if not (key.isascii() and key.isdigit()) or len(key) > 10:
            raise InvalidInput(f"{key!r} is not a claim line id", field="amounts")
        out[int(key)] = parse_money(value, field=f"amounts.{key}")
    return out or None


@router.post("/clients/{client_id}/payments", status_code=201)
def take_payment(client_id: PathId, body: PaymentIn, ctx: Ctx, account: ApiBiller) -> Item:
    """Record a client's payment or copay; the receipt number and where the money went."""
    with ctx.store.transaction(actor=account.username) as work:
        client_for(work, account, client_id)
        done = payments.take_payment(
            work=work, client=client_id, amount_cents=parse_money(body.amount, field="amount"),
            method=body.method, reference=body.reference, received_on=body.received_on,
            order=body.lines or "oldest", amounts=_amounts(body.amounts),
            keep_credit=body.keep_credit, copay_session=body.copay_session, memo=body.memo,
        )  # fmt: skip
        return Item(data=done.to_dict())


@router.post("/clients/{client_id}/refunds", status_code=201)
def refund(client_id: PathId, body: RefundIn, ctx: Ctx, account: ApiBiller) -> Item:
    """Pay back part or all of the client's credit on account."""
    with ctx.store.transaction(actor=account.username) as work:
        client_for(work, account, client_id)
        done = payments.refund(
            work=work, client=client_id, amount_cents=parse_money(body.amount, field="amount"),
            method=body.method, reference=body.reference, paid_on=body.paid_on, memo=body.memo,
        )  # fmt: skip
        return Item(data=done.to_dict())


@router.get("/clients/{client_id}/payments")
def client_payments(client_id: PathId, ctx: Ctx, account: ApiBiller) -> Page:
    with reading(ctx, account) as work:
        client_for(work, account, client_id)
        rows = [
            payments.payment_dict(p) for p in payments.list_payments(work=work, client=client_id)
        ]
    return Page(data=rows, count=len(rows))


@router.get("/receipts/{number}.pdf", response_class=Response)
def receipt(number: Annotated[str, Path(max_length=30)], ctx: Ctx, account: ApiBiller) -> Response:
    with ctx.store.transaction(actor=account.username) as work:
        row = payments.payment_row(work, number)
        client_for(work, account, row.client_id)
        pdf = payments.receipt_pdf(work=work, receipt=number)
    return Response(pdf, media_type="application/pdf")


class PlanIn(Strict):
    """A payment plan: ``instalment`` every ``every`` weeks or months from ``first_due``,
    for ``total`` (default: all the client owes)."""

    instalment: Money
    first_due: Day
    every: Annotated[int, Field(ge=1, le=52)] = 1
    unit: Literal["week", "month"] = "month"
    total: Money | None = None
    note: Annotated[str, Field(max_length=200)] = ""


class PlanEndIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


@router.get("/clients/{client_id}/payment-plans")
def client_plans(client_id: PathId, ctx: Ctx, account: ApiBiller) -> Page:
    """The client's payment plans, the active one first, with each instalment's state."""
    with reading(ctx, account) as work:
        client_for(work, account, client_id)
        rows = [v.to_dict() for v in payment_plans.client_plans(work=work, client=client_id)]
    return Page(data=rows, count=len(rows))


@router.post("/clients/{client_id}/payment-plans", status_code=201)
def create_plan(client_id: PathId, body: PlanIn, ctx: Ctx, account: ApiBiller) -> Item:
    with ctx.store.transaction(actor=account.username) as work:
        client_for(work, account, client_id)
        made = payment_plans.create_plan(
            work=work, client=client_id,
            instalment_cents=parse_money(body.instalment, field="instalment"),
            first_due=body.first_due, every=body.every, unit=body.unit,
            total_cents=None if body.total is None else parse_money(body.total, field="total"),
            note=body.note,
        )  # fmt: skip
        return Item(data=made.to_dict())


@router.post("/clients/{client_id}/payment-plans/end")
def end_plan(client_id: PathId, body: PlanEndIn, ctx: Ctx, account: ApiBiller) -> Item:
    with ctx.store.transaction(actor=account.username) as work:
        client_for(work, account, client_id)
        plan = payment_plans.end_plan(work=work, client=client_id, reason=body.reason)
        return Item(data=payment_plans.view(work, plan).to_dict())


@router.get("/payment-plans/due")
def plans_due(ctx: Ctx, account: ApiBiller) -> Page:
    """Active plans with an instalment due today or overdue, most overdue first."""
    with reading(ctx, account) as work:
        rows = [{"client_id": c.id, **v.to_dict()} for c, v in payment_plans.plans_due(work=work)]
    return Page(data=rows, count=len(rows))


@router.get("/clients/{client_id}/account")
def client_account_api(client_id: PathId, ctx: Ctx, account: ApiBiller) -> Item:
    """The account page's picture: who owes what per visit, the ledger with signed changes
    and running balances, payments, statements, payment plans and reminders sent."""
    with reading(ctx, account) as work:
        client_for(work, account, client_id)
        return Item(data=client_account.client_account(work=work, client=client_id).to_dict())
