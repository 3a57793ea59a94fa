"""`GET /export/db.json`: the tutorial demo's document, built from the database."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from tvox_journey.services import legacy as legacy_services
from tvox_journey.web.deps import ResourcesDep
from tvox_journey.web.security.identity import User, require

router = APIRouter(tags=["export"])


@router.get("/export/db.json")
def export_legacy(
    resources: ResourcesDep, user: Annotated[User, Depends(require("viewer"))]
) -> dict[str, Any]:
    """Every contact with a number and its calls, in the tutorial's db.json format."""
    with resources.db.read.connect() as conn:
        return legacy_services.export_legacy(conn)
