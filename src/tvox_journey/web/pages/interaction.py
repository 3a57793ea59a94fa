"""The interaction page, `/interactions/{call id}`: the call as the card shows it, and the requests that
built it, in event-time order (the fold's) or arrival order, each with its outcome and what it changed.

This is how an integrator sees why a call looks the way it does (explain.py). Viewers may read it, as
they read the card that links here; the sender's address and the log's links are for admins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tvox_journey import explain
from tvox_journey.domain.events import Instant
from tvox_journey.domain.fold import step_values
from tvox_journey.domain.interaction import Kind, Outcome, TransferLeg
from tvox_journey.store import log_query
from tvox_journey.web.deps import ResourcesDep
from tvox_journey.web.pages import i18n
from tvox_journey.web.pages.common import Viewer
from tvox_journey.web.pages.journey import KIND_LABELS, OUTCOME_LABELS, Names, Translate, journey_row
from tvox_journey.web.pages.log import params_of
from tvox_journey.web.pages.note_rows import notes_of
from tvox_journey.web.pages.render import MISSING, Formatter, formatter, language, render

router = APIRouter(include_in_schema=False)
MAX_CALL_ID = 255
ORDERS = ("time", "arrival")


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class EventRow:
    """One request of the call, written for people."""

    seq: int
    received: str
    method: str
    path: str
    outcome: str
    status_code: int
    reason: str
    action: str  # the event's type and action, e.g. "service ring"
    occurred: str  # the event time as TVox sent it, in the display zone
    note: str
    position: int | None
    changes: list[Change]
    params: list[tuple[str, str]]
    same_as: int | None
    replayed_by: int | None
    replay_of: int | None
    remote_addr: str


def _value(name: str, value: object, names: Names, fmt: Formatter, _: Translate) -> str:
    """A field's value as the page writes it (the card's labels and display names)."""
    if value is None or value == ():
        return MISSING
    if isinstance(value, Kind):
        return _(KIND_LABELS[value])
    if isinstance(value, Outcome):
        return _(OUTCOME_LABELS[value])
    if isinstance(value, Instant):
        return fmt.time(value)
    if isinstance(value, bool):
        return _("value.yes") if value else _("value.no")
    if name == "agent" or name == "agents_not_answering":
        return ", ".join(names.agent(str(v)) for v in (value if isinstance(value, tuple) else (value,)))
    if name == "service":
        return names.service(str(value))
    if isinstance(value, tuple) and isinstance(value[0], TransferLeg):
        return "; ".join(f"{names.agent(leg.agent)} ({_('transfer.' + leg.kind.value)})" for leg in value)
    if isinstance(value, tuple):
        return ", ".join(f"{v[0]}={v[1]}" if isinstance(v, tuple) else str(v) for v in value)
    return str(value)


def _event_row(
    item: explain.ExplainedRow, previous: dict[str, object] | None, names: Names, fmt: Formatter, _: Translate
) -> EventRow:
    row, event, step = item.row, item.event, item.step
    changes: list[Change] = []
    if step is not None:
        after = step_values(step.after)
        for name in step.changed:
            before = _value(name, previous[name], names, fmt, _) if previous is not None else MISSING
            changes.append(Change(_("field." + name), before, _value(name, after[name], names, fmt, _)))
    received = row["received_at"]
    return EventRow(
        seq=int(row["seq"]),
        received=fmt.time(received if received.tzinfo else received.replace(tzinfo=UTC)),
        method=row["method"],
        path=row["path"],
        outcome=row["outcome"],
        status_code=int(row["status_code"]),
        reason=row.get("reason") or "",
        action=f"{event.call_type.value} {event.action.value}" if event else "",
        occurred=fmt.time(event.occurred) if event else "",
        note=item.note,
        position=item.position,
        changes=changes,
        params=params_of(row),
        same_as=item.same_as,
        replayed_by=item.replayed_by,
        replay_of=row.get("replay_of"),
        remote_addr=row.get("remote_addr") or "",
    )


def event_rows(
    found: explain.Explained, order: str, names: Names, fmt: Formatter, _: Translate
) -> list[EventRow]:
    """The call's rows in the chosen order, each with what its step changed from the step before."""
    previous: dict[int, dict[str, object] | None] = {}
    before: dict[str, object] | None = None
    for step_number, step in enumerate(found.steps, start=1):
        previous[step_number] = before
        before = step_values(step.after)
    items = found.in_fold_order() if order == "time" else found.rows
    return [_event_row(i, previous.get(i.position or 0), names, fmt, _) for i in items]


@router.get("/interactions/{call_id:path}")
def interaction_page(
    request: Request,
    call_id: str,
    resources: ResourcesDep,
    user: Viewer,
    order: Annotated[str, Query(max_length=16)] = "time",
) -> Response:
    """One interaction and the requests that built it, with what each changed."""
    chosen = order if order in ORDERS else "time"
    found = None
    if 0 < len(call_id) <= MAX_CALL_ID:
        with resources.db.read.connect() as conn:
            found = explain.explain(conn, call_id)
            names = Names.load(conn)
            keys = [found.stored.number_key] if found and found.stored and found.stored.number_key else []
            contacts = log_query.contacts_of_numbers(conn, keys)
    if found is None:
        missing = {"nav": "", "user": user, "call_id": call_id[:MAX_CALL_ID]}
        return render(request, "interactions/not_found.html", missing, status_code=404)
    fmt = formatter(request)
    translate = i18n.translator(language(request))
    summary = None
    notes_context: dict[str, Any] = {}
    if found.stored is not None:
        summary = journey_row(found.stored, names=names, fmt=fmt, translate=translate)
        with resources.db.read.connect() as conn:
            back = f"/interactions/{quote(call_id, safe='')}"
            notes = notes_of(conn, [call_id], user=user, fmt=fmt, lang=language(request), back=back)
        summary = replace(summary, notes=notes.by_call.get(call_id, ()))
        notes_context = notes.context
    context: dict[str, Any] = notes_context | {
        "nav": "",
        "user": user,
        "call_id": call_id,
        "summary": summary,
        "contacts": [c for key in keys for c in contacts.get(key, [])],
        "events": event_rows(found, chosen, names, fmt, translate),
        "order": chosen,
        "truncated": found.truncated,
        "max_rows": explain.MAX_ROWS,
        "step_count": len(found.steps),
        "stored_count": found.stored.interaction.event_count if found.stored else 0,
        "is_admin": user.can("admin"),
    }
    return render(request, "interactions/page.html", context)
