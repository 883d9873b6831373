"""``therabill user``: logins for the web app and tokens for its API."""

from __future__ import annotations

import typer
from sqlalchemy import select

from therabill.cli.output import JsonOption, console, emit_json, fail, handles_errors
from therabill.store.models import User
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
    from therabill.store.services import lookup
    from therabill.web import accounts

    chosen_role = accounts.parse_role(role)
    one_time = not password_stdin
    if one_time:
        password = accounts.one_time_password() + "-once"
    else:
        password = typer.get_text_stream("stdin").readline().rstrip("\n")
    store = _store()
    with store.transaction() as work:
        provider_id = lookup.provider(work, provider).id if provider else None
        user = accounts.create_user(
            work,
            username=username,
            role=chosen_role,
            password=password,
            display_name=name,
            provider_id=provider_id,
            must_change_password=one_time,
        )
        result = {"id": user.id, "username": user.username, "role": chosen_role.value}
    if one_time:
        result["one_time_password"] = password
    if json_output:
        emit_json(result)
        return
    console.print(f"Added {result['username']} ({result['role']}).")
    if one_time:
        console.print(f"One-time password: {password}  (they choose their own at first login)")


@app.command("password")
@handles_errors
def password(
    username: str = typer.Argument(..., help="Login name."),
    json_output: JsonOption = False,
) -> None:
    """Give a user a new one-time password and end their open sessions.

    Example: therabill user password ana
    """
    from therabill.web import accounts, sessions

    store = _store()
    new = accounts.one_time_password() + "-once"
    with store.transaction() as work:
        user = work.db.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            fail(f"no user {username!r}")
        accounts.set_password(work, user_id=user.id, password=new, must_change=True)
        sessions.end_all_sessions(work.db.connection(), user.id)
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
    from therabill.web import sessions

    store = _store()
    with store.transaction() as work:
        user = work.db.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            fail(f"no user {username!r}")
        secret = sessions.issue_token(work.db.connection(), user.id, name)
        work.audit("create", "api_token", user.id, name[:40])
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
    store = _store()
    with store.transaction() as work:
        rows = [
            {"id": u.id, "username": u.username, "role": u.role, "name": u.display_name}
            for u in work.db.execute(select(User).order_by(User.username)).scalars()
        ]
        work.audit("list", "user", "*")
    if json_output:
        emit_json(rows)
        return
    for row in rows:
        console.print(f"{row['id']:>4}  {row['username']:<20} {row['role']:<10} {row['name']}")
