"""``claims build`` on each backend: initial/add-on families, and input that cannot become a
claim (skipped with its reason, never a traceback)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from therabill.identifiers.npi import calc_check_digit
from therabill.store.models import ClaimLine, ClaimRecord, Provider, TherapySession
from therabill.store.services import Store, build, practice, sessions

DAY = dt.date(2026, 3, 2)


def npi(first_nine: str) -> str:
    """A well-formed NPI (Luhn check digit over the 80840 prefix, CMS NPI standard)."""
    return first_nine + calc_check_digit(first_nine)


DISCIPLINES = ("behavioral", "slp", "ot", "pt", "massage", "music", "at")


def provider_of(store: Store, discipline: str) -> int:
    """A provider of ``discipline`` (added once per store)."""
    number = npi(f"19000000{DISCIPLINES.index(discipline)}")
    with store.transaction(actor="setup") as work:
        found = work.db.execute(select(Provider.id).where(Provider.npi == number)).scalar()
        if found is not None:
            return found
        return practice.add_provider(
            work=work, npi=number, first_name="Kim", last_name=discipline, discipline=discipline
        ).id


def add_session(
    store: Store,
    provider: int | str,
    *services: sessions.ServiceMinutes,
    client: str = "C-1",
    day: dt.date = DAY,
    techniques: tuple[str, ...] = (),
) -> int:
    with store.transaction(actor="kim") as work:
        session, _ = sessions.add_session(
            work=work,
            client=client,
            provider=provider,
            day=day,
            services=services,
            diagnoses=["F43.10"],
            techniques=techniques,
        )
        return session.id


def built_lines(store: Store, claim_id: int) -> list[tuple[str, int, int | None, str]]:
    """(code, units, session id, modifiers) of each line, in line order."""
    with store.sessions() as db:
        return [
            (ln.code, ln.units, ln.session_id, ln.modifiers)
            for ln in db.execute(
                select(ClaimLine)
                .where(ClaimLine.claim_id == claim_id)
                .order_by(ClaimLine.line_number)
            ).scalars()
        ]


# Initial-plus-add-on families (billing-rules.md §3; units.py's FAMILY_SOURCE): the minutes
# past the initial block become the add-on's units by the midpoint rule.
FAMILIES = [
    pytest.param("behavioral", "96158", 40, [("96158", 1), ("96159", 1)], id="96158=40"),
    pytest.param("slp", "97129", 45, [("97129", 1), ("97130", 2)], id="97129=45 (medpayiq)"),
    pytest.param("ot", "97545", 180, [("97545", 1), ("97546", 1)], id="97545=180"),
    pytest.param("pt", "97550", 40, [("97550", 1), ("97551", 1)], id="97550=40"),
]


@pytest.mark.parametrize(("discipline", "code", "minutes", "expected"), FAMILIES)
def test_an_initial_code_builds_with_the_addon_the_engine_adds(
    practice: Store, discipline: str, code: str, minutes: int, expected: list[tuple[str, int]]
) -> None:
    session = add_session(
        practice, provider_of(practice, discipline), sessions.ServiceMinutes(code, minutes)
    )
    with practice.transaction() as work:
        result = build.build_claims(work=work)
    assert result.skipped == [] and len(result.claims) == 1
    lines = built_lines(practice, result.claims[0])
    assert [(c, u) for c, u, _, _ in lines] == expected
    assert {s for _, _, s, _ in lines} == {session}  # the add-on keeps its session


def test_medicare_adds_the_plan_modifier_to_the_addon_line_too(practice: Store) -> None:
    """GO on every line of an OT plan of care (CMS Pub 100-04 ch.5 §20.1), the engine's
    97551 included."""
    add_session(practice, provider_of(practice, "ot"), sessions.ServiceMinutes("97550", 40))
    with practice.transaction() as work:
        claim_id = build.build_claims(work=work).claims[0]
    assert [(c, m) for c, _, _, m in built_lines(practice, claim_id)] == [
        ("97550", "GO"),
        ("97551", "GO"),
    ]


def test_an_addon_entered_alone_is_skipped_saying_its_primary_is_missing(
    practice: Store,
) -> None:
    """96159 without 96158: no invented 96158 line (issue 11); the session waits, named."""
    session = add_session(
        practice, provider_of(practice, "behavioral"), sessions.ServiceMinutes("96159", 40)
    )
    with practice.transaction() as work:
        result = build.build_claims(work=work)
    assert result.claims == []
    assert result.skipped == [
        {
            "session_id": session,
            "reason": "no billable units: 96159 is an add-on to 96158, which is not billed on "
            f"{DAY}.",
        }
    ]


def test_a_family_pooled_over_two_sessions_keeps_the_initial_codes_session(
    practice: Store,
) -> None:
    """20 + 20 minutes of 96158 that day are 40: 96158 (first 30) from the first session,
    96159 (10 more) — which neither session listed — with it."""
    kim = provider_of(practice, "behavioral")
    first = add_session(practice, kim, sessions.ServiceMinutes("96158", 20))
    add_session(practice, kim, sessions.ServiceMinutes("96158", 20))
    with practice.transaction() as work:
        result = build.build_claims(work=work)
    assert result.sessions_billed == 2
    assert built_lines(practice, result.claims[0]) == [
        ("96158", 1, first, ""),
        ("96159", 1, first, ""),
    ]


def test_what_cannot_become_a_claim_is_skipped_with_its_reason(practice: Store) -> None:
    """Two sessions of 800 minutes the same day (more than a day holds once pooled) and a
    technique too long for the claim document: each group is skipped and named, the rest is
    built, nothing raises."""
    pat = "1234567893"
    too_long = [
        add_session(practice, pat, sessions.ServiceMinutes("97110", 800), day=DAY),
        add_session(practice, pat, sessions.ServiceMinutes("97110", 800), day=DAY),
    ]
    wordy = add_session(
        practice,
        pat,
        sessions.ServiceMinutes("97110", 30),
        day=DAY + dt.timedelta(days=1),
        techniques=("x" * 300,),
    )
    fine = add_session(
        practice, pat, sessions.ServiceMinutes("97110", 30), day=DAY - dt.timedelta(1)
    )
    with practice.transaction() as work:
        result = build.build_claims(work=work)
    assert result.sessions_billed == 1 and len(result.claims) == 1
    reasons = {s["session_id"]: s["reason"] for s in result.skipped}
    assert set(reasons) == {*too_long, wordy}
    assert "1440" in reasons[too_long[0]]
    assert reasons[wordy] == (
        "the claim cannot be built: session techniques #1: "
        "String should have at most 200 characters"
    )
    with practice.sessions() as db:
        billed = {s.id: s.claim_id for s in db.execute(select(TherapySession)).scalars()}
        assert db.execute(select(ClaimRecord.id)).scalars().all() == result.claims
    assert billed[fine] == result.claims[0]
    assert billed[wordy] is None and billed[too_long[0]] is None


def test_the_cli_builds_each_family_into_one_claim_with_both_codes(home: object) -> None:
    """``therabill claims build`` (the issue's reproduction: 96158=40 was a KeyError)."""
    from typer.testing import CliRunner

    from therabill.cli.main import app

    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args])
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result.stdout

    run("init", "--name", "Harbour Therapy", "--npi", "1234567893")
    run("payer", "add", "COMMERCIAL", "--name", "Blue Harbour Health")
    for discipline in ("behavioral", "slp", "ot", "pt"):
        number = npi(f"19000000{DISCIPLINES.index(discipline)}")
        run(
            "provider", "add", "--npi", number, "--first-name", "Kim", "--last-name",
            discipline, "--discipline", discipline,
        )  # fmt: skip
    run(
        "client", "add", "--first-name", "Ada", "--last-name", "Example", "--birth-date",
        "1950-03-04", "--chart", "C-1", "--payer", "Blue Harbour Health", "--member-id", "BH1",
    )  # fmt: skip
    for n, (discipline, code, minutes, _) in enumerate(p.values for p in FAMILIES):
        number = npi(f"19000000{DISCIPLINES.index(str(discipline))}")
        day = (DAY + dt.timedelta(days=n)).isoformat()
        run("session", "add", "C-1", f"{code}={minutes}", "--provider", number, "--date", day)
    built = json.loads(run("claims", "build", "--json"))
    assert built["claims_built"] == 4 and built["skipped"] == []
    for claim_id, (_, _, _, expected) in zip(
        built["claim_ids"], (p.values for p in FAMILIES), strict=True
    ):
        shown = json.loads(run("claims", "show", str(claim_id), "--json"))
        assert [(ln["code"], ln["units"]) for ln in shown["lines"]] == expected


