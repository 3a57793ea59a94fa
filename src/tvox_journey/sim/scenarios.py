"""Scenarios: TVox calls as the HTTP requests the Notification Service would send for them.

Each `Call` holds its requests in time order and the record the tutorial demo
would have stored for it in `db.json` (../shared/reference/tutorial-contract.md).
Wire names come from `ingest.contract.TUTORIAL_ROUTES` only. Pure: no clock, no
global randomness; the start time and a `random.Random` are passed in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

from tvox_journey.ingest.contract import TUTORIAL_NUMBER, TUTORIAL_ROUTES

Method = Literal["GET", "POST"]

# The setting of the tutorial: its contact, agents, service and TVox host id.
TUTORIAL_START = datetime(2020, 11, 20, 10, 24, 8, 674000, tzinfo=UTC)  # its first ring
TUTORIAL_AGENTS = ("op1", "op2")
TUTORIAL_SERVICE = "customercare"
TUTORIAL_HOST = "d92061befe"

# What each TVox variable of the tutorial routes carries, by scenario value.
_CARRIES: Mapping[str, str] = {
    "dateISO": "time",
    "idlastcall": "call_id",
    "id": "call_id",
    "cli": "number",
    "clid": "number",
    "dnis": "number",
    "pin": "agent",
    "userclid": "agent",
    "servizio": "service",
    "userdnis": "target",
}


class CallKind(StrEnum):
    """The shape of a scenario: which events TVox sends for it."""

    INBOUND_ANSWERED = "inbound_answered"  # service call: ring, answer, hangup
    INBOUND_MISSED = "inbound_missed"  # service call: ring, hangup
    OUTBOUND_ANSWERED = "outbound_answered"  # new, answer, hangup
    OUTBOUND_UNANSWERED = "outbound_unanswered"  # new, hangup
    BLIND_TRANSFER = "blind_transfer"
    CONSULTATIVE_TRANSFER = "consultative_transfer"
    DIRECT_INBOUND = "direct_inbound"  # Inbound type only: not through a service


LEGACY_KINDS = frozenset(CallKind) - {CallKind.DIRECT_INBOUND}


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request TVox would send, and the scenario (call id) it belongs to."""

    method: Method
    path: str  # a tutorial route path, no leading slash, maybe ending in `.php`
    params: tuple[tuple[str, str], ...]  # query string (GET) or form body (POST), in order
    call_id: str  # the Call it belongs to; a consultation event carries another id
    at: datetime  # the event time the params carry (UTC, whole milliseconds)


@dataclass(frozen=True, slots=True)
class Call:
    """One scenario: a call, its requests in time order and its legacy `db.json` record."""

    call_id: str
    kind: CallKind
    number: str  # the contact's number as TVox sends it
    agents: tuple[str, ...]  # the first agent, then the transfer target
    service: str | None
    requests: tuple[Request, ...]
    expected_legacy: dict[str, str] | None = field(default=None, hash=False)

    @property
    def started(self) -> datetime:
        """The time of the call's first request."""
        return self.requests[0].at


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    utc = at.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def wire_time(at: datetime) -> str:
    """An instant written as TVox's `dateISO`: UTC with milliseconds and `Z`."""
    utc = _utc(at)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def make_call_id(created: datetime, sequence: int, host: str) -> str:
    """A TVox call id: `<epoch seconds>.<sequence>@<host id>`, e.g. `1605867847.783@d92061befe`."""
    return f"{math.floor(_utc(created).timestamp())}.{sequence}@{host}"


def _increasing(*times: datetime) -> None:
    instants = [_utc(t) for t in times]
    if any(a >= b for a, b in zip(instants, instants[1:], strict=False)):
        raise ValueError("event times must increase (at millisecond precision)")


