"""Log in (password, then the authenticator code when the user has one), log out, change
the password.

Before login there is no session, so the login form's CSRF token is a double-submit cookie:
a random value in a short-lived SameSite=Strict cookie that the form must repeat.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from therabill.errors import InvalidInput
from therabill.store.services import login_sessions, users
from therabill.web.deps import SESSION_COOKIE, Ctx, PageUser
from therabill.web.render import render

router = APIRouter()
LOGIN_CSRF_COOKIE = "therabill_login_csrf"
GENERIC_FAILURE = "That user name and password do not match."


def _remote(request: Request) -> str:
    return request.client.host if request.client else ""


def _login_page(request: Request, ctx: Ctx, *, status: int = 200, **values: object) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
        token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"login_csrf": token, **values}, status=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=1800,
        httponly=True,
        secure=ctx.settings.secure_cookies,
        samesite="strict",
    )
    return response


@router.get("/login")
def login_form(request: Request, ctx: Ctx) -> Response:
    return _login_page(request, ctx)


@router.post("/login")
def login(
    request: Request,
    ctx: Ctx,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_page(request, ctx, error="The form expired. Please try again.", status=403)
    name = username.strip()
    tried = login_sessions.log_in(
        ctx.store,
        username=name,
        password=password,
        remote=_remote(request),
        by_address=ctx.settings.behind_proxy,
    )
    if tried.outcome is login_sessions.LoginOutcome.THROTTLED:
        return _login_page(request, ctx, error=_wait_message(tried.wait), username=name, status=429)
    account, secret = tried.account, tried.secret
    if account is None:
        return _login_page(request, ctx, error=GENERIC_FAILURE, username=name, status=401)
    if tried.outcome is login_sessions.LoginOutcome.SECOND_FACTOR:
        target = "/login/code"
    else:
        target = "/password" if account.must_change_password else "/"
    response = _with_session(RedirectResponse(target, status_code=303), ctx, secret)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


def _wait_message(seconds: int) -> str:
    return (
        "Too many failed attempts for this user name. "
        f"Wait {seconds} second{'s' if seconds != 1 else ''} and try again."
    )


def _with_session(response: Response, ctx: Ctx, secret: str) -> Response:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        secure=ctx.settings.secure_cookies,
        samesite="strict",
        path="/",
    )
    return response


@router.get("/login/code")
def code_form(request: Request, account: PageUser) -> Response:
    if getattr(request.state, "account", None) is not None:
        return RedirectResponse("/", status_code=303)  # logged in already
    return render(request, "login_code.html")


@router.post("/login/code")
def check_code(
    request: Request,
    ctx: Ctx,
    account: PageUser,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """The second factor: a code from the authenticator app or a recovery code."""
    if getattr(request.state, "account", None) is not None:
        return RedirectResponse("/", status_code=303)
    secret = request.cookies.get(SESSION_COOKIE, "")
    live = login_sessions.logged_in(
        ctx.store, secret, idle=ctx.settings.idle, absolute=ctx.settings.absolute
    )
    if live is None:
        return RedirectResponse("/login", status_code=303)
    tried = login_sessions.second_factor(
        ctx.store,
        secret=secret,
        code=code,
        remote=_remote(request),
        session=live[0],
        account=account,
    )
    if tried.outcome is login_sessions.LoginOutcome.THROTTLED:
        response = _login_page(request, ctx, error=_wait_message(tried.wait), status=429)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    if tried.outcome is not login_sessions.LoginOutcome.LOGGED_IN:
        error = "That code does not match. Type the newest code from the app."
        return render(request, "login_code.html", {"error": error}, status=401)
    target = "/password" if account.must_change_password else "/"
    return _with_session(RedirectResponse(target, status_code=303), ctx, tried.secret)


@router.post("/logout")
def logout(request: Request, ctx: Ctx, account: PageUser) -> Response:
    secret = request.cookies.get(SESSION_COOKIE, "")
    login_sessions.log_out(ctx.store, secret=secret, account=account)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password")
def password_form(request: Request, account: PageUser) -> Response:
    return render(request, "password.html")


@router.post("/password")
def change_password(
    request: Request,
    ctx: Ctx,
    account: PageUser,
    current: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    again: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The user's own password: the current one first; every other session and API token
    of the user ends (this browser's session stays)."""
    if password != again:
        return render(request, "password.html", {"error": "The two passwords differ."}, status=422)
    try:
        with ctx.store.transaction(actor=account.username) as work:
            users.change_password(
                work,
                user_id=account.id,
                current=current,
                new=password,
                keep_session=request.state.session_hash,
            )
    except InvalidInput as exc:
        label = "Current password" if exc.field == "current" else "New password"
        return render(request, "password.html", {"error": f"{label} {exc.message}"}, status=422)
    return RedirectResponse("/", status_code=303)
