"""Shared CLI plumbing: JSON output, Rich console, and the one place errors become ``Error:``.

Every command takes ``--json``; on bad input nothing goes to stdout and a one-line
``Error: …`` goes to stderr with exit status 2.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from therabill.errors import NotFound, TherabillError

P = ParamSpec("P")
R = TypeVar("R")

# Markup off: what therabill prints is data (names, payer messages, "[connection]" in an error)
# and square brackets in it must show as typed. A line styled on purpose says markup=True and
# passes its data through ``escape``.
console = Console(highlight=False, soft_wrap=True, markup=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")
]

EXIT_BAD_INPUT = 2


def emit_json(data: Any) -> None:
    """Write one JSON document to stdout (UTF-8, stable key order as built)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``Error: message`` on stderr and exit (nothing on stdout)."""
    sys.stderr.write(f"Error: {message}\n")
    raise typer.Exit(code)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn every ``TherabillError`` raised by a command into ``Error: …`` and exit 2, and
    a record not found (``NotFound``: another practice's, or none) into ``Error: not found``
    rather than a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except TherabillError as exc:
            fail(str(exc))
        except NotFound as exc:
            fail(str(exc) or "not found")

    return wrapper
