"""Sessions: what happened, minute by minute. Units are shown under the payer's rule when the
session is added and fixed when its claim is built."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from therabill.claims.status import EDITABLE, ClaimStatus
from therabill.codes import load_code_set
from therabill.errors import InvalidInput
from therabill.store.models import (
    ClaimRecord,
    Client,
    SessionDiagnosis,
    SessionService,
    TherapySession,
)
from therabill.store.services import locations, lookup, profiles
from therabill.store.services.clients import primary_policy
from therabill.store.services.context import UnitOfWork
from therabill.units import MAX_MINUTES, UnitResult, UnitRule, count_units

ICD10_SHAPE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")
POS_SHAPE = re.compile(r"^\d{2}$")


@dataclass(frozen=True, slots=True)
class ServiceMinutes:
    code: str
    minutes: int
    modifiers: tuple[str, ...] = ()


def parse_service(text: str) -> ServiceMinutes:
    """``97110=23`` or ``97110:GP=23`` (modifiers after colons) → minutes on a code."""
    code_part, sep, minutes = text.partition("=")
    if not sep or not code_part.strip():
        raise InvalidInput(f"{text!r} is not CODE=MINUTES (e.g. 97110=23)", field="services")
    if not minutes.strip().isdigit():
        raise InvalidInput(
            f"{text!r}: minutes {minutes.strip()!r} must be a whole number from 0 to "
            f"{MAX_MINUTES} (e.g. 97110=23)",
            field="services",
        )
    code, *mods = [p.strip().upper() for p in code_part.split(":")]
    return ServiceMinutes(code, int(minutes), tuple(m for m in mods if m))


def session_rule(client: Client, day: dt.date) -> UnitRule:
    policy = primary_policy(client, day)
    return profiles.unit_rule(policy.payer.profile_id) if policy else UnitRule.CMS


def _check(
    *,
    day: dt.date,
    services: Sequence[ServiceMinutes],
    start: dt.time | None,
    end: dt.time | None,
    place_of_service: str,
    diagnoses: Sequence[str],
) -> list[str]:
    """Refuse what a session cannot hold (naming the field); the diagnoses, cleaned."""
    if not services:
        raise InvalidInput("give at least one CODE=MINUTES", field="services")
    code_set = load_code_set()
    for service in services:
        code_set.require(service.code, day, field="services")
        if not 1 <= service.minutes <= 1440:
            raise InvalidInput(f"{service.minutes} minutes is not 1–1440", field=service.code)
    if start and end and end <= start:
        raise InvalidInput("the session ends before it starts", field="end")
    if not POS_SHAPE.match(place_of_service):
        raise InvalidInput(
            f"{place_of_service!r} is not a two-digit code", field="place_of_service"
        )
    clean_dx = [d.strip().upper().replace(".", "") for d in diagnoses if d.strip()]
    for dx in clean_dx:
        if not ICD10_SHAPE.match(dx):
            raise InvalidInput(f"{dx!r} is not shaped like an ICD-10-CM code", field="diagnoses")
    return clean_dx


def add_session(
    *,
    work: UnitOfWork,
    client: str | int,
    provider: str | int,
    day: dt.date,
    services: Sequence[ServiceMinutes],
    start: dt.time | None = None,
    end: dt.time | None = None,
    place_of_service: str = "11",
    techniques: Sequence[str] = (),
    note: str | None = None,
    diagnoses: Sequence[str] = (),
    location: str | None = None,
) -> tuple[TherapySession, UnitResult]:
    """A new session; ``location``: the service location (name or id) when it was not at the
    practice's address."""
    found_client = lookup.client(work, client)
    found_provider = lookup.provider(work, provider)
    code_set = load_code_set()
    clean_dx = _check(
        day=day,
        services=services,
        start=start,
        end=end,
        place_of_service=place_of_service,
        diagnoses=diagnoses,
    )
    session = TherapySession(
        client_id=found_client.id,
        provider_id=found_provider.id,
        date_of_service=day,
        start_time=start,
        end_time=end,
        place_of_service=place_of_service,
        techniques="\n".join(t.strip() for t in techniques if t.strip()) or None,
        note=note,
        services=[
            SessionService(
                position=i, code=s.code, minutes=s.minutes, modifiers=",".join(s.modifiers)
            )
            for i, s in enumerate(services, 1)
        ],
        diagnoses=[SessionDiagnosis(position=i, code=d) for i, d in enumerate(clean_dx, 1)],
        service_location_id=locations.find_location(work, location).id if location else None,
    )
    work.db.add(session)
    work.db.flush()
    work.audit("create", "session", session.id, f"client {found_client.id}")
    units = count_units(
        [(s.code, s.minutes) for s in services],
        rule=session_rule(found_client, day),
        day=day,
        code_set=code_set,
    )
    return session, units


def list_sessions(
    *, work: UnitOfWork, client: str | int | None = None, unbilled: bool = False, limit: int = 200
) -> list[TherapySession]:
    query = select(TherapySession).order_by(
        TherapySession.date_of_service.desc(), TherapySession.id.desc()
    )
    client_id = lookup.client(work, client).id if client is not None else None
    if client_id is not None:
        query = query.where(TherapySession.client_id == client_id)
    if unbilled:
        query = query.where(TherapySession.claim_id.is_(None))
    found = list(work.db.execute(query.limit(limit)).scalars())
    work.audit("list", "session", client_id or "*", f"{len(found)} rows")
    return found


