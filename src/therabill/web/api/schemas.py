"""Request and response shapes of the API, with bounds (lengths, ranges) on every input."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from therabill.store.services.clients import MAX_LENGTHS

Code = Annotated[str, Field(min_length=5, max_length=5, pattern=r"^[A-Za-z0-9]{5}$")]
Modifier = Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[A-Za-z0-9]{2}$")]
Minutes = Annotated[int, Field(ge=0, le=1440)]
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2099, 12, 31))]
Id = Annotated[int, Field(ge=1, le=2_000_000_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServiceIn(Strict):
    code: Code
    minutes: Minutes
    modifiers: Annotated[list[Modifier], Field(max_length=4)] = []


class UnitsIn(Strict):
    services: Annotated[list[ServiceIn], Field(min_length=1, max_length=12)]
    rule: Literal["cms", "midpoint"] = "cms"
    date: Day | None = None


class ScrubIn(Strict):
    """A session as it would be entered: the claim it would become is checked."""

    client_id: Id
    provider_id: Id | None = None
    date: Day | None = None
    place_of_service: Annotated[str, Field(pattern=r"^\d{2}$")] = "11"
    services: Annotated[list[ServiceIn], Field(min_length=1, max_length=12)]
    diagnoses: Annotated[
        list[Annotated[str, Field(min_length=3, max_length=8, pattern=r"^[A-Za-z0-9.]+$")]],
        Field(max_length=12),
    ] = []


class SessionIn(ScrubIn):
    start: dt.time | None = None
    end: dt.time | None = None
    techniques: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=50)] = []
    note: Annotated[str, Field(max_length=20_000)] | None = None


class ClientSearchIn(Strict):
    q: Annotated[str, Field(max_length=100)] = ""
    limit: Annotated[int, Field(ge=1, le=200)] = 50


def _text(longest: int) -> StringConstraints:
    """Trimmed, then at most ``longest`` characters: what the store's ``read_client`` allows."""
    return StringConstraints(strip_whitespace=True, max_length=longest)


def _published(**rules: JsonValue) -> Any:
    """A rule shown in the OpenAPI document but checked by the store's ``read_client``, so
    the API answers a bad value with the same message as the page."""
    return Field(json_schema_extra=dict(rules))


# Each client field as the store reads it (store/services/clients.py: MAX_LENGTHS and
# read_client); the address has no store limit, so the page form's applies.
FirstName = Annotated[str | None, _text(MAX_LENGTHS["first_name"])]
LastName = Annotated[str | None, _text(MAX_LENGTHS["last_name"])]
BirthDate = Annotated[str | None, _text(10), _published(format="date")]
Sex = Annotated[str | None, _text(1), _published(enum=["F", "M", "U"])]
ChartNumber = Annotated[str | None, _text(MAX_LENGTHS["chart_number"])]
Address = Annotated[str | None, _text(400)]
City = Annotated[str | None, _text(MAX_LENGTHS["city"])]
State = Annotated[str | None, _text(2), _published(pattern=r"^[A-Za-z]{2}$")]
PostalCode = Annotated[str | None, _text(10), _published(pattern=r"^\d{5}(-?\d{4})?$")]
Phone = Annotated[str | None, _text(MAX_LENGTHS["phone"])]
Email = Annotated[
    str | None, _text(MAX_LENGTHS["email"]), _published(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
Caseload = Annotated[list[Id], Field(max_length=100)]


class _ClientDetails(Strict):
    """The optional details a new client and a change both carry."""

    chart_number: ChartNumber = None
    address: Address = None
    city: City = None
    state: State = None
    postal_code: PostalCode = None
    phone: Phone = None
    email: Email = None
    caseload: Caseload = []


class ClientIn(_ClientDetails):
    """A new client. ``caseload``: the provider ids who work with the client (billers and
    admins only; a therapist's new client goes on their own caseload)."""

    first_name: Annotated[str, _text(MAX_LENGTHS["first_name"])]
    last_name: Annotated[str, _text(MAX_LENGTHS["last_name"])]
    birth_date: Annotated[str, _text(10), _published(format="date")]
    sex: Sex = "U"


class ClientChange(_ClientDetails):
    """Only the fields sent change; ``null`` or ``""`` clears an optional field.
    ``caseload`` (billers and admins only) replaces the client's providers."""

    first_name: FirstName = None
    last_name: LastName = None
    birth_date: BirthDate = None
    sex: Sex = None


class FieldError(BaseModel):
    field: str | None
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details; ``field`` names the input that was wrong, ``errors`` lists
    every bad field when there were several."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None


class Page(BaseModel):
    data: list[dict[str, Any]]
    count: int


class Item(BaseModel):
    data: dict[str, Any]
