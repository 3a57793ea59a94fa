"""Interactions: everything known about one call or chat, folded from its events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tvox_journey.domain.events import Instant


class Kind(StrEnum):
    """What sort of interaction this is, from the event types it was folded from."""

    SERVICE = "service"
    ANSWER_SERVICE = "answer_service"
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    POWER_DIALER = "power_dialer"
    CHAT = "chat"
    TRANSFER_ONLY = "transfer_only"  # only transfer events: e.g. a consultation call's


class Direction(StrEnum):
    IN = "IN"
    OUT = "OUT"


class Outcome(StrEnum):
    """Where the interaction stands, from its events alone."""

    RINGING = "ringing"
    TALKING = "talking"
    ANSWERED = "answered"
    MISSED = "missed"  # inbound, ended without any answer
    UNANSWERED = "unanswered"  # outbound, ended without an answer


class TransferKind(StrEnum):
    BLIND = "blind"
    CONSULTATIVE = "consultative"


@dataclass(frozen=True, slots=True)
class TransferLeg:
    """A transfer of the call to another agent, and how that leg went."""

    agent: str | None
    transferred: Instant
    answered: Instant | None  # a real answer by the target (blind transfers)
    ended: Instant | None
    kind: TransferKind

    @property
    def effective_answer(self) -> Instant:
        """When the target took the call: its own answer, or the transfer itself."""
        return self.answered or self.transferred


@dataclass(frozen=True, slots=True)
class Interaction:
    """One call or chat with its timeline, agent, service and transfer legs."""

    call_id: str
    kind: Kind
    direction: Direction
    number: str | None
    agent: str | None
    service: str | None
    started: Instant | None
    answered: Instant | None
    ended: Instant | None
    legs: tuple[TransferLeg, ...] = ()
    called_number: str | None = None
    channel: str | None = None
    campaign_id: str | None = None
    list_id: str | None = None
    abandoned_call_id: str | None = None
    caller_name: str | None = None
    caller_surname: str | None = None
    caller_company: str | None = None
    popups: tuple[tuple[str, str], ...] = ()
    agents_not_answering: tuple[str, ...] = ()
    abandoned: bool = False
    event_count: int = 0
    unknown_event_count: int = 0
    earliest: Instant | None = None  # the earliest time any of its events carries

    @property
    def sort_instant(self) -> Instant | None:
        """Where it sits in a journey: its first known instant, else its earliest event's time.

        A call seen only through events that open, answer or end nothing (an agent not
        answering, an unknown event) still has a time, so every folded interaction sorts.
        """
        return self.first or self.earliest

    @property
    def first(self) -> Instant | None:
        """The earliest instant known for this interaction."""
        known = [i for i in (self.started, self.answered, self.ended) if i is not None]
        known += [leg.transferred for leg in self.legs]
        return min(known) if known else None

    @property
    def final_end(self) -> Instant | None:
        """When the whole interaction ended, transfer legs included; None while live."""
        if self.legs:
            return self.legs[-1].ended
        return self.ended

    @property
    def is_answered(self) -> bool:
        return self.answered is not None or any(
            leg.answered is not None or leg.kind is TransferKind.CONSULTATIVE for leg in self.legs
        )

    @property
    def outcome(self) -> Outcome:
        if self.final_end is None:
            return Outcome.TALKING if self.is_answered else Outcome.RINGING
        if self.is_answered:
            return Outcome.ANSWERED
        return Outcome.UNANSWERED if self.direction is Direction.OUT else Outcome.MISSED

    @property
    def wait_seconds(self) -> float | None:
        """Ring (or dial) to answer."""
        if self.started is None or self.answered is None:
            return None
        return max(0.0, (self.answered.at - self.started.at).total_seconds())

    @property
    def talk_seconds(self) -> float | None:
        """Answer to the end of the whole interaction, transfer legs included."""
        end = self.final_end
        begin = self.answered or (self.legs[0].effective_answer if self.legs else None)
        if begin is None or end is None:
            return None
        return max(0.0, (end.at - begin.at).total_seconds())
