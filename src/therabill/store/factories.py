"""Example practices, written through the services: the tests, the benchmarks and
``therabill demo`` make their data here.

Every row goes through the service a user's action calls (``init_practice``, ``add_payer``,
``add_provider``, ``set_fee``, ``add_client``, ``add_session``, ``build_claims``), so example
data passes the same checks as real data and is audited the same way; nothing here writes a
table directly. A ``PracticeSpec`` says what to set up; its defaults are a small physical
therapy practice that can send 837Ps (address, tax id, a payer with an EDI id, a provider with
a taxonomy, fees). ``remittance_for`` writes the 835 a payer would send for stored claims.

Every name and number is invented; the NPIs pass the CMS check digit (Luhn over 80840).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from therabill.claims.number import claim_number
from therabill.errors import InvalidInput
from therabill.store.models import ClaimRecord, Client, Payer, Policy, TherapySession
from therabill.store.services import (
    build,
    clients,
    payers,
    plans_of_care,
    practice,
    profiles,
    sessions,
)
from therabill.store.services.clients import ClientInput
from therabill.store.services.context import Store, UnitOfWork
from therabill.store.services.sessions import ServiceMinutes
from therabill.x12.remittance_835.builder import AdjudicatedClaim, Payee, paid_line, write_835

PT_NPI = "1234567893"  # CMS's own check-digit example (NPI standard, Luhn over 80840)
SLP_NPI = "1245319599"


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """A rendering provider, as ``therabill provider add`` takes one."""

    npi: str
    first_name: str
    last_name: str
    discipline: str
    taxonomy: str | None = None
    licence: str | None = None


@dataclass(frozen=True, slots=True)
class PayerSpec:
    """A payer from a shipped profile (``profile``), under its own name and EDI payer id."""

    profile: str
    name: str | None = None
    payer_id: str | None = None
    mailing: payers.MailingAddress | None = None  # for paper claims (CMS-1500 carrier block)


PHYSICAL_THERAPIST = ProviderSpec(PT_NPI, "Pat", "Lee", "pt", "225100000X")
ACME = PayerSpec("COMMERCIAL", "Acme Health Plan", "ACME1")
PT_FEES: Mapping[str, int] = {"97110": 4500, "97112": 4800, "97140": 4200, "97530": 5000}


@dataclass(frozen=True, slots=True)
class PracticeSpec:
    """What ``set_up_practice`` writes: the practice, then payers, providers, fees (cents per
    unit) and clients (with their primary policy when ``payer`` and ``member_id`` are set)."""

    name: str = "Harbour Therapy"
    npi: str = PT_NPI
    tax_id: str | None = "123456789"
    address: tuple[str, str, str, str] | None = ("1 Quay Street", "Portland", "ME", "04101-4321")
    payers: Sequence[PayerSpec] = (ACME,)
    providers: Sequence[ProviderSpec] = (PHYSICAL_THERAPIST,)
    fees: Mapping[str, int] = field(default_factory=lambda: dict(PT_FEES))
    clients: Sequence[ClientInput] = ()
    # Certified plans of care, back to back over the past year and the next months, for each
    # client on a payer that wants the certifying provider (Medicare) and each therapy
    # discipline of the practice: its therapy claims name the certifier (837P 2310A).
    plans_of_care: bool = True


@dataclass(frozen=True, slots=True)
class ExamplePractice:
    """The ids of what ``set_up_practice`` wrote, in the spec's order."""

    payers: tuple[int, ...]
    providers: tuple[int, ...]
    clients: tuple[int, ...]


