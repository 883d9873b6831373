"""What every store command shares: opening the practice database, one transaction per
command, dates, money, and a progress bar for long runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from therabill.cli.output import err_console
from therabill.errors import InvalidInput
from therabill.store.services import Store, UnitOfWork, open_store

ClientArg = Annotated[str, typer.Argument(help="Client id or chart number.")]


def store(*, initialised: bool = True) -> Store:
    opened = open_store()
    if initialised:
        opened.require_initialised()
    return opened


@contextmanager
def action() -> Iterator[UnitOfWork]:
    """One user action: one transaction on the practice database, audited."""
    opened = store()
    try:
        with opened.transaction() as work:
            yield work
    finally:
        opened.dispose()


def day(value: str | None, field: str, default: dt.date | None = None) -> dt.date | None:
    if value is None or not value.strip():
        return default
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


@contextmanager
def progress_bar(label: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on stderr (never on stdout, so ``--json`` output stays clean)."""
    if not enabled:
        yield lambda _done, _total: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
