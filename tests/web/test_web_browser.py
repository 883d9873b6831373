"""End to end in a real browser: Debian's chromium driven by Playwright.

log in → enter a session → see units and findings update as minutes are typed → save →
build the claims and check them → submit (837P to the outbox) → upload a matching 835 →
see it posted, the claim paid and the client's balance changed; posting twice says so.
With THERABILL_SCREENSHOTS=1, screenshots of each page go to test-artifacts/web/. Skips only
when /usr/bin/chromium is absent and CI is not set; under CI it must run.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select
from web_helpers import PASSWORD, Practice, free_port, screenshots_wanted

from clock import TODAY
from therabill.store import factories
from therabill.store.models import ClaimRecord
from therabill.store.services import jobs
from therabill.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="/usr/bin/chromium is not installed (apt-get install chromium); CI runs it",
    ),
]


@pytest.fixture
def server(practice: Practice) -> Iterator[str]:
    """The web app on a loopback port, in a thread of this process."""
    port = free_port()
    os.environ[jobs.THREAD_ENV] = "1"  # background jobs run in the server, as serve runs them
    app = create_app(practice.url)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)
    app.state.ctx.store.dispose()
    os.environ.pop(jobs.THREAD_ENV, None)


@pytest.fixture
def page(chromium: Any, server: str) -> Iterator[Any]:
    """A page of its own (a fresh context) in the run's one browser."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "are you sure?": yes
    page.set_default_timeout(20_000)
    page.csp_errors = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda msg: (
            page.csp_errors.append(msg.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in msg.text or "Refused" in msg.text
            else None
        ),
    )
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    """The page as it is, to test-artifacts/web/, when THERABILL_SCREENSHOTS=1 asks."""
    if screenshots_wanted():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Any, server: str, username: str) -> None:
    page.goto(server + "/")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")


