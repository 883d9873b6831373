"""Set up the practice, its users and providers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from therabill.codes import load_code_set
from therabill.errors import InvalidInput, NotFound
from therabill.identifiers.us_state import check_state
from therabill.store import migrate
from therabill.store.models import Fee, Practice, Provider
from therabill.store.services import claim_edits, locations, lookup
from therabill.store.services.context import Store, UnitOfWork, require_text

DISCIPLINES = ("massage", "music", "ot", "pt", "slp", "behavioral", "at")


def init_practice(
    *,
    store: Store,
    name: str | None = None,
    npi: str | None = None,
    tax_id: str | None = None,
    address: tuple[str, str, str, str] | None = None,
    pay_to: tuple[str, str, str, str] | None = None,
) -> dict[str, Any]:
    """Upgrade the schema to the newest migration and make sure a practice row exists.
    ``pay_to``: the pay-to address (four empty parts clear it)."""
    before = migrate.current_revision(store.engine)
    migrate.upgrade(store.engine)
    with store.transaction() as work:
        practice = work.practice()
        created = practice is None
        if practice is None:
            practice = Practice(name=(name or "My practice").strip())
            work.db.add(practice)
        elif name:
            practice.name = name.strip()
        if npi:
            practice.npi = lookup.npi(npi, "practice npi")
        if tax_id:
            practice.tax_id = tax_id.strip()
        if address:
            practice.address, practice.city, state, practice.postal_code = address
            practice.state = _state(state)
        work.db.flush()
        if pay_to is not None:
            locations.set_pay_to(
                work=work,
                address=pay_to[0],
                city=pay_to[1],
                state=pay_to[2],
                postal_code=pay_to[3],
            )
        work.audit("create" if created else "update", "practice", practice.id)
        return {
            "practice_id": practice.id,
            "name": practice.name,
            "created": created,
            "schema_before": before,
            "schema": migrate.head_revision(),
            "database": store.engine.url.render_as_string(hide_password=True),
        }


def add_provider(
    *,
    work: UnitOfWork,
    npi: str,
    first_name: str,
    last_name: str,
    discipline: str,
    licence: str | None = None,
    taxonomy: str | None = None,
) -> Provider:
    digits = lookup.npi(npi)
    _provider_discipline(discipline)
    if work.db.execute(select(Provider.id).where(Provider.npi == digits)).first():
        raise InvalidInput(f"a provider with NPI {digits} already exists", field="npi")
    taxonomy = _taxonomy(taxonomy)
    provider = Provider(
        npi=digits,
        first_name=require_text(first_name, "first_name"),
        last_name=require_text(last_name, "last_name"),
        discipline=discipline,
        licence=licence.strip() if licence and licence.strip() else None,
        taxonomy=taxonomy,
    )
    work.db.add(provider)
    work.db.flush()
    work.audit("create", "provider", provider.id)
    return provider


PROVIDER_FIELDS = ("npi", "first_name", "last_name", "discipline", "licence", "taxonomy")


def provider_row(work: UnitOfWork, provider_id: int) -> Provider:
    found = work.db.get(Provider, provider_id)
    if found is None:
        raise InvalidInput(f"no provider {provider_id}", field="provider")
    return found


def known_provider(work: UnitOfWork, provider_id: int) -> Provider:
    """The provider a page or API route names by id: 404 (``NotFound``) when there is none."""
    found = work.db.get(Provider, provider_id)
    if found is None:
        raise NotFound()
    return found


def read_provider(work: UnitOfWork, provider_id: int) -> Provider:
    """The provider shown on its page, the read audited (licence and tax details)."""
    found = known_provider(work, provider_id)
    work.audit("read", "provider", provider_id)
    return found


def edit_provider(
    *, work: UnitOfWork, provider_id: int, changes: Mapping[str, str | None]
) -> Provider:
    """Change the fields named in ``changes`` (keys from ``PROVIDER_FIELDS``; ``None`` or
    ``""`` clears the licence or taxonomy), with the checks ``add_provider`` makes. The
    audit entry names the fields that changed."""
    unknown = sorted(set(changes) - set(PROVIDER_FIELDS))
    if unknown:
        raise InvalidInput(
            f"cannot be changed; change {', '.join(PROVIDER_FIELDS)}", field=unknown[0]
        )
    provider = provider_row(work, provider_id)
    new: dict[str, str | None] = {name: getattr(provider, name) for name in PROVIDER_FIELDS}
    for name, value in changes.items():
        new[name] = value.strip() if isinstance(value, str) and value.strip() else None
    digits = lookup.npi(new["npi"] or "", "npi")
    if work.db.execute(
        select(Provider.id).where(Provider.npi == digits, Provider.id != provider_id)
    ).first():
        raise InvalidInput(f"a provider with NPI {digits} already exists", field="npi")
    discipline = _provider_discipline(new["discipline"] or "")
    taxonomy = _taxonomy(new["taxonomy"])
    values = {
        "npi": digits,
        "first_name": require_text(new["first_name"] or "", "first_name"),
        "last_name": require_text(new["last_name"] or "", "last_name"),
        "discipline": discipline,
        "licence": new["licence"],
        "taxonomy": taxonomy,
    }
    changed = [name for name in PROVIDER_FIELDS if getattr(provider, name) != values[name]]
    for name in changed:
        setattr(provider, name, values[name])
    work.db.flush()
    work.audit("change", "provider", provider.id, ",".join(changed) or "nothing changed")
    return provider


def end_provider(*, work: UnitOfWork, provider_id: int, active: bool = False) -> Provider:
    """A provider who left: no new sessions are entered for them (their past sessions and
    claims stay). ``active=True`` brings them back."""
    provider = provider_row(work, provider_id)
    provider.active = active
    work.db.flush()
    work.audit("restore" if active else "end", "provider", provider.id)
    return provider


def _provider_discipline(discipline: str) -> str:
    if discipline not in DISCIPLINES:
        raise InvalidInput(
            f"{discipline!r} is not one of {', '.join(DISCIPLINES)}", field="discipline"
        )
    return discipline


def _taxonomy(taxonomy: str | None) -> str | None:
    """A NUCC taxonomy code (10 characters), upper case; None when not given."""
    if not taxonomy or not taxonomy.strip():
        return None
    if len(taxonomy.strip()) != 10:
        raise InvalidInput(f"{taxonomy!r} is not a 10-character taxonomy code", field="taxonomy")
    return taxonomy.strip().upper()


def list_providers(*, work: UnitOfWork) -> list[Provider]:
    return list(work.db.execute(select(Provider).order_by(Provider.last_name)).scalars())


def provider_dict(provider: Provider) -> dict[str, Any]:
    return {
        "id": provider.id,
        "npi": provider.npi,
        "name": f"{provider.first_name} {provider.last_name}",
        "discipline": provider.discipline,
        "licence": provider.licence,
        "taxonomy": provider.taxonomy,
        "active": provider.active,
    }


def _state(text: str) -> str:
    return check_state(text)


def update_practice(
    *,
    work: UnitOfWork,
    name: str,
    npi: str = "",
    tax_id: str = "",
    address: str = "",
    city: str = "",
    state: str = "",
    postal_code: str = "",
    pay_to: tuple[str, str, str, str] | None = None,
) -> Practice:
    """Set the practice's details as typed on the settings page: the name is required, an
    empty field clears it, the NPI and the state are checked; ``pay_to`` (street, city,
    state, ZIP; all empty clears it) is the pay-to address, None leaves it."""
    practice = practice_row(work)
    practice.name = require_text(name, "name")
    practice.npi = lookup.npi(npi, "npi") if npi.strip() else None
    practice.tax_id = tax_id.strip() or None
    practice.address = address.strip() or None
    practice.city = city.strip() or None
    practice.state = _state(state.strip()) if state.strip() else None
    practice.postal_code = postal_code.strip() or None
    if pay_to is not None:
        locations.set_pay_to(
            work=work, address=pay_to[0], city=pay_to[1], state=pay_to[2], postal_code=pay_to[3]
        )
    work.audit("update", "practice", practice.id)
    return practice


def show_practice(*, work: UnitOfWork) -> Practice:
    """The practice's details (audited)."""
    practice = practice_row(work)
    work.audit("read", "practice", practice.id)
    return practice


