"""The tutorial demo, replayed: what its `db.json` would hold after receiving some requests.

A model of the PHP demo's rules (../shared/reference/tutorial-contract.md, "How a
call is followed"), applied in arrival order. It gives the expected legacy
records a second way, independent of the scenario builders, and the expected
export for a delivered stream. Where the demo's code is not documented (an
event repeated), a field is simply set again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from tvox_journey.ingest.contract import find_tutorial_route, tutorial_mapping
from tvox_journey.sim.scenarios import Request

LegacyCalls = dict[str, dict[str, str]]  # callId -> call record


def legacy_replay(
    requests: Iterable[Request], contacts: Collection[str] | None = None
) -> dict[str, LegacyCalls]:
    """The demo's `calls` map per contact number after receiving `requests` in this order.

    `contacts=None` makes every number a contact. Like the demo, it drops events
    for numbers that are no contact, events whose call id no ring or new opened,
    and requests on unknown paths.
    """
    db: dict[str, LegacyCalls] = {}
    for request in requests:
        route = find_tutorial_route(request.path)
        if route is None:
            continue
        names = tutorial_mapping(route)  # `transfer=op2` too, as one tutorial example sends
        values = {names.get(wire, wire): value for wire, value in request.params}
        number = values.get("cli") or values.get("clid") or values.get("dnis")
        call_id = values.get("idlastcall") or values.get("id")
        at = values.get("dateISO")
        if number is None or call_id is None or at is None:
            continue
        if contacts is not None and number not in contacts:
            continue
        calls = db.setdefault(number, {})
        if route.path == "service/ring":
            record = calls.setdefault(call_id, {})
            record.update(direction="IN", ringDateTime=at, agent=values.get("pin", ""))
            record["service"] = values.get("servizio", "")
        elif route.path == "outbound/new":
            record = calls.setdefault(call_id, {})
            record.update(direction="OUT", newDateTime=at, agent=values.get("userclid", ""))
        elif call_id in calls:
            _update(calls[call_id], route.path, at, values.get("userdnis"))
        if not calls:
            del db[number]
    return db


def _update(record: dict[str, str], path: str, at: str, target: str | None) -> None:
    """Apply one event to an opened call record, as the demo did."""
    transferred = "transferToDateTime" in record
    if path in ("service/answer", "outbound/answer"):
        record["answerDateTime"] = at
    elif path == "outbound/hangup" or (path == "service/hangup" and not transferred):
        record["hangupDateTime"] = at
    elif path == "service/hangup":
        # After a transfer: agent 1's leg ended at the transfer, this ends the transferred leg.
        record["hangupDateTime"] = record["transferToDateTime"]
        record["transferToHangupDateTime"] = at
    elif path == "transfer/transfer":
        record.update(transferToDateTime=at, transferToAnswerDateTime=at, transferToAgent=target or "")
    elif path == "transfer/answer" and transferred:
        record["transferToAnswerDateTime"] = at
    elif path == "transfer/hangup" and transferred and "transferToAnswerDateTime" in record:
        record["transferToHangupDateTime"] = at
