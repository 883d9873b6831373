"""Who bills and who is billed: practice, users, providers, clients, payers, policies,
authorizations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from therabill.store import tenancy
from therabill.store.models.base import Base, Cents, PracticeOwned, utcnow


class Practice(Base):
    """The billing practice (box 33 of the CMS-1500: billing provider)."""

    __tablename__ = "practice"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    npi: Mapped[str | None] = mapped_column(String(10))
    tax_id: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(30))  # box 33's telephone
    # Where this practice's printer puts the data-only CMS-1500 on the red form, relative to
    # the grid, in 1/100 inch (right and down; negative: left and up).
    print_offset_right: Mapped[int] = mapped_column(default=0, server_default="0")
    print_offset_down: Mapped[int] = mapped_column(default=0, server_default="0")
    # How clients pay, printed on statements: a payment page link and/or instructions; and
    # the smallest balance a statement run sends a statement for.
    payment_link: Mapped[str | None] = mapped_column(String(300))
    payment_instructions: Mapped[str | None] = mapped_column(Text)
    statement_minimum_cents: Mapped[Cents] = mapped_column(default=0, server_default="0")
    # Where payers send payments when not to the billing address, e.g. a lock box (837P loop
    # 2010AB pay-to address; 2010AA must be a street address).
    pay_to_address: Mapped[str | None] = mapped_column(Text)
    pay_to_city: Mapped[str | None] = mapped_column(String(100))
    pay_to_state: Mapped[str | None] = mapped_column(String(2))
    pay_to_postal_code: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ServiceLocation(PracticeOwned, Base):
    """A place other than the practice's address where therapists see clients: a school, a
    satellite office (837P loop 2310C service facility; CMS-1500 box 32, its NPI 32a)."""

    __tablename__ = "service_locations"
    __table_args__ = (UniqueConstraint("practice_id", "name", name="uq_service_locations_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    npi: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(55))
    city: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="biller")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Provider(PracticeOwned, Base):
    """A rendering provider: the therapist who saw the client."""

    __tablename__ = "providers"
    __table_args__ = (UniqueConstraint("practice_id", "npi", name="uq_providers_npi"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    npi: Mapped[str] = mapped_column(String(10))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    discipline: Mapped[str] = mapped_column(String(20))
    licence: Mapped[str | None] = mapped_column(String(60))
    taxonomy: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Client(PracticeOwned, Base):
    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("practice_id", "chart_number", name="uq_clients_chart_number"),
        # The clients list in name order, one practice at a time.
        Index("ix_clients_name", "practice_id", "last_name", "first_name", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    chart_number: Mapped[str | None] = mapped_column(String(40))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date]
    sex: Mapped[str] = mapped_column(String(1), default="U")
    address: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    # No statements or reminders while on hold (a payment plan, a dispute, hardship).
    statement_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    policies: Mapped[list[Policy]] = relationship(back_populates="client", order_by="Policy.id")

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"


class CaseloadEntry(PracticeOwned, Base):
    """A provider who works with a client, seen or not yet: a therapist can pick a new client
    for their first session only when the client is on their caseload."""

    __tablename__ = "client_providers"
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id"), primary_key=True, index=True
    )


class Payer(PracticeOwned, Base):
    """An insurer the practice bills, linked to a payer profile (its rules)."""

    __tablename__ = "payers"
    __table_args__ = (UniqueConstraint("practice_id", "name", name="uq_payers_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    profile_id: Mapped[str] = mapped_column(String(60))
    payer_id: Mapped[str | None] = mapped_column(String(20))
    # Where paper claims go: the CMS-1500's carrier block (NUCC 1500 manual, "Carrier Block").
    address: Mapped[str | None] = mapped_column(String(55))
    address2: Mapped[str | None] = mapped_column(String(55))
    city: Mapped[str | None] = mapped_column(String(30))
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Policy(PracticeOwned, Base):
    """A client's coverage with one payer; priority orders primary before secondary."""

    __tablename__ = "policies"
    __table_args__ = (
        CheckConstraint("priority IN ('primary','secondary','tertiary')", name="priority"),
        Index("ix_policies_client", "client_id", "priority"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"))
    member_id: Mapped[str] = mapped_column(String(40))
    group_number: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10), default="primary")
    relationship_to_subscriber: Mapped[str] = mapped_column(String(10), default="self")
    subscriber_first_name: Mapped[str | None] = mapped_column(String(100))
    subscriber_last_name: Mapped[str | None] = mapped_column(String(100))
    subscriber_birth_date: Mapped[dt.date | None]
    # The subscriber's sex and address when the client is not the subscriber (CMS-1500 boxes
    # 7 and 11a); the 837P does not send them for a dependant (2010BA N3/N4/DMG).
    subscriber_sex: Mapped[str | None] = mapped_column(String(1))
    subscriber_address: Mapped[str | None] = mapped_column(String(200))
    subscriber_city: Mapped[str | None] = mapped_column(String(100))
    subscriber_state: Mapped[str | None] = mapped_column(String(2))
    subscriber_postal_code: Mapped[str | None] = mapped_column(String(10))
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    # When this policy is Medicare paying after another payer: why (837P 2000B SBR05,
    # Medicare secondary payer type: 12 working aged, 13 ESRD, 14 no-fault, 15 workers'
    # compensation, 16 federal agency, 41 black lung, 42 VA, 43 disabled, 47 other liability).
    medicare_secondary_type: Mapped[str | None] = mapped_column(String(2))

    client: Mapped[Client] = relationship(back_populates="policies")
    payer: Mapped[Payer] = relationship()

    def covers(self, day: dt.date) -> bool:
        return (self.start_date is None or self.start_date <= day) and (
            self.end_date is None or day <= self.end_date
        )


