"""Your account: your API tokens (create, revoke) and your second factor (set up the
authenticator app with a QR code drawn here, new recovery codes). Every role has one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from therabill.errors import InvalidInput
from therabill.store.services import UnitOfWork, api_tokens, login_sessions, mfa, practices
from therabill.store.services.users import Account
from therabill.web.deps import SESSION_COOKIE, Ctx, NotFound, PageUser, PathId
from therabill.web.reads import reading
from therabill.web.render import done, render
from therabill.web.tables import Column, Table

router = APIRouter()
TOKENS = Table(
    "tokens",
    "Your API tokens",
    columns=(
        Column("name", "Name"),
        Column("created", "Created", kind="date"),
        Column("expires", "Expires", kind="date"),
        Column("state", "State", kind="status"),
        Column("revoke", "Revoke", kind="cell", sortable=False, export=False),
    ),
    default_sort="",  # newest first
    exportable=False,
    prefix="t-",
    anchor="tokens-head",
    empty="No tokens.",
)


def _page(
    request: Request, work: UnitOfWork, account: Account, *, status: int = 200, **values: object
) -> HTMLResponse:
    tokens = api_tokens.list_tokens(work, user_id=account.id)
    rows = [
        {"_id": f"token-{t.id}", "id": t.id, "name": t.name, "created": t.created_at.date(),
         "expires": t.expires_at.date(), "state": t.state, "live": t.live}
        for t in tokens
    ]  # fmt: skip
    context = {
        "tokens": tokens,
        "token_table": TOKENS.whole(request, rows),
        "codes_left": mfa.recovery_codes_left(work, user_id=account.id),
        "default_days": api_tokens.DEFAULT_DAYS,
        "max_days": api_tokens.MAX_DAYS,
    }
    return render(request, "account.html", {**context, **values}, status=status)


@router.get("/practice", response_class=HTMLResponse)
def practice_page(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    """The practices this user works for: choose one (after login), or switch."""
    with ctx.store.reader.connect() as conn:
        options = practices.memberships(conn, account.id)
    return render(request, "practice.html", {"options": options})


@router.post("/practice")
def practice_choose(
    request: Request,
    ctx: Ctx,
    account: PageUser,
    practice_id: Annotated[int, Form(ge=1, le=2_000_000_000)],
) -> Response:
    secret = request.cookies.get(SESSION_COOKIE, "")
    if not login_sessions.choose_practice(
        ctx.store, secret=secret, account=account, practice_id=practice_id
    ):
        raise NotFound()  # not one of theirs: the same answer as a practice that is not there
    return RedirectResponse("/", status_code=303)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    with reading(ctx, account) as work:
        return _page(request, work, account)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    ctx: Ctx,
    account: PageUser,
    name: Annotated[str, Form(max_length=80)] = "",
    days: Annotated[int, Form(ge=1, le=api_tokens.MAX_DAYS)] = api_tokens.DEFAULT_DAYS,
) -> HTMLResponse:
    """A new token acting as you, shown once on the page that answers."""
    try:
        with ctx.store.transaction(actor=account.username) as work:
            secret = api_tokens.issue_token(work, user_id=account.id, name=name, days=days)
    except InvalidInput as exc:
        with reading(ctx, account) as work:
            return _page(request, work, account, error=str(exc), status=422)
    with reading(ctx, account) as work:
        return _page(request, work, account, new_token=secret, new_name=name.strip())


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, ctx: Ctx, account: PageUser, token_id: PathId) -> Response:
    with ctx.store.transaction(actor=account.username) as work:
        api_tokens.revoke_token(work, token_id=token_id, user_id=account.id)
    return RedirectResponse(done("/account", "token-revoked"), status_code=303)


@router.get("/account/mfa", response_class=HTMLResponse)
def mfa_page(request: Request, ctx: Ctx, account: PageUser) -> Response:
    """Set up the authenticator: the secret as a QR code and as text, and a code to confirm."""
    if account.mfa_enrolled:
        return RedirectResponse("/account", status_code=303)
    with ctx.store.transaction(actor=account.username) as work:
        enrolling = mfa.enrolment(work, user_id=account.id)
    return render(request, "mfa_setup.html", {"enrolment": enrolling})


@router.post("/account/mfa", response_class=HTMLResponse)
def confirm_mfa(
    request: Request,
    ctx: Ctx,
    account: PageUser,
    code: Annotated[str, Form(max_length=20)] = "",
) -> HTMLResponse:
    try:
        with ctx.store.transaction(actor=account.username) as work:
            codes = mfa.confirm(work, user_id=account.id, code=code)
    except InvalidInput as exc:
        with ctx.store.transaction(actor=account.username) as work:
            enrolling = mfa.enrolment(work, user_id=account.id)
        error = f"Code {exc.message}."
        return render(
            request, "mfa_setup.html", {"enrolment": enrolling, "error": error}, status=422
        )
    return render(request, "mfa_codes.html", {"codes": codes})


@router.post("/account/mfa/recovery-codes", response_class=HTMLResponse)
def new_recovery_codes(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    if not account.mfa_enrolled:
        raise NotFound()
    with ctx.store.transaction(actor=account.username) as work:
        codes = mfa.new_recovery_codes(work, user_id=account.id)
    return render(request, "mfa_codes.html", {"codes": codes})
