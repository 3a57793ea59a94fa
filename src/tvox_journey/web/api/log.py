"""The JSON API of the event log: the log found by filters (admins), and the requests that built one
interaction with what each changed (viewers, as the interaction itself)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from tvox_journey import explain, log_search
from tvox_journey.domain.fold import step_values
from tvox_journey.store import log_query
from tvox_journey.web.api.schemas import (
    CallEventOut,
    EventDataOut,
    FieldChangeOut,
    InteractionEventsOut,
    LogPageOut,
    LogRowOut,
    interaction_out,
    json_value,
)
from tvox_journey.web.deps import ResourcesDep
from tvox_journey.web.security.identity import require

router = APIRouter(prefix="/api/v1", tags=["api"])
MAX_LIMIT = 500
MAX_CALL_ID = 255
Text = Annotated[str | None, Query(max_length=1024)]


def _pairs(row: dict[str, Any]) -> list[tuple[str, str]]:
    stored = row.get("params")
    if not isinstance(stored, list):
        return []
    return [(str(p[0]), str(p[1])) for p in stored if isinstance(p, list | tuple) and len(p) == 2]


def _request_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The fields of a log row that a page of the log and a call's requests both show."""
    return {
        "seq": int(row["seq"]),
        "received_at": log_query.utc(row["received_at"]),
        "method": row["method"],
        "path": row["path"],
        "route": row["route"],
        "outcome": row["outcome"],
        "status_code": int(row["status_code"]),
        "reason": row.get("reason"),
        "replay_of": row.get("replay_of"),
        "params": _pairs(row),
    }


def _row_out(row: dict[str, Any], contact_ids: list[int]) -> LogRowOut:
    body = row.get("body")
    return LogRowOut(
        **_request_fields(row),
        actor=row.get("actor"),
        call_id=row.get("call_id"),
        number_normalized=row.get("number_key"),
        body=body.decode("utf-8", errors="replace") if body else None,
        seen_count=int(row.get("seen_count") or 1),
        last_seen_at=log_query.utc(last) if (last := row.get("last_seen_at")) else None,
        request_bytes=row.get("request_bytes"),
        request_id=row.get("request_id"),
        remote_addr=row.get("remote_addr"),
        contact_ids=contact_ids,
    )


@router.get("/log", response_model=LogPageOut, dependencies=[Depends(require("admin"))])
def read_log(
    resources: ResourcesDep,
    route: Annotated[str | None, Query(max_length=1024, description="The route, e.g. service/ring")] = None,
    outcome: Annotated[str | None, Query(max_length=1024, description="accepted, duplicate, ...")] = None,
    number: Annotated[str | None, Query(max_length=1024, description="A number in any format")] = None,
    call_id: Text = None,
    since: Annotated[str | None, Query(max_length=1024, description="ISO-8601; received at or after")] = None,
    until: Annotated[str | None, Query(max_length=1024, description="ISO-8601; received before")] = None,
    text: Annotated[str | None, Query(max_length=1024, description="In a parameter's name=value")] = None,
    cursor: Text = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> LogPageOut:
    """The event log, newest first, by route, outcome, number, call id, time range and text (admins)."""
    fields = {"route": route, "outcome": outcome, "number": number, "call_id": call_id}
    fields |= {"since": since, "until": until, "text": text, "cursor": cursor}
    try:
        query = log_search.parse_query(fields, policy=resources.policy, zone=resources.display_zone)
    except log_search.FilterError as error:
        raise HTTPException(422, str(error)) from None
    with resources.db.read.connect() as conn:
        page = log_query.find(conn, query.filter, limit=limit, after=query.cursor)
        links = log_search.contact_links(conn, page.rows)
    items = [_row_out(r, [c for c, _name in links.get(int(r["seq"]), [])]) for r in page.rows]
    return LogPageOut(items=items, next_cursor=page.next.token() if page.next else None, bounded=page.bounded)


def _event_out(item: explain.ExplainedRow, before: dict[str, object] | None) -> CallEventOut:
    row, event, step = item.row, item.event, item.step
    changes = []
    if step is not None:
        after = step_values(step.after)
        changes = [
            FieldChangeOut(
                field=name, before=json_value(before[name]) if before else None, after=json_value(after[name])
            )
            for name in step.changed
        ]
    data = None
    if event is not None:
        data = EventDataOut(
            call_type=event.call_type.value,
            action=event.action.value,
            occurred_at=event.occurred.at,
            occurred_text=event.occurred.text,
            raw_event=event.raw_event,
        )
    return CallEventOut(
        **_request_fields(row),
        event=data,
        note=item.note,
        fold_position=item.position,
        same_as=item.same_as,
        replayed_by=item.replayed_by,
        changes=changes,
    )


@router.get(
    "/interactions/{call_id:path}/events",
    response_model=InteractionEventsOut,
    dependencies=[Depends(require("viewer"))],
)
def read_interaction_events(call_id: str, resources: ResourcesDep) -> InteractionEventsOut:
    """The requests that built an interaction, in arrival and event-time order, with what each changed."""
    found = None
    if 0 < len(call_id) <= MAX_CALL_ID:
        with resources.db.read.connect() as conn:
            found = explain.explain(conn, call_id)
    if found is None:
        raise HTTPException(404, "interaction not found")
    before: dict[int, dict[str, object] | None] = {}
    previous: dict[str, object] | None = None
    for number, step in enumerate(found.steps, start=1):
        before[number] = previous
        previous = step_values(step.after)
    return InteractionEventsOut(
        call_id=found.call_id,
        interaction=interaction_out(found.stored) if found.stored else None,
        events=[_event_out(item, before.get(item.position or 0)) for item in found.rows],
        event_time_order=[int(item.row["seq"]) for item in found.in_fold_order()],
        truncated=found.truncated,
    )
