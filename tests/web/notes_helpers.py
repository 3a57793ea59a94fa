"""Helpers for the notes tests: a call on Mario Rossi's card, users of each role, notes through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from tests.web.pages_helpers import add_contact, ring

CALL = "1605867847.783@d92061befe"
OTHER_CALL = "1605867999.1@d92061befe"
PASSWORD = "password-for-tests"


def card_with_calls(client: TestClient) -> int:
    """Mario Rossi with two calls of his number; returns his contact id."""
    mario = add_contact(client)
    ring(client, CALL, "2024-01-10T09:00:00.000Z")
    ring(client, OTHER_CALL, "2024-01-10T10:00:00.000Z")
    return mario


def as_user(client: TestClient, make_user: Callable[..., str], username: str, role: str) -> tuple[str, str]:
    """Credentials of a new user of `role` (pass as `auth=`)."""
    make_user(username, role, PASSWORD)
    return (username, PASSWORD)


def add_note(client: TestClient, auth: Any = None, call_id: str = CALL, **body: Any) -> Any:
    kwargs = {"auth": auth} if auth is not None else {}
    return client.post(f"/api/v1/interactions/{call_id}/notes", json=body, **kwargs)
