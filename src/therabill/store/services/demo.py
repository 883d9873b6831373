"""A demo practice: made-up clients across disciplines and payers, months of sessions,
claims, payments and denials. Every name and number here is invented."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import inspect, select, update

from therabill.claims.number import claim_number
from therabill.claims.status import ClaimStatus
from therabill.errors import InvalidInput
from therabill.store.factories import (
    PayerSpec,
    PracticeSpec,
    ProviderSpec,
    add_plans_of_care,
    set_up_practice,
)
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    ClaimStatusChange,
    Client,
    Payer,
    RemittanceFile,
    RemittanceRecord,
)
from therabill.store.services import (
    auths,
    build,
    claim_records,
    clients,
    ledger,
    payments,
    remittance_intake,
    sessions,
    submission,
)
from therabill.store.services.context import Store, UnitOfWork
from therabill.store.services.payers import MailingAddress
from therabill.store.web_tables import web_remittance_uploads
from therabill.x12.acknowledgements.model import ClaimAck, Status
from therabill.x12.remittance_835.builder import (
    AdjudicatedClaim,
    AdjudicatedLine,
    Payee,
    paid_line,
    write_835,
)

# Test NPIs with valid check digits (CMS's example 1234567893 and others made for the demo).
PROVIDERS = (
    ProviderSpec("1234567893", "Pat", "Lindqvist", "pt", "225100000X", "DEMO-LIC"),
    ProviderSpec("1245319599", "Sam", "Okafor", "slp", "235Z00000X", "DEMO-LIC"),
    ProviderSpec("1679576722", "Rene", "Marchetti", "ot", "225X00000X", "DEMO-LIC"),
    ProviderSpec("1093817629", "Jo", "Haverford", "massage", "225700000X", "DEMO-LIC"),
    ProviderSpec("1881651297", "Kit", "Abernathy", "music", None, "DEMO-LIC"),
)
PAYERS = (
    PayerSpec("MEDICARE", "Medicare Part B (demo)", "00430",
              MailingAddress("PO Box 3000", "Part B Claims", "Springfield", "IL", "62708")),
    PayerSpec("COMMERCIAL", "Harbourside Health Plan (demo)", "HHP01",
              MailingAddress("PO Box 1200", "", "Springfield", "IL", "62705")),
    PayerSpec("SAMPLE-MASSAGE-PAYER", "Evergreen Wellness Cover (demo)", "EWC99",
              MailingAddress("88 Evergreen Way", "", "Peoria", "IL", "61602")),
)  # fmt: skip
# Which of PAYERS each discipline's clients are insured by (Medicare pays no massage or music
# therapists; the sample massage payer takes 97124 from massage therapists).
PAYER_FOR = {"pt": (0, 1), "slp": (0, 1), "ot": (1, 0), "massage": (2,), "music": (1,)}
FEES = {
    "97110": 4200,
    "97112": 4600,
    "97140": 4000,
    "97530": 4800,
    "97535": 4400,
    "92507": 11000,
    "92526": 9500,
    "97124": 3600,
    "96158": 7500,
    "96159": 3400,
}
DEMO_PRACTICE = PracticeSpec(
    name="Harbour Therapy Collective (demo)",
    npi="1356433015",
    tax_id="04-3216549",
    address=("1 Harbour Street", "Springfield", "IL", "62701-4621"),
    payers=PAYERS,
    providers=PROVIDERS,
    fees=FEES,
)
PLANS: dict[str, list[list[tuple[str, int]]]] = {
    "pt": [[("97110", 23), ("97112", 24)], [("97110", 30), ("97140", 15)], [("97530", 38)]],
    "slp": [[("92507", 45)], [("92507", 30), ("92526", 20)]],
    "ot": [[("97530", 30), ("97535", 15)], [("97110", 20), ("97530", 25)]],
    "massage": [[("97124", 45)], [("97124", 30)], [("97124", 60)]],
    "music": [[("96158", 30), ("96159", 15)], [("96158", 16)]],
}
DIAGNOSES = {
    "pt": ["M54.50", "M25.561"],
    "slp": ["F80.0", "R47.01"],
    "ot": ["F82", "M62.81"],
    "massage": ["M62.830", "M54.2"],
    "music": ["F41.1", "F84.0"],
}
FIRST = [
    "Avery",
    "Blair",
    "Casey",
    "Devon",
    "Emery",
    "Finley",
    "Harper",
    "Indigo",
    "Jules",
    "Kendall",
    "Lane",
    "Marlowe",
    "Noel",
    "Oakley",
    "Parker",
    "Quinn",
    "Reese",
    "Sawyer",
    "Tatum",
    "Umber",
    "Vale",
    "Wren",
    "Yael",
    "Zion",
]
LAST = [
    "Ashdown",
    "Brightwater",
    "Cobblestone",
    "Dunmore",
    "Eastlake",
    "Fernhill",
    "Glenrock",
    "Hollowell",
    "Ivybridge",
    "Juniper",
    "Kestrel",
    "Larkspur",
]


def has_clients(store: Store) -> bool:
    """Whether the database (if it exists and is set up) already holds any client."""
    if not inspect(store.engine).has_table("clients"):
        return False
    with store.sessions() as db:
        return db.execute(select(Client.id).limit(1)).first() is not None


def create_demo(
    *,
    store: Store,
    clients_count: int = 24,
    months: int = 3,
    today: dt.date | None = None,
    seed: int = 4,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fill an empty database with the demo practice (refuses a database with clients)."""
    say = progress or (lambda _msg: None)
    rnd = random.Random(seed)
    today = today or dt.date.today()
    start = today - dt.timedelta(days=30 * months)
    if has_clients(store):
        raise InvalidInput(
            "the database already holds clients; the demo needs an empty one",
            hint="Point THERABILL_HOME (or THERABILL_DATABASE_URL) somewhere new.",
        )
    say("payers, providers and fees")
    set_up_practice(store, DEMO_PRACTICE, actor="demo")
    with store.transaction(actor="demo") as work:
        say(f"{clients_count} clients with policies and authorizations")
        roster: list[tuple[int, str, str]] = []
        for i in range(clients_count):
            discipline = PROVIDERS[i % len(PROVIDERS)].discipline
            payer = PAYERS[PAYER_FOR[discipline][i % len(PAYER_FOR[discipline])]]
            payer_name = payer.name or payer.profile
            client = clients.add_client(
                work=work,
                data=clients.ClientInput(
                    first_name=FIRST[i % len(FIRST)],
                    last_name=LAST[(i * 7) % len(LAST)],
                    birth_date=dt.date(1940 + (i * 3) % 70, 1 + i % 12, 1 + (i * 5) % 28),
                    sex="FMU"[i % 3],
                    chart_number=f"DEMO-{i + 1:03d}",
                    address=f"{10 + i} Harbour Lane",
                    city="Springfield",
                    state="IL",
                    postal_code="62701",
                    # example.org is reserved for examples (RFC 2606): reminders have somewhere
                    # to go, and every fourth client has no address, as in life.
                    email=None
                    if i % 4 == 3
                    else f"{FIRST[i % len(FIRST)]}.{LAST[(i * 7) % len(LAST)]}@example.org".lower(),
                    payer=payer_name,
                    member_id=f"DM{rnd.randrange(10**8, 10**9)}",
                ),
            )
            roster.append((client.id, discipline, payer_name))
            # Medicare therapy: certified plans of care name the referring provider (2310A)
            add_plans_of_care(work, client_id=client.id, disciplines=[discipline], today=today)
            if i % 3 == 0 or discipline == "massage":
                auths.add_authorization(
                    work=work,
                    client=client.id,
                    payer=payer_name,
                    number=f"PA-DEMO-{i + 1:03d}",
                    start=start,
                    end=today + dt.timedelta(days=60),
                    codes=[c for plan in PLANS[discipline] for c, _ in plan][:2],
                    units=120,
                    visits=30 if i % 2 else None,
                    case_manager_name="Case Manager (demo)",
                    case_manager_phone="555-0100",
                )
        say("sessions")
        provider_npi = {p.discipline: p.npi for p in PROVIDERS}
        count = 0
        for client_id, discipline, _ in roster:
            day = start + dt.timedelta(days=rnd.randrange(0, 7))
            while day < today:
                plan = rnd.choice(PLANS[discipline])
                services = [sessions.ServiceMinutes(c, m + rnd.randrange(0, 4)) for c, m in plan]
                begins = dt.datetime.combine(day, dt.time(9 + rnd.randrange(0, 8), 0))
                ends = begins + dt.timedelta(minutes=sum(s.minutes for s in services))
                sessions.add_session(
                    work=work,
                    client=client_id,
                    provider=provider_npi[discipline],
                    day=day,
                    start=begins.time(),
                    end=ends.time(),
                    services=services,
                    diagnoses=DIAGNOSES[discipline][: 1 + rnd.randrange(2)],
                    techniques=["demo technique"],
                    note="Made-up demo note.",
                )
                count += 1
                day += dt.timedelta(days=rnd.choice((7, 7, 7, 14)))
    say("claims")
    with store.transaction(actor="demo") as work:
        built = build.build_claims(work=work, end=today - dt.timedelta(days=7))
        _date_the_build(work, today)
    with store.sessions() as db:
        draft_findings = dict(
            Counter(
                f["id"]
                for (text,) in db.execute(
                    select(ClaimRecord.findings_json).where(ClaimRecord.status == "draft")
                )
                for f in json.loads(text)
                if f.get("severity") == "error"
            ).most_common()
        )
    say("submissions, remittances and payments")
    with store.transaction(actor="demo") as work:
        outcome = _adjudicate(work, rnd, today)
    return {
        "clients": clients_count,
        "sessions": count,
        "claims": len(built.claims),
        "ready": built.ready,
        "draft": built.draft,
        **outcome,
        "draft_findings": draft_findings,
    }


