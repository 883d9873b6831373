"""``claims build`` writes exactly the rows it wrote when this file's reference was made:
claims with their documents and findings, lines, status changes, authorization uses, ledger
charges, the sessions billed and the audit entries, over varied data (Medicare claims that
cross the KX threshold during the build and after remittances, plans of care with their
visit counts, authorizations with units and visits running out, a secondary payer taking
over, a child on a parent's policy, drafts with findings, sessions that are skipped).

A speed-up of the build must leave this test green; a change to what the build produces
regenerates the reference on purpose (``THERABILL_WRITE_BUILD_REFERENCE=1``) and says so in
its commit. Timestamps and the audit chain's hashes are left out (they differ per run); row
ids are kept (both databases number the build's rows alike).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from clock import TODAY
from therabill.store.models import SessionService, TherapySession
from therabill.store.services import Store, build, clients, demo, locations, sessions

REFERENCE = Path(__file__).parent / "data" / "claims_build_reference.json"
WEEK = TODAY - dt.timedelta(days=6)  # the unbilled week the last build bills
# What differs from run to run: when a row was written, and the audit chain's hashes.
VOLATILE = {"created_at", "updated_at", "posted_at", "at", "changed_at", "hash", "prev_hash"}
TABLES = {  # table → the order its rows are compared in
    "claims": "id",
    "claim_lines": "id",
    "claim_status_changes": "id",
    "authorization_uses": "id",
    "ledger_entries": "id",
    "audit_log": "seq",
}


def _practice(store: Store) -> None:
    """The demo practice over ten months (its own build bills all but the last week, then
    remittances are posted), then a last week with the cases the demo lacks."""
    demo.create_demo(store=store, clients_count=10, months=10, today=TODAY, seed=17)
    with store.transaction(actor="setup") as work:
        by_chart = {c.chart_number: c for c in clients.list_clients(work=work)}
        # a secondary payer beside Medicare (the claim still goes to the primary)
        clients.add_policy(
            work=work,
            client_id=by_chart["DEMO-001"].id,
            payer="Harbourside Health Plan (demo)",
            member_id="SEC-1",
            priority="secondary",
        )
        # the primary ends mid-week: the secondary bills the days after it
        slp = by_chart["DEMO-002"]
        first = next(p for p in slp.policies if p.priority == "primary")
        clients.end_policy(work=work, policy_id=first.id, on=WEEK + dt.timedelta(days=2))
        clients.add_policy(
            work=work,
            client_id=slp.id,
            payer="Medicare Part B (demo)",
            member_id="1EG4TE5MK74",
            priority="secondary",
        )
        # from this week a child on a parent's policy
        child = by_chart["DEMO-004"]
        own = next(p for p in child.policies if p.priority == "primary")
        clients.end_policy(work=work, policy_id=own.id, on=WEEK - dt.timedelta(days=1))
        clients.add_policy(
            work=work,
            client_id=child.id,
            payer="Evergreen Wellness Cover (demo)",
            member_id="PARENT-9",
            start_date=WEEK,
            relationship="child",
            subscriber_first_name="Morgan",
            subscriber_last_name="Parent",
            subscriber_birth_date=dt.date(1970, 2, 3),
        )
        pt, ot, massage = by_chart["DEMO-001"], by_chart["DEMO-003"], by_chart["DEMO-004"]
        billed_day = work.db.execute(
            select(func.max(TherapySession.date_of_service))
            .join(SessionService, SessionService.session_id == TherapySession.id)
            .where(
                TherapySession.client_id == ot.id,
                TherapySession.claim_id.is_not(None),
                SessionService.code == "97530",
            )
        ).scalar_one()

        def on(n: int) -> dt.date:
            return WEEK + dt.timedelta(days=n)

        extra = [
            # two sessions on one day for one client: pooled into one claim
            (pt, "1234567893", on(1), "97110", 20, dt.time(8), dt.time(8, 20)),
            (pt, "1234567893", on(1), "97140", 10, dt.time(15), dt.time(15, 10)),
            # two sessions of one code on a day: one line of their minutes
            (ot, "1679576722", on(2), "97530", 30, dt.time(8), dt.time(8, 30)),
            (ot, "1679576722", on(2), "97530", 25, dt.time(13), dt.time(13, 25)),
            # a code billed already that day (by the demo's build): a duplicate line
            (ot, "1679576722", billed_day, "97530", 30, dt.time(7), dt.time(7, 30)),
            # too few minutes: skipped
            (ot, "1679576722", on(3), "97535", 5, dt.time(10), dt.time(10, 5)),
            # no start and end time: a draft with a documentation finding
            (pt, "1234567893", on(4), "97112", 40, None, None),
            # the PT and the OT on one day: same-day services of another discipline
            (ot, "1234567893", on(5), "97110", 30, dt.time(9), dt.time(9, 30)),
            (ot, "1679576722", on(5), "97530", 30, dt.time(11), dt.time(11, 30)),
            # the secondary payer's days
            (by_chart["DEMO-002"], "1245319599", on(4), "92507", 45, dt.time(9), dt.time(9, 45)),
            (by_chart["DEMO-002"], "1245319599", on(5), "92526", 30, dt.time(9), dt.time(9, 30)),
            (massage, "1093817629", on(3), "97124", 60, dt.time(9), dt.time(10)),
        ]
        for client, npi, day, code, minutes, start, end in extra:
            sessions.add_session(
                work=work,
                client=client.id,
                provider=npi,
                day=day,
                start=start,
                end=end,
                services=[sessions.ServiceMinutes(code, minutes)],
                diagnoses=["M54.50"] if npi != "1245319599" else ["F80.0"],
            )
        # at a school (837P 2310C), with two codes, modifiers, techniques and a note
        locations.add_location(
            work=work,
            name="Harbour School",
            address="5 School Road",
            city="Springfield",
            state="IL",
            postal_code="62702",
            npi="1003000126",
        )
        sessions.add_session(
            work=work,
            client=by_chart["DEMO-006"].id,
            provider="1234567893",
            day=on(2),
            start=dt.time(14),
            end=dt.time(14, 50),
            place_of_service="03",
            services=[
                sessions.ServiceMinutes("97110", 25, ("59",)),
                sessions.ServiceMinutes("97112", 25),
            ],
            diagnoses=["M54.50", "M25.561"],
            techniques=["therapeutic exercise", "balance training"],
            note="Seen at school.",
            location="Harbour School",
        )


def _dump(store: Store, marks: dict[str, int]) -> dict[str, Any]:
    """Every row of the tables a build writes (without timestamps and hashes): those after
    ``marks`` (the last build's) as they are, those before it (the demo's build, its
    remittances and payments) as one digest per table; and which claim bills each session."""
    out: dict[str, Any] = {}
    with store.engine.connect() as conn:
        for table, order in TABLES.items():
            result = conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))
            names = result.keys()
            columns = [c for c in names if c not in VOLATILE]
            rows = [{c: _plain(row[c]) for c in columns} for row in result.mappings().all()]
            for row in rows:  # compared as data: key order and spacing aside
                if row.get("action") == "seal":  # the seal's digest covers the entries' times
                    row["detail"] = row["detail"].rsplit(" ", 1)[0]
                for key in ("document_json", "findings_json"):
                    if row.get(key):
                        row[key] = json.loads(row[key])
            before = [r for r in rows if r[order] <= marks[table]]
            out[f"{table} before"] = hashlib.sha256(
                json.dumps(before, sort_keys=True).encode()
            ).hexdigest()
            out[table] = [r for r in rows if r[order] > marks[table]]
        out["sessions"] = [
            list(row) for row in conn.execute(text("SELECT id, claim_id FROM sessions ORDER BY id"))
        ]
    return out


def _marks(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            table: int(
                conn.execute(text(f"SELECT coalesce(max({order}), 0) FROM {table}")).scalar_one()
            )
            for table, order in TABLES.items()
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def test_a_build_writes_the_rows_of_its_reference(store: Store) -> None:
    """The demo practice's build and a last week's build, on SQLite and PostgreSQL alike,
    write the reference's rows: any change to a claim, line, unit, finding, charge or audit
    entry fails here."""
    _practice(store)
    marks = _marks(store)
    with store.transaction(actor="biller") as work:
        result = build.build_claims(work=work)
    got = {"result": result.to_dict(), **_dump(store, marks)}
    if os.environ.get("THERABILL_WRITE_BUILD_REFERENCE"):
        REFERENCE.parent.mkdir(exist_ok=True)
        REFERENCE.write_text(json.dumps(got, indent=0, sort_keys=True) + "\n")
    expected = json.loads(REFERENCE.read_text())
    # the cases the reference must hold, or it proves less than it says
    documents = [c["document_json"] for c in got["claims"] if c["document_json"]]
    findings = {f["id"] for c in got["claims"] for f in c["findings_json"] or ()}
    assert any(d.get("therapy_allowed_to_date") for d in documents)
    assert {"modifier.kx", "store.duplicate-line", "documentation.session-times"} <= findings
    assert any(d.get("authorization") for d in documents)
    assert any(d.get("subscriber") for d in documents)
    assert any(d.get("same_day_services") for d in documents)
    assert result.skipped and result.draft and result.ready
    parts = ["result", *TABLES, "sessions", *(f"{table} before" for table in TABLES)]
    assert sorted(got) == sorted(expected) == sorted(parts)
    for part in parts:  # the claims first: their difference says most
        assert got[part] == expected[part], part