def test_a_time_finding_the_engine_and_scrubber_share_is_recorded_once(practice: Store) -> None:
    """90837 for 45 minutes: the unit engine and the scrubber both say 90834 is the code
    (therabill.units.checks); the claim keeps the scrubber's finding, which names the line."""
    add_session(practice, provider_of(practice, "behavioral"), sessions.ServiceMinutes("90834", 60))
    with practice.transaction() as work:
        claim_id = build.build_claims(work=work).claims[0]
    with practice.sessions() as db:
        record = db.get(ClaimRecord, claim_id)
        assert record is not None
        found = [f for f in json.loads(record.findings_json) if f["id"] == "time.range"]
    assert [(f["severity"], f.get("line")) for f in found] == [("warning", 1)]
    assert found[0]["message"] == (
        "90834 is for 38–52 minutes; 90837 is the code for 60 minutes (53 minutes or more)."
    )


def test_a_build_of_ticked_sessions_leaves_the_others_unbilled(practice: Store) -> None:
    """The unbilled list's bulk action: only the sessions named become claims."""
    pt = provider_of(practice, "pt")
    first = add_session(practice, pt, sessions.ServiceMinutes("97110", 30))
    second = add_session(practice, pt, sessions.ServiceMinutes("97110", 30), day=DAY.replace(day=2))
    with practice.transaction() as work:
        result = build.build_claims(work=work, session_ids=[second, 99999])
    assert result.sessions_billed == 1 and len(result.claims) == 1
    assert {s for _, _, s, _ in built_lines(practice, result.claims[0])} == {second}
    with practice.sessions() as db:
        assert db.get(TherapySession, first).claim_id is None  # type: ignore[union-attr]


