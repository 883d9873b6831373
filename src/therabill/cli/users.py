"""``therabill user``: logins for the web app and tokens for its API."""

from __future__ import annotations

import typer

from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.store.services import Store, open_store

app = typer.Typer(
    help="Web app logins and API tokens.\n\nExample: therabill user add ana --role biller",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _store() -> Store:
    store = open_store()
    store.require_initialised()  # at the newest migration, so the web tables are there
    return store


@app.command("add")
@handles_errors
def add(
    username: str = typer.Argument(..., help="Login name (letters, digits, dots, dashes)."),
    role: str = typer.Option("biller", "--role", help="therapist, biller or admin."),
    provider: str = typer.Option(
        "", "--provider", help="For a therapist: the provider's NPI or id (their own sessions)."
    ),
    name: str = typer.Option("", "--name", help="Name shown in the app."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin instead of a one-time one."
    ),
    json_output: JsonOption = False,
) -> None:
    """Add a login. Without --password-stdin a one-time password is printed; the user chooses
    their own at first login.

    Example: therabill user add ana --role therapist --provider 1234567893
    """
    from therabill.store.services import users

    given = typer.get_text_stream("stdin").readline().rstrip("\n") if password_stdin else None
    store = _store()
    with store.transaction() as work:
        added = users.add_login(
            work,
            username=username,
            role=role,
            provider=provider,
            display_name=name,
            password=given,
        )
    result: dict[str, object] = {
        "id": added.id,
        "username": added.username,
        "role": added.role.value,
    }
    if added.one_time_password:
        result["one_time_password"] = added.one_time_password
    if json_output:
        emit_json(result)
        return
    console.print(f"Added {added.username} ({added.role.value}).")
    if added.one_time_password:
        console.print(
            f"One-time password: {added.one_time_password}  (they choose their own at first login)"
        )


@app.command("password")
@handles_errors
def password(
    username: str = typer.Argument(..., help="Login name."),
    json_output: JsonOption = False,
) -> None:
    """Give a user a new one-time password and end their open sessions.

    Example: therabill user password ana
    """
    from therabill.store.services import users

    store = _store()
    with store.transaction() as work:
        new = users.reset_password(work, user_id=users.user_named(work, username).id)
    if json_output:
        emit_json({"username": username, "one_time_password": new})
    else:
        console.print(f"One-time password for {username}: {new}")


@app.command("token")
@handles_errors
def token(
    username: str = typer.Argument(..., help="Login name the token acts as."),
    name: str = typer.Option("api", "--name", help="What the token is for."),
    json_output: JsonOption = False,
) -> None:
    """Create an API token for a user (printed once; only its hash is kept).

    Example: therabill user token ana --name clearinghouse-sync
    """
    from therabill.store.services import api_tokens, users

    store = _store()
    with store.transaction() as work:
        user_id = users.user_named(work, username).id
        secret = api_tokens.issue_token(work, user_id=user_id, name=name)
    if json_output:
        emit_json({"username": username, "token": secret})
    else:
        console.print(f"API token for {username} (shown once): {secret}")


@app.command("list")
@handles_errors
def list_users(json_output: JsonOption = False) -> None:
    """List logins and their roles.

    Example: therabill user list --json
    """
    from therabill.store.services import users

    store = _store()
    with store.transaction() as work:
        rows = [
            {"id": u.id, "username": u.username, "role": u.role, "name": u.name}
            for u in users.list_users(work)
        ]
    if json_output:
        emit_json(rows)
        return
    for row in rows:
        console.print(f"{row['id']:>4}  {row['username']:<20} {row['role']:<10} {row['name']}")
