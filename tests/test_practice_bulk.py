"""Bulk actions of the web pages given a mix of one practice's ids and practice B's, as the
first practice's admin (the form's ticked boxes, ``form.getlist``). What each does is one of two things, and
each is shown here, with B's rows unchanged (read as the superuser) and no row of A's left
naming one of B's:

- **refused whole** (nothing of A's done either): check and submit (``/claims/submit``),
  print on paper (``/claims/print``), appeal or write off denials (``/denials/bulk``), hold
  statements (``/statements/hold``), a client's caseload (``providers`` on the client form);
- **B's skipped**: build the ticked sessions (``/claims/build-ticked``) builds A's and never
  sees B's (the job selects the ticked ids among A's unbilled sessions).

Each test also shows that A's ids alone do what the action does, so the refusal is the
practice's and not a broken request. "A" here is a third practice, Cedar Row, made for
these tests beside the sweep's two: the sweep's pages change practice A's settings (its NPI,
tax id, fees), which a claim of A's must keep to be sent. The generic page sweep (tests/test_practice_sweep.py)
sends every bulk action such a mix too; these tests look at A's side. The last closes A's
denial with B's claim named as its replacement (a service's second id).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from clock import TODAY
from practice_sweep import (
    A_SPEC,
    PASSWORD,
    TwoPractices,
    cross_references,
    digest,
    ids_of,
    log_in,
)
from therabill.claims.number import claim_number
from therabill.errors import InvalidInput
from therabill.store import factories, tenancy
from therabill.store.services import build, denials, jobs, practices, remittances, users
from therabill.web.app import create_app
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine, Payee, write_835

pytestmark = pytest.mark.postgres


C_SPEC = dataclasses.replace(
    A_SPEC,
    name="Cedar Row Therapy",
    clients=(factories.client("A-1", "Aino", "Aaltonen", payer="Alder Mutual", member_id="AM1"),),
)


@pytest.fixture(scope="module")
def a(two: TwoPractices) -> TwoPractices:
    """``two`` with Cedar Row as practice A: its id, its rows' ids, an admin ``cyril``."""
    cedar = practices.add_practice(two.store, name=C_SPEC.name, actor="setup")
    with tenancy.practice_scope(cedar):
        factories.set_up_practice(two.store, C_SPEC, actor="setup")
        with two.store.transaction(actor="setup") as work:
            users.create_user(work, username="cyril", role=users.Role.ADMIN, password=PASSWORD)
    return dataclasses.replace(two, a=cedar, a_ids=ids_of(two.admin_url, cedar))


@pytest.fixture
def web(a: TwoPractices, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, str]]:
    """A's admin logged in; the installation's data directory; B's rows checked unchanged
    and no cross-practice reference afterwards."""
    two = a
    monkeypatch.setenv("THERABILL_HOME", str(two.home))
    monkeypatch.setenv("THERABILL_MFA_ROLES", "")
    app = create_app(two.app_url)
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    with TestClient(app, base_url="https://testserver") as client:
        csrf = log_in(client, "cyril")
        yield client, csrf
    app.state.ctx.store.dispose()
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before
    assert cross_references(two.admin_url) == []


def _post(web: tuple[TestClient, str], path: str, form: list[tuple[str, str]]) -> Any:
    client, csrf = web
    fields: dict[str, list[str]] = {"csrf_token": [csrf]}
    for name, value in form:
        fields.setdefault(name, []).append(value)
    return client.post(
        path,
        data=fields,
        headers={"x-csrf-token": csrf},
        follow_redirects=False,
    )


def _one(two: TwoPractices, sql: str, **values: object) -> Any:
    engine = create_engine(two.admin_url)
    with engine.connect() as conn:
        found = conn.execute(text(sql), values).scalar()
    engine.dispose()
    return found


_days = iter(range(40, 400, 3))  # each A session on a day of its own


def _a_session(two: TwoPractices) -> int:
    with tenancy.practice_scope(two.a), two.store.transaction(actor="setup") as work:
        return factories.add_session(
            work,
            client="A-1",
            provider="1245319599",
            day=TODAY - dt.timedelta(days=next(_days)),
            services={"97110": 30},
        ).id