def _paid_on(service: dt.date, today: dt.date) -> dt.date:
    """The Friday three weeks after the week of ``service``, or ``today`` if that is later."""
    friday = service + dt.timedelta(days=4 - service.weekday() + 21)
    return min(friday, today)


def _sent_on(service: dt.date, today: dt.date) -> dt.date:
    """The Monday after the week of ``service`` (the demo practice bills weekly), or
    ``today`` if that is earlier."""
    return min(service + dt.timedelta(days=7 - service.weekday()), today)


def _date_the_build(work: UnitOfWork, today: dt.date) -> None:
    """Date each claim's making (draft, ready) the morning of the day the demo practice bills
    its week, before it is sent that afternoon: a claim's history then reads in order (made,
    checked, sent, answered, paid), not "made today" after "sent last month"."""
    now = dt.datetime.now(dt.UTC)
    by_morning: dict[dt.datetime, list[int]] = defaultdict(list)  # one statement a billing day
    for claim_id, service in work.db.execute(select(ClaimRecord.id, ClaimRecord.date_of_service)):
        made = dt.datetime.combine(_sent_on(service, today), dt.time(9), dt.UTC)
        by_morning[min(made, now)].append(claim_id)
    for made, claim_ids in by_morning.items():
        for at in range(0, len(claim_ids), 900):  # under SQLite's bound parameters
            work.db.execute(
                update(ClaimStatusChange)
                .where(
                    ClaimStatusChange.claim_id.in_(claim_ids[at : at + 900]),
                    ClaimStatusChange.to_status.in_(("draft", "ready")),
                )
                .values(at=made)
            )


