"""The calls of a simulator run: random ones at many numbers, or rounds of the tutorial's four."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from enum import StrEnum

from tvox_journey.sim.scenarios import Call, tutorial_calls
from tvox_journey.sim.traffic import random_calls

SERVICES = ("customercare", "sales", "support", "billing")
RANDOM_GAP = timedelta(seconds=30)  # mean time between two calls' starts
TUTORIAL_SPAN = timedelta(minutes=32)  # the tutorial's four calls, first ring to last hangup


class Scenario(StrEnum):
    RANDOM = "random"
    TUTORIAL = "tutorial"


def contact_numbers(rng: random.Random, count: int) -> list[str]:
    """`count` distinct numbers in the shapes TVox sends: landlines, mobiles, some international."""
    numbers: set[str] = set()
    while len(numbers) < count:
        shape = rng.random()
        if shape < 0.45:
            numbers.add(f"0{rng.choice(['2', '6', '45', '11', '51', '55'])}{rng.randint(1000000, 9999999)}")
        elif shape < 0.9:
            numbers.add(f"3{rng.randint(20, 99)}{rng.randint(1000000, 9999999)}")
        else:
            numbers.add(f"+39 3{rng.randint(20, 99)} {rng.randint(1000000, 9999999)}")
    return sorted(numbers)


def build_calls(
    scenario: Scenario, *, calls: int, seed: int, now: datetime, contacts: int = 200, agents: int = 20
) -> tuple[Call, ...]:
    """The calls of a run, ending about `now`: random ones, or rounds of the tutorial's four."""
    rng = random.Random(seed)
    if scenario is Scenario.TUTORIAL:
        rounds = max(1, -(-calls // 4))
        played: list[Call] = []
        for n in range(rounds):
            host = "".join(rng.choices("0123456789abcdef", k=10))
            played += tutorial_calls(now - TUTORIAL_SPAN * (rounds - n), host=host)
        return tuple(played)
    numbers = contact_numbers(rng, contacts)
    names = [f"op{i}" for i in range(1, max(agents, 1) + 1)]
    return random_calls(rng, calls, now - RANDOM_GAP * calls, numbers, names, SERVICES, mean_gap=RANDOM_GAP)
