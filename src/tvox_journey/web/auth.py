"""Who is asking: the current user and role checks for pages and API.

INTERIM: until the security work (issue 5) lands, every request is treated as
the admin. Route code already depends on `CurrentUser` / `require(role)` so
that the real implementation only changes this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

ROLES = ("viewer", "agent", "admin")  # each role can do what the ones before it can


@dataclass(frozen=True)
class User:
    username: str
    role: str

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def current_user(request: Request) -> User:
    return User("admin", "admin")


CurrentUser = Annotated[User, Depends(current_user)]


def require(role: str) -> Callable[[User], User]:
    """A dependency that lets through users with at least `role`, else 403."""

    def check(user: CurrentUser) -> User:
        if not user.can(role):
            raise HTTPException(403, f"requires the {role} role")
        return user

    return check
