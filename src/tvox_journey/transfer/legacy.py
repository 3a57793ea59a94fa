"""The tutorial demo's `db.json`: export interactions to it, import it as tutorial requests.

Import turns each stored call back into the tutorial requests that would
have produced it, so imported calls go through the same parser and fold as
live ones, and exporting them again gives the same document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tvox_journey.domain.contact import Contact
from tvox_journey.domain.interaction import Direction, Interaction, Kind
from tvox_journey.ingest.contract import TUTORIAL_ROUTES

LegacyDocument = dict[str, Any]
_EXPORTED = {Kind.SERVICE, Kind.ANSWER_SERVICE, Kind.OUTBOUND, Kind.POWER_DIALER}


def call_record(interaction: Interaction) -> dict[str, str]:
    """The tutorial's record of one call: only the fields whose events happened."""
    i = interaction
    record: dict[str, str] = {"direction": i.direction.value}
    start_field = "newDateTime" if i.direction is Direction.OUT else "ringDateTime"
    fields: list[tuple[str, str | None]] = [
        (start_field, i.started.text if i.started else None),
        ("agent", i.agent),
        ("service", i.service if i.direction is Direction.IN else None),
        ("answerDateTime", i.answered.text if i.answered else None),
        ("hangupDateTime", i.ended.text if i.ended else None),
    ]
    if i.legs:
        first, last = i.legs[0], i.legs[-1]
        fields += [
            ("transferToDateTime", first.transferred.text),
            ("transferToAnswerDateTime", first.effective_answer.text),
            ("transferToAgent", last.agent),
            ("transferToHangupDateTime", last.ended.text if last.ended else None),
        ]
    record.update((name, value) for name, value in fields if value is not None)
    return record


def export_document(
    contacts: Iterable[tuple[Contact, Iterable[tuple[str | None, Interaction]]]],
) -> LegacyDocument:
    """{number: {name, surname, calls: {callId: record}}} for every contact number.

    Each contact comes with its interactions and their number keys; a call is
    listed under the contact number it was made from or to.
    """
    document: LegacyDocument = {}
    for contact, pairs in contacts:
        by_key: dict[str, dict[str, dict[str, str]]] = {n.key: {} for n in contact.numbers}
        for number_key, interaction in pairs:
            if number_key in by_key and interaction.kind in _EXPORTED:
                by_key[number_key][interaction.call_id] = call_record(interaction)
        for number in contact.numbers:
            document[number.raw] = {
                "name": contact.name,
                "surname": contact.surname,
                "calls": by_key[number.key],
            }
    return document


@dataclass(frozen=True)
class LegacyRequest:
    """A tutorial request to replay: its route path and wire parameters."""

    path: str
    params: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LegacyContact:
    name: str
    surname: str
    number: str


class LegacyFormatError(ValueError):
    """The document is not a tutorial db.json; the message says where."""


def _request(path: str, **variables: str | None) -> LegacyRequest:
    """A request on `path` carrying TVox variables under the route's wire names."""
    route = TUTORIAL_ROUTES[path]
    wire = {variable: name for name, variable in route.mapping.items()}
    params = tuple((wire[v], value) for v, value in variables.items() if value is not None)
    return LegacyRequest(path, params)


def _inbound_requests(call_id: str, number: str, r: Mapping[str, str]) -> list[LegacyRequest]:
    common = {"idlastcall": call_id, "cli": number}
    requests = []
    if "ringDateTime" in r:
        requests.append(
            _request(
                "service/ring",
                dateISO=r["ringDateTime"],
                pin=r.get("agent"),
                servizio=r.get("service"),
                **common,
            )
        )
    if "answerDateTime" in r:
        requests.append(_request("service/answer", dateISO=r["answerDateTime"], **common))
    transferred = r.get("transferToDateTime")
    hangup = r.get("hangupDateTime")
    if transferred is None:
        if hangup is not None:
            requests.append(_request("service/hangup", dateISO=hangup, **common))
        return requests
    direct = {"id": call_id, "clid": number}
    requests.append(
        _request("transfer/transfer", dateISO=transferred, userdnis=r.get("transferToAgent"), **direct)
    )
    # The first agent hung up before the transfer: a blind transfer (tutorial contract).
    blind_hangup = hangup is not None and hangup != transferred
    if blind_hangup:
        requests.append(_request("service/hangup", dateISO=hangup, **common))
    answer = r.get("transferToAnswerDateTime")
    if answer is not None and answer != transferred:
        requests.append(_request("transfer/answer", dateISO=answer, **direct))
    end = r.get("transferToHangupDateTime")
    if end is not None:
        if blind_hangup or (answer is not None and answer != transferred):
            requests.append(_request("transfer/hangup", dateISO=end, **direct))
        else:
            requests.append(_request("service/hangup", dateISO=end, **common))
    return requests


def _outbound_requests(call_id: str, number: str, r: Mapping[str, str]) -> list[LegacyRequest]:
    common = {"id": call_id, "dnis": number}
    requests = []
    if "newDateTime" in r:
        requests.append(_request("outbound/new", dateISO=r["newDateTime"], userclid=r.get("agent"), **common))
    if "answerDateTime" in r:
        requests.append(_request("outbound/answer", dateISO=r["answerDateTime"], **common))
    if "hangupDateTime" in r:
        requests.append(_request("outbound/hangup", dateISO=r["hangupDateTime"], **common))
    return requests


def _text_fields(where: str, record: Any) -> dict[str, str]:
    if not isinstance(record, dict) or not all(isinstance(v, str) for v in record.values()):
        raise LegacyFormatError(f"{where}: expected an object of strings")
    return record


def import_document(document: Any) -> tuple[list[LegacyContact], list[LegacyRequest]]:
    """The contacts and the tutorial requests a db.json stands for.

    Raises:
        LegacyFormatError: the document does not have the tutorial's shape.
    """
    if not isinstance(document, dict):
        raise LegacyFormatError("top level: expected an object keyed by contact number")
    contacts: list[LegacyContact] = []
    requests: list[LegacyRequest] = []
    for number, entry in document.items():
        if not isinstance(entry, dict):
            raise LegacyFormatError(f"{number}: expected an object with name, surname, calls")
        name, surname, calls = entry.get("name", ""), entry.get("surname", ""), entry.get("calls", {})
        if not isinstance(name, str) or not isinstance(surname, str) or not isinstance(calls, dict):
            raise LegacyFormatError(f"{number}: name and surname must be strings, calls an object")
        contacts.append(LegacyContact(name, surname, number))
        for call_id, raw_record in calls.items():
            record = _text_fields(f"{number}.calls.{call_id}", raw_record)
            direction = record.get("direction")
            if direction == "IN":
                requests += _inbound_requests(call_id, number, record)
            elif direction == "OUT":
                requests += _outbound_requests(call_id, number, record)
            else:
                raise LegacyFormatError(f"{number}.calls.{call_id}.direction: expected IN or OUT")
    return contacts, requests