def set_up_practice(
    store: Store, spec: PracticeSpec | None = None, *, actor: str = "setup"
) -> ExamplePractice:
    """Migrate ``store`` and write ``spec`` (the default practice when None) in one
    transaction after the practice row."""
    spec = spec or PracticeSpec()
    practice.init_practice(
        store=store, name=spec.name, npi=spec.npi, tax_id=spec.tax_id, address=spec.address
    )
    with store.transaction(actor=actor) as work:
        payer_ids = tuple(
            payers.add_payer(
                work=work, profile=p.profile, name=p.name, payer_id=p.payer_id, mailing=p.mailing
            ).id
            for p in spec.payers
        )
        provider_ids = tuple(
            practice.add_provider(
                work=work,
                npi=p.npi,
                first_name=p.first_name,
                last_name=p.last_name,
                discipline=p.discipline,
                taxonomy=p.taxonomy,
                licence=p.licence,
            ).id
            for p in spec.providers
        )
        for code, cents in spec.fees.items():
            practice.set_fee(work=work, code=code, unit_charge_cents=cents)
        client_ids = tuple(clients.add_client(work=work, data=c).id for c in spec.clients)
        if spec.plans_of_care:
            therapies = sorted({p.discipline for p in spec.providers} & {"pt", "ot", "slp"})
            for client_id in client_ids:
                add_plans_of_care(work, client_id=client_id, disciplines=therapies)
    return ExamplePractice(payer_ids, provider_ids, client_ids)


CERTIFIER = ("1679576722", "Rosa", "Diaz")  # a physician; the NPI passes the check digit


def add_plans_of_care(
    work: UnitOfWork, *, client_id: int, disciplines: Sequence[str], today: dt.date | None = None
) -> None:
    """Back-to-back 90-day plans of care, each certified on its first day, from a year
    before ``today`` until one runs past it, when the client's payer wants the certifying
    provider on therapy claims (CMS Pub 100-02 ch.15 §220.1.3: recertify every 90 days)."""
    found = work.db.get(Client, client_id)
    assert found is not None
    wanted = any(
        getattr(
            profiles.payer_profiles().get(policy.payer.profile_id),
            "referring_provider_required",
            False,
        )
        for policy in found.policies
    )
    if not wanted:
        return
    now = today or dt.date.today()
    for discipline in sorted(set(disciplines) & {"pt", "ot", "slp"}):
        start = now - dt.timedelta(days=365)
        while start <= now:
            plans_of_care.add_plan(
                work=work,
                client=client_id,
                discipline=discipline,
                referring_npi=CERTIFIER[0],
                referring_first_name=CERTIFIER[1],
                referring_last_name=CERTIFIER[2],
                start=start,
                certified_on=start,
            )
            start += dt.timedelta(days=plans_of_care.PLAN_DAYS)


def client(
    chart_number: str = "C-1",
    first_name: str = "Ada",
    last_name: str = "Example",
    *,
    birth_date: dt.date = dt.date(1980, 3, 4),
    sex: str = "F",
    payer: str | None = None,
    member_id: str | None = None,
    address: tuple[str, str, str, str] = ("2 Harbour Road", "Portland", "ME", "04101"),
) -> ClientInput:
    """A client with an address (the 837P needs one), on ``payer`` when given."""
    street, city, state, postal_code = address
    return ClientInput(
        first_name,
        last_name,
        birth_date,
        sex,
        chart_number=chart_number,
        address=street,
        city=city,
        state=state,
        postal_code=postal_code,
        payer=payer,
        member_id=member_id,
    )


def add_session(
    work: UnitOfWork,
    *,
    client: str | int,
    provider: str | int,
    day: dt.date,
    services: Sequence[ServiceMinutes] | Mapping[str, int],
    start: dt.time = dt.time(9, 0),
    diagnoses: Sequence[str] = ("M54.50",),
    techniques: Sequence[str] = ("therapeutic exercise",),
    note: str | None = "Example session note.",
    place_of_service: str = "11",
) -> TherapySession:
    """One session that ends when its minutes are up; ``services`` as ``{"97110": 23}`` or
    ``ServiceMinutes`` (with modifiers)."""
    if isinstance(services, Mapping):
        services = [ServiceMinutes(code, minutes) for code, minutes in services.items()]
    begins = dt.datetime.combine(day, start)
    ends = begins + dt.timedelta(minutes=sum(s.minutes for s in services))
    session, _ = sessions.add_session(
        work=work,
        client=client,
        provider=provider,
        day=day,
        services=services,
        start=start,
        end=ends.time(),
        place_of_service=place_of_service,
        techniques=techniques,
        note=note,
        diagnoses=diagnoses,
    )
    return session


