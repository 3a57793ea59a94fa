"""How late TVox's events arrive, and whether the delays point at a clock set wrong (pure).

The delay of a request is its arrival here minus the event's time TVox sent (`dateISO`). Delivered at
once, it is a few milliseconds; what else it shows:

- negative delays (the median below -1 s): TVox's clock is ahead of this server's;
- a constant delay of a minute or more (the 5th to 95th percentile spread within a tenth of the median,
  or 10 s): the two clocks differ by that much;
- a constant offset of whole hours (or half hours): a time zone set wrong on one side (TVox's server
  clock, or `TVOX_JOURNEY_TVOX_TIMEZONE` when TVox sends `dateYMDms`);
- events more than a day old: old traffic replayed (import, simulator), or a clock far off.

Percentiles are nearest-rank. Texts come from `checklist_text`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tvox_journey.ingest.checklist_model import INFO, OK, WARN, Timing
from tvox_journey.ingest.checklist_text import Say

AHEAD_SECONDS = 1.0  # a median delay below minus this: TVox's clock is ahead
OFFSET_SECONDS = 60.0  # a constant delay from this up: the clocks differ
ZONE_STEP = 1800.0  # time zones differ by whole hours, a few by half hours
ZONE_TOLERANCE = 120.0  # seconds from a whole half hour still read as a time zone
OLD_SECONDS = 86400.0  # events older than this are a replay (or a clock far off)
CONSTANT_MIN_COUNT = 3  # a constant offset is told from this many requests up
SPREAD_FLOOR = 10.0  # seconds of spread a constant offset may have, at least
SPREAD_SHARE = 0.1  # ... or this share of the offset


def percentile(values: Sequence[float], p: float) -> float:
    """The value below which `p` percent of `values` fall (nearest rank); `values` not empty."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _constant(delays: Sequence[float], median: float) -> bool:
    if len(delays) < CONSTANT_MIN_COUNT:
        return False
    spread = percentile(delays, 95) - percentile(delays, 5)
    return spread <= max(SPREAD_FLOOR, SPREAD_SHARE * abs(median))


def _like_a_zone(median: float) -> bool:
    steps = round(abs(median) / ZONE_STEP)
    return steps >= 1 and abs(abs(median) - steps * ZONE_STEP) <= ZONE_TOLERANCE


def route_timing(delays: Sequence[float], say: Say) -> Timing | None:
    """The delays of one route (seconds), summed up; None when there are none."""
    if not delays:
        return None
    median, p95 = percentile(delays, 50), percentile(delays, 95)
    base = say(
        "timing", p50=say.duration(median), p95=say.duration(p95), requests=say.count(len(delays), "requests")
    )
    offset = say.duration(abs(median))
    kind: str | None
    if median > OLD_SECONDS:
        kind, level, advice = "old", INFO, say("timing_old", offset=offset)
    elif _constant(delays, median) and _like_a_zone(median):
        kind, level, advice = "zone", WARN, say("timing_zone", offset=offset)
    elif median < -AHEAD_SECONDS:
        kind, level, advice = "negative", WARN, say("timing_negative", offset=offset)
    elif median >= OFFSET_SECONDS and _constant(delays, median):
        kind, level, advice = "offset", WARN, say("timing_offset", offset=offset)
    else:
        kind, level, advice = None, OK, ""
    message = f"{base}: {advice}" if advice else base
    return Timing(len(delays), median, p95, level, kind, message)
