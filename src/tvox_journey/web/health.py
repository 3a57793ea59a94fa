"""`/healthz`: is the server up, its database answering and its writer draining (for load balancers).

It answers within `health_timeout` seconds (1 by default) whatever the database does: the database
is asked on a thread of its own (store/probe.py), one question at a time.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tvox_journey.web.deps import ResourcesDep

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def health(resources: ResourcesDep) -> JSONResponse:
    """200 when the database answers and the writer is draining, 503 otherwise (saying which)."""
    settings = resources.settings
    writer = resources.writer.health()
    draining = writer.draining(settings.write_timeout)
    answers = await resources.db.probe.answers_async(settings.health_timeout)
    body: dict[str, object] = {
        "ok": answers and draining,
        "database": resources.db.write.dialect.name if answers else "unreachable",
        "writer": "draining" if draining else ("stalled" if writer.alive else "stopped"),
    }
    if not draining:
        body["writer_busy_seconds"] = round(writer.busy_for, 1)
        body["writes_waiting"] = writer.waiting
    return JSONResponse(body, status_code=200 if body["ok"] else 503)
