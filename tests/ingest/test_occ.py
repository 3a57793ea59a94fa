"""The OCC configuration is pure: built from the mappings alone, no settings, database or command line."""

from __future__ import annotations

from tvox_journey.ingest.contract import TUTORIAL_ROUTES
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.ingest.native import NATIVE_TYPES
from tvox_journey.ingest.occ import CONNECT_TIMEOUT, RESPONSE_TIMEOUT, occ_configuration


def test_tutorial_layout_has_a_web_service_per_tutorial_uri_named_as_the_mapping_says() -> None:
    mappings = Mappings(file={"service/ring": {"numeroChiamante": "cli"}})
    config = occ_configuration(mappings, base_url="https://crm.example.com/", layout="tutorial")
    assert [s.uri for s in config.web_services] == [f"https://crm.example.com/{p}" for p in TUTORIAL_ROUTES]
    ring = config.web_services[0].events[0]
    assert ("cli", "numeroChiamante") in [(v.tvox, v.web_service) for v in ring.variables]
    first = config.web_services[0]
    assert (first.username, first.password) == (None, None)
    assert (first.connect_timeout, first.response_timeout) == (CONNECT_TIMEOUT, RESPONSE_TIMEOUT)


def test_native_layout_covers_every_type_and_says_where_the_password_is() -> None:
    config = occ_configuration(
        Mappings(), base_url="http://crm", username="tvox", password="the value of SOMEWHERE", method="POST"
    )
    types = {event.call_type for service in config.web_services for event in service.events}
    assert types == {spec.call_type.value for spec in NATIVE_TYPES}
    assert all(s.username == "tvox" and s.password == "the value of SOMEWHERE" for s in config.web_services)
    assert {s.method for s in config.web_services} == {"POST"}