def session_dict(session: TherapySession, *, with_note: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": session.id,
        "client_id": session.client_id,
        "provider_id": session.provider_id,
        "date": session.date_of_service.isoformat(),
        "start": session.start_time.isoformat("minutes") if session.start_time else None,
        "end": session.end_time.isoformat("minutes") if session.end_time else None,
        "place_of_service": session.place_of_service,
        "services": [
            {
                "code": s.code,
                "minutes": s.minutes,
                "modifiers": s.modifiers.split(",") if s.modifiers else [],
            }
            for s in session.services
        ],
        "diagnoses": [d.code for d in session.diagnoses],
        "techniques": session.techniques.split("\n") if session.techniques else [],
        "claim_id": session.claim_id,
    }
    if with_note:
        out["note"] = session.note
    return out


def _unbilled(work: UnitOfWork, session_id: int, doing: str) -> TherapySession:
    """The session, if no claim bills it; else an error saying to change the claim."""
    session = work.db.get(TherapySession, session_id)
    if session is None:
        raise InvalidInput(f"no session {session_id}", field="session")
    if session.claim_id is not None:
        claim = work.db.get(ClaimRecord, session.claim_id)
        status = ClaimStatus(claim.status) if claim else ClaimStatus.DRAFT
        instead = (
            f"therabill claims edit {session.claim_id} (or close the claim to bill the session "
            f"again: therabill claims close {session.claim_id} --reason TEXT)"
            if status in EDITABLE
            else f"therabill claims correct {session.claim_id}"
        )
        raise InvalidInput(
            f"session {session.id} is billed on claim {session.claim_id} ({status.value}), so "
            f"it is not {doing} here: change the claim instead: {instead}",
            field="session",
        )
    return session


def edit_session(
    *,
    work: UnitOfWork,
    session_id: int,
    services: Sequence[ServiceMinutes] | None = None,
    day: dt.date | None = None,
    start: dt.time | None = None,
    end: dt.time | None = None,
    place_of_service: str | None = None,
    techniques: Sequence[str] | None = None,
    note: str | None = None,
    diagnoses: Sequence[str] | None = None,
    location: str | None = None,
) -> tuple[TherapySession, UnitResult]:
    """Change a session no claim bills yet (``None``: unchanged; ``location=""`` clears it);
    a billed session is changed through its claim (``claims edit`` or ``claims correct``)."""
    session = _unbilled(work, session_id, "edited")
    moved = False
    if location is not None:
        where = locations.find_location(work, location).id if location.strip() else None
        moved = where != session.service_location_id
        session.service_location_id = where
    new_services = (
        list(services)
        if services is not None
        else [
            ServiceMinutes(s.code, s.minutes, tuple(m for m in s.modifiers.split(",") if m))
            for s in session.services
        ]
    )
    new_day = day or session.date_of_service
    new_start = start if start is not None else session.start_time
    new_end = end if end is not None else session.end_time
    new_pos = place_of_service if place_of_service is not None else session.place_of_service
    new_dx = list(diagnoses) if diagnoses is not None else [d.code for d in session.diagnoses]
    clean_dx = _check(
        day=new_day,
        services=new_services,
        start=new_start,
        end=new_end,
        place_of_service=new_pos,
        diagnoses=new_dx,
    )
    changed = ["location"] if moved else []
    if services is not None:
        session.services.clear()
        work.db.flush()
        session.services.extend(
            SessionService(
                position=i, code=s.code, minutes=s.minutes, modifiers=",".join(s.modifiers)
            )
            for i, s in enumerate(new_services, 1)
        )
        changed.append("services")
    if diagnoses is not None:
        session.diagnoses.clear()
        work.db.flush()
        session.diagnoses.extend(
            SessionDiagnosis(position=i, code=d) for i, d in enumerate(clean_dx, 1)
        )
        changed.append("diagnoses")
    for name, value, old in (
        ("date", new_day, session.date_of_service),
        ("start", new_start, session.start_time),
        ("end", new_end, session.end_time),
        ("place_of_service", new_pos, session.place_of_service),
    ):
        if value != old:
            changed.append(name)
    session.date_of_service = new_day
    session.start_time = new_start
    session.end_time = new_end
    session.place_of_service = new_pos
    if techniques is not None:
        session.techniques = "\n".join(t.strip() for t in techniques if t.strip()) or None
        changed.append("techniques")
    if note is not None:
        session.note = note
        changed.append("note")
    if not changed:
        raise InvalidInput("nothing to change", field="session")
    work.db.flush()
    work.audit("update", "session", session.id, ",".join(changed))
    client = work.db.get(Client, session.client_id)
    assert client is not None
    units = count_units(
        [(s.code, s.minutes) for s in new_services],
        rule=session_rule(client, new_day),
        day=new_day,
        code_set=load_code_set(),
    )
    return session, units


def delete_session(*, work: UnitOfWork, session_id: int) -> int:
    """Delete a session no claim bills yet (entered by mistake, or twice)."""
    session = _unbilled(work, session_id, "deleted")
    work.db.delete(session)
    work.db.flush()
    work.audit("delete", "session", session_id)
    return session_id
