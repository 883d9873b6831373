"""Every page passes axe-core (WCAG 2.2 A and AA rules) with no serious or critical violation,
at a desktop (1366 px) and a tablet (768 px) width, on the demo practice (real lists, paging,
denials, remittances); a whole billing journey is done with the keyboard alone; the README's
screenshots are taken here, so they show the app as it is.

axe-core is vendored in tests/web/vendor (MPL-2.0, see its licence file there and
scripts/vendor_web_assets.py). One server serves the whole module, in the run's one browser
(conftest.py). The README's screenshots are rewritten only with THERABILL_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.routing import APIRoute
from sqlalchemy import select
from web_helpers import PASSWORD, screenshots_wanted

from clock import TODAY
from therabill.store import migrate
from therabill.store.models import (
    Authorization,
    ClaimRecord,
    Client,
    Denial,
    Policy,
    Provider,
    TherapySession,
)
from therabill.store.services import jobs, open_store, users
from therabill.store.services.demo import create_demo
from therabill.web import routes as page_routes
from therabill.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
WIDTHS = {"desktop": (1366, 900), "tablet": (768, 1024)}
# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe's tags for them).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="/usr/bin/chromium is not installed (apt-get install chromium); CI runs it",
    ),
]


@dataclass(frozen=True)
class Demo:
    base: str
    ids: dict[str, int]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo practice (24 clients, three months) with a biller, an admin and a therapist,
    served on a loopback port for the whole module."""
    os.environ["THERABILL_MFA_ROLES"] = ""  # the module's server outlives a monkeypatch
    url = f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'demo.sqlite3'}"
    store = open_store(url)
    migrate.upgrade(store.engine)
    create_demo(store=store, today=TODAY)
    with store.transaction(actor="fixture") as work:
        provider = work.db.execute(select(Provider).order_by(Provider.id)).scalars().first()
        assert provider is not None
        for name, role, provider_id in (
            ("bill", users.Role.BILLER, None),
            ("root", users.Role.ADMIN, None),
            ("ana", users.Role.THERAPIST, provider.id),
        ):
            users.create_user(
                work, username=name, role=role, password=PASSWORD, provider_id=provider_id
            )
        first = {
            name: work.db.execute(select(model.id).order_by(model.id)).scalars().first()
            for name, model in (
                ("client", Client),
                ("claim", ClaimRecord),
                ("session", TherapySession),
                ("provider", Provider),
                ("policy", Policy),
                ("authorization", Authorization),
                ("denial", Denial),
            )
        }
        unbilled = work.db.execute(
            select(TherapySession.id).where(TherapySession.claim_id.is_(None))
        ).scalars()
        first["unbilled_session"] = next(iter(unbilled))
        first["job"] = jobs.create(work, kind="report-refresh", arguments={}).id
    store.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    os.environ[jobs.THREAD_ENV] = "1"  # jobs run in the server's process, as serve runs them
    app = create_app(url)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    yield Demo(f"http://127.0.0.1:{port}", {k: int(v) for k, v in first.items() if v})
    server.should_exit = True
    thread.join(timeout=10)
    app.state.ctx.store.dispose()
    os.environ.pop("THERABILL_MFA_ROLES", None)
    os.environ.pop(jobs.THREAD_ENV, None)


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Any:
    return chromium