@dataclass
class _Wire:
    """Builds one call's requests from its values, through the routes' mappings."""

    call_id: str
    number: str
    method: Method
    suffix: str
    agent: str | None = None
    service: str | None = None
    target: str | None = None
    sent: list[Request] = field(default_factory=list)

    def send(self, path: str, at: datetime, call_id: str | None = None) -> str:
        """Add the request of route `path` at `at`; return the time as sent."""
        sent_at = wire_time(at)
        values = {
            "time": sent_at,
            "call_id": call_id or self.call_id,
            "number": self.number,
            "agent": self.agent,
            "service": self.service,
            "target": self.target,
        }
        params: list[tuple[str, str]] = []
        for wire, variable in TUTORIAL_ROUTES[path].mapping.items():
            value = values[_CARRIES[variable]]
            if value is None:
                raise ValueError(f"{path} needs a value for {variable}")
            params.append((wire, value))
        self.sent.append(Request(self.method, path + self.suffix, tuple(params), self.call_id, _utc(at)))
        return sent_at

    def call(self, kind: CallKind, agents: tuple[str, ...], legacy: dict[str, str] | None) -> Call:
        """The finished scenario, its requests sorted by time (stable)."""
        requests = tuple(sorted(self.sent, key=lambda r: r.at))
        return Call(self.call_id, kind, self.number, agents, self.service, requests, legacy)


def service_call(
    call_id: str,
    *,
    number: str,
    agent: str,
    service: str,
    ring: datetime,
    answer: datetime | None,
    hangup: datetime,
    method: Method = "GET",
    suffix: str = "",
) -> Call:
    """A Contact Center service call: ring, answer (None for a missed call), hangup."""
    _increasing(ring, *([answer] if answer is not None else []), hangup)
    wire = _Wire(call_id, number, method, suffix, agent=agent, service=service)
    legacy = {"direction": "IN", "ringDateTime": wire.send("service/ring", ring), "agent": agent}
    legacy["service"] = service
    if answer is not None:
        legacy["answerDateTime"] = wire.send("service/answer", answer)
    legacy["hangupDateTime"] = wire.send("service/hangup", hangup)
    kind = CallKind.INBOUND_ANSWERED if answer is not None else CallKind.INBOUND_MISSED
    return wire.call(kind, (agent,), legacy)


def outbound_call(
    call_id: str,
    *,
    number: str,
    agent: str,
    new: datetime,
    answer: datetime | None,
    hangup: datetime,
    method: Method = "GET",
    suffix: str = "",
) -> Call:
    """An outbound call placed by `agent`: new, answer (None when not answered), hangup."""
    _increasing(new, *([answer] if answer is not None else []), hangup)
    wire = _Wire(call_id, number, method, suffix, agent=agent)
    legacy = {"direction": "OUT", "newDateTime": wire.send("outbound/new", new), "agent": agent}
    if answer is not None:
        legacy["answerDateTime"] = wire.send("outbound/answer", answer)
    legacy["hangupDateTime"] = wire.send("outbound/hangup", hangup)
    kind = CallKind.OUTBOUND_ANSWERED if answer is not None else CallKind.OUTBOUND_UNANSWERED
    return wire.call(kind, (agent,), legacy)


def blind_transfer(
    call_id: str,
    *,
    number: str,
    agent: str,
    target: str,
    service: str,
    ring: datetime,
    answer: datetime,
    hangup: datetime,
    transfer: datetime,
    target_answer: datetime,
    target_hangup: datetime,
    method: Method = "GET",
    suffix: str = "",
) -> Call:
    """A service call `agent` transfers blind: their service hangup, then transfer, answer, hangup.

    The transfer may share the hangup's millisecond; its request is still sent second.
    """
    _increasing(ring, answer, hangup)
    _increasing(transfer, target_answer, target_hangup)
    if _utc(transfer) < _utc(hangup):
        raise ValueError("event times must increase: the transfer follows agent 1's hangup")
    wire = _Wire(call_id, number, method, suffix, agent=agent, service=service, target=target)
    legacy = {"direction": "IN", "ringDateTime": wire.send("service/ring", ring), "agent": agent}
    legacy["service"] = service
    legacy["answerDateTime"] = wire.send("service/answer", answer)
    legacy["hangupDateTime"] = wire.send("service/hangup", hangup)
    legacy["transferToDateTime"] = wire.send("transfer/transfer", transfer)
    legacy["transferToAgent"] = target
    legacy["transferToAnswerDateTime"] = wire.send("transfer/answer", target_answer)
    legacy["transferToHangupDateTime"] = wire.send("transfer/hangup", target_hangup)
    return wire.call(CallKind.BLIND_TRANSFER, (agent, target), legacy)