def build_one_claim(
    store: Store,
    *,
    client: str | int,
    provider: str | int,
    day: dt.date,
    services: Sequence[ServiceMinutes] | Mapping[str, int],
    diagnoses: Sequence[str] = ("M54.50",),
) -> int:
    """One session, then ``claims build``: the id of the one claim it made."""
    with store.transaction(actor="therapist") as work:
        add_session(
            work, client=client, provider=provider, day=day, services=services, diagnoses=diagnoses
        )
    with store.transaction(actor="biller") as work:
        built = build.build_claims(work=work)
    if len(built.claims) != 1:
        raise AssertionError(f"expected one claim, the build made {built.claims}")
    return built.claims[0]


def remittance_for(
    work: UnitOfWork,
    claim_ids: Sequence[int],
    *,
    allowed_percent: int = 80,
    copay_cents: int = 0,
    trace: str = "EFT0001",
    paid_on: dt.date | None = None,
    bpr_off_by: int = 0,
    first_lines: int | None = None,
    reverses: int | None = None,
) -> str:
    """The 835 the claims' payer would send paying every line of ``claim_ids``: each line
    allowed at ``allowed_percent`` of its charge (the rest CO-45), the first line of each claim
    leaving ``copay_cents`` to the client (PR-3). The claims must share one payer;
    ``bpr_off_by`` (cents) makes the file unbalanced on purpose; ``first_lines``: only that
    many lines of each claim are in the file (an 835 that leaves the others out);
    ``reverses``: the claims were paid at that percent already, and the file takes that
    payment back first (CLP02 22, the payer's reversal) before paying them again."""
    rows = work.db.execute(
        select(ClaimRecord, Payer, Client, Policy)
        .join(Payer, Payer.id == ClaimRecord.payer_id)
        .join(Client, Client.id == ClaimRecord.client_id)
        .join(Policy, Policy.id == ClaimRecord.policy_id)
        .where(ClaimRecord.id.in_(claim_ids))
        .order_by(ClaimRecord.id)
    ).all()
    if not rows or len({payer.id for _, payer, _, _ in rows}) != 1:
        raise InvalidInput("give stored claims of one payer", field="claims")

    def decided_at(percent: int, status: str) -> list[AdjudicatedClaim]:
        return [
            AdjudicatedClaim(
                claim_number(claim.id),
                status,
                [
                    paid_line(
                        line.code,
                        line.charge_cents,
                        line.units,
                        day=line.date_of_service,
                        modifiers=[m for m in line.modifiers.split(",") if m],
                        allowed_percent=percent,
                        copay=copay_cents if n == 0 else 0,
                    )
                    for n, line in enumerate(claim.lines[:first_lines])
                ],
                payer_claim_number=f"PAYER{claim.id:08d}",
                patient=(person.last_name.upper(), person.first_name.upper(), policy.member_id),
            )
            for claim, _, person, policy in rows
        ]

    decided = decided_at(allowed_percent, "1")
    if reverses is not None:
        decided = decided_at(reverses, "22") + decided
    payer = rows[0][1]
    office = work.require_practice()
    day = paid_on or dt.date.today()
    return write_835(
        decided,
        trace=trace,
        payer=payer.name.upper(),
        payer_id=payer.payer_id or "PAYER",
        payee=Payee(office.name.upper(), office.npi or PT_NPI),
        paid_on=day,
        produced_on=day,
        bpr_off_by=bpr_off_by,
    )
