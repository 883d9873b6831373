"""Prior authorizations: several may be active for one client at once (different codes,
disciplines or payers). Used units are the sum of what built claims took; never a counter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from therabill.codes import load_code_set
from therabill.codes.model import DISCIPLINES
from therabill.errors import InvalidInput
from therabill.store.models import (
    Authorization,
    AuthorizationCode,
    AuthorizationUse,
    ClaimLine,
)
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


def _checked_codes(codes: list[str], start: dt.date) -> list[str]:
    code_set = load_code_set()
    clean = sorted({code.strip().upper() for code in codes if code.strip()})
    for code in clean:
        code_set.require(code, start, field="codes")
    return clean


def _check_terms(
    *, start: dt.date, end: dt.date, units: int | None, visits: int | None, number: str
) -> None:
    """What an authorization must hold, whether added or changed."""
    if end < start:
        raise InvalidInput("ends before it starts", field="end")
    if units is None and visits is None:
        raise InvalidInput("give the units or the visits approved", field="units")
    for value, name in ((units, "units"), (visits, "visits")):
        if value is not None and value <= 0:
            raise InvalidInput("must be more than zero", field=name)
    if not number.strip():
        raise InvalidInput("is required", field="number")


def _number_free(work: UnitOfWork, payer_id: int, number: str, *, but: int | None = None) -> None:
    query = select(Authorization.id).where(
        Authorization.payer_id == payer_id, Authorization.number == number.strip()
    )
    if but is not None:
        query = query.where(Authorization.id != but)
    if work.db.execute(query).first():
        raise InvalidInput(f"{number!r} is already on file for this payer", field="number")


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
    _check_terms(start=start, end=end, units=units, visits=visits, number=number)
    clean = _checked_codes(codes, start)
    _number_free(work, found_payer.id, number)
    auth = Authorization(
        client_id=found_client.id,
        payer_id=found_payer.id,
        number=number.strip(),
        start_date=start,
        end_date=end,
        units_approved=units,
        visits_approved=visits,
        discipline=_discipline(discipline),
        case_manager_name=case_manager_name,
        case_manager_phone=case_manager_phone,
        case_manager_email=case_manager_email,
        codes=[AuthorizationCode(code=c) for c in clean],
    )
    work.db.add(auth)
    work.db.flush()
    work.audit("create", "authorization", auth.id, f"client {found_client.id}")
    return auth


def _discipline(value: str | None) -> str | None:
    text = (value or "").strip().lower()
    if text and text not in DISCIPLINES:
        raise InvalidInput(f"{value!r} is not one of {', '.join(DISCIPLINES)}", field="discipline")
    return text or None


# The fields ``edit_authorization`` changes, as its keyword arguments name them.
EDITABLE = (
    "number",
    "start",
    "end",
    "codes",
    "units",
    "visits",
    "discipline",
    "case_manager_name",
    "case_manager_phone",
    "case_manager_email",
)


def authorization_status(*, work: UnitOfWork, auth_id: int) -> AuthorizationStatus:
    """One authorization with what has been used of it (audited as a read)."""
    auth = lookup.authorization(work, auth_id)
    found = statuses(work=work, client_id=auth.client_id)
    work.audit("read", "authorization", auth_id)
    return next(s for s in found if s.authorization.id == auth_id)


def edit_authorization(
    *, work: UnitOfWork, auth_id: int, changes: Mapping[str, Any]
) -> AuthorizationStatus:
    """Change the fields named in ``changes`` (keys from ``EDITABLE``; ``None`` clears an
    optional one). Checked as a whole, as when added; approved units or visits cannot drop
    below what built claims already used. The audit entry names the fields, not the values."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(f"cannot be changed; change {', '.join(EDITABLE)}", field=unknown[0])
    status = authorization_status(work=work, auth_id=auth_id)
    auth = status.authorization
    now: dict[str, Any] = {
        "number": auth.number,
        "start": auth.start_date,
        "end": auth.end_date,
        "codes": auth.code_list(),
        "units": auth.units_approved,
        "visits": auth.visits_approved,
        "discipline": auth.discipline,
        "case_manager_name": auth.case_manager_name,
        "case_manager_phone": auth.case_manager_phone,
        "case_manager_email": auth.case_manager_email,
    }
    new = {**now, **changes}
    if new["number"] is None or new["start"] is None or new["end"] is None:
        raise InvalidInput(
            "is required", field=next(k for k in ("number", "start", "end") if new[k] is None)
        )
    _check_terms(
        start=new["start"], end=new["end"], units=new["units"], visits=new["visits"],
        number=new["number"],
    )  # fmt: skip
    clean = _checked_codes(new["codes"] or [], new["start"])
    _number_free(work, auth.payer_id, new["number"], but=auth.id)
    for name, used in (("units", status.units_used), ("visits", status.visits_used)):
        if new[name] is not None and new[name] < used:
            raise InvalidInput(
                f"{used} {name} are already used by built claims; approve at least that many",
                field=name,
            )
    last_use = _last_use(work, auth.id)
    if last_use is not None and not new["start"] <= last_use <= new["end"]:
        raise InvalidInput(
            f"a built claim used it on {last_use}; keep that day inside the dates",
            field="end" if last_use > new["end"] else "start",
        )
    changed = [name for name in EDITABLE if new[name] != now[name]]
    auth.number = new["number"].strip()
    auth.start_date, auth.end_date = new["start"], new["end"]
    auth.units_approved, auth.visits_approved = new["units"], new["visits"]
    auth.discipline = _discipline(new["discipline"])
    auth.case_manager_name = new["case_manager_name"] or None
    auth.case_manager_phone = new["case_manager_phone"] or None
    auth.case_manager_email = new["case_manager_email"] or None
    if "codes" in changed:
        auth.codes = [AuthorizationCode(code=c) for c in clean]
    work.db.flush()
    work.audit("change", "authorization", auth.id, ",".join(changed) or "nothing changed")
    return AuthorizationStatus(auth, status.units_used, status.visits_used)


