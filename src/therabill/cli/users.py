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
    practice: int | None = typer.Option(
        None,
        "--practice",
        min=1,
        help="The practice the login works for, in --role (default: the only one). A login "
        "that exists already joins it.",
    ),
    json_output: JsonOption = False,
) -> None:
    """Add a login. Without --password-stdin a one-time password is printed; the user chooses
    their own at first login. With --practice, a login that exists already joins that
    practice in --role instead.

    Example: therabill user add ana --role therapist --provider 1234567893
    """
    from sqlalchemy import select

    from therabill.store.models import User
    from therabill.store.services import practices, users

    given = typer.get_text_stream("stdin").readline().rstrip("\n") if password_stdin else None
    store = _store()
    if practice is not None:
        with store.transaction(practice=practice) as work:
            taken = work.db.execute(select(User.id).where(User.username == username.strip()))
            joined = None
            if taken.first() is not None:
                joined = practices.join_by_name(work, username=username, role=role)
        if joined is not None:
            if json_output:
                emit_json(
                    {
                        "username": username.strip(),
                        "practice": joined.practice_id,
                        "role": joined.role.value,
                    }
                )
            else:
                console.print(f"{username.strip()} joined {joined.name} ({joined.role.value}).")
            return
    with store.transaction(practice=practice) as work:
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
    """Give a user a new one-time password, end their open sessions and revoke their API
    tokens.

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
    days: int = typer.Option(
        90, "--days", min=1, max=366, help="Days until the token stops working."
    ),
    list_them: bool = typer.Option(False, "--list", help="List the user's tokens instead."),
    revoke: int = typer.Option(
        0, "--revoke", min=0, help="Revoke the user's token with this id (see --list)."
    ),
    json_output: JsonOption = False,
) -> None:
    """Create an API token for a user (printed once; only its hash is kept), list a user's
    tokens, or revoke one. Tokens expire (90 days unless --days); a password reset or
    change and disabling the user revoke them all.

    Example: therabill user token ana --name clearinghouse-sync --days 30
    """
    from therabill.store.services import api_tokens, users

    store = _store()
    with store.transaction() as work:
        user_id = users.user_named(work, username).id
        if revoke:
            api_tokens.revoke_token(work, token_id=revoke, user_id=user_id)
        elif list_them:
            rows = [t.to_dict() for t in api_tokens.list_tokens(work, user_id=user_id)]
        else:
            secret = api_tokens.issue_token(work, user_id=user_id, name=name, days=days)
    if revoke:
        if json_output:
            emit_json({"username": username, "revoked": revoke})
        else:
            console.print(f"Revoked API token {revoke} of {username}.")
    elif list_them:
        if json_output:
            emit_json(rows)
            return
        for row in rows:
            console.print(
                f"{row['id']:>4}  {row['name']!s:<24} {row['state']!s:<8} "
                f"expires {str(row['expires_at'])[:10]}"
            )
    elif json_output:
        emit_json({"username": username, "token": secret, "days": days})
    else:
        console.print(f"API token for {username} (shown once, {days} days): {secret}")


@app.command("mfa-reset")
@handles_errors
def mfa_reset(
    username: str = typer.Argument(..., help="Login name."),
    json_output: JsonOption = False,
) -> None:
    """Take away a user's second factor (a lost phone, no recovery code left): they set up
    an authenticator again at their next login.

    Example: therabill user mfa-reset ana
    """
    from therabill.store.services import mfa, users

    store = _store()
    with store.transaction() as work:
        mfa.reset(work, user_id=users.user_named(work, username).id)
    if json_output:
        emit_json({"username": username, "mfa": "reset"})
    else:
        console.print(f"Second factor of {username} reset; they set it up again at next login.")


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
