"""`tvox-journey users add|passwd|remove|list|token`: the people who may log in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import typer
from sqlalchemy import Connection

from tvox_journey.cli import app
from tvox_journey.cli.options import DatabaseOption, load_settings
from tvox_journey.services import accounts
from tvox_journey.settings import Settings
from tvox_journey.store import users as user_store
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade

users_app = typer.Typer(help="Users of the pages and the API, and their roles.", no_args_is_help=True)
app.add_typer(users_app, name="users")

ACTOR = "cli"
T = TypeVar("T")

UsernameArgument = Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -)")]
PasswordOption = Annotated[
    str | None,
    typer.Option(
        "--password",
        help="The password (asked for when left out; prefer that, a command line is visible to others)",
    ),
]


def _write(settings: Settings, fn: Callable[[Connection], T], *, write: bool = True) -> T:
    """Run `fn` in one transaction; an AccountError becomes a message and exit code 1."""
    upgrade(settings.database_url)
    db = make_database(settings.database_url)
    try:
        with (db.write if write else db.read).begin() as conn:
            return fn(conn)
    except accounts.AccountError as error:
        typer.echo(f"Error: {error}.", err=True)
        raise typer.Exit(1) from None
    finally:
        db.dispose()


def _new_password(given: str | None) -> str:
    password = (
        given if given is not None else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        accounts.check_password(password)
    except accounts.AccountError as error:
        typer.echo(f"Error: {error}.", err=True)
        raise typer.Exit(1) from None
    return password


def _username(raw: str) -> str:
    try:
        return accounts.check_username(raw)
    except accounts.AccountError as error:
        typer.echo(f"Error: {error}.", err=True)
        raise typer.Exit(1) from None


def _hash(settings: Settings, password: str) -> str:
    return accounts.Passwords(settings.password_hash_memory_kib).hash(password)


@users_app.command("add")
def add(
    username: UsernameArgument,
    role: Annotated[str, typer.Option(help=f"One of {', '.join(accounts.ROLES)}")] = "viewer",
    password: PasswordOption = None,
    database: DatabaseOption = None,
) -> None:
    """Add a user with a role: admin (everything), supervisor (read only, with the reports), agent (journeys
    and contacts), viewer (read only)."""
    settings = load_settings(database_url=database)
    name = _username(username)
    try:
        accounts.check_role(role)
    except accounts.AccountError as error:
        typer.echo(f"Error: {error}.", err=True)
        raise typer.Exit(1) from None
    password_hash = _hash(settings, _new_password(password))
    now = datetime.now(UTC)
    _write(
        settings,
        lambda conn: accounts.add_user(
            conn, username=name, password_hash=password_hash, role=role, actor=ACTOR, now=now
        ),
    )
    typer.echo(f"Added {name} ({role}).")


@users_app.command("passwd")
def passwd(
    username: UsernameArgument, password: PasswordOption = None, database: DatabaseOption = None
) -> None:
    """Set a user's password (their open sessions end)."""
    settings = load_settings(database_url=database)
    name = _username(username)
    password_hash = _hash(settings, _new_password(password))
    now = datetime.now(UTC)
    _write(
        settings,
        lambda conn: accounts.set_password(
            conn, username=name, password_hash=password_hash, actor=ACTOR, now=now
        ),
    )
    typer.echo(f"Password of {name} changed.")


@users_app.command("role")
def role(
    username: UsernameArgument,
    new_role: Annotated[str, typer.Argument(metavar="ROLE", help=f"One of {', '.join(accounts.ROLES)}")],
    database: DatabaseOption = None,
) -> None:
    """Change a user's role."""
    settings = load_settings(database_url=database)
    name = _username(username)
    now = datetime.now(UTC)
    _write(settings, lambda conn: accounts.set_role(conn, username=name, role=new_role, actor=ACTOR, now=now))
    typer.echo(f"{name} is now {new_role}.")


@users_app.command("remove")
def remove(username: UsernameArgument, database: DatabaseOption = None) -> None:
    """Delete a user (the last admin cannot be removed)."""
    settings = load_settings(database_url=database)
    name = _username(username)
    now = datetime.now(UTC)
    _write(settings, lambda conn: accounts.remove_user(conn, username=name, actor=ACTOR, now=now))
    typer.echo(f"Removed {name}.")


@users_app.command("list")
def list_users(database: DatabaseOption = None) -> None:
    """Every user with role, API token (yes/no) and creation time."""
    settings = load_settings(database_url=database)
    everyone = _write(settings, user_store.all_users, write=False)
    if not everyone:
        typer.echo("No users yet: the server creates 'admin' at its first start.")
        return
    width = max(len(u.username) for u in everyone)
    for user in everyone:
        token = "token" if user.has_token else "-"
        typer.echo(f"{user.username:<{width}}  {user.role:<10}  {token:<5}  {user.created_at:%Y-%m-%d %H:%M}")


@users_app.command("token")
def token(
    username: UsernameArgument,
    revoke: Annotated[bool, typer.Option("--revoke", help="Remove the user's token instead")] = False,
    database: DatabaseOption = None,
) -> None:
    """Issue a new API token for a user (replacing the old one); it is shown only now."""
    settings = load_settings(database_url=database)
    name = _username(username)
    now = datetime.now(UTC)
    if revoke:
        _write(settings, lambda conn: accounts.revoke_token(conn, username=name, actor=ACTOR, now=now))
        typer.echo(f"API token of {name} revoked.")
        return
    issued = _write(settings, lambda conn: accounts.issue_token(conn, username=name, actor=ACTOR, now=now))
    typer.echo(f"API token of {name} (shown only now; send it as `Authorization: Bearer <token>`):")
    typer.echo(issued)
