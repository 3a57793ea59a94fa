"""docs/webhooks.md stays true: its route, type and value tables are generated from ingest/.

Regenerate them with `TVOX_JOURNEY_UPDATE_DOCS=1 pytest tests/ingest/test_webhooks_doc.py`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tvox_journey.ingest.contract import TUTORIAL_ALIASES, TUTORIAL_ROUTES
from tvox_journey.ingest.native import (
    CHANNELS,
    EVENT_VALUES,
    NATIVE_TYPES,
    TYPE_VALUES,
    WireValue,
    native_type,
)

DOC = Path(__file__).parents[2] / "docs" / "webhooks.md"
UPDATE = os.environ.get("TVOX_JOURNEY_UPDATE_DOCS") == "1"


def code(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def tutorial_routes() -> str:
    rows = ["| path | OCC Tipo / Evento | variables: sent as ← TVox variable |", "|---|---|---|"]
    for path, route in TUTORIAL_ROUTES.items():
        variables = ", ".join(f"`{wire}` ← `{variable}`" for wire, variable in route.mapping.items())
        rows.append(f"| `/{path}` | {native_type(route.call_type).label} / {route.label} | {variables} |")
    aliases = ", ".join(f"`{wire}` ← `{variable}`" for wire, variable in TUTORIAL_ALIASES.items())
    rows += ["", f"Every tutorial route also accepts {aliases} (a published example sends `transfer=op2`)."]
    return "\n".join(rows)


def native_types() -> str:
    rows = [
        "| `{type}` | OCC Tipo | Canale | `{event}`: OCC Evento | `eventtype` / `event` values "
        "| variables to map |",
        "|---|---|---|---|---|---|",
    ]
    for spec in NATIVE_TYPES:
        channels = ", ".join(
            f"{c} (`?channel={CHANNELS[c]}`)" if CHANNELS[c] else c for c in spec.channels
        ) if len(spec.channels) > 1 else spec.channels[0]  # fmt: skip
        events = "; ".join(f"`{row.action.value}`: {row.label}" for row in spec.events)
        documented = [row.event_value for row in spec.events if row.event_value]
        values = (
            f"`{spec.eventtype_value}` / {code(documented)}" if spec.eventtype_value else "not documented"
        )
        variables = code(spec.variables) + (", popups" if spec.popups else "")
        rows.append(
            f"| `{spec.call_type.value}` | {spec.label} | {channels} | {events} | {values} | {variables} |"
        )
    return "\n".join(rows)


def value_rows(header: str, table: dict[str, WireValue], order: list[str]) -> list[str]:
    rows = [
        f"| `{header}` value | {'type' if header == 'eventtype' else 'event'} | documented |",
        "|---|---|---|",
    ]
    for key, value in sorted(
        table.items(), key=lambda kv: (order.index(str(kv[1].meaning)), not kv[1].verified)
    ):
        rows.append(f"| `{key}` | `{value.meaning}` | {'yes' if value.verified else 'no, assumed'} |")
    return rows


def native_values() -> str:
    type_order = [t.call_type.value for t in NATIVE_TYPES]
    event_order = ["new", "ring", "answer", "hangup", "abandon", "no_answer", "transfer"]
    types = value_rows("eventtype", dict(TYPE_VALUES), type_order)
    events = value_rows("event", dict(EVENT_VALUES), event_order)
    return "\n".join([*types, "", *events])


def check(marker: str, generated: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    assert pattern.search(text), f"webhooks.md lacks the {marker} markers"
    updated = pattern.sub(lambda _m: f"{begin}\n{generated}\n{end}", text)
    if UPDATE:
        DOC.write_text(updated, encoding="utf-8")
    assert updated == text, "docs/webhooks.md is out of date: run with TVOX_JOURNEY_UPDATE_DOCS=1"


def test_doc_lists_every_tutorial_route_with_its_variables() -> None:
    check("tutorial-routes", tutorial_routes())


def test_doc_lists_every_native_type_with_its_occ_rows() -> None:
    check("native-types", native_types())


def test_doc_lists_every_eventtype_and_event_value() -> None:
    check("native-values", native_values())