def _a_claim(two: TwoPractices) -> int:
    session = _a_session(two)
    with tenancy.practice_scope(two.a), two.store.transaction(actor="setup") as work:
        built = build.build_claims(work=work, session_ids=[session])
    assert len(built.claims) == 1, built
    return built.claims[0]


def _a_denial(two: TwoPractices, web: tuple[TestClient, str]) -> int:
    """An A claim sent and denied in full (CO-50) by a posted 835: A's open denial."""
    claim = _a_claim(two)
    assert _post(web, "/claims/submit", [("id", str(claim))]).status_code == 303
    with tenancy.practice_scope(two.a), two.store.transaction(actor="setup") as work:
        lines = [
            AdjudicatedLine(line.code, line.charge_cents, 0, line.units, line.date_of_service,
                            adjustments=[("CO", "50", line.charge_cents)])
            for line in remittances_lines(work, claim)
        ]  # fmt: skip
        data = write_835(
            [AdjudicatedClaim(claim_number(claim), "4", lines, payer_claim_number=f"ALDER{claim}",
                              patient=("AALTONEN", "AINO", "AM1"))],
            trace=f"ALDERTRACE{claim}", payer="ALDER MUTUAL", payer_id="ALD01",
            payee=Payee("CEDAR ROW THERAPY", factories.PT_NPI),
            paid_on=TODAY, produced_on=TODAY,
        )  # fmt: skip
        remittances.post_remittance(work=work, data=data.encode(), file_name=f"deny{claim}.835")
    denial = _one(two, "SELECT max(id) FROM denials WHERE claim_id = :c", c=claim)
    assert denial is not None
    return int(denial)


def remittances_lines(work: Any, claim_id: int) -> list[Any]:
    from therabill.store.models import ClaimRecord

    found = work.db.get(ClaimRecord, claim_id)
    assert found is not None
    return list(found.lines)


def _b_unbilled_session(two: TwoPractices) -> int:
    found = _one(
        two,
        "SELECT min(id) FROM sessions WHERE practice_id = :b AND claim_id IS NULL",
        b=two.b,
    )
    assert found is not None, "practice B has an unbilled session"
    return int(found)


def test_build_ticked_builds_as_and_never_sees_bs(
    a: TwoPractices, web: tuple[TestClient, str]
) -> None:
    mine, theirs = _a_session(a), _b_unbilled_session(a)
    answer = _post(web, "/claims/build-ticked", [("id", str(mine)), ("id", str(theirs))])
    assert answer.status_code == 303
    found = re.search(r"/jobs/(\d+)", answer.headers["location"])
    assert found, answer.headers["location"]
    job = int(found.group(1))
    with tenancy.practice_scope(a.a):  # as the worker runs it: in the job's practice
        assert jobs.run_job(a.store, job, worker="bulk-test") == "done"
    assert _one(a, "SELECT claim_id FROM sessions WHERE id = :s", s=mine) is not None
    assert _one(a, "SELECT claim_id FROM sessions WHERE id = :s", s=theirs) is None
    page = web[0].get(f"/jobs/{job}").text
    assert "1 claim" in page, page[-1500:]


def test_submit_refuses_the_lot(a: TwoPractices, web: tuple[TestClient, str]) -> None:
    mine = _a_claim(a)
    theirs = a.ids["claim_id"][0]
    answer = _post(web, "/claims/submit", [("id", str(mine)), ("id", str(theirs))])
    assert answer.status_code == 422
    assert f"no claim {theirs}" in answer.text
    assert _one(a, "SELECT status FROM claims WHERE id = :c", c=mine) != "submitted"
    alone = _post(web, "/claims/submit", [("claim", str(mine))])  # A's alone
    assert alone.status_code == 303, re.sub(r"<[^>]+>|\s+", " ", alone.text)[-3000:]
    assert _one(a, "SELECT status FROM claims WHERE id = :c", c=mine) == "submitted"


def test_print_refuses_the_lot(a: TwoPractices, web: tuple[TestClient, str]) -> None:
    mine = _a_claim(a)
    theirs = a.ids["claim_id"][0]
    answer = _post(web, "/claims/print", [("id", str(mine)), ("id", str(theirs))])
    assert answer.status_code == 404
    assert answer.headers["content-type"] != "application/pdf"
    alone = _post(web, "/claims/print", [("id", str(mine))])
    assert alone.status_code == 200 and alone.headers["content-type"] == "application/pdf"


