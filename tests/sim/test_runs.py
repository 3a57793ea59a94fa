"""The calls of a simulator run: reproducible from the seed, ending before now, at phone-shaped numbers."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from tvox_journey.sim import Scenario, build_calls, contact_numbers, delivery_order

NOW = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def test_tutorial_rounds_have_distinct_call_ids_and_end_before_now() -> None:
    calls = build_calls(Scenario.TUTORIAL, calls=10, seed=3, now=NOW)
    assert len(calls) == 12
    assert len({call.call_id for call in calls}) == 12
    assert max(r.at for call in calls for r in call.requests) <= NOW


def test_random_scenario_is_reproducible_from_its_seed() -> None:
    first = build_calls(Scenario.RANDOM, calls=30, seed=9, now=NOW, contacts=10, agents=3)
    again = build_calls(Scenario.RANDOM, calls=30, seed=9, now=NOW, contacts=10, agents=3)
    assert first == again
    assert len({call.number for call in first}) <= 10
    order = delivery_order(first, random.Random(1), shuffle=True, duplicates=0.5)
    assert len(order) == round(1.5 * sum(len(call.requests) for call in first))


def test_contact_numbers_are_distinct_and_phone_shaped() -> None:
    numbers = contact_numbers(random.Random(4), 300)
    assert len(set(numbers)) == 300
    assert all(n.replace(" ", "").lstrip("+").isdigit() for n in numbers)
