"""Request and response shapes of the API, with bounds (lengths, ranges) on every input."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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


class Problem(BaseModel):
    """RFC 9457 problem details; ``field`` names the input that was wrong."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None


class Page(BaseModel):
    data: list[dict[str, Any]]
    count: int


class Item(BaseModel):
    data: dict[str, Any]
