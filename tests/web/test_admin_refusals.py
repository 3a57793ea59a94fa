"""A change refused on the admin pages (AccountError inside the writer's transaction) leaves nothing
behind, even what it wrote before the refusal; other writes of the same batch still commit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select

from tvox_journey.services import accounts
from tvox_journey.services.accounts import AccountError
from tvox_journey.store import users as user_store
from tvox_journey.store.schema import event_log
from tvox_journey.web.pages.users import _change


def counts(client: TestClient) -> tuple[int, int]:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        return user_store.count(conn), int(
            conn.execute(select(func.count()).select_from(event_log)).scalar_one()
        )


def test_a_change_refused_after_writing_leaves_nothing_behind(client: TestClient) -> None:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    before = counts(client)

    def writes_then_refuses(conn: Connection) -> None:
        accounts.add_user(
            conn, username="half", password_hash="x", role="agent", actor="admin", now=resources.now()
        )
        raise AccountError("users.error_last_admin", "refused after writing")

    def adds(conn: Connection) -> None:
        accounts.add_user(
            conn, username="whole", password_hash="x", role="agent", actor="admin", now=resources.now()
        )

    assert client.portal is not None
    refused = client.portal.call(_change, resources, writes_then_refuses)
    assert isinstance(refused, AccountError)
    assert counts(client) == before  # neither the user nor its audit row
    assert client.portal.call(_change, resources, adds) is None
    with resources.db.read.connect() as conn:
        assert user_store.get(conn, "half") is None
        assert user_store.get(conn, "whole") is not None


def test_a_refused_role_change_on_the_page_changes_nothing(client: TestClient) -> None:
    from tests.web.test_auth_admin import submit

    before = counts(client)
    status, page = submit(client, "/admin/users/admin/role", role="viewer")  # the last admin
    assert status == 422
    assert counts(client) == before
