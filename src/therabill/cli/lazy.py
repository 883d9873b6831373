"""Command groups that import a subcommand's module only when that subcommand runs.

The store commands pull in SQLAlchemy, Alembic and the services (about a second of imports);
``therabill units`` and ``therabill --version`` need none of it. The root group therefore knows
each subcommand by name, a loader and the one-line summary its listing shows, and imports the
module behind a name the first time something asks for that command.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup

Target = typer.Typer | Callable[..., Any]


@dataclass(frozen=True)
class LazyCommand:
    """A subcommand known by name before its module is imported.

    ``target`` is ``"module:attribute"``, a Typer sub-app or a command function; ``summary`` is
    the first paragraph of its help, what ``therabill --help`` lists (a test holds the two
    equal); ``adds`` are ``(name, "module:function")`` commands that join the sub-app when it
    loads, for commands kept in a module of their own.
    """

    target: str
    summary: str
    adds: tuple[tuple[str, str], ...] = ()

    def load(self) -> Target:
        loaded: Target = _resolve(self.target)
        if isinstance(loaded, typer.Typer):
            present = {info.name for info in loaded.registered_commands}
            for name, function in self.adds:
                if name not in present:  # once per process, however often the root is built
                    loaded.command(name)(_resolve(function))
        return loaded


def _resolve(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


class LazyCommands(MutableMapping[str, Any]):
    """The group's ``commands``: every name is there at once, each command built on first use.

    Click, Typer and the docs generator all read ``group.commands``; a mapping that loads on
    ``[]`` lets each of them see every command without importing any it does not touch.
    """

    def __init__(
        self, table: Mapping[str, LazyCommand], build: Callable[[str, Target], Any]
    ) -> None:
        self._table = table
        self._build = build
        self._loaded: dict[str, Any] = {}
        self._order = list(table)

    def is_loaded(self, name: str) -> bool:
        return name in self._loaded

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            if name not in self._order:  # never known, or deleted
                raise KeyError(name)
            self._loaded[name] = self._build(name, self._table[name].load())
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._order:
            self._order.append(name)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._order:
            raise KeyError(name)
        self._order.remove(name)
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)


class LazyGroup(TyperGroup):
    """A Typer group whose subcommands come from ``table``, imported on demand.

    Subclass it with ``table`` set, pass it as ``typer.Typer(cls=…)`` and set ``root`` to that
    Typer: each sub-app is converted under the root's settings, exactly as ``add_typer`` or
    ``command`` on the root would have done.
    """

    table: ClassVar[Mapping[str, LazyCommand]]
    root: ClassVar[typer.Typer]

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.lazy_commands = LazyCommands(self.table, self._build)
        self.lazy_commands.update(self.commands)  # any Typer registered on the root itself
        self.commands = self.lazy_commands

    def _build(self, name: str, target: Target) -> Any:
        """The click command ``target`` becomes under ``name`` in the root Typer."""
        holder = typer.Typer(
            rich_markup_mode=self.root.rich_markup_mode,
            pretty_exceptions_short=self.root.pretty_exceptions_short,
            suggest_commands=self.root.suggest_commands,
        )
        if isinstance(target, typer.Typer):
            holder.add_typer(target, name=name)
        else:
            holder.command(name)(target)
        return typer.main.get_group(holder).commands[name]

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List every subcommand with its summary without importing any of them."""
        rows: list[tuple[str, Any]] = []
        for name in self.list_commands(ctx):
            if self.lazy_commands.is_loaded(name) or name not in self.table:
                command = self.lazy_commands[name]
            else:  # what the listing needs of the command: its name and summary
                command = TyperCommand(name=name, help=self.table[name].summary)
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])