def _date_the_posting(
    work: UnitOfWork, sha256: str, claim_ids: list[int], paid_on: dt.date, since: dt.datetime
) -> None:
    """Date a demo 835's upload and the status changes its posting made the afternoon of its
    payment date, as a biller would have posted it that week (the Remittances page's
    "Uploaded before" and each claim's history), not the moment the demo is made."""
    posted = min(dt.datetime.combine(paid_on, dt.time(16), dt.UTC), dt.datetime.now(dt.UTC))
    file_id = work.db.execute(
        select(RemittanceFile.id).where(RemittanceFile.sha256 == sha256)
    ).scalar_one()
    work.db.execute(
        update(RemittanceFile).where(RemittanceFile.id == file_id).values(posted_at=posted)
    )
    work.db.execute(
        update(RemittanceRecord).where(RemittanceRecord.file_id == file_id).values(posted_at=posted)
    )
    work.db.execute(  # the Remittances page's and the dashboard's list of uploads
        update(web_remittance_uploads)
        .where(
            web_remittance_uploads.c.sha256 == sha256,
            web_remittance_uploads.c.practice_id == work.require_practice().id,
        )
        .values(uploaded_at=posted)
    )
    work.db.execute(
        update(ClaimStatusChange)
        .where(ClaimStatusChange.claim_id.in_(claim_ids), ClaimStatusChange.at >= since)
        .values(at=posted)
    )


