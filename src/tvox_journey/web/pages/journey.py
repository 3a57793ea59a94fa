"""The Customer Journey as rows for the card: labels, local times, outcome, transfers."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection

from tvox_journey.domain.interaction import Interaction, Kind, Outcome, TransferKind, TransferLeg
from tvox_journey.store import names as name_store
from tvox_journey.store.interactions import StoredInteraction
from tvox_journey.web.pages.note_rows import NoteView
from tvox_journey.web.pages.render import MISSING, Formatter

Translate = Callable[..., str]

KIND_LABELS: Mapping[Kind, str] = {
    Kind.SERVICE: "kind.service",
    Kind.OUTBOUND: "kind.outbound",
    Kind.INBOUND: "kind.inbound",
    Kind.ANSWER_SERVICE: "kind.answer_service",
    Kind.POWER_DIALER: "kind.power_dialer",
    Kind.CHAT: "kind.chat",
    Kind.TRANSFER_ONLY: "kind.transfer_only",
}
OUTCOME_LABELS: Mapping[Outcome, str] = {
    Outcome.RINGING: "outcome.ringing",
    Outcome.TALKING: "outcome.talking",
    Outcome.ANSWERED: "outcome.answered",
    Outcome.MISSED: "outcome.missed",
    Outcome.UNANSWERED: "outcome.unanswered",
}
LIVE_OUTCOMES = frozenset({Outcome.RINGING, Outcome.TALKING})


@dataclass(frozen=True)
class Names:
    """Display names of agents and services; unknown codes show as they are."""

    agents: Mapping[str, str] = field(default_factory=dict)
    services: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection) -> Names:
        found = name_store.all_names(conn)
        return cls(found.get(name_store.AGENT, {}), found.get(name_store.SERVICE, {}))

    def agent(self, code: str | None) -> str:
        return self.agents.get(code, code) if code else MISSING

    def service(self, code: str | None) -> str:
        return self.services.get(code, code) if code else MISSING


@dataclass(frozen=True)
class TransferView:
    """One transfer block of the "Altro" column."""

    title: str
    transferred: str
    agent: str
    answered: str | None  # the target's own answer (blind transfers)
    ended: str


@dataclass(frozen=True)
class Row:
    """One interaction, every value already written for people (and escaped by the template)."""

    call_id: str
    kind: str
    kind_label: str
    outcome: str
    outcome_label: str
    live: bool
    service: str
    agent: str
    started: str
    answered: str
    ended: str
    transfers: tuple[TransferView, ...]
    wait: str | None
    talk: str | None
    number: str
    ambiguous: bool
    details: tuple[tuple[str, str], ...] = ()
    popups: tuple[tuple[str, str], ...] = ()
    notes: tuple[NoteView, ...] = ()  # set by the pages that show notes (the card, the interaction page)


def _transfer(leg: TransferLeg, names: Names, fmt: Formatter, _: Translate) -> TransferView:
    blind = leg.kind is TransferKind.BLIND
    return TransferView(
        title=_("transfer.blind" if blind else "transfer.consultative"),
        transferred=fmt.time(leg.transferred),
        agent=names.agent(leg.agent),
        answered=fmt.time(leg.answered) if blind else None,
        ended=fmt.time(leg.ended),
    )


def _details(i: Interaction, names: Names, fmt: Formatter, _: Translate) -> tuple[tuple[str, str], ...]:
    details: list[tuple[str, str]] = []
    if i.channel:
        details.append((_("detail.channel"), i.channel))
    if i.campaign_id:
        details.append((_("detail.campaign"), i.campaign_id))
    if i.list_id:
        details.append((_("detail.list"), i.list_id))
    if i.agents_not_answering:
        details.append((_("detail.not_answering"), ", ".join(names.agent(a) for a in i.agents_not_answering)))
    if i.abandoned:
        details.append((_("detail.abandoned"), _("detail.abandoned_text")))
    if i.called_number:
        details.append((_("detail.called_number"), i.called_number))
    return tuple(details)


def _outcome_label(i: Interaction, _: Translate) -> str:
    if i.kind is Kind.CHAT and i.outcome in LIVE_OUTCOMES:
        return _("outcome.chat_" + i.outcome.value)
    return _(OUTCOME_LABELS[i.outcome])


def journey_row(
    stored: StoredInteraction,
    *,
    names: Names,
    fmt: Formatter,
    translate: Translate,
    ambiguous_keys: Collection[str] = (),
) -> Row:
    """The card's row of one stored interaction."""
    i = stored.interaction
    _ = translate
    label = _(KIND_LABELS[i.kind])
    if i.kind is Kind.CHAT and i.channel:
        label = f"{label} ({i.channel})"
    return Row(
        call_id=i.call_id,
        kind=i.kind.value,
        kind_label=label,
        outcome=i.outcome.value,
        outcome_label=_outcome_label(i, _),
        live=i.outcome in LIVE_OUTCOMES,
        service=names.service(i.service),
        agent=names.agent(i.agent),
        started=fmt.time(i.started),
        answered=fmt.time(i.answered),
        ended=fmt.time(i.ended),
        transfers=tuple(_transfer(leg, names, fmt, _) for leg in i.legs),
        wait=fmt.duration(i.wait_seconds) if i.wait_seconds is not None else None,
        talk=fmt.duration(i.talk_seconds) if i.talk_seconds is not None else None,
        number=fmt.number(stored.number_key) if stored.number_key else (i.number or MISSING),
        ambiguous=stored.number_key in ambiguous_keys,
        details=_details(i, names, fmt, _),
        popups=i.popups,
    )
