"""Why an identifier was refused: one small family, each with a default message (as python-stdnum).

They are ``InvalidInput`` errors, so the CLI shows them as ``Error: …`` like any other.
"""

from __future__ import annotations

from therabill.errors import InvalidInput


class InvalidIdentifier(InvalidInput):
    """An identifier (NPI, ICD-10-CM code, tax id, modifier) that is not valid."""

    default = "The identifier is not valid."

    def __init__(
        self, message: str | None = None, *, field: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message or self.default, field=field, hint=hint)


class InvalidFormat(InvalidIdentifier):
    default = "The identifier has characters or a shape it may not have."


class InvalidLength(InvalidIdentifier):
    default = "The identifier has the wrong number of characters."


class InvalidChecksum(InvalidIdentifier):
    default = "The identifier's check digit does not match."


class InvalidComponent(InvalidIdentifier):
    default = "A part of the identifier is not a known value."