def _adjudicate(work: UnitOfWork, rnd: random.Random, today: dt.date) -> dict[str, int]:
    """Send the older ready claims and answer them as their payers would: a few rejected at
    the payer's front door, the rest in one made-up 835 per payer (most paid, some partly
    paid or denied) posted by the same service as a real one."""
    tally = {"paid": 0, "partly_paid": 0, "denied": 0, "rejected": 0}
    ready = (
        work.db.execute(
            select(ClaimRecord)
            .where(
                ClaimRecord.status == "ready",
                ClaimRecord.date_of_service < today - dt.timedelta(days=21),
            )
            .order_by(ClaimRecord.id)
        )
        .scalars()
        .all()
    )

    moved: list[tuple[int, str, dt.datetime]] = []

    def move(claim: ClaimRecord, status: ClaimStatus, why: str) -> None:
        """Move the claim, and date the move as the week the demo sends it (the Monday
        after its week of service; the payer's answer, below, the day after), not the moment
        the demo is made: the payer record's days from submission to payment and the
        follow-up worklists then read as a real practice's would."""
        claim_records.change_status(work=work, claim_id=claim.id, new=status, reason=why)
        sent = _sent_on(claim.date_of_service, today)
        moved.append((claim.id, status.value, dt.datetime.combine(sent, dt.time(15), dt.UTC)))

    # One 835 per payer per week, paid on the Friday three weeks after the week of service
    # (never after today): the Reports page then shows collections spread over the months
    # the demo covers, as a real practice's would be, not all of them today.
    # (payer, payment date) → the claims that 835 pays, each with the payer's decision
    answers: dict[tuple[int, dt.date], list[tuple[int, AdjudicatedClaim]]] = {}
    acks: list[ClaimAck] = []
    medicare = set(work.db.scalars(select(Payer.id).where(Payer.profile_id == "MEDICARE")))
    for claim in ready:
        move(claim, ClaimStatus.SUBMITTED, "demo batch")
        roll = rnd.random()
        # The payer's front door answers every claim in a 277CA, applied by the service a
        # real one goes through: its reason then reads as a real rejection's would.
        rejected = roll < 0.05
        acks.append(_front_door(claim, rejected))
        answer = ClaimStatus.REJECTED if rejected else ClaimStatus.ACCEPTED
        sent = _sent_on(claim.date_of_service, today)
        day = min(sent + dt.timedelta(days=1), today)
        moved.append((claim.id, answer.value, dt.datetime.combine(day, dt.time(15), dt.UTC)))
        if rejected:  # counted with the others' statuses, below
            continue
        key = (claim.payer_id, _paid_on(claim.date_of_service, today))
        decision = _answer(claim, roll, medicare=claim.payer_id in medicare)
        answers.setdefault(key, []).append((claim.id, decision))
    submission.apply_acknowledgements(work=work, acks=acks)
    now = dt.datetime.now(dt.UTC)
    for claim_id, status_value, at in moved:
        work.db.execute(
            update(ClaimStatusChange)
            .where(
                ClaimStatusChange.claim_id == claim_id,
                ClaimStatusChange.to_status == status_value,
            )
            .values(at=min(at, now))
        )
    office = work.require_practice()
    for (payer_id, paid_on), decided in sorted(answers.items()):
        payer = work.db.execute(select(Payer).where(Payer.id == payer_id)).scalar_one()
        text = write_835(
            [answer for _, answer in decided],
            trace=f"DEMO{payer_id:04d}{paid_on:%y%m%d}",
            payer=payer.name.upper(),
            payer_id=payer.payer_id or f"DEMO{payer_id}",
            payee=Payee(office.name.upper(), office.npi or ""),
            paid_on=paid_on,
            produced_on=paid_on,
        )
        # As a biller's upload: posted and listed under the dashboard's recent remittances.
        intake = remittance_intake.receive_remittance(
            work=work,
            data=text.encode("ascii"),
            file_name=f"demo-{payer_id}-{paid_on:%Y%m%d}.835",
        )
        _date_the_posting(work, intake.sha256, [i for i, _ in decided], paid_on, now)
    posted = work.db.execute(
        select(ClaimRecord.status).where(ClaimRecord.id.in_([c.id for c in ready]))
    ).scalars()
    for status in posted:
        if status in tally:
            tally[status] += 1
    # Half the clients pay part of what they owe, a week after their last statement would
    # have reached them (the week after their last 835), not all today.
    last_service: dict[int, dt.date] = {}
    for claim in ready:
        last_service[claim.client_id] = max(
            claim.date_of_service, last_service.get(claim.client_id, claim.date_of_service)
        )
    for client_id in sorted(last_service)[::2]:
        items = ledger.open_patient_items(work, client_id)
        owed = sum(i.balance_cents for i in items)
        if owed > 0:
            paid_on = min(_paid_on(last_service[client_id], today) + dt.timedelta(days=7), today)
            # Through the payment service, as a biller takes one: a receipt, and a row on the
            # client's account page (a made-up processor reference: card numbers are never
            # kept).
            payments.take_payment(
                work=work,
                client=client_id,
                amount_cents=min(max(owed // 2, 100), owed),
                method="card",
                reference=f"DEMO-{client_id:04d}",
                received_on=paid_on,
                memo="demo card",
            )
    return tally


# Front-door rejections a small practice sees most (277CA, 005010X214: STC01 category A6/A7
# "missing/invalid", status code 508 and entity 98 from the claim status code lists): the
# subscriber's member number, the billing provider's NPI, the patient's birth date.
REJECTIONS = (("A7", "164", "IL"), ("A7", "562", "85"), ("A7", "158", "QC"))


def _front_door(claim: ClaimRecord, rejected: bool) -> ClaimAck:
    """The 277CA's answer to ``claim``: accepted for processing (A2:20), or rejected for
    one of :data:`REJECTIONS` (by the claim's id: the demo's random draws stay as they were)."""
    category, code, entity = (
        REJECTIONS[claim.id % len(REJECTIONS)] if rejected else ("A2", "20", "")
    )
    return ClaimAck(
        file="demo-277ca",
        claim_number=claim_number(claim.id),
        category=category,
        status_code=code,
        message="",
        statuses=(Status(category, code, entity),),
    )


def _answer(claim: ClaimRecord, roll: float, medicare: bool) -> AdjudicatedClaim:
    """A payer's made-up decision: 10% of claims denied (CARC 197, no prior authorization;
    Medicare Part B asks none for outpatient therapy, so its denials are CARC 50, not
    medically necessary, the one its therapy reviews give); on 15% the lines after the first
    are not paid (CARC 97, included in another service); otherwise each line allowed at 80% of
    its charge with 10% of the charge left to the client as a copay."""
    number = claim_number(claim.id)
    if roll < 0.15:
        carc = "50" if medicare else "197"
        denied = [
            AdjudicatedLine(
                line.code,
                line.charge_cents,
                0,
                line.units,
                line.date_of_service,
                _modifiers(line),
                [("CO", carc, line.charge_cents)],
            )
            for line in claim.lines
        ]
        return AdjudicatedClaim(number, "4", denied, payer_claim_number=f"D{claim.id:08d}")
    partly = roll < 0.3
    lines = [
        paid_line(
            line.code,
            line.charge_cents,
            line.units,
            day=line.date_of_service,
            modifiers=_modifiers(line),
            copay=line.charge_cents // 10,
        )
        if n == 0 or not partly
        else AdjudicatedLine(
            line.code,
            line.charge_cents,
            0,
            line.units,
            line.date_of_service,
            _modifiers(line),
            [("CO", "97", line.charge_cents)],
        )
        for n, line in enumerate(claim.lines)
    ]
    return AdjudicatedClaim(number, "1", lines, payer_claim_number=f"P{claim.id:08d}")


def _modifiers(line: ClaimLine) -> list[str]:
    return [m for m in line.modifiers.split(",") if m]