@pytest.mark.parametrize("action", ["appeal", "write_off"])
def test_denials_bulk_refuses_the_lot(
    a: TwoPractices, web: tuple[TestClient, str], action: str
) -> None:
    mine = _a_denial(a, web)
    theirs = a.ids["denial_id"][0]
    form = [("action", action), ("reason", "bulk test"), ("id", str(mine)), ("id", str(theirs))]
    assert _post(web, "/denials/bulk", form).status_code == 303
    assert _one(a, "SELECT status FROM denials WHERE id = :d", d=mine) == "open"
    assert _post(web, "/denials/bulk", form[:3]).status_code == 303  # A's alone
    assert _one(a, "SELECT status FROM denials WHERE id = :d", d=mine) != "open"


def test_a_denial_closed_with_bs_claim_as_its_replacement_is_refused(
    a: TwoPractices, web: tuple[TestClient, str]
) -> None:
    """``denials.close_denial`` looks the replacement claim up in the work's practice: B's
    claim as the replacement of A's denial is refused (a denial of A's never names B's
    claim), A's own is taken."""
    mine, theirs = _a_denial(a, web), int(a.ids["claim_id"][0])
    with (
        tenancy.practice_scope(a.a),
        pytest.raises(InvalidInput, match=f"no claim {theirs}"),
        a.store.transaction(actor="cyril") as work,
    ):
        denials.close_denial(
            work=work, denial_id=mine, how="corrected", note="x", replacement_claim_id=theirs
        )
    assert _one(a, "SELECT status FROM denials WHERE id = :d", d=mine) == "open"
    own = _a_claim(a)
    with tenancy.practice_scope(a.a), a.store.transaction(actor="cyril") as work:
        denials.close_denial(
            work=work, denial_id=mine, how="corrected", note="x", replacement_claim_id=own
        )
    assert _one(a, "SELECT replacement_claim_id FROM denials WHERE id = :d", d=mine) == own


def test_statement_hold_refuses_the_lot(a: TwoPractices, web: tuple[TestClient, str]) -> None:
    mine, theirs = a.a_ids["client_id"][0], a.ids["client_id"][0]
    held = "SELECT statement_hold FROM clients WHERE id = :c"
    assert not _one(a, held, c=mine)
    form = [("through", TODAY.isoformat()), ("client_id", str(mine)), ("client_id", str(theirs))]
    assert _post(web, "/statements/hold", form).status_code == 303
    assert not _one(a, held, c=mine)
    assert _post(web, "/statements/hold", form[:2]).status_code == 303  # A's alone
    assert _one(a, held, c=mine)
    _post(web, f"/clients/{mine}/statement-hold", [])  # released again for the other tests
    assert not _one(a, held, c=mine)


def test_caseload_refuses_the_lot(a: TwoPractices, web: tuple[TestClient, str]) -> None:
    client = a.a_ids["client_id"][0]
    mine, theirs = a.a_ids["provider_id"][0], a.ids["provider_id"][0]
    caseload = "SELECT count(*) FROM client_providers WHERE client_id = :c"
    count = _one(a, caseload, c=client)
    person = [("first_name", "Aino"), ("last_name", "Aaltonen"), ("birth_date", "1980-02-03"),
              ("sex", "F")]  # fmt: skip
    both = [*person, ("providers", str(mine)), ("providers", str(theirs))]
    assert _post(web, f"/clients/{client}/edit", both).status_code == 422
    assert _one(a, caseload, c=client) == count
    clients = _one(a, "SELECT count(*) FROM clients WHERE practice_id = :a", a=a.a)
    assert _post(web, "/clients/new", [*both, ("chart_number", "A-BULK")]).status_code == 422
    assert _one(a, "SELECT count(*) FROM clients WHERE practice_id = :a", a=a.a) == clients
    # A's provider alone: saved, the caseload is that one provider.
    alone = _post(web, f"/clients/{client}/edit", [*person, ("providers", str(mine))])
    assert alone.status_code == 303, re.sub(r"<[^>]+>|\s+", " ", alone.text)[-1500:]
    assert _one(a, caseload, c=client) == 1
    assert _one(a, "SELECT count(*) FROM clients WHERE practice_id = :a", a=a.a) == clients
