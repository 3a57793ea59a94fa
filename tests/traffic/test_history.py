"""The demo's history recorded as the webhooks record deliveries: every request accepted, folded into
the interactions it describes, shown on the cards and on /callbacks."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tvox_journey.domain.events import CallEvent
from tvox_journey.domain.fold import fold
from tvox_journey.domain.interaction import Kind, Outcome, TransferKind
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.sim.history import demo_history, demo_notes
from tvox_journey.sim.history_calls import HistoryKind
from tvox_journey.store import directory, names
from tvox_journey.store.event_log import LogOutcome
from tvox_journey.traffic.entries import request_entry
from tvox_journey.traffic.history import record_history

ROME = ZoneInfo("Europe/Rome")


def test_every_request_of_the_history_is_read_as_the_webhooks_read_it_and_folds_to_its_kind() -> None:
    history = demo_history(datetime.now(UTC))
    events: defaultdict[str, list[CallEvent]] = defaultdict(list)
    for request in history.requests:
        entry = request_entry(request, mappings=Mappings(), received_at=request.at, tvox_timezone=ROME)
        assert entry.outcome is LogOutcome.ACCEPTED and entry.event is not None, (request, entry.reason)
        events[entry.event.call_id].append(entry.event)
    answered, missed = (Kind.SERVICE, Outcome.ANSWERED), (Kind.SERVICE, Outcome.MISSED)
    expected = {
        HistoryKind.ANSWERED: answered, HistoryKind.REROUTED: answered, HistoryKind.BLIND: answered,
        HistoryKind.CONSULTATIVE: answered, HistoryKind.MISSED: missed, HistoryKind.ABANDONED: missed,
        HistoryKind.OUTBOUND: (Kind.OUTBOUND, Outcome.ANSWERED),
        HistoryKind.UNREACHED: (Kind.OUTBOUND, Outcome.UNANSWERED),
        HistoryKind.DIRECT: (Kind.INBOUND, Outcome.ANSWERED), HistoryKind.CHAT: (Kind.CHAT, Outcome.ANSWERED),
    }  # fmt: skip
    for call in history.calls:
        interaction = fold(events[call.call_id])
        assert interaction is not None
        assert (interaction.kind, interaction.outcome) == expected[call.kind], call
        assert interaction.final_end is not None and interaction.final_end.at <= history.now
        if call.kind is HistoryKind.ABANDONED:
            assert interaction.abandoned
        if call.kind is HistoryKind.REROUTED:
            assert interaction.agent == call.agent.pin
            assert (
                len(interaction.agents_not_answering) == 1
                and call.agent.pin not in interaction.agents_not_answering
            )
        if call.kind in (HistoryKind.BLIND, HistoryKind.CONSULTATIVE):
            blind = call.kind is HistoryKind.BLIND
            assert [leg.kind for leg in interaction.legs] == [
                TransferKind.BLIND if blind else TransferKind.CONSULTATIVE
            ]
        if call.kind is HistoryKind.CHAT:
            assert interaction.channel in ("web", "whatsapp")


def test_the_recorded_history_shows_on_cards_and_leaves_a_handful_of_numbers_to_call_back(
    client: TestClient,
) -> None:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    policy = NumberPolicy()
    history = demo_history(datetime.now(UTC))
    recorded = record_history(resources.db, history, policy, tvox_timezone=ROME)
    assert set(recorded.outcomes) == {LogOutcome.ACCEPTED.value} and recorded.outcomes["accepted"] > 300
    assert recorded.notes == len(demo_notes(history)) > 10  # every note the agents wrote was accepted

    card = client.get(f"/contacts/{recorded.contact_ids['Luca Ferri']}")
    assert card.status_code == 200
    rows = re.findall(r'<tr class="kind-(\w+) outcome-(\w+)', card.text)
    assert len(rows) >= 5 and {kind for kind, _ in rows} >= {"service", "outbound"}
    assert "Laura Bianchi" in card.text or "Giorgio Verdi" in card.text or "Sara Ferrari" in card.text
    written = {html.escape(note.text) for note in demo_notes(history)}
    assert any(text in card.text for text in written)  # the last call of each number has a note
    # The switchboard two colleagues share: the same calls on both cards.
    francesca = client.get(f"/contacts/{recorded.contact_ids['Francesca Colombo']}").text
    paolo = client.get(f"/contacts/{recorded.contact_ids['Paolo Colombo']}").text
    shared = set(re.findall(r'data-call-id="([^"]+)"', francesca))
    assert shared and shared <= set(re.findall(r'data-call-id="([^"]+)"', paolo))

    page = client.get("/callbacks")
    assert page.status_code == 200
    total = int(re.search(r'data-callbacks-total="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    assert 5 <= total <= 8
    assert len(re.findall(r"<tr data-number=", page.text)) == total


def test_each_agent_of_the_history_is_one_directory_entry_with_its_username_and_pin(
    client: TestClient,
) -> None:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    history = demo_history(datetime.now(UTC))
    record_history(resources.db, history, NumberPolicy(), tvox_timezone=ROME)
    with resources.db.read.connect() as conn:
        for agent in history.agents:
            assert set(directory.codes_of(conn, names.AGENT, agent.pin)) == {agent.pin, agent.username}
    rows = client.get("/api/v1/reports/agents", params={"period": "30d"}).json()["items"]
    assert sorted(row["name"] for row in rows) == sorted(agent.name for agent in history.agents)