def test_a_build_makes_a_clients_payers_and_providers_document_parts_once(
    practice: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three claims of one client (three days): the document's client, payer, provider and
    billing provider parts are made (and validated) once for the build and shared, and each
    stored document has them as a claim built alone has them."""
    from therabill.store.services import documents

    made: dict[str, int] = {}
    for kind in ("_client", "_subscriber", "_payer", "_provider", "_billing", "_facility"):
        original = getattr(documents, kind)

        def counted(*args: object, _kind: str = kind, _make: object = original) -> object:
            made[_kind] = made.get(_kind, 0) + 1
            return _make(*args)  # type: ignore[operator]

        monkeypatch.setattr(documents, kind, counted)
    pat = "1234567893"
    for offset in range(3):
        add_session(
            practice, pat, sessions.ServiceMinutes("97110", 30), day=DAY + dt.timedelta(offset)
        )
    with practice.transaction() as work:
        result = build.build_claims(work=work)
    assert len(result.claims) == 3
    assert made == dict.fromkeys(made, 1) and set(made) >= {"_client", "_payer", "_provider"}
    with practice.sessions() as db:
        stored = [
            json.loads(claim.document_json)
            for claim in db.execute(select(ClaimRecord).order_by(ClaimRecord.id)).scalars()
        ]
    for part in ("client", "payer", "provider", "billing_provider", "subscriber"):
        assert stored[0].get(part) == stored[1].get(part) == stored[2].get(part)
    assert stored[0]["client"]["first_name"] and stored[0]["payer"]["id"]
