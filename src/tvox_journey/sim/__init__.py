"""Scenario generators (pure): TVox calls as HTTP requests, with the records they should produce.

Shared by the demo, the simulator and the tests. May import the standard
library, `tvox_journey.domain` and `tvox_journey.ingest.contract` only.
"""

from tvox_journey.ingest.contract import TUTORIAL_NUMBER
from tvox_journey.sim.expected import legacy_replay
from tvox_journey.sim.runs import Scenario, build_calls, contact_numbers
from tvox_journey.sim.scenarios import (
    LEGACY_KINDS,
    TUTORIAL_AGENTS,
    TUTORIAL_HOST,
    TUTORIAL_SERVICE,
    TUTORIAL_START,
    Call,
    CallKind,
    Method,
    Request,
    blind_transfer,
    consultative_transfer,
    direct_inbound_call,
    make_call_id,
    outbound_call,
    service_call,
    tutorial_calls,
    tutorial_calls_until,
    wire_time,
)
from tvox_journey.sim.traffic import DEFAULT_WEIGHTS, delivery_order, random_calls, with_php_suffix

__all__ = [
    "DEFAULT_WEIGHTS",
    "LEGACY_KINDS",
    "TUTORIAL_AGENTS",
    "TUTORIAL_HOST",
    "TUTORIAL_NUMBER",
    "TUTORIAL_SERVICE",
    "TUTORIAL_START",
    "Call",
    "CallKind",
    "Method",
    "Request",
    "Scenario",
    "blind_transfer",
    "build_calls",
    "consultative_transfer",
    "contact_numbers",
    "delivery_order",
    "direct_inbound_call",
    "legacy_replay",
    "make_call_id",
    "outbound_call",
    "random_calls",
    "service_call",
    "tutorial_calls",
    "tutorial_calls_until",
    "wire_time",
    "with_php_suffix",
]