class Authorization(PracticeOwned, Base):
    """Prior authorization from the client's case manager; used units are the sum of its uses."""

    __tablename__ = "authorizations"
    __table_args__ = (
        UniqueConstraint("payer_id", "number"),
        Index("ix_authorizations_client", "client_id", "start_date"),
        # The authorizations in force (burn-down report, the clients list's watch).
        Index("ix_authorizations_in_force", "practice_id", "end_date", "start_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"))
    number: Mapped[str] = mapped_column(String(60))
    discipline: Mapped[str | None] = mapped_column(String(20))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    units_approved: Mapped[int | None]
    visits_approved: Mapped[int | None]
    case_manager_name: Mapped[str | None] = mapped_column(String(200))
    case_manager_phone: Mapped[str | None] = mapped_column(String(30))
    case_manager_email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    codes: Mapped[list[AuthorizationCode]] = relationship(
        cascade="all, delete-orphan", order_by="AuthorizationCode.code"
    )

    def code_list(self) -> list[str]:
        return [c.code for c in self.codes]


class AuthorizationCode(PracticeOwned, Base):
    __tablename__ = "authorization_codes"
    authorization_id: Mapped[int] = mapped_column(ForeignKey("authorizations.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(5), primary_key=True)


class AuthorizationUse(PracticeOwned, Base):
    """Units (and one visit per date of service) a built claim line took from an authorization."""

    __tablename__ = "authorization_uses"
    id: Mapped[int] = mapped_column(primary_key=True)
    authorization_id: Mapped[int] = mapped_column(ForeignKey("authorizations.id"), index=True)
    claim_line_id: Mapped[int] = mapped_column(ForeignKey("claim_lines.id"), unique=True)
    units: Mapped[int]
    visits: Mapped[int] = mapped_column(default=0)


class Fee(PracticeOwned, Base):
    """The practice's charge per unit for a code (its charge master); a claim line's charge
    is units × this fee, whatever the payer later allows."""

    __tablename__ = "fees"
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id"), primary_key=True, default=tenancy.practice_default
    )
    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    unit_charge_cents: Mapped[Cents]