def test_a_session_from_entry_to_payment(
    page: Any, server: str, practice: Practice, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(server + "/clients")
    expect(page).to_have_url(server + "/login")
    shot(page, "01-login")
    log_in(page, server, "bill")
    expect(page.locator("h1")).to_have_text("Dashboard")
    shot(page, "02-dashboard")

    # Session entry: units and the claim check follow the minutes as they are typed.
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    # The client is found by typing (the name goes in a POST, never the URL) and picked.
    page.goto(server + "/sessions/new")
    page.fill("input[name=client_search]", "cru")
    page.check(f"#client-choices input[name=client][value='{practice.ana_client}']")
    assert "cru" not in page.url
    page.select_option("select[name=provider]", str(practice.ana_provider))
    page.fill("input[name=date]", yesterday)
    page.fill("input[name=start]", "09:00")
    page.fill("input[name=end]", "09:50")
    page.fill("input[name=diagnoses]", "M54.50")
    page.fill("textarea[name=techniques]", "neuromuscular re-education\ntherapeutic exercise")
    page.fill("input[name=code_1]", "97112")
    page.fill("input[name=minutes_1]", "24")
    expect(page.locator("#total-units")).to_have_text("2")  # 24 minutes alone: 2 units
    page.fill("input[name=code_2]", "97110")
    page.fill("input[name=minutes_2]", "23")
    # CMS Pub 100-04 ch.5 §20.2: 47 timed minutes make 3 units.
    expect(page.locator("#total-units")).to_have_text("3")
    # Medicare wants GP on a PT plan's lines and the build adds it (CMS Pub 100-04 ch.5
    # §20.1): the live check runs the build's assembly, so nothing to fix yet.
    expect(page.locator("#finding-count")).to_have_text("0 errors, 0 findings")
    page.fill("input[name=modifiers_1]", "GO")  # an occupational therapy modifier on a PT line
    expect(page.locator("#findings")).to_contain_text("carries GO")
    shot(page, "03-session-units-and-findings")
    page.fill("input[name=modifiers_1]", "GP")
    expect(page.locator("#finding-count")).to_have_text("0 errors, 0 findings")
    shot(page, "04-session-clean")
    page.click("#save-session")
    expect(page.locator(".toast.good")).to_contain_text("Session saved.")
    shot(page, "05-session-saved")

    # Build the claims, check them, submit them: 837P files to the outbox.
    page.goto(server + "/claims")
    page.click("#build-claims")  # a background job: its page follows it to the result
    expect(page.locator("#job-message")).to_contain_text("Built 3 claims (3 ready")
    shot(page, "06-claims-built")
    page.click("#job-next")
    boxes = page.locator("input[name=id]")
    assert boxes.count() == 3
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.click("#submit-claims")
    expect(page.locator("#submit-result")).to_contain_text("3 claims marked submitted")
    files = page.locator("#outbox-files a")
    assert files.count() == 2  # one 837P per payer
    with page.expect_download() as download:
        files.first.click()
    assert download.value.suggested_filename.startswith("837P-")
    shot(page, "07-submitted")

    with practice.store.transaction(actor="payer") as work:
        claim = work.db.execute(
            select(ClaimRecord).where(
                ClaimRecord.client_id == practice.ana_client,
                ClaimRecord.date_of_service == dt.date.fromisoformat(yesterday),
            )
        ).scalar_one()
        paid = factories.remittance_for(work, [claim.id], copay_cents=1000)
        unbalanced_835 = factories.remittance_for(
            work, [claim.id], copay_cents=1000, trace="EFT-UNBALANCED", bpr_off_by=100_000
        )
        claim_number = f"TB{claim.id:08d}"
    page.goto(server + f"/claims/{claim.id}")
    expect(page.locator("#claim-status")).to_have_text("submitted")
    shot(page, "08-claim")
    page.goto(server + f"/clients/{practice.ana_client}")
    balance_before = page.locator("#balance").inner_text()
    shot(page, "09-client-before-payment")

    # Upload the payer's 835 for that claim: posted, and posting it twice changes nothing.
    era = tmp_path / "payment.835"
    era.write_text(paid, encoding="ascii")
    page.goto(server + "/remittances")
    page.set_input_files("input[name=file]", str(era))
    page.click("#upload-835")
    expect(page.locator("#remittance-claims")).to_contain_text(claim_number)
    shot(page, "10-remittance")
    expect(page.locator("#remittance-outcome")).to_have_text("posted")
    expect(page.locator("#posted-paid")).not_to_have_text("$0.00")
    page.goto(server + "/remittances")
    page.set_input_files("input[name=file]", str(era))
    page.click("#upload-835")
    expect(page.locator("#remittance-outcome")).to_have_text("already posted")
    shot(page, "11-remittance-again")
    page.goto(server + "/remittances")
    # A file that does not balance is quarantined, and listed as such on the page.
    unbalanced = tmp_path / "unbalanced.835"
    unbalanced.write_text(
        unbalanced_835,
        encoding="ascii",
    )
    page.set_input_files("input[name=file]", str(unbalanced))
    page.click("#upload-835")
    expect(page.locator("#remittance-outcome")).to_have_text("quarantined")
    page.goto(server + "/remittances")
    expect(page.locator("#quarantined-files")).to_contain_text("unbalanced.835")
    expect(page.locator("#quarantined-files")).to_contain_text("does not balance")
    shot(page, "11b-remittance-quarantined")
    page.goto(server + f"/clients/{practice.ana_client}")
    assert page.locator("#balance").inner_text() != balance_before
    page.goto(server + f"/claims/{claim.id}")
    expect(page.locator("#claim-status")).not_to_have_text("submitted")
    shot(page, "12-claim-paid")
    page.goto(server + f"/clients/{practice.ana_client}")
    shot(page, "13-client-after-payment")

    for path, name in (
        ("/codes?q=gait", "14-codes"),
        ("/payers", "15-payers"),
        ("/", "16-dashboard-after"),
    ):
        page.goto(server + path)
        shot(page, name)
    page.goto(server + "/codes/97110")
    shot(page, "17-code")
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_admin_pages_and_logout(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    log_in(page, server, "root")
    page.goto(server + "/admin/users")
    shot(page, "18-users")
    page.goto(server + "/admin/settings")
    shot(page, "19-settings")
    page.click("form.logout button")
    expect(page).to_have_url(server + "/login")
    page.goto(server + "/admin/users")
    expect(page).to_have_url(server + "/login")
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_a_new_client_is_added_and_picked_for_a_session(
    page: Any, server: str, practice: Practice
) -> None:
    from playwright.sync_api import expect

    log_in(page, server, "bill")
    page.goto(server + "/clients")
    page.click("#new-client")
    page.fill("input[name=first_name]", "Gil")
    page.fill("input[name=last_name]", "Garnet")
    page.fill("input[name=birth_date]", "1988-07-09")
    page.fill("input[name=postal_code]", "627")
    page.check(f"#caseload input[value='{practice.ana_provider}']")
    page.click("#save-client")
    expect(page.locator("#postal_code-error")).to_contain_text("is not a ZIP code")
    shot(page, "11-client-form-error")
    page.fill("input[name=postal_code]", "62704")
    page.click("#save-client")
    expect(page.locator("h1")).to_contain_text("Garnet, Gil")
    expect(page.locator("#caseload")).to_contain_text("Ana Alves")
    page.click("#edit-client")
    expect(page.locator("#policy-form")).to_be_visible()
    shot(page, "12-client-edit")
    page.goto(server + "/sessions/new")
    page.fill("input[name=client_search]", "garn")
    expect(page.locator("#client-choices")).not_to_contain_text("Cruz")  # the search answered
    page.locator("#client-choices label", has_text="Garnet, Gil").locator("input").check()
    page.fill("input[name=client_search]", "dale")  # another search keeps Gil picked
    expect(page.locator("#client-choices")).to_contain_text("Dale, Dan")
    expect(page.locator("#client-choices input[checked]")).to_have_count(1)
    expect(page.locator("#client-choices label.picked")).to_contain_text("Garnet, Gil")
    shot(page, "13-session-client-search")
    assert "garn" not in page.url
    assert not page.csp_errors, page.csp_errors


def test_set_up_pages_a_biller_changes_and_a_therapist_sees(
    page: Any, server: str, practice: Practice
) -> None:
    """Providers, fees, payers, a client's policy and authorization, walked as a biller would
    set up a practice; then the same pages as a therapist, read-only."""
    from playwright.sync_api import expect

    log_in(page, server, "bill")
    page.goto(server + "/providers")
    page.fill("#provider-form input[name=npi]", "1679576722")
    page.fill("#provider-form input[name=first_name]", "Oli")
    page.fill("#provider-form input[name=last_name]", "Ng")
    page.select_option("#provider-form select[name=discipline]", "ot")
    page.click("#add-provider")
    expect(page.locator("h1")).to_contain_text("Oli Ng")
    page.fill("#provider-form input[name=taxonomy]", "225X00000X")
    page.click("#save-provider")
    expect(page.locator("#provider-form input[name=taxonomy]")).to_have_value("225X00000X")
    shot(page, "20-provider")
    page.goto(server + "/providers")
    expect(page.locator("#providers")).to_contain_text("Oli Ng")
    shot(page, "21-providers")

    page.goto(server + "/fees")
    page.fill("#fee-form input[name=code]", "97530")
    page.fill("#fee-form input[name=amount]", "12,50")
    page.click("#set-fee")
    expect(page.locator("#fee-error")).to_contain_text("amount")
    shot(page, "22-fees-error")
    page.fill("#fee-form input[name=amount]", "52.50")
    page.click("#set-fee")
    expect(page.locator("#fees")).to_contain_text("$52.50")
    shot(page, "23-fees")

    page.goto(server + "/payers")
    page.select_option("#payer-form select[name=profile]", "SAMPLE-MASSAGE-PAYER")
    page.fill("#payer-form input[name=payer_id]", "SMP01")
    page.click("#add-payer")
    expect(page.locator("#payers")).to_contain_text("SAMPLE-MASSAGE-PAYER")
    shot(page, "24-payers")

    page.goto(server + f"/clients/{practice.ana_client}")
    page.locator("#policies a[href^='/policies/']").first.click()  # not a sort header
    page.select_option("#policy-form select[name=relationship]", "spouse")
    page.click("#save-policy")
    expect(page.locator("#policy-error")).to_contain_text("name the subscriber")
    page.fill("#policy-form input[name=subscriber_first_name]", "Raul")
    page.fill("#policy-form input[name=subscriber_last_name]", "Cruz")
    page.fill("#policy-form input[name=subscriber_birth_date]", "1978-02-03")
    shot(page, "25-policy")
    page.click("#save-policy")
    expect(page.locator("h1")).to_contain_text("Cruz, Carla")

    page.click("#add-authorization-link")
    page.select_option("#authorization-form select[name=payer]", label="Medicare Part B")
    page.fill("#authorization-form input[name=number]", "PA-77")
    page.fill("#authorization-form input[name=start]", "2026-11-01")
    page.fill("#authorization-form input[name=end]", "2027-01-31")
    page.fill("#authorization-form input[name=codes]", "97110 97112")
    page.fill("#authorization-form input[name=units]", "24")
    page.fill("#authorization-form input[name=case_manager_name]", "Lee Park")
    shot(page, "26-authorization-new")
    page.click("#save-authorization")
    expect(page.locator("#units-left")).to_contain_text("0 used of 24")
    page.fill("#authorization-form input[name=units]", "30")
    page.click("#save-authorization")
    expect(page.locator("#units-left")).to_contain_text("30 left")
    page.fill("#end-authorization-form input[name=on]", "2026-12-15")
    page.click("#end-authorization")
    expect(page.locator("#authorization-use")).to_contain_text("2026-12-15")
    shot(page, "27-authorization")
    page.goto(server + f"/clients/{practice.ana_client}")
    expect(page.locator("#authorizations")).to_contain_text("PA-77")
    shot(page, "28-client-set-up")
    page.click("form.logout button")

    log_in(page, server, "ana")
    page.goto(server + f"/clients/{practice.ana_client}")
    page.locator("#authorizations a", has_text="PA-77").click()
    expect(page.locator("#units-left")).to_contain_text("30 left")
    expect(page.locator("#authorization-form")).to_have_count(0)
    shot(page, "29-authorization-therapist")
    page.goto(server + "/providers")
    expect(page.locator("#provider-form")).to_have_count(0)
    shot(page, "30-providers-therapist")
    assert not page.csp_errors, page.csp_errors


@pytest.fixture
def mfa_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's default: admins and billers need a second factor (asked before ``server``)."""
    monkeypatch.setenv("THERABILL_MFA_ROLES", "admin,biller")


def test_an_admin_sets_up_the_authenticator_and_logs_in_with_it(
    mfa_required: None, page: Any, server: str
) -> None:
    """The enrolment page in a real browser: the QR code is drawn (an image that decodes, no
    request leaves for another origin), the code from the secret turns it on, the recovery
    codes are shown once, and the next login asks for a code."""
    import pyotp
    import time_machine
    from playwright.sync_api import expect

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server + "/login")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/account/mfa")  # "/" sends a new admin to set it up
    expect(page.locator("h1")).to_have_text("Set up your authenticator")
    qr = page.locator("#mfa-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    shot(page, "20-mfa-setup")
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("#confirm-mfa")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    shot(page, "21-mfa-recovery-codes")
    page.goto(server + "/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    page.click("form.logout button")
    # A minute later (a code is good once), the login asks for the authenticator's code.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=True):
        page.goto(server + "/login")
        page.fill("input[name=username]", "root")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server + "/login/code")
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("button[type=submit] >> text=Continue")
        page.wait_for_url(server + "/")
        expect(page.locator("h1")).to_have_text("Dashboard")
    assert all(url.startswith(server) for url in requested), requested
    assert not page.csp_errors, page.csp_errors  # type: ignore[attr-defined]
