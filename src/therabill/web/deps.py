"""Who is asking, and may they: the dependencies every route declares.

A page asked for without a live session redirects to /login; an unsafe method (POST …) on a
page must carry the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``, which HTMX sends from the ``hx-headers`` on <body>). API routes take a
bearer token instead and need no CSRF token (no cookie is involved).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from starlette.datastructures import FormData

from therabill.errors import NotFound as NotFound
from therabill.store import tenancy
from therabill.store.services.api_tokens import token_account
from therabill.store.services.login_sessions import logged_in
from therabill.store.services.users import Account, Role
from therabill.web.context import WebContext

SESSION_COOKIE = "therabill_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PASSWORD_PATHS = frozenset({"/password", "/logout"})
SECOND_FACTOR_PATHS = frozenset({"/login/code", "/logout"})
ENROL_PATHS = frozenset({"/account/mfa", "/logout"})
PRACTICE_PATHS = frozenset({"/practice", "/logout"})


class LoginRequired(Exception):
    """No live session: pages redirect to /login, the API answers 401."""


class Forbidden(Exception):
    """Logged in, but this role may not do this (403)."""


class PasswordChangeRequired(Exception):
    """Logged in with a one-time password: choose one's own before anything else."""


class SecondFactorRequired(Exception):
    """The password was right; the authenticator code is still due (to /login/code)."""


class MfaEnrolmentRequired(Exception):
    """This role must use a second factor and this user has none yet (to /account/mfa)."""


class PracticeChoiceRequired(Exception):
    """The user works for several practices and has not chosen one yet (to /practice)."""


class CsrfFailed(Exception):
    """An unsafe request without the session's CSRF token (403)."""


class PasswordChangePending(Forbidden):
    """An API token of a user who must choose a new password first (403 saying so)."""


def ctx_of(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


async def context_of(request: Request) -> WebContext:
    """``ctx_of`` as a dependency: async, because FastAPI sends a plain ``def`` dependency
    to the threadpool, a trip for nothing when no work blocks."""
    return ctx_of(request)


async def sent_csrf_token(request: Request) -> str:
    """The CSRF token an unsafe request carries (header, else the form field). Async because
    reading the form is; nothing here touches the database."""
    sent = request.headers.get("x-csrf-token", "")
    if not sent:
        form = await request.form()
        value = form.get("csrf_token", "")
        sent = value if isinstance(value, str) else ""
    return sent


def page_account(request: Request) -> Account:
    """The logged-in user of a page request, from the session cookie alone: the body is not
    read yet, so a request without a session or with the wrong role is refused before any
    form is parsed. A plain ``def``: the look-up runs in the threadpool, not on the event
    loop. The CSRF check follows the role check (``_role_check``)."""
    ctx = ctx_of(request)
    secret = request.cookies.get(SESSION_COOKIE, "")
    live = logged_in(ctx.store, secret, idle=ctx.settings.idle, absolute=ctx.settings.absolute)
    if live is None:
        raise LoginRequired()
    found, account = live
    path = request.url.path
    request.state.csrf_token = found.csrf_token
    request.state.session_hash = found.id_hash
    if found.stage == "mfa":  # half logged in: the code page only, no menu
        if path not in SECOND_FACTOR_PATHS:
            raise SecondFactorRequired()
        return account
    request.state.account = account
    if account.must_change_password:
        request.state.setup_due = True  # no menu: it leads nowhere until this is done
        if path not in PASSWORD_PATHS:
            raise PasswordChangeRequired()
    elif account.role.value in ctx.settings.mfa_roles and not account.mfa_enrolled:
        request.state.setup_due = True
        if path not in ENROL_PATHS:
            raise MfaEnrolmentRequired()
    elif account.practice_due:
        request.state.setup_due = True  # no menu: nothing opens before the choice
        if path not in PRACTICE_PATHS:
            raise PracticeChoiceRequired()
    return account


def api_account(request: Request) -> Account:
    """The user of an API request, from ``Authorization: Bearer tb_…`` (in the threadpool).
    A user who must choose a new password first gets 403 until they have, as on the pages."""
    ctx = ctx_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        raise LoginRequired()
    account = token_account(ctx.store, secret.strip())
    if account is None:
        raise LoginRequired()
    request.state.account = account
    if account.must_change_password:
        raise PasswordChangePending()
    return account


def _role_check(
    source: Callable[..., Account], roles: tuple[Role, ...]
) -> Callable[..., Coroutine[Any, Any, Account]]:
    """A dependency: ``source``'s account when its role is one of ``roles``, then, for a page
    asked with an unsafe method, the session's CSRF token checked (reading the form only
    now). Async because it only compares and reads the body (a plain ``def`` would cost a
    trip to the threadpool for nothing)."""

    async def check(request: Request, account: Account) -> Account:
        if account.role not in roles:
            raise Forbidden()
        if account.practice_id is not None:
            # The rest of this request (its task, and the threadpool calls it makes, which
            # copy the task's context) works for the account's practice (docs/tenants.md).
            tenancy.choose_practice(account.practice_id)
        if source is page_account and request.method not in SAFE_METHODS:
            sent = await sent_csrf_token(request)
            expected: str = request.state.csrf_token
            if not secrets.compare_digest(sent.encode(), expected.encode()):
                raise CsrfFailed()
        return account

    # Set as objects, not the strings this module's annotations are: ``source`` is local.
    check.__annotations__ = {
        "request": Request,
        "account": Annotated[Account, Depends(source)],
        "return": Account,
    }
    return check


async def form_data(request: Request) -> FormData:
    """The request's form, read on the event loop, for plain ``def`` routes."""
    return await request.form()


async def body_bytes(request: Request) -> bytes:
    """The request's body, read on the event loop, for plain ``def`` routes."""
    return await request.body()


ALL = (Role.THERAPIST, Role.BILLER, Role.ADMIN)
BILLING = (Role.BILLER, Role.ADMIN)
ADMIN = (Role.ADMIN,)

PageUser = Annotated[Account, Depends(_role_check(page_account, ALL))]
PageBiller = Annotated[Account, Depends(_role_check(page_account, BILLING))]
PageAdmin = Annotated[Account, Depends(_role_check(page_account, ADMIN))]
ApiUser = Annotated[Account, Depends(_role_check(api_account, ALL))]
ApiBiller = Annotated[Account, Depends(_role_check(api_account, BILLING))]
Ctx = Annotated[WebContext, Depends(context_of)]
PathId = Annotated[int, Path(ge=1, le=2_000_000_000)]
FormFields = Annotated[FormData, Depends(form_data)]
RawBody = Annotated[bytes, Depends(body_bytes)]
