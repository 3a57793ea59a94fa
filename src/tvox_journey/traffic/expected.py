"""What the server should make of scenario requests: each call's interaction, folded as it folds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from tvox_journey.domain.events import CallEvent
from tvox_journey.domain.fold import fold
from tvox_journey.domain.interaction import Interaction
from tvox_journey.ingest.contract import tutorial_event
from tvox_journey.sim import Request


def request_event(request: Request) -> CallEvent:
    """The event the server should make of a scenario request (whichever endpoint carried it)."""
    return tutorial_event(request.path, request.params)


def expected_journeys(requests: Iterable[Request]) -> dict[str, Interaction]:
    """Each call id's interaction, folded from its requests as the server folds them."""
    by_call: defaultdict[str, list[CallEvent]] = defaultdict(list)
    for request in requests:
        event = request_event(request)
        by_call[event.call_id].append(event)
    folded = {call_id: fold(events) for call_id, events in by_call.items()}
    return {call_id: interaction for call_id, interaction in folded.items() if interaction is not None}
