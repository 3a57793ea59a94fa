"""Calls and chats as TVox's own notifications at /tvox/events: its variable names, every type.

The counterpart of `scenarios.py` (the tutorial's URIs) for the native endpoint: the type and
event fixed in the path as `tvox-config` configures them (`/tvox/events/service/ring`), or, for
Inbound, in the documented `eventtype=INBOUNDCALL` / `event=NEW|ANSWER|HANGUP` variables. Service
events carry the agent's numeric PIN (`pin`), outbound and transfer events its username
(`userclid`, `userdnis`), as a real TVox does. Chats carry their channel as the configured URI's
query does (`?channel=whatsapp`) and are always sent by GET. Pure: times are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tvox_journey.domain.events import Action, CallType
from tvox_journey.sim.scenarios import Method, Request, wire_time

Pairs = tuple[tuple[str, str], ...]
NATIVE_ROUTE = "tvox/events"  # ingest.native's (sim reads only the tutorial contract of ingest)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls: the number TVox sends and the names its own address book gives it, if any."""

    number: str
    name: str | None = None
    surname: str | None = None
    company: str | None = None

    def variables(self) -> Pairs:
        named = (("clidname", self.name), ("clidsurname", self.surname), ("clidcompany", self.company))
        return tuple((variable, value) for variable, value in named if value)


