"""Identifiers on a claim, one small module each with python-stdnum's interface.

Every module has ``compact(value)`` (normalise), ``validate(value)`` (the normalised value, or
an ``InvalidIdentifier`` saying why not), ``is_valid(value)`` and ``format(value)``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Protocol

from therabill.identifiers import (
    icd10cm,
    modifier,
    npi,
    place_of_service,
    procedure_code,
    tax_id,
)
from therabill.identifiers.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidIdentifier,
    InvalidLength,
)


class IdentifierModule(Protocol):
    """The interface every identifier module offers."""

    def compact(self, value: str, /) -> str: ...
    def validate(self, value: str, /) -> str: ...
    def is_valid(self, value: str, /) -> bool: ...
    def format(self, value: str, /) -> str: ...


MODULES: dict[str, ModuleType] = {
    "npi": npi,
    "icd10cm": icd10cm,
    "tax_id": tax_id,
    "modifier": modifier,
    "procedure_code": procedure_code,
    "place_of_service": place_of_service,
}

__all__ = [
    "MODULES",
    "IdentifierModule",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidIdentifier",
    "InvalidLength",
    "icd10cm",
    "modifier",
    "npi",
    "place_of_service",
    "procedure_code",
    "tax_id",
]
