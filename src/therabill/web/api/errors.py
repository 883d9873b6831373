"""Errors only the API raises: several bad fields at once, and a role refused one field."""

from __future__ import annotations

from therabill.errors import InvalidInput
from therabill.web.deps import Forbidden


class FieldsInvalid(InvalidInput):
    """Every bad field of one request (the store's ``read_client`` finds them all, as the
    page shows them all): the problem names the first in ``field`` and lists each in
    ``errors``."""

    def __init__(self, problems: list[InvalidInput]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field, hint=first.hint)
        self.problems = problems


class RoleMayNot(Forbidden):
    """This role may use the route but not send ``field`` (403 naming it and saying why)."""

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
