"""Read the session form (rows of code + minutes + modifiers) into plain values, naming the
field of anything that cannot be read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from therabill.store.services.live_check import ServiceEntry

ROWS = 3  # code rows the form opens with; "Add a code row" adds more, up to MAX_ROWS
MAX_ROWS = 30
PLACES = {
    "11": "Office",
    "12": "Home",
    "02": "Telehealth (not in the client's home)",
    "10": "Telehealth in the client's home",
    "22": "Outpatient hospital",
    "99": "Other place",
}


@dataclass(slots=True)
class SessionForm:
    client_id: int | None = None
    provider_id: int | None = None
    day: dt.date = field(default_factory=dt.date.today)
    start: dt.time | None = None
    end: dt.time | None = None
    place_of_service: str = "11"
    services: list[ServiceEntry] = field(default_factory=list)
    techniques: list[str] = field(default_factory=list)
    note: str = ""
    diagnoses: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)


FIELD_LABELS = {
    "client": "Client",
    "provider": "Provider",
    "date": "Date",
    "start": "Start",
    "end": "End",
    "place_of_service": "Place of service",
}


def field_label(name: str) -> str:
    """The name a biller sees on the form for a field (``minutes_2`` is "Minutes, row 2")."""
    kind, _, row = name.rpartition("_")
    if kind in ("code", "minutes", "modifiers") and row.isdigit():
        return f"{kind.capitalize()}, row {row}"
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _int(form: FormData, name: str, parsed: SessionForm) -> int | None:
    text = _text(form, name, 12)
    if not text:
        return None
    if not text.isdigit():
        parsed.errors[name] = "must be a whole number"
        return None
    return int(text)


def read_session_form(form: FormData) -> SessionForm:
    parsed = SessionForm()
    parsed.raw = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    parsed.client_id = _int(form, "client", parsed)
    parsed.provider_id = _int(form, "provider", parsed)
    day = _text(form, "date", 10)
    if day:
        try:
            parsed.day = dt.date.fromisoformat(day)
        except ValueError:
            parsed.errors["date"] = "is not a date (YYYY-MM-DD)"
    for name in ("start", "end"):
        text = _text(form, name, 8)
        if text:
            try:
                setattr(parsed, name, dt.time.fromisoformat(text))
            except ValueError:
                parsed.errors[name] = "is not a time (HH:MM)"
    if parsed.start and parsed.end and parsed.end <= parsed.start:
        parsed.errors["end"] = "is not after the start"
    place = _text(form, "place_of_service", 2) or "11"
    if place not in PLACES:
        parsed.errors["place_of_service"] = "is not a place of service therabill knows"
    parsed.place_of_service = place
    for row in range(1, MAX_ROWS + 1):
        code = _text(form, f"code_{row}", 5).upper()
        minutes_text = _text(form, f"minutes_{row}", 5)
        if not code and not minutes_text:
            continue
        if not code:
            parsed.errors[f"code_{row}"] = "is missing"
            continue
        # a session records the minutes of every code, an untimed one's too (the save refuses
        # 0): said here, beside the row, rather than after the form is sent
        if not minutes_text:
            parsed.errors[f"minutes_{row}"] = "is missing (the minutes spent on the code)"
            continue
        if not minutes_text.isdigit() or not 1 <= int(minutes_text) <= 1440:
            parsed.errors[f"minutes_{row}"] = "must be a whole number of minutes, 1 to 1440"
            continue
        minutes = int(minutes_text)
        mods = tuple(
            m for m in _text(form, f"modifiers_{row}", 20).upper().replace(" ", ",").split(",") if m
        )
        parsed.services.append(ServiceEntry(code, minutes, mods))
    parsed.techniques = [
        t.strip() for t in _text(form, "techniques", 2000).splitlines() if t.strip()
    ]
    parsed.note = _text(form, "note", 20000)
    parsed.diagnoses = [
        d.strip().upper()
        for d in _text(form, "diagnoses", 200).replace(";", ",").split(",")
        if d.strip()
    ]
    return parsed


def row_count(raw: dict[str, str]) -> int:
    """How many code rows the form shows: ``ROWS``, or as many as were filled in."""
    filled = [
        int(name.rsplit("_", 1)[1])
        for name, value in raw.items()
        if name.rsplit("_", 1)[0] in ("code", "minutes", "modifiers")
        and name.rsplit("_", 1)[-1].isdigit()
        and value.strip()
    ]
    return min(max([ROWS, *filled]), MAX_ROWS)


def problems(parsed: SessionForm, *, saving: bool) -> dict[str, str]:
    """Everything wrong with the form at once, by field, in the form's order: a biller fixes
    them in one pass instead of meeting them one save at a time. Saving also needs what a
    preview can do without (the client, the provider, a code with minutes)."""
    found = dict(parsed.errors)
    if saving:
        if parsed.client_id is None and "client" not in found:
            found["client"] = "choose the client"
        if parsed.provider_id is None and "provider" not in found:
            found["provider"] = "choose the provider"
        if not any(s.minutes > 0 for s in parsed.services) and not any(
            name.startswith(("code_", "minutes_")) for name in found
        ):
            found["code_1"] = "give at least one code with its minutes"
    order = [
        *FIELD_LABELS,
        *(f"{k}_{r}" for r in range(1, MAX_ROWS + 1) for k in ("code", "minutes")),
    ]
    return dict(sorted(found.items(), key=lambda item: order.index(item[0])))
