"""One way from a route and a request's parameters to an event (`ingest.contract.route_event`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tvox_journey.domain.events import Action, CallType
from tvox_journey.ingest.contract import TUTORIAL_ROUTES, route_event, tutorial_event, tutorial_mapping
from tvox_journey.ingest.errors import InvalidEvent

TRANSFER = (("dateTime", "2024-05-06T10:00:00Z"), ("callId", "c1"), ("callerNumber", "0452224600"))


def test_a_tutorial_request_and_its_php_path_make_the_same_event_with_the_transfer_alias_read() -> None:
    event = tutorial_event("transfer/transfer", (*TRANSFER, ("transfer", "op2")))
    assert event == tutorial_event("/transfer/transfer.php", (*TRANSFER, ("transferToAgent", "op2")))
    assert (event.call_type, event.action, event.target_agent) == (CallType.TRANSFER, Action.TRANSFER, "op2")
    assert event.occurred.at == datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def test_a_route_with_an_installations_own_names_reads_them_and_ignores_the_tutorials() -> None:
    route = replace(
        TUTORIAL_ROUTES["service/answer"],
        mapping={"quando": "dateISO", "chiamata": "idlastcall", "numero": "cli"},
    )
    event = route_event(
        route,
        (("quando", "20240506120000"), ("chiamata", "c2"), ("numero", "0452224600")),
        tvox_timezone=ZoneInfo("Europe/Rome"),
    )
    assert event.call_id == "c2" and event.occurred.at == datetime(2024, 5, 6, 10, 0, tzinfo=UTC)
    with pytest.raises(InvalidEvent) as missing:
        route_event(route, (("quando", "20240506120000"), ("callId", "c2"), ("numero", "1")))
    assert missing.value.variable == "chiamata"


def test_the_tutorial_mapping_is_the_routes_names_plus_the_published_alias() -> None:
    route = TUTORIAL_ROUTES["transfer/transfer"]
    assert tutorial_mapping(route) == {"transfer": "userdnis", **route.mapping}


def test_a_path_that_is_no_tutorial_route_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="not a tutorial path: service/ringing"):
        tutorial_event("service/ringing", TRANSFER)
