"""Requests as a TVox configured as `tvox-config` prints sends them (`ingest.occ.OccConfiguration`).

Each web service's event row gives the URI, the method and the name each TVox variable is sent as;
`CallValues` says what each TVox variable carries for one call. `configured_request` is the HTTP
request of one event row; `every_event` plays every row of a configuration, one call per type and
channel (the setup tests); `trial_plan` is the one call the /setup page's test call plays through the
configured routes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from tvox_journey.domain.events import Action, CallType
from tvox_journey.ingest.occ import OccConfiguration, OccEvent, WebService
from tvox_journey.sim import make_call_id, wire_time
from tvox_journey.traffic.wire import Wire

PHONE = "Telefonico"


@dataclass(frozen=True)
class CallValues:
    """What one call's variables carry."""

    call_id: str
    number: str  # the contact's number (or chat id)
    agent: str = "op1"  # the agent on the call
    target: str = "op2"  # the agent a transfer goes to
    service: str = "customercare"
    line: str = "0451234567"  # the number the contact called (dnis of inbound and service calls)
    name: str = "Mario"
    surname: str = "Rossi"
    company: str = "Rossi Srl"
    popup: str = "CRM-1"


def values_of(event: OccEvent, call: CallValues, at: datetime) -> dict[str, str]:
    """What TVox sends in each variable of an event row for a call, by TVox variable name."""
    call_type = CallType(event.call_type)
    contact_called = call_type in (CallType.OUTBOUND, CallType.POWER_DIALER)
    values = {
        "dateISO": wire_time(at),
        "eventtype": event.eventtype_value or call_type.value.upper(),
        "event": event.event_value or event.action.upper(),
        "id": call.call_id,
        "idlastcall": call.call_id,
        "uniqueid": call.call_id,
        "cli": call.number,
        "clid": call.number,
        "dnis": call.number if contact_called else call.line,
        "pin": call.agent,
        "userclid": call.agent,
        "userdnis": call.target if call_type is CallType.TRANSFER else call.agent,
        "servizio": call.service,
        "clidname": call.name,
        "clidsurname": call.surname,
        "clidcompany": call.company,
        "cliduid": call.call_id,
        "campaignId": "1",
        "listId": "1",
    }
    values.update({v.tvox: call.popup for v in event.popup_variables})
    return values


def configured_request(
    config: OccConfiguration, service: WebService, event: OccEvent, values: Mapping[str, str]
) -> Wire:
    """The HTTP request of one event row: the web service's Uri (its query kept) and method, each
    variable under its "Variabile web service" name; a variable without a value is not sent."""
    uri = urlsplit(service.uri[len(config.base_url) :])
    params = [
        (v.web_service, values[v.tvox])
        for v in (*event.variables, *event.popup_variables)
        if v.tvox in values
    ]
    encoded = urlencode(params)
    if service.method == "POST":
        return Wire("POST", uri.path, uri.query, encoded.encode())
    return Wire("GET", uri.path, "&".join(q for q in (uri.query, encoded) if q), None)


@dataclass(frozen=True)
class ConfiguredRequest:
    """One request of a played configuration: the OCC web service and event row it stands for."""

    service: str  # the OCC "Nome"
    event: OccEvent
    wire: Wire
    call_id: str
    at: datetime  # the event's time it carries


def every_event(
    configs: Sequence[OccConfiguration],
    start: datetime,
    *,
    number: str,
    host: str = "d92061befe",
    gap: timedelta = timedelta(seconds=1),
) -> list[ConfiguredRequest]:
    """Every event row of every web service, once: one call per type and channel, its events `gap`
    apart in the order the rows are printed."""
    calls: dict[tuple[str, str], CallValues] = {}
    played = []
    at = start
    for config in configs:
        for service in config.web_services:
            for event in service.events:
                key = (event.call_type, event.channel)
                if key not in calls:
                    calls[key] = CallValues(make_call_id(at, len(calls) + 1, host), number)
                call = calls[key]
                wire = configured_request(config, service, event, values_of(event, call, at))
                played.append(ConfiguredRequest(service.name, event, wire, call.call_id, at))
                at += gap
    return played


def find_event(
    configs: Sequence[OccConfiguration], call_type: CallType, action: Action, channel: str = PHONE
) -> tuple[OccConfiguration, WebService, OccEvent] | None:
    """The configured event row of a type and action (on a channel), if any."""
    for config in configs:
        for service in config.web_services:
            for event in service.events:
                if (event.call_type, event.action, event.channel) == (call_type.value, action.value, channel):
                    return config, service, event
    return None


# The test call's shapes, by preference: (type, action, whether the transfer target is the agent).
_TRANSFERRED_SERVICE_CALL = (
    (CallType.SERVICE, Action.RING, False),
    (CallType.SERVICE, Action.ANSWER, False),
    (CallType.SERVICE, Action.HANGUP, False),
    (CallType.TRANSFER, Action.TRANSFER, False),
    (CallType.INBOUND, Action.ANSWER, True),
    (CallType.INBOUND, Action.HANGUP, True),
)
_CALL = (Action.RING, Action.ANSWER, Action.HANGUP)


def _shape(
    call_type: CallType, actions: tuple[Action, ...] = _CALL
) -> tuple[tuple[CallType, Action, bool], ...]:
    return tuple((call_type, action, False) for action in actions)


TRIAL_SHAPES: tuple[tuple[tuple[CallType, Action, bool], ...], ...] = (
    _TRANSFERRED_SERVICE_CALL,
    _shape(CallType.OUTBOUND, (Action.NEW, Action.ANSWER, Action.HANGUP)),
    _shape(CallType.ANSWER_SERVICE),
    _shape(CallType.POWER_DIALER),
    _shape(CallType.INBOUND, (Action.NEW, Action.ANSWER, Action.HANGUP)),
)


@dataclass(frozen=True)
class TrialPlan:
    """The test call: its requests, and the steps of its shape no configured web service takes."""

    requests: tuple[ConfiguredRequest, ...]
    skipped: tuple[tuple[CallType, Action], ...]


def trial_plan(
    configs: Sequence[OccConfiguration], call: CallValues, start: datetime, *, gap: timedelta
) -> TrialPlan:
    """One call through the configured routes: a service call answered and transferred blind (ring,
    answer, hangup, transfer, the target's answer and hangup), or else the first shape the configuration
    takes some of (outbound, answer service, power dialer, direct inbound); its events `gap` apart."""
    for shape in TRIAL_SHAPES:
        found = [(step, find_event(configs, step[0], step[1])) for step in shape]
        if not any(row is not None for _, row in found):
            continue
        requests = []
        at = start
        for (_, _, to_target), row in found:
            if row is None:
                continue
            config, service, event = row
            values = values_of(event, replace(call, agent=call.target) if to_target else call, at)
            wire = configured_request(config, service, event, values)
            requests.append(ConfiguredRequest(service.name, event, wire, call.call_id, at))
            at += gap
        skipped = tuple((t, a) for (t, a, _), row in found if row is None)
        return TrialPlan(tuple(requests), skipped)
    return TrialPlan((), ())
