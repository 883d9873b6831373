"""Two practices in one PostgreSQL database, served as a plain role, for the cross-practice
sweep (tests/test_practice_sweep.py, docs/tenants.md).

Practice A is small: an admin login (``alma``) with an API token, a provider, a payer, a
client. Practice B is the demo practice (months of sessions, claims sent and paid or denied
by a posted 835, payments with receipts, authorizations, plans of care) and more: a
statement run, an 837P in the outbox, a remittance exception, an underpayment, a payment
plan, a job, a service location, a login of its own with a token. Everything is written
through the services (``therabill.store.factories``, ``services.demo``), in B's scope.

:func:`digest` reads every practice-owned table's rows of one practice as the superuser
(row-level security does not hold it), so a test can show B's rows unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, select, text

from clock import TODAY
from db_backends import drop_role, plain_role, postgres_database
from therabill.config import practice_folder
from therabill.store import factories, migrate, tenancy
from therabill.store.models import ClaimLine, ClaimRecord
from therabill.store.services import (
    api_tokens,
    denials,
    jobs,
    locations,
    login_sessions,
    mfa,
    payment_plans,
    practices,
    remittance_intake,
    statements,
    submission,
    users,
)
from therabill.store.services.context import Store, open_store
from therabill.store.services.demo import create_demo
from therabill.x12.remittance_835.builder import AdjudicatedClaim, Payee, paid_line, write_835

PASSWORD = "correct horse battery"

A_SPEC = factories.PracticeSpec(
    name="Alder Street Therapy",
    npi=factories.PT_NPI,
    payers=(factories.PayerSpec("COMMERCIAL", "Alder Mutual", "ALD01"),),
    providers=(factories.ProviderSpec("1245319599", "Alma", "Aalto", "pt", "225100000X"),),
    fees={"97110": 4510, "97112": 4820},
    clients=(factories.client("A-1", "Aino", "Aaltonen", payer="Alder Mutual", member_id="AM1"),),
)


@dataclass
class TwoPractices:
    """The database (its superuser's URL and the plain role's), the two practices, and what
    of B's the sweep fills paths with and must never see in an answer to A."""

    admin_url: str
    app_url: str
    role: str
    store: Store  # as the plain role
    a: int
    b: int
    a_user: int
    a_token: str
    b_user: int
    b_token: str
    b_token_id: int
    home: Path  # the installation's data directory (THERABILL_HOME)
    ids: dict[str, list[int | str]] = field(default_factory=dict)  # B's, by kind
    a_ids: dict[str, list[int]] = field(default_factory=dict)  # A's (as built), by kind
    markers: list[str] = field(default_factory=list)  # B's names, numbers and amounts


def _practice_a(store: Store, a: int) -> tuple[int, str]:
    with tenancy.practice_scope(a):
        factories.set_up_practice(store, A_SPEC, actor="setup")
        # A claim of A's with an open denial, and a session not yet billed: the mixed calls
        # (B's id in one parameter, A's in the others) need A's session, claim and denial.
        claim = factories.build_one_claim(
            store,
            client="A-1",
            provider="1245319599",
            day=TODAY - dt.timedelta(days=14),
            services={"97110": 38},
        )
        with store.transaction(actor="setup") as work:
            factories.add_session(
                work,
                client="A-1",
                provider="1245319599",
                day=TODAY - dt.timedelta(days=7),
                services={"97112": 30},
            )
            line = work.db.scalars(select(ClaimLine.id).where(ClaimLine.claim_id == claim)).first()
            denials.open_denial(
                work,
                denials.NewDenial(
                    claim_id=claim,
                    claim_line_id=line,
                    group_code="CO",
                    carc="197",
                    rarc="",
                    amount_cents=9020,
                    action_class="correct",
                    next_action="Get the authorization and send a corrected claim",
                    opened_on=TODAY,
                ),
            )
        with store.transaction(actor="setup") as work:
            alma = users.create_user(
                work, username="alma", role=users.Role.ADMIN, password=PASSWORD
            ).id
            token = api_tokens.issue_token(work, user_id=alma, name="sweep")
    return alma, token


