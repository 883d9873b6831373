"""``therabill practice``: the practices of one installation (a billing office on PostgreSQL)."""

from __future__ import annotations

import typer

from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.store.services import current_actor, open_store

app = typer.Typer(
    help="The practices of a billing office's installation (PostgreSQL).\n\n"
    "On SQLite one installation is one practice.\n\n"
    'Example: therabill practice add "Bay Speech"',
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("add")
@handles_errors
def add(
    name: str = typer.Argument(..., help="The new practice's name."),
    json_output: JsonOption = False,
) -> None:
    """Add a practice to the installation; you become its admin when you have a login of the
    same name. Set it up next with: therabill --practice ID init --npi … (and payer, provider,
    fee, user add).

    Example: therabill practice add "Bay Speech"
    """
    from therabill.store.services import practices

    store = open_store()
    try:
        store.require_initialised()
        added = practices.add_practice(store, name=name, actor=current_actor())
    finally:
        store.dispose()
    if json_output:
        emit_json({"id": added, "name": name.strip()})
        return
    console.print(f"Added practice {added}: {name.strip()}. Work on it with --practice {added}.")


@app.command("list")
@handles_errors
def list_command(json_output: JsonOption = False) -> None:
    """The installation's practices, by id.

    Example: therabill practice list
    """
    from therabill.store.services import practices

    store = open_store()
    try:
        store.require_initialised()
        found = practices.list_practices(store)
    finally:
        store.dispose()
    if json_output:
        emit_json([{"id": i, "name": n} for i, n in found])
        return
    for practice_id, name in found:
        console.print(f"{practice_id}  {name}")
