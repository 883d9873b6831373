"""Read claim documents from JSON text: one claim, a JSON list of claims, or JSON Lines.

Input that is not JSON, or JSON that is not a claim, raises ``InvalidInput`` naming the file,
the position (line and column, or which claim of the list / which line of JSON Lines) and the
field as a JSON path (``lines[0].charge``). Nothing is returned for a partly readable file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from therabill.claims.document import Claim
from therabill.errors import InvalidInput


def json_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a JSON path: ('lines', 0, 'charge') → lines[0].charge."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not str(part).startswith(("function-", "decimal", "str", "int", "date")):
            path += f".{part}" if path else str(part)
    return path or "(claim)"


def _explain(exc: ValidationError, source: str, position: str) -> InvalidInput:
    errors = exc.errors(include_url=False)
    first = errors[0]
    path = json_path(tuple(first["loc"]))
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "is required but missing"
    elif first["type"] == "extra_forbidden":
        message = "is not a field of the claim document (check the spelling)"
    more = (
        f" (and {len(errors) - 1} more problem{'s' * (len(errors) > 2)})" if len(errors) > 1 else ""
    )
    return InvalidInput(
        f"{source}, {position}: {path}: {message}{more}",
        hint="See docs/claim.schema.json for the claim document's fields.",
    )


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def _not_json(exc: json.JSONDecodeError, source: str, text: str, offset: int = 0) -> InvalidInput:
    return InvalidInput(
        f"{source}, {_position(text, offset + exc.pos)}: not valid JSON ({exc.msg}).",
        hint="Give one claim, a JSON list of claims, or one claim per line (JSON Lines).",
    )


def _loads(text: str, source: str, whole: str, offset: int = 0) -> Any:
    """``json.loads`` with every way it can fail turned into ``InvalidInput``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise InvalidInput(
            f"{source}, {_position(whole, offset)}: JSON nested too deeply to be a claim."
        ) from None
    except ValueError:  # Python refuses integers of thousands of digits
        raise InvalidInput(
            f"{source}, {_position(whole, offset)}: a number is too long to be read."
        ) from None


def _validate(obj: Any, source: str, position: str) -> Claim:
    if not isinstance(obj, dict):
        raise InvalidInput(
            f"{source}, {position}: a claim must be a JSON object, not {type(obj).__name__}.",
        )
    try:
        return Claim.model_validate(obj)
    except ValidationError as exc:
        raise _explain(exc, source, position) from None


def iter_claims(text: str, source: str = "<stdin>") -> Iterator[Claim]:
    """Claims from JSON text, one at a time (JSON Lines are validated line by line)."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise InvalidInput(f"{source}: the input is empty; expected a claim document.")
    if stripped.startswith("["):
        try:
            data = _loads(stripped, source, stripped)
        except json.JSONDecodeError as exc:
            raise _not_json(exc, source, stripped) from None
        if not data:
            raise InvalidInput(f"{source}: the list of claims is empty.")
        for index, item in enumerate(data):
            yield _validate(item, source, f"claim {index + 1} of the list")
        return
    try:
        whole = _loads(stripped, source, stripped)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise _not_json(exc, source, stripped) from None
    else:
        yield _validate(whole, source, "the claim")
        return
    offset = 0
    for lineno, line in enumerate(stripped.splitlines(keepends=True), start=1):
        if line.strip():
            try:
                yield Claim.model_validate_json(line)  # fast path: JSON and shape in one go
            except ValidationError:
                try:
                    item = _loads(line, source, stripped, offset)
                except json.JSONDecodeError as exc:
                    raise _not_json(exc, source, stripped, offset) from None
                yield _validate(item, source, f"line {lineno}")
        offset += len(line)


def read_claims(text: str, source: str = "<stdin>") -> list[Claim]:
    """Every claim in the text, or an ``InvalidInput`` for the first unreadable one."""
    return list(iter_claims(text, source))