def _practice_b(store: Store, b: int, outbox: Path) -> tuple[int, str, int]:
    with tenancy.practice_scope(b):
        create_demo(store=store, clients_count=8, months=3, today=TODAY)
        with store.transaction(actor="setup") as work:
            bruno = users.create_user(
                work, username="bruno", role=users.Role.ADMIN, password=PASSWORD
            ).id
            b_token = api_tokens.issue_token(work, user_id=bruno, name="bravo")
            token_id = max(t.id for t in api_tokens.list_tokens(work, user_id=bruno))
            # A second factor being set up, with recovery codes: what a reset would take.
            mfa.enrolment(work, user_id=bruno)
            mfa.new_recovery_codes(work, user_id=bruno)
            locations.add_location(
                work=work,
                name="Bravo Annex",
                address="9 Bravo Quay",
                city="Springfield",
                state="IL",
                postal_code="62701",
            )
        with store.transaction(actor="setup") as work:
            statements.run_statements(work=work, through=TODAY)
        with store.transaction(actor="setup") as work:
            ready = submission.submittable_claims(work)
            if ready:
                payer = work.db.get(ClaimRecord, ready[0])
                assert payer is not None
                submission.submit_claims(work=work, outbox=outbox, payer=payer.payer_id)
        with store.transaction(actor="setup") as work:
            owing = work.db.execute(
                text(
                    "SELECT client_id FROM ledger_entries GROUP BY client_id "
                    "HAVING sum(amount_cents) > 0 ORDER BY client_id LIMIT 1"
                )
            ).scalar()
            if owing is not None:
                payment_plans.create_plan(
                    work=work,
                    client=int(owing),
                    instalment_cents=1913,
                    first_due=TODAY + dt.timedelta(days=7),
                    on=TODAY,
                )
            # An 835 for a claim nobody sent: a remittance exception.
            remittance_intake.receive_remittance(
                work=work, data=_stray_835().encode("ascii"), file_name="bravo-stray.835"
            )
            # One paid under an NPI that is not B's: quarantined for its payee.
            quarantined = remittance_intake.receive_remittance(
                work=work, data=quarantined_835(), file_name="bravo-old-npi.835"
            )
            assert quarantined.quarantined, quarantined.message
        jobs.submit(store, kind="report-refresh", arguments={}, actor="setup")
    login_sessions.start_session(store.engine, bruno)  # an open login: what a log-out ends
    return bruno, b_token, token_id


B_PAYEE = Payee("HARBOUR THERAPY COLLECTIVE (DEMO)", "1356433015")


def quarantined_835() -> bytes:
    """The 835 of B's that is quarantined for its payee (the same contents, to release)."""
    return _stray_835(Payee("HARBOUR (OLD NPI)", "1497758544"), "BRAVOTRACE2").encode("ascii")


def _stray_835(payee: Payee = B_PAYEE, trace: str = "BRAVOTRACE1") -> str:

    return write_835(
        [
            AdjudicatedClaim(
                "TB99999999",
                "1",
                [paid_line("97110", 7319, 1, day=TODAY - dt.timedelta(days=20))],
                payer_claim_number="BRAVOSTRAY1",
                patient=("QUIXBY", "ZEB", "BQ999"),
            )
        ],
        trace=trace,
        payer="HARBOURSIDE HEALTH PLAN (DEMO)",
        payer_id="HHP01",
        payee=payee,
        paid_on=TODAY - dt.timedelta(days=3),
        produced_on=TODAY - dt.timedelta(days=3),
    )


def build(home: Path) -> Iterator[TwoPractices]:
    """Make the database, the role and both practices (``home`` their data directory, its
    outbox B's 837P); drop them afterwards."""
    database = postgres_database()
    admin_url = next(database)
    role = ""
    store: Store | None = None
    try:
        admin = open_store(admin_url)
        migrate.upgrade(admin.engine)
        admin.dispose()
        role = f"therabill_app_{uuid.uuid4().hex[:10]}"
        app_url = plain_role(admin_url, role)
        store = open_store(app_url)
        a = practices.add_practice(store, name=A_SPEC.name, actor="setup")
        b = practices.add_practice(store, name="Harbour Therapy Collective (demo)", actor="setup")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("THERABILL_HOME", str(home))
            outbox = practice_folder(b) / "outbox"
        a_user, a_token = _practice_a(store, a)
        b_user, b_token, b_token_id = _practice_b(store, b, outbox)
        built = TwoPractices(
            admin_url,
            app_url,
            role,
            store,
            a,
            b,
            a_user,
            a_token,
            b_user,
            b_token,
            b_token_id,
            home,
        )
        built.ids, built.markers = _what_b_has(admin_url, b, b_user, b_token_id, outbox)
        built.a_ids = ids_of(admin_url, a)
        yield built
    finally:
        if store is not None:
            store.dispose()
        next(database, None)  # drops the database
        if role:
            drop_role(role)


# Practice-owned tables whose rows name something a route or service takes an id of.
ID_TABLES = {
    "client_id": "clients",
    "session_id": "sessions",
    "claim_id": "claims",
    "policy_id": "policies",
    "authorization_id": "authorizations",
    "plan_id": "plans_of_care",
    "payer_id": "payers",
    "provider_id": "providers",
    "denial_id": "denials",
    "exception_id": "remittance_exceptions",
    "job_id": "jobs",
    "underpayment_id": "underpayments",
    "location_id": "service_locations",
    "payment_plan_id": "payment_plans",
    "file_id": "remittance_files",
    "quarantine_id": "remittance_quarantine",
    "entry_id": "ledger_entries",
    "line_id": "claim_lines",
    "remit_claim_id": "remittance_claims",
}


