"""Helpers for the /setup tests: the printed configuration, played with the mistakes an OCC often has."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tvox_journey.ingest.mapping import Mappings
from tvox_journey.ingest.occ import OccConfiguration, OccEvent, Variable, occ_configuration
from tvox_journey.traffic.configured import ConfiguredRequest, every_event

FORM = "application/x-www-form-urlencoded"
NUMBER = "0452224600"
TAG = re.compile(r"<[^>]+>")

# One event row lacks a variable that matters, another has a name misspelled, per layout:
# (call type, action, TVox variable) dropped; (call type, action, TVox variable, name sent instead).
MISSING = {"native": ("service", "ring", "cli"), "tutorial": ("outbound", "new", "userclid")}
MISSPELLED = {
    "native": ("service", "answer", "servizio", "servizo"),
    "tutorial": ("service", "ring", "pin", "agnet"),
}
# The rows they show on, and what each says (English and Italian).
MISSING_ROUTE = {"native": "tvox/events/service/ring", "tutorial": "outbound/new"}
MISSPELLED_ROUTE = {"native": "tvox/events/service/answer", "tutorial": "service/ring"}
MISSING_TEXT = {
    ("native", "en"): "cli never received: map cli -> cli in this event",
    ("native", "it"): "cli mai ricevuto: in questo evento mappare cli -> cli",
    ("tutorial", "en"): "agent never received: map userclid -> agent in this event",
    ("tutorial", "it"): "agent mai ricevuto: in questo evento mappare userclid -> agent",
}
MISSPELLED_TEXT = {
    ("native", "en"): "servizo arrives but nothing reads it: likely a typo for servizio",
    ("native", "it"): "servizo arriva ma nessuno lo legge: probabilmente un errore di battitura per servizio",
    ("tutorial", "en"): "agnet arrives but nothing reads it: likely a typo for agent",
    ("tutorial", "it"): "agnet arriva ma nessuno lo legge: probabilmente un errore di battitura per agent",
}


def printed(layout: str, mappings: Mappings | None = None, method: str = "GET") -> OccConfiguration:
    """What `tvox-config` prints for a layout (URIs as paths)."""
    return occ_configuration(mappings or Mappings(), base_url="", layout=layout, method=method)


def _changed(event: OccEvent, layout: str) -> OccEvent:
    kind = (event.call_type, event.action)
    call_type, action, dropped = MISSING[layout]
    if kind == (call_type, action):
        return replace(event, variables=[v for v in event.variables if v.tvox != dropped])
    call_type, action, variable, name = MISSPELLED[layout]
    if kind == (call_type, action):
        return replace(
            event, variables=[Variable(v.tvox, name) if v.tvox == variable else v for v in event.variables]
        )
    return event


def with_mistakes(config: OccConfiguration) -> OccConfiguration:
    """The configuration as an OCC where one event lacks a variable and one misspells a name."""
    services = [
        replace(s, events=[_changed(e, config.layout) for e in s.events]) for s in config.web_services
    ]
    return replace(config, web_services=services)


def played(config: OccConfiguration, start: datetime | None = None) -> list[ConfiguredRequest]:
    """Every event row of the configuration, once, a millisecond apart from a second ago (or `start`)."""
    begin = start or datetime.now(UTC) - timedelta(seconds=1)
    return every_event([config], begin, number=NUMBER, gap=timedelta(milliseconds=1))


def url_of(request: ConfiguredRequest) -> str:
    return request.wire.path + (f"?{request.wire.query}" if request.wire.query else "")


def text_of(fragment: str) -> str:
    """HTML as the text a person reads."""
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())


def row_html(page: str, route: str) -> str:
    found = re.search(rf'<tr class="setup-row[^"]*" data-route="{re.escape(route)}".*?</tr>', page, re.S)
    assert found is not None, route
    return found.group(0)


def statuses(page: str) -> dict[str, str]:
    """The status of every row of /setup, by route."""
    return dict(re.findall(r'data-route="([^"]+)" data-status="(\w+)"', page))
