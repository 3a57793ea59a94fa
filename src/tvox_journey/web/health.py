"""`/healthz`: is the server up and its database reachable (for load balancers and scripts)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tvox_journey.web.deps import ResourcesDep

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def health(resources: ResourcesDep) -> JSONResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        with resources.db.read.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
    return JSONResponse({"ok": True, "database": resources.db.write.dialect.name})