def _log_in(browser: Any, demo: Demo, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(demo.base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(demo.base + "/")
    return page


@pytest.fixture(scope="module")
def biller(browser: Any, demo: Demo) -> Iterator[Any]:
    page = _log_in(browser, demo, "bill")
    yield page
    page.context.close()


def axe_problems(page: Any) -> list[str]:
    """The serious and critical WCAG A/AA violations axe-core finds on the page as it is."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # DevTools evaluation: not blocked by CSP
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check_both_widths(page: Any, what: str) -> None:
    found: list[str] = []
    for name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        found += [f"{what} at {name}: {problem}" for problem in axe_problems(page)]
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 1:  # WCAG 1.4.10 reflow: the page itself never scrolls sideways
            found.append(f"{what} at {name}: the page is {overflow} px wider than the window")
    page.set_viewport_size({"width": 1366, "height": 900})
    assert found == [], "\n".join(found)


# Every page a biller opens, with the ids of real demo rows; the states the forms and lists
# take are below. A page added without a line here fails test_every_page_is_checked.
PAGES = [
    "/",
    "/clients",
    "/clients?watch=statements",
    "/clients?watch=authorizations",
    "/clients/{client}",
    "/clients/new",
    "/clients/{client}/edit",
    "/clients/{client}/account",
    "/clients/{client}/authorizations/new",
    "/sessions",
    "/sessions?billed=no",
    "/sessions/new",
    "/sessions/{session}",
    "/sessions/{unbilled_session}",
    "/claims",
    "/claims?status=&sort=balance&dir=desc&page=2",
    "/claims/{claim}",
    "/remittances",
    "/clearinghouse",
    "/denials",
    "/insights",
    "/reports",
    "/reports?by=payer&revenue-sort=c1&revenue-dir=desc",
    "/underpayments",
    "/statements",
    "/statements?preview=2026-11-28",  # the preview's boxes and bulk hold
    "/jobs",
    "/jobs/{job}",
    "/payers",
    "/providers",
    "/providers/{provider}",
    "/fees",
    "/codes",
    "/codes?q=massage",
    "/codes/{code}",
    "/codes/{unknown_code}",
    "/policies/{policy}",
    "/authorizations/{authorization}",
    "/account",
    "/no/such/page",
]
ADMIN_PAGES = ["/admin/users", "/admin/settings", "/jobs/month-end"]
# Not pages: files, fragments HTMX swaps into a checked page, redirects.
NOT_PAGES = {
    "/jobs/{job_id}/status",
    "/practice",  # the practice choice: only a user of several practices (PostgreSQL) sees it
    "/claims/{claim_id}/cms1500.pdf",
    "/clients/{client_id}/superbill.pdf",
    "/clients/{client_id}/statement.pdf",
    "/receipts/{number}.pdf",
    "/statements/{number}.pdf",
    "/outbox/{name}",
    "/denials/{denial_id}/letter",
    "/codes/search",
    "/advice/codes.json",
    "/reports/export.xlsx",
    "/reports/{name}.csv",
    "/claims/submitted",
    "/login",
    "/login/code",
    "/password",
    "/account/mfa",
    "/payers/profiles/{profile_id}",
}


def _template(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "{" + m.group(1) + "_id}", path.split("?")[0])


def test_every_page_is_checked() -> None:
    paths = [p if isinstance(p, str) else p.values[0] for p in PAGES] + ADMIN_PAGES
    listed = {re.sub(r"\{\w+\}", "{}", _template(str(p))) for p in paths}
    routes = {
        re.sub(r"\{\w+\}", "{}", route.path)
        for router in page_routes.ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in route.methods
    }
    missing = routes - listed - {re.sub(r"\{\w+\}", "{}", p) for p in NOT_PAGES}
    assert missing == set(), f"add these pages to PAGES (or NOT_PAGES): {sorted(missing)}"


@pytest.mark.parametrize("path", PAGES)
def test_a_biller_page_passes_axe(biller: Any, demo: Demo, path: str) -> None:
    biller.goto(demo.base + path.format(**demo.ids, code="97140", unknown_code="97410"))
    check_both_widths(biller, path)


def test_admin_pages_pass_axe(browser: Any, demo: Demo) -> None:
    page = _log_in(browser, demo, "root")
    for path in ADMIN_PAGES:
        page.goto(demo.base + path)
        check_both_widths(page, path)
    page.context.close()


def test_a_therapists_pages_pass_axe(browser: Any, demo: Demo) -> None:
    page = _log_in(browser, demo, "ana")
    for path in ("/", "/clients", "/sessions", "/sessions/new"):
        page.goto(demo.base + path)
        check_both_widths(page, f"{path} (therapist)")
    page.context.close()


def test_the_login_page_and_its_error_pass_axe(browser: Any, demo: Demo) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(demo.base + "/login")
    check_both_widths(page, "/login")
    page.fill("input[name=username]", "bill")
    page.fill("input[name=password]", "wrong password here")
    page.click("button[type=submit]")
    page.wait_for_selector(".error")
    check_both_widths(page, "/login (refused)")
    context.close()


def test_the_session_form_in_its_states_passes_axe(biller: Any, demo: Demo) -> None:
    """Empty, filled in with its live units and findings, with suggestions open, a row
    added, and refused with the field named."""
    from playwright.sync_api import expect

    biller.goto(demo.base + f"/sessions/new?client={demo.ids['client']}")
    biller.select_option("select[name=provider]", index=1)
    biller.fill("input[name=code_1]", "97110")
    biller.fill("input[name=minutes_1]", "38")
    expect(biller.locator("#total-units")).to_be_visible()
    biller.fill("#diagnoses", "M54")
    expect(biller.locator("#dx-results button").first).to_be_visible()
    biller.click("#add-row")
    check_both_widths(biller, "/sessions/new (filled in)")
    biller.fill("input[name=minutes_1]", "")
    biller.click("#save-session")
    expect(biller.locator("#form-error")).to_be_visible()
    check_both_widths(biller, "/sessions/new (refused)")


LISTS = ("/claims", "/claims/submitted", "/clients", "/sessions", "/remittances", "/denials",
         "/insights", "/statements", "/reports", "/jobs", "/fees", "/payers")  # fmt: skip


def test_a_laptop_sees_every_column_of_every_list(biller: Any, demo: Demo) -> None:
    """At 1280 px (a common laptop) no list scrolls sideways: a biller sees every column,
    the next step and the row's buttons included (the denials and insights lists once hid
    their last columns past the edge)."""
    biller.set_viewport_size({"width": 1280, "height": 900})
    wide: list[str] = []
    for path in LISTS:
        biller.goto(demo.base + path)
        wide += [
            f"{path}: {name} is {extra} px wider than its box"
            for name, extra in biller.evaluate(
                "() => [...document.querySelectorAll('.table-scroll')]"
                ".map(e => [e.firstElementChild.id, e.scrollWidth - e.clientWidth])"
            )
            if extra > 1
        ]
    biller.set_viewport_size({"width": 1366, "height": 900})
    assert wide == []


def test_a_laptop_sees_every_denial_column_and_the_opened_actions(biller: Any, demo: Demo) -> None:
    """At 1280 px the denials list needs no sideways scrolling to its Next step and Act
    columns, and a row's opened actions lie inside the list's box (they once stretched the
    table past it, their forms off screen); the panel passes axe."""
    from playwright.sync_api import expect

    biller.set_viewport_size({"width": 1280, "height": 900})
    biller.goto(demo.base + "/denials")
    box = biller.locator("#denials").locator("xpath=..")

    def overflow() -> int:
        return int(box.evaluate("e => e.scrollWidth - e.clientWidth"))

    assert overflow() <= 1
    biller.locator("details.row-actions summary").first.click()
    panel = biller.locator(".row-actions-panel").first
    expect(panel.get_by_role("button", name="Write off")).to_be_visible()
    assert overflow() <= 1
    outer, inner = box.bounding_box(), panel.bounding_box()
    assert outer is not None and inner is not None
    assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
    check_both_widths(biller, "/denials (a row's actions open)")


@pytest.mark.skipif(
    not screenshots_wanted(), reason="THERABILL_SCREENSHOTS=1 rewrites the README's pictures"
)
def test_screenshots_of_the_main_pages(biller: Any, demo: Demo) -> None:
    """The README's pictures: the dashboard, the claims queue and a client at 1366 px, and
    the session form filled in on a tablet (768 px)."""
    from playwright.sync_api import expect

    IMAGES.mkdir(parents=True, exist_ok=True)
    shots = {
        "web-dashboard.png": "/",
        "web-claims-queue.png": "/claims",
        "web-client.png": f"/clients/{demo.ids['client']}",
    }
    for name, path in shots.items():
        biller.goto(demo.base + path)
        biller.screenshot(path=str(IMAGES / name), full_page=False)
    biller.set_viewport_size({"width": 768, "height": 1024})
    biller.goto(demo.base + f"/sessions/new?client={demo.ids['client']}")
    physical_therapist = biller.locator("select[name=provider] option[data-modifier=GP]").first
    biller.select_option("select[name=provider]", physical_therapist.get_attribute("value"))
    biller.fill("input[name=start]", "09:00")
    biller.fill("input[name=end]", "09:45")
    biller.fill("input[name=code_1]", "97110")
    biller.fill("input[name=minutes_1]", "23")
    biller.fill("input[name=modifiers_1]", "GP")
    biller.fill("input[name=code_2]", "97140")
    biller.fill("input[name=minutes_2]", "15")
    biller.fill("input[name=modifiers_2]", "GP")
    biller.fill("#diagnoses", "M54.5")
    expect(biller.locator("#total-units")).to_be_visible()
    expect(biller.locator("#dx-results button").first).to_be_visible()
    biller.screenshot(path=str(IMAGES / "web-session-tablet.png"), full_page=True)
    biller.set_viewport_size({"width": 1366, "height": 900})
    for name in [*shots, "web-session-tablet.png"]:
        assert (IMAGES / name).stat().st_size > 10_000


def tab_to(page: Any, selector: str, *, most: int = 80, back: bool = False) -> None:
    """Press Tab (Shift+Tab with ``back``) until ``selector`` has the focus, and check the
    focus can be seen."""
    for _ in range(most):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            ring = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"
            )
            assert ring, f"{selector} has the focus but shows no focus ring"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_billing_journey_by_keyboard_alone(browser: Any, demo: Demo) -> None:
    """Log in, open the unbilled sessions from the dashboard, build their claims, tick every
    ready claim on the page and submit them: Tab, Enter and Space only."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(demo.base + "/login")
    tab_to(page, "input[name=username]")
    page.keyboard.type("bill")
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(demo.base + "/")
    tab_to(page, "#queue-unbilled")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sessions\?billed=no$"))
    tab_to(page, "#build-these")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/jobs/\d+$"))  # the build runs as a job; its page follows it
    expect(page.locator("#job-message")).to_contain_text("Built", timeout=30_000)
    tab_to(page, "nav.main a[href='/']")
    page.keyboard.press("Enter")
    page.wait_for_url(demo.base + "/")
    tab_to(page, "#queue-ready")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/claims\?status=ready$"))
    tab_to(page, "input.select-all")
    page.keyboard.press("Space")
    ticked = page.locator("#claims tbody input[type=checkbox]:checked")
    assert ticked.count() == page.locator("#claims tbody input[type=checkbox]").count() > 0
    tab_to(page, "#submit-claims", back=True)  # the bulk buttons sit above the table
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/claims/submitted$"))
    expect(page.locator("main")).to_contain_text("837P")
    context.close()