@dataclass
class NativeWire:
    """One call's requests: the values every event of it carries, and each event added in turn."""

    call_id: str
    method: Method
    common: Pairs
    query: Pairs = ()  # pairs of the configured URI's own query string (a chat's channel)
    sent: list[Request] = field(default_factory=list)

    def send(
        self, call_type: CallType, action: Action, at: datetime, *extra: tuple[str, str], in_path: bool = True
    ) -> None:
        """Add an event of `call_type` and `action` at `at`, with `extra` variables after the common ones."""
        at = at.astimezone(UTC).replace(microsecond=at.microsecond // 1000 * 1000)  # as sent: UTC, ms
        variables = (("dateISO", wire_time(at)), *self.common, *extra)
        if in_path:
            path = f"{NATIVE_ROUTE}/{call_type.value}/{action.value}"
            params = (*self.query, *variables)
        else:  # the documented Inbound form: type and event as variables
            kind = (("eventtype", "INBOUNDCALL"), ("event", action.value.upper()))
            path, params = NATIVE_ROUTE, (*self.query, *kind, *variables)
        self.sent.append(Request(self.method, path, params, self.call_id, at))

    def requests(self) -> tuple[Request, ...]:
        return tuple(sorted(self.sent, key=lambda r: r.at))


def _service_wire(call_id: str, caller: Caller, service: str, dialled: str, method: Method) -> NativeWire:
    common = (("idlastcall", call_id), ("cli", caller.number), ("dnis", dialled), ("servizio", service))
    return NativeWire(call_id, method, (*common, *caller.variables()))


def native_service_call(
    call_id: str,
    *,
    caller: Caller,
    service: str,
    dialled: str,
    pins: tuple[str, ...],
    rings: tuple[datetime, ...],
    answer: datetime | None,
    hangup: datetime,
    abandoned: bool = False,
    method: Method = "GET",
) -> tuple[Request, ...]:
    """A service call rung at each agent of `pins` in turn (all but the last did not answer).

    Answered by the last agent at `answer`, or missed: then the hangup is an `abandon` when the
    caller gave up (`abandoned`), a plain `hangup` when the queue closed it.
    """
    if len(pins) != len(rings) or not pins:
        raise ValueError("one ring per agent")
    wire = _service_wire(call_id, caller, service, dialled, method)
    for i, (pin, ring) in enumerate(zip(pins, rings, strict=True)):
        wire.send(CallType.SERVICE, Action.RING, ring, ("pin", pin))
        if i + 1 < len(rings):
            wire.send(CallType.SERVICE, Action.NO_ANSWER, rings[i + 1], ("pin", pin))
    if answer is not None:
        wire.send(CallType.SERVICE, Action.ANSWER, answer, ("pin", pins[-1]))
    end = Action.ABANDON if abandoned and answer is None else Action.HANGUP
    wire.send(CallType.SERVICE, end, hangup)
    return wire.requests()


def native_outbound_call(
    call_id: str,
    *,
    number: str,
    username: str,
    new: datetime,
    answer: datetime | None,
    hangup: datetime,
    method: Method = "GET",
) -> tuple[Request, ...]:
    """An outbound call placed by the agent `username`: new, answer (None: not answered), hangup."""
    wire = NativeWire(call_id, method, (("id", call_id), ("dnis", number), ("userclid", username)))
    wire.send(CallType.OUTBOUND, Action.NEW, new)
    if answer is not None:
        wire.send(CallType.OUTBOUND, Action.ANSWER, answer)
    wire.send(CallType.OUTBOUND, Action.HANGUP, hangup)
    return wire.requests()


def native_direct_call(
    call_id: str,
    *,
    caller: Caller,
    extension: str,
    username: str,
    new: datetime,
    answer: datetime,
    hangup: datetime,
    method: Method = "GET",
) -> tuple[Request, ...]:
    """A direct call to an agent's extension (Inbound, documented form): NEW, ANSWER, HANGUP."""
    common = (("id", call_id), ("clid", caller.number), ("dnis", extension), ("userdnis", username))
    wire = NativeWire(call_id, method, (*common, *caller.variables()))
    for action, at in ((Action.NEW, new), (Action.ANSWER, answer), (Action.HANGUP, hangup)):
        wire.send(CallType.INBOUND, action, at, in_path=False)
    return wire.requests()


@dataclass(frozen=True, slots=True)
class Transfer:
    """A transfer of a service call: to whom (username), when, and how the target's leg went.

    Blind when the first agent hung up first (`first_hangup`) and the target answered on its own
    (`answer`); consultative otherwise, with a transfer event of the consultation call
    (`consultation_id`) beside the call's own.
    """

    target: str
    at: datetime
    end: datetime
    first_hangup: datetime | None = None
    answer: datetime | None = None
    consultation_id: str | None = None


def native_transferred_call(
    call_id: str,
    *,
    caller: Caller,
    service: str,
    dialled: str,
    pin: str,
    ring: datetime,
    answer: datetime,
    transfer: Transfer,
    method: Method = "GET",
) -> tuple[Request, ...]:
    """A service call answered by `pin` and transferred (tutorial contract, "How a call is followed").

    Blind: the agent's service hangup, the transfer, then the target's Inbound answer and hangup
    with the same id. Consultative: the transfer (the consultation call's own transfer event a few
    milliseconds later) and the final service hangup.
    """
    wire = _service_wire(call_id, caller, service, dialled, method)
    wire.send(CallType.SERVICE, Action.RING, ring, ("pin", pin))
    wire.send(CallType.SERVICE, Action.ANSWER, answer, ("pin", pin))
    legs = [
        NativeWire(call_id, method, (("id", call_id), ("clid", caller.number), ("userdnis", transfer.target)))
    ]
    legs[0].send(CallType.TRANSFER, Action.TRANSFER, transfer.at)
    if transfer.first_hangup is not None and transfer.answer is not None:
        wire.send(CallType.SERVICE, Action.HANGUP, transfer.first_hangup)
        legs[0].send(CallType.INBOUND, Action.ANSWER, transfer.answer, in_path=False)
        legs[0].send(CallType.INBOUND, Action.HANGUP, transfer.end, in_path=False)
    else:
        if transfer.consultation_id is not None:
            other = (("id", transfer.consultation_id), ("clid", caller.number), ("userdnis", transfer.target))
            legs.append(NativeWire(call_id, method, other))
            legs[1].send(CallType.TRANSFER, Action.TRANSFER, transfer.at + timedelta(milliseconds=6))
        wire.send(CallType.SERVICE, Action.HANGUP, transfer.end)
    return tuple(sorted((r for w in (wire, *legs) for r in w.sent), key=lambda r: r.at))


def native_chat(
    session_id: str,
    *,
    caller: Caller,
    channel: str,
    service: str,
    pin: str | None,
    start: datetime,
    answer: datetime | None,
    end: datetime,
) -> tuple[Request, ...]:
    """A chat session (`uniqueid`) on `channel` (web, whatsapp): opened, taken by `pin`, closed."""
    common = (("uniqueid", session_id), ("cli", caller.number), ("servizio", service))
    wire = NativeWire(session_id, "GET", (*common, *caller.variables()), query=(("channel", channel),))
    wire.send(CallType.CHAT, Action.RING, start, *((("pin", pin),) if pin else ()))
    if answer is not None and pin is not None:
        wire.send(CallType.CHAT, Action.ANSWER, answer, ("pin", pin))
    wire.send(CallType.CHAT, Action.HANGUP, end)
    return wire.requests()
