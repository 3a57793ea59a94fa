"""`tvox-journey users ...` and the demo's login hint: users made on the command line can log in."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from tvox_journey.cli import app
from tvox_journey.services import accounts
from tvox_journey.store import users as user_store
from tvox_journey.store.engine import make_database
from tvox_journey.store.schema import event_log

runner = CliRunner()


def invoke(*args: str, input: str | None = None) -> Result:
    from tvox_journey.cli import db, demo, serve, transfer, users  # noqa: F401  (registers the commands)

    return runner.invoke(app, list(args), input=input, env={"TVOX_JOURNEY_PASSWORD_HASH_MEMORY_KIB": "64"})


def stored(db_url: str, username: str) -> user_store.StoredUser | None:
    db = make_database(db_url)
    try:
        with db.read.connect() as conn:
            return user_store.get(conn, username)
    finally:
        db.dispose()


def actions(db_url: str) -> list[tuple[str, str | None, object]]:
    db = make_database(db_url)
    try:
        with db.read.connect() as conn:
            query = select(event_log.c.route, event_log.c.actor, event_log.c.params).order_by(event_log.c.seq)
            return [(r.route, r.actor, r.params) for r in conn.execute(query)]
    finally:
        db.dispose()


def test_users_add_asks_for_the_password_twice_and_stores_only_a_hash(db_url: str) -> None:
    result = invoke(
        "users", "add", "Maria", "--role", "agent", "--database", db_url, input="maria-secret-1\n" * 2
    )
    assert result.exit_code == 0, result.output
    assert "Added maria (agent)." in result.output
    user = stored(db_url, "maria")
    assert user is not None and user.role == "agent"
    assert "maria-secret-1" not in user.password_hash
    assert accounts.Passwords(64).verify(user.password_hash, "maria-secret-1")
    assert actions(db_url) == [("user/create", "cli", [["username", "maria"], ["role", "agent"]])]


def test_users_passwd_role_token_list_and_remove(db_url: str) -> None:
    assert invoke("users", "add", "luca", "--password", "luca-secret-1", "--database", db_url).exit_code == 0
    assert (
        invoke("users", "passwd", "luca", "--password", "luca-secret-2", "--database", db_url).exit_code == 0
    )
    user = stored(db_url, "luca")
    assert user is not None and accounts.Passwords(64).verify(user.password_hash, "luca-secret-2")
    assert "luca is now agent" in invoke("users", "role", "luca", "agent", "--database", db_url).output
    token = invoke("users", "token", "luca", "--database", db_url).output.strip().splitlines()[-1]
    assert token.startswith(accounts.TOKEN_PREFIX)
    listing = invoke("users", "list", "--database", db_url).output
    assert "luca" in listing and "agent" in listing and "token" in listing
    assert "revoked" in invoke("users", "token", "luca", "--revoke", "--database", db_url).output
    assert "Removed luca." in invoke("users", "remove", "luca", "--database", db_url).output
    assert stored(db_url, "luca") is None
    logged = repr(actions(db_url))
    assert token not in logged and "luca-secret" not in logged
    assert [a[0] for a in actions(db_url)] == [
        "user/create", "user/password", "user/role", "user/token", "user/token-revoke", "user/delete",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "add", "x y", "--password", "long-enough-1"), "user names are"),
        (("users", "add", "bob", "--password", "short"), "at least 8 characters"),
        (("users", "add", "bob", "--role", "root", "--password", "long-enough-1"), "the role is one of"),
        (("users", "passwd", "ghost", "--password", "long-enough-1"), "no user 'ghost'"),
        (("users", "remove", "ghost"), "no user 'ghost'"),
    ],
)
def test_invalid_user_commands_exit_1_with_a_message(
    db_url: str, args: tuple[str, ...], message: str
) -> None:
    result = invoke(*args, "--database", db_url)
    assert result.exit_code == 1
    assert message in result.output


def test_the_last_admin_cannot_be_removed_from_the_command_line(db_url: str) -> None:
    assert (
        invoke(
            "users", "add", "boss", "--role", "admin", "--password", "boss-secret-1", "--database", db_url
        ).exit_code
        == 0
    )
    result = invoke("users", "remove", "boss", "--database", db_url)
    assert result.exit_code == 1 and "last admin" in result.output


def test_the_demo_prints_how_to_log_in_and_that_login_works(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    result = invoke("demo", "--path", str(path), "--no-serve")
    assert result.exit_code == 0, result.output
    assert "/login as admin with the password tvox-demo" in result.output
    user = stored(f"sqlite:///{path}", "admin")
    assert user is not None and user.role == "admin"
    assert accounts.Passwords().verify(user.password_hash, "tvox-demo")


def test_the_demo_on_a_network_address_uses_a_random_password(tmp_path: Path) -> None:
    result = invoke("demo", "--path", str(tmp_path / "demo.db"), "--host", "0.0.0.0", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "login as admin with the password" in result.output
    assert "tvox-demo" not in result.output
