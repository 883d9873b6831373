"""One exception family for input that cannot be used.

Findings say what is wrong *with a claim*; these exceptions say that the input could not be
read at all. The CLI maps every ``TherabillError`` to ``Error: …`` and exit status 2 in one
place (``therabill.cli.output``), the API to problem+json.
"""

from __future__ import annotations


class TherabillError(Exception):
    """Base of every error therabill reports to a user.

    ``field`` names what was wrong (an argument, a JSON path, a file and row) so the message
    can point at it; ``hint`` says what to do about it.
    """

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        if not self.hint:
            return text
        # the message is a sentence of its own before the hint's
        end = "" if text.rstrip().endswith((".", "?", "!", ":")) else "."
        return f"{text.rstrip()}{end} {self.hint}"


class InvalidInput(TherabillError):
    """A value given by the user (argument, field) that cannot be used as it is."""


class UnknownCode(InvalidInput):
    """A procedure code that is not in the code set; carries the nearest real codes."""

    def __init__(self, code: str, suggestions: list[str], *, field: str | None = None) -> None:
        hint = (
            f"Did you mean {', '.join(suggestions)}?"
            if suggestions
            else "There is no such code, and none close to it: check the code, or add it by "
            "importing your licensed descriptor file with its timing (therabill codes import)."
        )
        super().__init__(f"{code!r} is not a known procedure code.", field=field, hint=hint)
        self.code = code
        self.suggestions = suggestions


class CodeNotActive(InvalidInput):
    """A real code used on a date when it was not (yet, or any longer) valid."""

    def __init__(
        self, code: str, message: str, replacements: list[str], *, field: str | None = None
    ) -> None:
        hint = f"Use {' or '.join(replacements)} instead." if replacements else None
        super().__init__(message, field=field, hint=hint)
        self.code = code
        self.replacements = replacements


class DataFileError(TherabillError):
    """A data file shipped with or given to therabill is malformed; names the file and row."""

    def __init__(self, path: str, row: int | None, message: str) -> None:
        where = f"{path}, row {row}" if row is not None else path
        super().__init__(message, field=where)
        self.path = path
        self.row = row


class NotFound(Exception):
    """No such record, or not one this user may see (the same answer either way, so ids
    cannot be probed). Not a :class:`TherabillError`: a form that reports bad input beside
    its fields must not report this there; the web app answers 404."""
