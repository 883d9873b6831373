"""The session form's live check shows what ``claims build`` records, on each backend.

A hypothesis property: for generated days of sessions (every code family — initial/add-on,
timed, untimed —, every shipped payer profile, every discipline, modifiers entered or not,
an authorization or not, a line billed before or not) the live check's findings are the
build's (id, severity, line), its lines are the build's, and the build never raises. Each
example runs in a transaction that is rolled back, so examples cannot see each other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st
from sqlalchemy import select

from clock import TODAY
from therabill.errors import TherabillError
from therabill.identifiers.npi import calc_check_digit
from therabill.payers import shipped_profiles
from therabill.store import factories
from therabill.store.models import ClaimLine, ClaimRecord, Client, Provider, TherapySession
from therabill.store.services import (
    Store,
    UnitOfWork,
    auths,
    build,
    live_check,
    sessions,
)

DAY = TODAY - dt.timedelta(days=3)  # the tests' frozen today (tests/clock.py)
DISCIPLINES = ("pt", "ot", "slp", "massage", "music", "behavioral", "at")
# Every timing: per-15 timed, untimed, initial/add-on families (the add-on alone too),
# an hour code, a code Medicare does not accept (97014), one only the massage payer wants.
CODES = (
    "97110", "97112", "97140", "97530", "97035", "97124", "97161", "92507", "97150", "97010",
    "97014", "G0283", "96158", "96159", "97129", "97130", "97545", "97546", "97550", "97551",
    "96164", "96165",
)  # fmt: skip
MODIFIERS = ((), ("GP",), ("GO",), ("59",), ("95",), ("KX",), ("GP", "59"))
DIAGNOSES = ("M5450", "F4310", "R262", "M6281", "Z9181", "M25511")


def npi(first_nine: str) -> str:
    """A well-formed NPI (Luhn check digit over the 80840 prefix, CMS NPI standard)."""
    return first_nine + calc_check_digit(first_nine)


@dataclass(frozen=True)
class Setting:
    store: Store
    providers: dict[str, int]  # by discipline
    clients: dict[str | None, int]  # by payer profile; None: no insurance


PROFILES = ("MEDICARE", "COMMERCIAL", "SAMPLE-MASSAGE-PAYER", None)  # None: no insurance
SPEC = factories.PracticeSpec(
    payers=[factories.PayerSpec(p, payer_id=f"EDI{n}") for n, p in enumerate(PROFILES) if p],
    providers=[
        factories.ProviderSpec(npi(f"18000000{n}"), "Kim", d.title(), d)
        for n, d in enumerate(DISCIPLINES)
    ],
    # the practice's charges; the other codes have none (claim.no-fee) or the profile's
    fees={**factories.PT_FEES, "96158": 9000, "96159": 4000, "97129": 5000, "97130": 4000},
    clients=[
        factories.client(
            f"P-{n}",
            last_name=f"Case{n}",
            payer=profile and shipped_profiles()[profile].name,
            member_id=f"1EG4TE5MK7{n}" if profile else None,
        )
        for n, profile in enumerate(PROFILES)
    ],
)


@pytest.fixture
def setting(store: Store) -> Setting:
    """A practice that can send 837Ps, with a provider of every discipline and a client on
    each shipped payer profile (and one without insurance)."""
    made = factories.set_up_practice(store, SPEC)
    return Setting(
        store,
        dict(zip(DISCIPLINES, made.providers, strict=True)),
        dict(zip(PROFILES, made.clients, strict=True)),
    )


services = st.lists(
    st.builds(
        sessions.ServiceMinutes,
        st.sampled_from(CODES),
        st.integers(1, 160).map(lambda m: m if m <= 130 else 5 * m),  # 1 in 5: 655-800 minutes
        st.sampled_from(MODIFIERS),
    ),
    min_size=1,
    max_size=3,
)


@dataclass(frozen=True)
class Day:
    profile: str | None
    discipline: str
    sessions: list[tuple[list[sessions.ServiceMinutes], list[str]]]
    authorized: list[str] | None  # codes of an authorization with 20 units, if any
    billed_before: str | None  # a code another provider billed that day for the client


days = st.builds(
    Day,
    st.sampled_from(["MEDICARE", "COMMERCIAL", "SAMPLE-MASSAGE-PAYER", None]),
    st.sampled_from(DISCIPLINES),
    st.lists(
        st.tuples(services, st.lists(st.sampled_from(DIAGNOSES), max_size=5)),
        min_size=1,
        max_size=3,
    ),
    st.one_of(st.none(), st.lists(st.sampled_from(CODES), max_size=3)),
    st.one_of(st.none(), st.sampled_from(CODES[:4])),
)


@contextmanager
def rolled_back(store: Store) -> Iterator[UnitOfWork]:
    """A unit of work whose changes are all undone: each example starts from the setting."""
    with store.sessions() as db:
        transaction = db.begin()
        try:
            yield UnitOfWork(db=db, actor="property")
        finally:
            transaction.rollback()


def add(work: UnitOfWork, client: int, provider: int, entered: list[sessions.ServiceMinutes],
        dx: list[str]) -> int:  # fmt: skip
    session, _ = sessions.add_session(
        work=work,
        client=client,
        provider=provider,
        day=DAY,
        services=entered,
        diagnoses=dx,
        start=dt.time(9, 0),
        end=dt.time(10, 0),
        techniques=["therapeutic exercise"],
        note="Worked on balance.",
    )
    return session.id


def recorded(findings: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(f["id"], str(f["severity"]), f.get("line")) for f in findings]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(day=days)
def test_the_live_check_shows_what_the_build_records(setting: Setting, day: Day) -> None:
    with rolled_back(setting.store) as work:
        db = work.db
        client_id = setting.clients[day.profile]
        provider_id = setting.providers[day.discipline]
        payer_name = db.get(Client, client_id).policies[0].payer.name if day.profile else None  # type: ignore[union-attr]
        if day.authorized is not None and payer_name:
            auths.add_authorization(
                work=work,
                client=client_id,
                payer=payer_name,
                number="A-1",
                start=DAY - dt.timedelta(days=30),
                end=DAY + dt.timedelta(days=30),
                codes=day.authorized,
                units=20,
            )
        if day.billed_before and payer_name:
            other = setting.providers["pt" if day.discipline != "pt" else "ot"]
            add(work, client_id, other, [sessions.ServiceMinutes(day.billed_before, 30)], ["M5450"])
            build.build_claims(work=work, scrub_tables=live_check.scrub_tables())
        for entered, dx in day.sessions[:-1]:
            try:
                add(work, client_id, provider_id, entered, dx)
            except TherabillError:  # a session the save refuses is not there to pool
                reject()
        entered, dx = day.sessions[-1]
        client = db.get(Client, client_id)
        provider = db.get(Provider, provider_id)
        preview = live_check.preview_session(
            work,
            client=client,
            provider=provider,
            entered=live_check.Entered(
                day=DAY,
                services=[live_check.ServiceEntry(s.code, s.minutes, s.modifiers) for s in entered],
                diagnoses=dx,
                start=dt.time(9, 0),
                end=dt.time(10, 0),
                techniques=["therapeutic exercise"],
            ),
        )
        assert not (db.new or db.dirty or db.deleted)  # the live check writes nothing
        try:
            last = add(work, client_id, provider_id, entered, dx)
        except TherabillError as exc:  # the save refuses it; the live check names a problem
            event("not saved")
            assert preview.problem is not None, exc
            return
        result = build.build_claims(work=work, scrub_tables=live_check.scrub_tables())
        claim_id = db.execute(
            select(TherapySession.claim_id).where(TherapySession.id == last)
        ).scalar_one()
        if claim_id is None:
            (reason,) = {s["reason"] for s in result.skipped if s["session_id"] == last}
            event(f"skipped: {reason[:90]}")
            assert not preview.scrubbed
            if day.profile is None:
                assert reason == "no insurance on file" and preview.payer is None
            else:
                assert reason == (preview.not_billed or preview.problem)
            return
        claim = db.get(ClaimRecord, claim_id)
        assert claim is not None and preview.scrubbed
        event(
            f"built: {claim.status} {sorted({f.id for f in preview.findings if f.severity == 'error'})}"
        )
        shown = [(f.id, str(f.severity), f.line) for f in preview.findings]
        assert shown == recorded(json.loads(claim.findings_json))
        lines = db.execute(
            select(ClaimLine).where(ClaimLine.claim_id == claim_id).order_by(ClaimLine.line_number)
        ).scalars()
        assert {ln.code: ln.charge_cents for ln in lines} == preview.charges
        assert preview.total_cents == claim.total_charge_cents


def test_a_billed_session_shows_its_units_and_no_second_claim(setting: Setting) -> None:
    """The session page of a billed session: no "already billed" errors against its own
    claim, no pooling with later sessions; the claim holds the findings."""
    store = setting.store
    with store.transaction() as work:
        shown = add(
            work,
            setting.clients["MEDICARE"],
            setting.providers["pt"],
            [sessions.ServiceMinutes("97110", 30)],
            ["M5450"],
        )
        claim_id = build.build_claims(work=work).claims[0]
        add(
            work,
            setting.clients["MEDICARE"],
            setting.providers["pt"],
            [sessions.ServiceMinutes("97112", 30)],
            ["M5450"],
        )
    with store.reading() as work:
        preview = live_check.preview_session(
            work,
            client=work.db.get(Client, setting.clients["MEDICARE"]),
            provider=work.db.get(Provider, setting.providers["pt"]),
            entered=live_check.Entered(
                day=DAY, services=[live_check.ServiceEntry("97110", 30)], diagnoses=["M54.50"]
            ),
            exclude_session=shown,
        )
    assert preview.not_billed == f"already billed on claim {claim_id}"
    assert not preview.scrubbed and preview.pooled_sessions == 0
    assert preview.units is not None and preview.units.units_by_code() == {"97110": 2}
    assert preview.findings == []
