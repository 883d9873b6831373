"""Prior authorizations: several may be active for one client at once (different codes,
disciplines or payers). Used units are the sum of what built claims took; never a counter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from therabill.codes import load_code_set
from therabill.errors import InvalidInput
from therabill.store.models import Authorization, AuthorizationCode, AuthorizationUse
from therabill.store.services import lookup
from therabill.store.services.context import UnitOfWork

WARN_BELOW_UNITS = 4  # "running out" when this few units are left


@dataclass(frozen=True, slots=True)
class AuthorizationStatus:
    authorization: Authorization
    units_used: int
    visits_used: int

    @property
    def units_remaining(self) -> int | None:
        a = self.authorization
        return None if a.units_approved is None else a.units_approved - self.units_used

    @property
    def visits_remaining(self) -> int | None:
        a = self.authorization
        return None if a.visits_approved is None else a.visits_approved - self.visits_used

    def covers(self, *, code: str, day: dt.date) -> bool:
        a = self.authorization
        codes = a.code_list()
        return a.start_date <= day <= a.end_date and (not codes or code in codes)

    def to_dict(self) -> dict[str, Any]:
        a = self.authorization
        return {
            "id": a.id,
            "client_id": a.client_id,
            "payer_id": a.payer_id,
            "number": a.number,
            "codes": a.code_list(),
            "discipline": a.discipline,
            "start_date": a.start_date.isoformat(),
            "end_date": a.end_date.isoformat(),
            "units_approved": a.units_approved,
            "units_used": self.units_used,
            "units_remaining": self.units_remaining,
            "visits_approved": a.visits_approved,
            "visits_used": self.visits_used,
            "visits_remaining": self.visits_remaining,
            "case_manager": {
                "name": a.case_manager_name,
                "phone": a.case_manager_phone,
                "email": a.case_manager_email,
            },
        }


def add_authorization(
    *,
    work: UnitOfWork,
    client: str | int,
    payer: str,
    number: str,
    start: dt.date,
    end: dt.date,
    codes: list[str],
    units: int | None = None,
    visits: int | None = None,
    discipline: str | None = None,
    case_manager_name: str | None = None,
    case_manager_phone: str | None = None,
    case_manager_email: str | None = None,
) -> Authorization:
    found_client = lookup.client(work, client)
    found_payer = lookup.payer(work, payer)
    if end < start:
        raise InvalidInput("ends before it starts", field="end")
    if units is None and visits is None:
        raise InvalidInput("give the units or the visits approved", field="units")
    for value, name in ((units, "units"), (visits, "visits")):
        if value is not None and value <= 0:
            raise InvalidInput("must be more than zero", field=name)
    code_set = load_code_set()
    clean = sorted({code.strip().upper() for code in codes if code.strip()})
    for code in clean:
        code_set.require(code, start, field="codes")
    if not number.strip():
        raise InvalidInput("is required", field="number")
    if work.db.execute(
        select(Authorization.id).where(
            Authorization.payer_id == found_payer.id, Authorization.number == number.strip()
        )
    ).first():
        raise InvalidInput(f"{number!r} is already on file for this payer", field="number")
    auth = Authorization(
        client_id=found_client.id,
        payer_id=found_payer.id,
        number=number.strip(),
        start_date=start,
        end_date=end,
        units_approved=units,
        visits_approved=visits,
        discipline=discipline,
        case_manager_name=case_manager_name,
        case_manager_phone=case_manager_phone,
        case_manager_email=case_manager_email,
        codes=[AuthorizationCode(code=c) for c in clean],
    )
    work.db.add(auth)
    work.db.flush()
    work.audit("create", "authorization", auth.id, f"client {found_client.id}")
    return auth


def statuses(
    *, work: UnitOfWork, client_id: int | None = None, payer_id: int | None = None
) -> list[AuthorizationStatus]:
    """Authorizations with the units and visits used so far, oldest first.

    The uses are summed for the chosen authorizations only (not for every authorization in
    the practice and then joined): the live check asks this for one client on every key."""
    query = select(Authorization).order_by(Authorization.start_date, Authorization.id)
    if client_id is not None:
        query = query.where(Authorization.client_id == client_id)
    if payer_id is not None:
        query = query.where(Authorization.payer_id == payer_id)
    found = list(work.db.execute(query).scalars())
    if not found:
        return []
    used = {
        auth_id: (int(units or 0), int(visits or 0))
        for auth_id, units, visits in work.db.execute(
            select(
                AuthorizationUse.authorization_id,
                func.sum(AuthorizationUse.units),
                func.sum(AuthorizationUse.visits),
            )
            .where(AuthorizationUse.authorization_id.in_([a.id for a in found]))
            .group_by(AuthorizationUse.authorization_id)
        )
    }
    return [AuthorizationStatus(a, *used.get(a.id, (0, 0))) for a in found]


def list_authorizations(
    *, work: UnitOfWork, client: str | int | None = None, active_on: dt.date | None = None
) -> list[AuthorizationStatus]:
    client_id = lookup.client(work, client).id if client is not None else None
    found = statuses(work=work, client_id=client_id)
    if active_on is not None:
        found = [
            s for s in found if s.authorization.start_date <= active_on <= s.authorization.end_date
        ]
    work.audit("list", "authorization", client_id or "*", f"{len(found)} rows")
    return found