def ids_of(admin_url: str, practice_id: int) -> dict[str, list[int]]:
    """The practice's row ids of every kind in ``ID_TABLES``, read as the superuser."""
    engine = create_engine(admin_url)
    with engine.connect() as conn:
        found = {
            kind: [
                int(i)
                for (i,) in conn.execute(
                    text(f"SELECT id FROM {table} WHERE practice_id = :p ORDER BY id"),
                    {"p": practice_id},
                )
            ]
            for kind, table in ID_TABLES.items()
        }
    engine.dispose()
    return found


def _what_b_has(
    admin_url: str, b: int, b_user: int, b_token_id: int, outbox: Path
) -> tuple[dict[str, list[int | str]], list[str]]:
    engine = create_engine(admin_url)
    ids: dict[str, list[int | str]] = {}
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        for kind, table in ID_TABLES.items():
            if table in names:
                ids[kind] = [
                    int(i)
                    for (i,) in conn.execute(
                        text(f"SELECT id FROM {table} WHERE practice_id = :b ORDER BY id"),
                        {"b": b},
                    )
                ]
        ids["code"] = [
            str(c)
            for (c,) in conn.execute(
                text("SELECT code FROM fees WHERE practice_id = :b ORDER BY code"), {"b": b}
            )
        ]
        receipts = conn.execute(
            text("SELECT receipt FROM client_payments WHERE practice_id = :b"), {"b": b}
        ).scalars()
        statement_numbers = conn.execute(
            text("SELECT number FROM statements WHERE practice_id = :b"), {"b": b}
        ).scalars()
        ids["number"] = [*map(str, receipts), *map(str, statement_numbers)]
        ids["user_id"] = [b_user]
        ids["token_id"] = [b_token_id]
        ids["name"] = sorted(p.name for p in outbox.glob("837P-*.x12"))
        markers: list[str] = []
        markers += [
            str(n)
            for (n,) in conn.execute(
                text("SELECT last_name FROM clients WHERE practice_id = :b"), {"b": b}
            )
        ]
        markers += [
            str(n)
            for (n,) in conn.execute(
                text("SELECT chart_number FROM clients WHERE practice_id = :b"), {"b": b}
            )
            if n
        ]
        markers += ["(demo)", "Bravo Annex", "Lindqvist", "Okafor", "BRAVOSTRAY1", "bruno"]
        markers += [f"TB{int(i):08d}" for i in ids["claim_id"]]
        markers += [str(n) for n in ids["number"]]
        markers += ["19.13", "73.19"]  # the payment plan's instalment, the stray 835's line
    engine.dispose()
    return ids, sorted(set(markers))


def digest(admin_url: str, practice_id: int, *, users_of: tuple[int, ...] = ()) -> dict[str, str]:
    """A hash of every practice-owned table's rows of ``practice_id`` (and of the logins in
    ``users_of`` with their tokens, memberships, login sessions and second factor), read as the superuser: equal before and
    after means nothing of the practice was written."""
    engine = create_engine(admin_url)
    found: dict[str, str] = {}
    with engine.connect() as conn:
        for table in tenancy.owned_tables(inspect(conn).get_table_names()):
            rows = conn.execute(
                text(f"SELECT * FROM {table} WHERE practice_id = :p"), {"p": practice_id}
            ).all()
            found[table] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
        for table, column in (
            ("users", "id"),
            ("web_api_tokens", "user_id"),
            ("practice_members", "user_id"),
            ("web_accounts", "user_id"),
            ("web_sessions", "user_id"),
            ("web_mfa", "user_id"),
            ("web_mfa_recovery", "user_id"),
        ):
            rows = conn.execute(
                select(text("*")).select_from(text(table)).where(text(f"{column} = ANY(:ids)")),
                {"ids": list(users_of)},
            ).all()
            found[table] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    engine.dispose()
    return found


def log_in(web: TestClient, username: str) -> str:
    """Log ``username`` in on ``web``; returns the page's CSRF token."""
    page = web.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    answer = web.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/account").text)
    assert found
    return found.group(1)


def cross_references(admin_url: str) -> list[str]:
    """Rows that point at a row of another practice, read as the superuser over every
    foreign key between practice-owned tables (``table.column -> parent: n``). A foreign key
    check does not heed row-level security, so only the app's own look-ups in the work's
    practice keep a practice's rows from naming another's (a payer id in a form, say)."""
    engine = create_engine(admin_url)
    found: list[str] = []
    checked = 0
    with engine.connect() as conn:
        seen = inspect(conn)
        owned = set(tenancy.owned_tables(seen.get_table_names()))
        for table in sorted(owned):
            for key in seen.get_foreign_keys(table):
                parent = key["referred_table"]
                if parent not in owned or len(key["constrained_columns"]) != 1:
                    continue
                column, target = key["constrained_columns"][0], key["referred_columns"][0]
                n = conn.execute(
                    text(
                        f"SELECT count(*) FROM {table} c JOIN {parent} p "
                        f"ON c.{column} = p.{target} WHERE c.practice_id <> p.practice_id"
                    )
                ).scalar_one()
                checked += 1
                if n:
                    found.append(f"{table}.{column} -> {parent}: {n}")
    engine.dispose()
    assert checked > 30, f"only {checked} foreign keys between practice-owned tables"
    return found