def consultative_transfer(
    call_id: str,
    *,
    number: str,
    agent: str,
    target: str,
    service: str,
    ring: datetime,
    answer: datetime,
    transfer: datetime,
    hangup: datetime,
    consultation: Sequence[tuple[str, datetime]] = (),
    method: Method = "GET",
    suffix: str = "",
) -> Call:
    """A service call transferred after a consultation; `consultation` adds (other call id, time) events.

    Those extra transfer events carry the contact's number and the target, as the
    worst case: their shape is not documented, only that their ids differ.
    """
    _increasing(ring, answer, transfer, hangup)
    if any(other == call_id for other, _ in consultation):
        raise ValueError("consultation transfer events must carry another call id")
    wire = _Wire(call_id, number, method, suffix, agent=agent, service=service, target=target)
    legacy = {"direction": "IN", "ringDateTime": wire.send("service/ring", ring), "agent": agent}
    legacy["service"] = service
    legacy["answerDateTime"] = wire.send("service/answer", answer)
    moved = wire.send("transfer/transfer", transfer)
    for other, at in consultation:
        wire.send("transfer/transfer", at, call_id=other)
    legacy["hangupDateTime"] = moved  # agent 1's leg ended at the transfer
    legacy["transferToDateTime"] = moved
    legacy["transferToAnswerDateTime"] = moved  # no separate answer: consultative
    legacy["transferToAgent"] = target
    legacy["transferToHangupDateTime"] = wire.send("service/hangup", hangup)
    return wire.call(CallKind.CONSULTATIVE_TRANSFER, (agent, target), legacy)


def direct_inbound_call(
    call_id: str, *, number: str, answer: datetime, hangup: datetime, method: Method = "GET", suffix: str = ""
) -> Call:
    """A direct call to an agent (Inbound type, no service): answer, hangup; the demo kept none."""
    _increasing(answer, hangup)
    wire = _Wire(call_id, number, method, suffix)
    wire.send("transfer/answer", answer)
    wire.send("transfer/hangup", hangup)
    return wire.call(CallKind.DIRECT_INBOUND, (), None)


def tutorial_calls(start: datetime, *, host: str = TUTORIAL_HOST, method: Method = "GET") -> tuple[Call, ...]:
    """The tutorial's four calls for Mario Rossi; `TUTORIAL_START` reproduces its published ids and times.

    Known from the tutorial: the first ring (…10:24:08.674Z, id 1605867847.783),
    the outbound new (…10:29:31.207Z, id 1605868170.789), the blind transfer's
    op1 hangup and transfer (…10:45:57.013Z, …57.249Z, id 1605869145.791). The
    other times are plausible inventions.
    """

    def at(ms: int) -> datetime:
        return _utc(start) + timedelta(milliseconds=ms)

    def cid(created_ms: int, sequence: int) -> str:
        return make_call_id(at(created_ms), sequence, host)

    one, two = TUTORIAL_AGENTS
    number, service = TUTORIAL_NUMBER, TUTORIAL_SERVICE
    consultation_id = cid(1_733_400, 797)
    return (
        service_call(
            cid(-1_500, 783),
            number=number,
            agent=one,
            service=service,
            ring=at(0),
            answer=at(6_203),
            hangup=at(94_512),
            method=method,
        ),
        outbound_call(
            cid(322_000, 789),
            number=number,
            agent=one,
            new=at(322_533),
            answer=at(330_954),
            hangup=at(455_870),
            method=method,
        ),
        blind_transfer(
            cid(1_296_700, 791),
            number=number,
            agent=one,
            target=two,
            service=service,
            ring=at(1_297_446),
            answer=at(1_301_880),
            hangup=at(1_308_339),
            transfer=at(1_308_575),
            target_answer=at(1_315_197),
            target_hangup=at(1_383_728),
            method=method,
        ),
        consultative_transfer(
            cid(1_682_100, 795),
            number=number,
            agent=one,
            target=two,
            service=service,
            ring=at(1_682_826),
            answer=at(1_687_409),
            transfer=at(1_751_881),
            hangup=at(1_892_413),
            consultation=[(consultation_id, at(1_751_887)), (consultation_id, at(1_751_928))],
            method=method,
        ),
    )


def tutorial_calls_until(
    end: datetime, *, host: str = TUTORIAL_HOST, method: Method = "GET"
) -> tuple[Call, ...]:
    """The tutorial's four calls placed so that their last event lies at `end` (to the millisecond, or
    just before): what a demo playing them live shows without an event in the future."""
    calls = tutorial_calls(TUTORIAL_START)
    span = max(r.at for call in calls for r in call.requests) - TUTORIAL_START
    return tutorial_calls(end - span, host=host, method=method)
