"""Medicare therapy compliance through the store: the plan of care's certifying provider on
the claim (2310A), certification dates, progress reports every 10 treatment days (CMS Pub
100-02 ch.15 §220.1.3, §220.3) and a payer's yearly visit limit, on each backend."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from clock import TODAY
from therabill.claims.corrections import ClaimEdit, LineEdit
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.store import factories
from therabill.store.models import ClaimRecord, Client, Provider
from therabill.store.services import Store, build, claim_edits, plans_of_care, sessions
from therabill.store.services.live_check import Entered, ServiceEntry, preview_session

PT = factories.PHYSICAL_THERAPIST
SPEC = factories.PracticeSpec(
    payers=(factories.PayerSpec("MEDICARE", payer_id="00430"), factories.ACME),
    clients=(
        factories.client("M-1", payer="Medicare Part B", member_id="1EG4TE5MK73"),
        factories.client("A-1", "Al", "Acme", payer="Acme Health Plan", member_id="AC1"),
    ),
    plans_of_care=False,
)
ROSA = {"referring_npi": "1679576722", "referring_first_name": "Rosa",
        "referring_last_name": "Diaz"}  # fmt: skip


@pytest.fixture
def clinic(store: Store) -> Store:
    factories.set_up_practice(store, SPEC)
    return store


def _session(store: Store, chart: str, day: dt.date) -> None:
    with store.transaction(actor="pat") as work:
        sessions.add_session(
            work=work,
            client=chart,
            provider=PT.npi,
            day=day,
            services=[sessions.ServiceMinutes("97110", 30, ("GP",))],
            start=dt.time(9, 0),
            end=dt.time(9, 30),
            techniques=["therapeutic exercise"],
            diagnoses=["M54.50"],
        )


def _built(store: Store) -> list[tuple[dt.date, set[str], dict[str, Any]]]:
    """Each claim built now: its date, its finding ids, its document."""
    with store.transaction() as work:
        build.build_claims(work=work)
        claims = work.db.execute(select(ClaimRecord).order_by(ClaimRecord.id)).scalars()
        return [
            (
                c.date_of_service,
                {f["id"] for f in json.loads(c.findings_json)},
                json.loads(c.document_json or "{}"),
            )
            for c in claims
        ]


def _plan(store: Store, start: dt.date, certified: dt.date | None) -> int:
    with store.transaction() as work:
        return plans_of_care.add_plan(
            work=work, client="M-1", discipline="pt", start=start, certified_on=certified, **ROSA
        ).id


def test_a_medicare_therapy_claim_needs_its_certifying_provider(clinic: Store) -> None:
    day = TODAY - dt.timedelta(days=3)
    _session(clinic, "M-1", day)
    with clinic.transaction() as work:
        client = work.db.execute(select(Client).where(Client.chart_number == "M-1")).scalar_one()
        provider = work.db.execute(select(Provider)).scalars().first()
        preview = preview_session(
            work,
            client=client,
            provider=provider,
            entered=Entered(
                day=day + dt.timedelta(days=1),
                services=[ServiceEntry("97110", 30, ("GP",))],
                start=dt.time(9, 0),
                end=dt.time(9, 30),
                techniques=["exercise"],
                diagnoses=["M54.50"],
            ),
        )
    # The session form's live check says it before anything is saved.
    live = {f.id for f in preview.findings}
    assert {"plan-of-care.referring-provider", "plan-of-care.outside"} <= live
    [(_, found, document)] = _built(clinic)
    assert "plan-of-care.referring-provider" in found
    assert "referring_provider" not in document or document["referring_provider"] is None


def test_the_plans_certifier_is_the_claims_referring_provider(clinic: Store) -> None:
    start = TODAY - dt.timedelta(days=20)
    _plan(clinic, start, certified=start + dt.timedelta(days=5))
    _session(clinic, "M-1", TODAY - dt.timedelta(days=2))
    [(_, found, document)] = _built(clinic)
    assert not {f for f in found if f.startswith("plan-of-care.")}, found
    assert document["referring_provider"] == {
        "npi": "1679576722",
        "first_name": "Rosa",
        "last_name": "Diaz",
    }
    assert document["plan_of_care"]["treatment_days"] == 1


def test_progress_report_every_ten_treatment_days(clinic: Store) -> None:
    start = TODAY - dt.timedelta(days=40)
    plan_id = _plan(clinic, start, certified=start)
    days = [start + dt.timedelta(days=3 * n) for n in range(12)]  # 12 treatment days
    for day in days:
        _session(clinic, "M-1", day)
    built = _built(clinic)
    due = [d for d, found, _ in built if "plan-of-care.progress-report" in found]
    # days 8-10 are noted (info), from day 11 it is overdue (warning)
    assert due == days[7:]
    with clinic.transaction() as work:
        plans_of_care.record_progress_report(work=work, plan_id=plan_id, on=days[9])
    _session(clinic, "M-1", days[-1] + dt.timedelta(days=2))
    [*_, (_, found, document)] = _built(clinic)
    assert document["plan_of_care"]["treatment_days"] == 3  # days 11, 12 and this one
    assert "plan-of-care.progress-report" not in found


def test_an_unsigned_plan_after_30_days_and_a_session_past_the_plan(clinic: Store) -> None:
    start = TODAY - dt.timedelta(days=89)
    _plan(clinic, start, certified=None)
    with clinic.transaction() as work:
        plans = plans_of_care.list_plans(work=work, client="M-1")
        assert plans[0].end_date == TODAY  # the 90th day by default
    _session(clinic, "M-1", TODAY - dt.timedelta(days=5))  # 5 days before the plan ends
    [(_, found, _)] = _built(clinic)
    assert {"plan-of-care.certification", "plan-of-care.recertify"} <= found


def test_a_session_after_the_plan_keeps_its_certifier_and_is_flagged(clinic: Store) -> None:
    start = TODAY - dt.timedelta(days=100)
    _plan(clinic, start, certified=start)
    _session(clinic, "M-1", TODAY - dt.timedelta(days=1))
    [(_, found, document)] = _built(clinic)
    assert "plan-of-care.outside" in found
    assert "plan-of-care.referring-provider" not in found
    assert document["referring_provider"]["npi"] == "1679576722"


def test_visit_limit_counts_the_years_visits(clinic: Store) -> None:
    # COMMERCIAL allows 30 PT visits a calendar year (payer profile visit_limits).
    first = dt.date(TODAY.year, 1, 5)
    for n in range(31):
        _session(clinic, "A-1", first + dt.timedelta(days=7 * n))
    built = _built(clinic)
    counts = [doc["visits_this_year"] for _, _, doc in built]
    assert counts == list(range(1, 32))
    flagged = [doc["visits_this_year"] for _, f, doc in built if "plan-of-care.visit-limit" in f]
    assert flagged == [28, 29, 30, 31]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"referring_npi": "1679576723"}, "referring_npi", "check digit"),
        ({"end": TODAY + dt.timedelta(days=120)}, "end", "at most 90 days"),
        ({"discipline": "yoga"}, "discipline", "is not one of"),
        ({"referring_last_name": " "}, "referring_last_name", "is required"),
        ({"certified_on": TODAY + dt.timedelta(days=1)}, "certified_on", "in the future"),
    ],
    ids=["npi-check-digit", "over-90-days", "discipline", "no-name", "future-signature"],
)
def test_a_plan_is_checked(
    clinic: Store, changes: dict[str, Any], field: str, message: str
) -> None:
    values: dict[str, Any] = {**ROSA, "client": "M-1", "discipline": "pt", "start": TODAY}
    values.update(changes)
    with pytest.raises(InvalidInput, match=message) as caught, clinic.transaction() as work:
        plans_of_care.add_plan(work=work, **values)
    assert caught.value.field == field


def test_plan_commands(home: Any) -> None:
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Any:
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == code, (result.stdout, result.stderr)
        return json.loads(result.stdout) if code == 0 else result.stderr

    runner.invoke(app, ["init", "--name", "Harbour Therapy"])
    run("payer", "add", "MEDICARE", "--payer-id", "00430")
    run(
        "client", "add", "--first-name", "Ada", "--last-name", "Example", "--birth-date",
        "1950-03-04", "--chart", "C-1", "--payer", "MEDICARE", "--member-id", "1EG4TE5MK73",
    )  # fmt: skip
    start = (TODAY - dt.timedelta(days=20)).isoformat()
    plan = run(
        "plan", "add", "C-1", "--discipline", "pt", "--referring-npi", "1679576722",
        "--referring-name", "Rosa Diaz", "--from", start,
    )  # fmt: skip
    assert plan["certified_on"] is None and plan["referring_provider"]["last_name"] == "Diaz"
    signed = (TODAY - dt.timedelta(days=10)).isoformat()
    assert run("plan", "certify", str(plan["id"]), "--on", signed)["certified_on"] == signed
    reported = run("plan", "progress", str(plan["id"]), "--on", TODAY.isoformat())
    assert reported["progress_reports"] == [TODAY.isoformat()]
    assert [p["id"] for p in run("plan", "list", "C-1")] == [plan["id"]]
    error = run("plan", "add", "C-1", "--discipline", "pt", "--referring-npi", "1679576723",
                "--referring-name", "Rosa Diaz", "--from", start, code=2)  # fmt: skip
    assert error.strip().startswith("Error: referring_npi:") and len(error.splitlines()) == 1


def _claim(store: Store) -> ClaimRecord:
    with store.transaction() as work:
        claim = work.db.execute(select(ClaimRecord).order_by(ClaimRecord.id.desc())).scalars()
        found = claim.first()
        assert found is not None
        work.db.expunge(found)
        return found


def test_an_edit_keeps_the_plans_referring_provider(clinic: Store) -> None:
    """An edit rebuilds the claim's document from today's records: the plan of care's
    certifier stays on it (it once fell off, and the claim lost its 2310A)."""
    start = TODAY - dt.timedelta(days=20)
    _plan(clinic, start, certified=start + dt.timedelta(days=5))
    _session(clinic, "M-1", TODAY - dt.timedelta(days=2))
    _built(clinic)
    claim_id = _claim(clinic).id
    with clinic.transaction() as work:
        claim_edits.edit_claim(
            work=work,
            claim_id=claim_id,
            edit=ClaimEdit((LineEdit(1, charge_cents=9999),)),
            reason="fee corrected",
        )
    document = json.loads(_claim(clinic).document_json or "{}")
    assert document["referring_provider"]["npi"] == "1679576722"
    assert document["plan_of_care"]["certified"] is not None


def test_claims_edit_sets_the_referring_provider_and_keeps_it(clinic: Store, home: Any) -> None:
    """No plan on file (the N286 denial): the biller names the referring provider on the
    claim; the claim becomes ready and later edits keep it."""
    _session(clinic, "M-1", TODAY - dt.timedelta(days=2))
    [(_, found, _document)] = _built(clinic)
    assert "plan-of-care.referring-provider" in found
    claim_id = _claim(clinic).id
    runner = CliRunner()

    def edit(*args: str) -> Any:
        return runner.invoke(app, ["claims", "edit", str(claim_id), *args, "--json"])

    half = edit("--referring-npi", "1679576722")
    assert half.exit_code == 2 and "--referring-name is missing" in half.stderr
    wrong = edit("--referring-npi", "1679576723", "--referring-name", "Rosa Diaz")
    assert wrong.exit_code == 2
    assert wrong.stderr.startswith("Error: referring_npi:") and "check digit" in wrong.stderr
    done = edit("--referring-npi", "1679576722", "--referring-name", "Rosa Diaz")
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["changes"] == [
        {"where": "claim", "what": "referring provider", "before": "",
         "after": "Rosa Diaz (1679576722)"}
    ]  # fmt: skip
    assert "plan-of-care.referring-provider" not in {f["id"] for f in result["findings"]}
    again = edit("--line", "1", "--charge", "99.99")
    assert again.exit_code == 0, again.output
    shown = json.loads(runner.invoke(app, ["claims", "show", str(claim_id), "--json"]).stdout)
    assert shown["referring_provider"] == {
        "npi": "1679576722", "first_name": "Rosa", "last_name": "Diaz", "set_on_claim": True
    }  # fmt: skip
    assert json.loads(_claim(clinic).document_json or "{}")["referring_provider"]["npi"] == (
        "1679576722"
    )


def test_a_builds_preloaded_plans_answer_as_the_database_does(clinic: Store) -> None:
    """A claims build reads plans and treatment days once (PreloadedPlans); every day and
    range must get the answer the per-claim queries give: covering plan, else the latest
    started, and the treatment days between two dates."""
    first = _plan(clinic, TODAY - dt.timedelta(days=200), TODAY - dt.timedelta(days=195))
    _plan(clinic, TODAY - dt.timedelta(days=100), None)
    _plan(clinic, TODAY - dt.timedelta(days=100), TODAY - dt.timedelta(days=90))  # same start
    for back in (190, 150, 99, 60, 31, 30, 2):
        _session(clinic, "M-1", TODAY - dt.timedelta(days=back))
    with clinic.transaction() as work:
        client_id = work.db.execute(select(Client.id).where(Client.chart_number == "M-1"))
        cid = client_id.scalar_one()
        preloaded = plans_of_care.PreloadedPlans(work, [cid, cid])
        queries = plans_of_care._Queries(work)
        days = [TODAY - dt.timedelta(days=back) for back in range(260, -5, -3)]
        for day in days:
            want = queries.plan_on(client_id=cid, discipline="pt", day=day)
            got = preloaded.plan_on(client_id=cid, discipline="pt", day=day)
            assert (got.id if got else None) == (want.id if want else None), day
            assert preloaded.plan_on(client_id=cid, discipline="ot", day=day) is None
        assert queries.plan_on(client_id=cid, discipline="pt", day=TODAY).id != first
        for after in days[::4]:
            for through in days[::5]:
                assert preloaded.session_days(
                    client_id=cid, discipline="pt", after=after, through=through
                ) == queries.session_days(
                    client_id=cid, discipline="pt", after=after, through=through
                )