def practice_row(work: UnitOfWork) -> Practice:
    practice = work.practice()
    if practice is None:
        raise InvalidInput("no practice yet; run: therabill init", field="practice")
    return practice


def _fee(work: UnitOfWork, code: str) -> Fee | None:
    return work.db.execute(
        select(Fee).where(Fee.practice_id == work.practice_id, Fee.code == code)
    ).scalar_one_or_none()


def set_fee(*, work: UnitOfWork, code: str, unit_charge_cents: int) -> Fee:
    """The practice's charge per unit of ``code``: claims built from now on use it, and
    unsent claims with the code charged 0.00 take it and are scrubbed again."""
    clean = code.strip().upper()
    load_code_set().require(clean, dt.date.today(), field="code")
    if unit_charge_cents <= 0:
        raise InvalidInput("must be more than zero", field="amount")
    fee = _fee(work, clean)
    if fee is None:
        fee = Fee(code=clean, unit_charge_cents=unit_charge_cents)
        work.db.add(fee)
    else:
        fee.unit_charge_cents = unit_charge_cents
    work.db.flush()
    work.audit("set", "fee", clean, str(unit_charge_cents))
    claim_edits.apply_fee(work, clean)  # unsent claims billed at 0.00 for the code
    return fee


def remove_fee(*, work: UnitOfWork, code: str) -> int:
    """Stop charging for ``code``: claims built from now on have no charge for it (a scrub
    error until a fee is set again); claims already built keep their charges. The removed
    charge per unit, in cents (audited)."""
    clean = code.strip().upper()
    fee = _fee(work, clean)
    if fee is None:
        raise InvalidInput(f"there is no fee for {clean}", field="code")
    cents = fee.unit_charge_cents
    work.db.delete(fee)
    work.db.flush()
    work.audit("remove", "fee", clean, str(cents))
    return cents


def list_fees(*, work: UnitOfWork) -> list[Fee]:
    return list(work.db.execute(select(Fee).order_by(Fee.code)).scalars())
