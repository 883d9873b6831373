"""Render a template with what every page needs: the user, the CSRF token, the nav."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from therabill.store.services.users import Account, Role
from therabill.web.context import WebContext

NAV: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("/", "Dashboard", (Role.THERAPIST, Role.BILLER, Role.ADMIN)),
    ("/sessions/new", "New session", (Role.THERAPIST, Role.BILLER, Role.ADMIN)),
    ("/clients", "Clients", (Role.THERAPIST, Role.BILLER, Role.ADMIN)),
    ("/claims", "Claims", (Role.BILLER, Role.ADMIN)),
    ("/remittances", "Remittances", (Role.BILLER, Role.ADMIN)),
    ("/denials", "Denials", (Role.BILLER, Role.ADMIN)),
    ("/insights", "Insights", (Role.BILLER, Role.ADMIN)),
    ("/reports", "Reports", (Role.BILLER, Role.ADMIN)),
    ("/statements", "Statements", (Role.BILLER, Role.ADMIN)),
    ("/jobs", "Jobs", (Role.BILLER, Role.ADMIN)),
    ("/payers", "Payers", (Role.THERAPIST, Role.BILLER, Role.ADMIN)),
    ("/providers", "Providers", (Role.THERAPIST, Role.BILLER, Role.ADMIN)),
    ("/fees", "Fees", (Role.THERAPIST, Role.BILLER, Role.ADMIN)),
    ("/codes", "Codes", (Role.THERAPIST, Role.BILLER, Role.ADMIN)),
    ("/admin/users", "Users", (Role.ADMIN,)),
    ("/admin/settings", "Settings", (Role.ADMIN,)),
)

# The icon beside each menu entry (static/icons); an entry without one gets a page icon.
NAV_ICONS: dict[str, str] = {
    "/": "layout-dashboard",
    "/sessions/new": "calendar-plus",
    "/clients": "users",
    "/claims": "file-text",
    "/remittances": "inbox",
    "/denials": "circle-alert",
    "/insights": "info",
    "/reports": "chart-column",
    "/jobs": "list-checks",
    "/statements": "mail",
    "/payers": "building-2",
    "/providers": "stethoscope",
    "/fees": "tag",
    "/codes": "book-open",
    "/admin/users": "shield-user",
    "/admin/settings": "settings",
}


# What a change did, named in its redirect (``/fees?done=fee-saved``, Post/Redirect/Get):
# the page that opens shows it as a success toast. A fixed list, so an address can never put
# words of its own on a page.
DONE: dict[str, str] = {
    "provider-added": "Provider added.",
    "provider-saved": "Provider saved.",
    "provider-ended": "The provider is marked as having left the practice.",
    "fee-saved": "Fee saved.",
    "fee-removed": "Fee removed.",
    "policy-saved": "Insurance policy saved.",
    "policy-ended": "Insurance policy ended.",
    "authorization-added": "Authorization added.",
    "authorization-saved": "Authorization saved.",
    "authorization-ended": "Authorization ended.",
    "plan-saved": "Plan of care saved.",
    "payer-added": "Payer added.",
    "payer-saved": "Payer saved.",
    "profile-saved": "Payer profile saved.",
    "client-saved": "Client saved.",
    "session-saved": "Session saved.",
    "session-deleted": "Session deleted.",
    "claim-saved": "Claim saved.",
    "token-revoked": "API token revoked.",
}


def counted(count: int, word: str) -> str:
    """``1 claim``, ``2 claims``: a message about a batch reads as a sentence."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def done(target: str, what: str) -> str:
    """``target`` with the ``DONE`` key ``what`` in its query (before any ``#fragment``)."""
    if what not in DONE:
        raise KeyError(f"add {what!r} to render.DONE")
    path, hash_, fragment = target.partition("#")
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}done={what}{hash_}{fragment}"


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    ctx: WebContext = request.app.state.ctx
    account: Account | None = getattr(request.state, "account", None)
    menu = account if not getattr(request.state, "setup_due", False) else None
    values: dict[str, Any] = {
        "account": account,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "nav": [(href, label) for href, label, roles in NAV if menu and menu.role in roles],
        "nav_icons": NAV_ICONS,
        "path": request.url.path,
    }
    values.update(context or {})
    if not values.get("toast") and (said := DONE.get(request.query_params.get("done", ""))):
        values["toast"] = said
    response: HTMLResponse = ctx.templates.TemplateResponse(
        request, name, values, status_code=status
    )
    return response
