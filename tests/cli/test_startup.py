"""The quick commands start without the database and web libraries; the lazy root lists and
runs every command exactly as an eager one would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperCommand

from therabill import __version__
from therabill.cli.main import COMMANDS, app

CLAIM = Path(__file__).resolve().parents[1] / "claims" / "data" / "claim-complete.json"
# What the store and web commands need and the quick commands must not pay for.
HEAVY = ("sqlalchemy", "alembic", "fastapi", "starlette", "uvicorn", "jinja2", "psycopg", "argon2")
HEAVY_OURS = ("therabill.store", "therabill.web")


def imported_modules(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime -m therabill ARGS``; its result and every module it imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "therabill", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = {
        line.rpartition("|")[2].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    return done, modules


def heavy_among(modules: set[str]) -> list[str]:
    return sorted(
        name for name in modules if name.split(".")[0] in HEAVY or name.startswith(HEAVY_OURS)
    )


@pytest.mark.parametrize(
    ("args", "stdout_starts"),
    [
        (["--version"], f"therabill {__version__}\n"),
        (["--help"], "Usage: "),
        (["units", "97110=30"], "Units by the cms rule"),
        (["codes", "show", "97110"], "97110 (CPT)"),
        (["scrub", str(CLAIM)], "C-1001: OK"),
    ],
    ids=["version", "help", "units", "codes-show", "scrub"],
)
def test_quick_commands_import_no_database_or_web_library(
    args: list[str], stdout_starts: str
) -> None:
    done, modules = imported_modules(*args)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith(stdout_starts), done.stdout
    assert "therabill.cli.main" in modules  # the import list is really read
    assert heavy_among(modules) == []


def test_a_store_command_still_loads_the_store() -> None:
    """The check above can fail: a command that needs the database does import it."""
    done, modules = imported_modules("ledger", "--help")
    assert done.returncode == 0, done.stderr[-2000:]
    assert {"sqlalchemy", "therabill.store"} <= set(heavy_among(modules))


def loaded_root() -> Any:
    """A root group with every command imported, as the eager root had them."""
    root = typer.main.get_command(app)
    list(root.commands.values())  # each value is its command, imported on the way
    return root


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_listed_summary_is_the_commands_own_help(name: str) -> None:
    real = loaded_root().commands[name]
    listed = TyperCommand(name=name, help=COMMANDS[name].summary)
    for limit in (20, 45, 60, 80, 1000):
        assert listed.get_short_help_str(limit) == real.get_short_help_str(limit), (
            f"the summary of {name!r} in therabill/cli/main.py COMMANDS differs from its help"
        )


@pytest.mark.parametrize("width", [60, 80, 100, 200])
def test_the_root_help_is_the_same_loaded_or_not(width: int) -> None:
    def help_text(root: Any) -> str:
        ctx = root.context_class(
            root, info_name="therabill", terminal_width=width, max_content_width=width
        )
        return str(root.get_help(ctx))

    lazy = typer.main.get_command(app)
    assert help_text(lazy) == help_text(loaded_root())
    assert all(f"\n  {name} " in help_text(lazy) for name in COMMANDS)


def test_the_listing_imports_no_command_and_a_command_only_itself() -> None:
    root = typer.main.get_command(app)
    root.get_help(root.context_class(root, info_name="therabill"))
    assert [name for name in COMMANDS if root.lazy_commands.is_loaded(name)] == []
    assert root.commands["units"].name == "units"
    assert [name for name in COMMANDS if root.lazy_commands.is_loaded(name)] == ["units"]


def test_the_root_lists_every_command_in_the_table_order() -> None:
    root = typer.main.get_command(app)
    assert root.list_commands(root.context_class(root)) == list(COMMANDS)
    assert all(root.commands[name].name == name for name in COMMANDS)


def test_commands_kept_in_their_own_module_join_their_group() -> None:
    root = loaded_root()
    assert "submit" in root.commands["claims"].commands
    assert "ack" in root.commands["x12"].commands


def test_a_mistyped_command_still_gets_suggestions() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "therabill", "unit"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.endswith(
        "Error: No such command 'unit'. Did you mean 'units', 'init', 'audit'?\n"
    )