def end_authorization(*, work: UnitOfWork, auth_id: int, on: dt.date) -> AuthorizationStatus:
    """End an authorization on ``on`` (its last day): the case manager withdrew it, or the
    client was discharged. Claims already built on it keep their units; a day already
    billed against it after ``on`` is refused."""
    status = authorization_status(work=work, auth_id=auth_id)
    auth = status.authorization
    if on < auth.start_date:
        raise InvalidInput(f"is before the authorization starts ({auth.start_date})", field="on")
    if on > auth.end_date:
        raise InvalidInput(
            f"is after its last day ({auth.end_date}); change the dates to extend it", field="on"
        )
    last_use = _last_use(work, auth.id)
    if last_use is not None and last_use > on:
        raise InvalidInput(f"a built claim used it on {last_use}, after that day", field="on")
    auth.end_date = on
    work.db.flush()
    work.audit("end", "authorization", auth.id, on.isoformat())
    return status


def _last_use(work: UnitOfWork, auth_id: int) -> dt.date | None:
    """The latest date of service a built claim line took from the authorization."""
    last: dt.date | None = work.db.execute(
        select(func.max(ClaimLine.date_of_service))
        .join(AuthorizationUse, AuthorizationUse.claim_line_id == ClaimLine.id)
        .where(AuthorizationUse.authorization_id == auth_id)
    ).scalar_one_or_none()
    return last


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


def read_form(values: Mapping[str, str]) -> dict[str, Any]:
    """An authorization as typed on the page (text fields) in ``edit_authorization``'s and
    ``add_authorization``'s terms: dates and numbers read, codes split on spaces or commas;
    raise naming the first field that cannot be read. Empty optional fields are ``None``."""
    out: dict[str, Any] = {}
    for name in ("number", "discipline", "case_manager_name", "case_manager_phone",
                 "case_manager_email"):  # fmt: skip
        if name in values:
            out[name] = values[name].strip() or None
    for name in ("start", "end"):
        if name in values:
            out[name] = lookup.date(values[name], name) if values[name].strip() else None
    for name in ("units", "visits"):
        if name in values:
            text = values[name].strip()
            if text and not (text.isdigit() and len(text) <= 6):
                raise InvalidInput(f"{text!r} is not a whole number", field=name)
            out[name] = int(text) if text else None
    if "codes" in values:
        out["codes"] = [c for c in values["codes"].replace(",", " ").split() if c]
    return out
