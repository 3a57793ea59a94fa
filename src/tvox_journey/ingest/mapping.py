"""Variable mappings: per route, the incoming parameter name -> the TVox variable it carries.

The effective mapping of a route is its built-in default (the tutorial's names
for its URIs, TVox's own names for the native route), overridden name by name
by the mapping file, overridden by the rows edited on the admin page. A mapping
file is TOML; any problem is reported with its line:

    [routes."service/ring"]
    numeroChiamante = "cli"

Imports `domain` and `ingest` only; `read_mapping_file` is the only I/O here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tvox_journey.domain.events import Action
from tvox_journey.ingest.contract import TUTORIAL_ROUTES, tutorial_mapping
from tvox_journey.ingest.native import NATIVE_ROUTE, action_of, call_type_of, is_known_variable

ROUTE_KEYS: tuple[str, ...] = (*TUTORIAL_ROUTES, NATIVE_ROUTE)
MAX_NAME_LENGTH = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_POPUP = re.compile(r"popup\d{1,3}")  # popups are kept by incoming name: several names never clash
_TOML_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")

Table = Mapping[str, Mapping[str, str]]  # route -> {incoming: variable}


class MappingFileError(ValueError):
    """A mapping file that cannot be used, with the line at fault."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.message = message


def canonical_route(name: str) -> str | None:
    """The route key a name stands for (`/service/ring.php` -> `service/ring`); None when unknown."""
    key = name.strip().strip("/")
    if key.endswith(".php"):
        key = key[: -len(".php")]
    return key if key in ROUTE_KEYS else None


def route_of(path: str) -> str | None:
    """The route key a request path stands for, as the event log keys accepted events; None if none.

    `/service/ring.php` -> `service/ring`; `/tvox/events/SERVICE/Ring` -> `tvox/events/service/ring`.
    """
    key = path.strip("/")
    plain = key.removesuffix(".php")
    if plain in TUTORIAL_ROUTES:
        return plain
    if key != NATIVE_ROUTE and not key.startswith(NATIVE_ROUTE + "/"):
        return None
    segments = key.split("/")[2:]
    if len(segments) > 2:
        return None
    parts = [NATIVE_ROUTE]
    if segments:
        call_type = call_type_of(segments[0])
        if call_type is None:
            return None
        parts.append(call_type.value)
    if len(segments) == 2:
        action = action_of(segments[1])
        if action is Action.UNKNOWN:
            return None
        parts.append(action.value)
    return "/".join(parts)


def name_problem(incoming: str) -> str | None:
    """Why `incoming` cannot be an incoming parameter name; None when it can."""
    if not incoming.strip() or incoming != incoming.strip():
        return f"the incoming name {incoming!r} is empty or has surrounding spaces"
    if len(incoming) > MAX_NAME_LENGTH or _CONTROL.search(incoming):
        return f"the incoming name {incoming[:40]!r} is too long or has control characters"
    return None


def entry_problem(incoming: str, variable: object) -> str | None:
    """Why `incoming = variable` cannot be a mapping entry; None when it can."""
    problem = name_problem(incoming)
    if problem is not None:
        return problem
    if not isinstance(variable, str):
        return f"{incoming}: the TVox variable must be a string, not {type(variable).__name__}"
    if not is_known_variable(variable):
        return f"{incoming}: unknown TVox variable {variable[:60]!r}"
    return None


def default_mapping(route: str) -> Mapping[str, str]:
    """The built-in mapping of a route: the tutorial's names, or none (TVox's own) for the native route."""
    tutorial = TUTORIAL_ROUTES.get(route)
    if tutorial is None:
        return {}
    return tutorial_mapping(tutorial)


def _leaves(value: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from _leaves(inner, (*prefix, key))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        yield from _leaves(value[0], prefix)
    else:
        yield prefix


def _key_lines(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """For each line defining a table or key, the full key path it defines."""
    found: list[tuple[int, tuple[str, ...]]] = []
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            parsed = tomllib.loads(stripped)
        except tomllib.TOMLDecodeError:
            continue  # a line of a multi-line value
        paths = list(_leaves(parsed))
        if stripped.startswith("[") and paths:
            table = paths[0]
            found.append((number, table))
        else:
            found.extend((number, (*table, *path)) for path in paths)
    return found


def _line_of(text: str, path: tuple[str, ...]) -> int | None:
    """The first line defining `path` or something inside it."""
    for number, defined in _key_lines(text):
        if defined[: len(path)] == path:
            return number
    return None


def parse_mapping_text(text: str, source: str = "mapping file") -> Table:
    """The mappings a TOML text defines, by canonical route.

    Raises:
        MappingFileError: not TOML, or an unknown key, route or TVox variable (naming the line).
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _TOML_LINE.search(message)
        if match is None:
            raise MappingFileError(source, None, message) from None
        detail = f"{message[: match.start()]} (column {match.group(2)})"
        raise MappingFileError(source, int(match.group(1)), detail) from None

    def fail(path: tuple[str, ...], message: str) -> MappingFileError:
        return MappingFileError(source, _line_of(text, path), message)

    for key in document:
        if key != "routes":
            raise fail((key,), f'unknown key {key!r}: put mappings under [routes."<route>"]')
    routes = document.get("routes", {})
    if not isinstance(routes, dict):
        raise fail(("routes",), "routes must be a table")
    result: dict[str, dict[str, str]] = {}
    for name, entries in routes.items():
        route = canonical_route(name)
        if route is None:
            known = ", ".join(ROUTE_KEYS)
            raise fail(("routes", name), f"unknown route {name!r}; known routes: {known}")
        if not isinstance(entries, dict):
            raise fail(("routes", name), f"route {name!r} must be a table of incoming name = TVox variable")
        for incoming, variable in entries.items():
            problem = entry_problem(incoming, variable)
            if problem is not None:
                raise fail(("routes", name, incoming), problem)
            result.setdefault(route, {})[incoming] = variable
    table = MappingProxyType({route: MappingProxyType(entries) for route, entries in result.items()})
    for route in result:
        clash = Mappings(table).clash(route)
        if clash is not None:
            raise fail(("routes", _table_name(routes, route), clash.incoming), clash.message)
    return table


def _table_name(routes: Mapping[str, Any], route: str) -> str:
    """The name a file gave a canonical route (`service/ring.php`, `/service/ring`...)."""
    return next((name for name in routes if canonical_route(name) == route), route)


def read_mapping_file(path: Path) -> Table:
    """The mappings of a TOML file.

    Raises:
        MappingFileError: unreadable, not UTF-8 TOML, or invalid (naming the line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MappingFileError(str(path), None, f"cannot be read: {error}") from None
    return parse_mapping_text(text, str(path))


DEFAULT, FILE, DATABASE = "default", "file", "database"


@dataclass(frozen=True, slots=True)
class Clash:
    """Two incoming names that would carry one TVox variable on a route, and why that is refused."""

    route: str
    incoming: str  # the name that makes the clash (the higher layer's)
    message: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One effective mapping entry and the layer it comes from."""

    incoming: str
    variable: str
    source: str  # default | file | database


class Mappings:
    """The effective mapping of every route: default < file < database rows."""

    def __init__(self, file: Table | None = None, rows: Table | None = None) -> None:
        self.file: Table = file or {}
        self.rows: Table = rows or {}
        self._entries = {route: self._merge(route) for route in ROUTE_KEYS}
        self._effective = {
            route: MappingProxyType({e.incoming: e.variable for e in entries})
            for route, entries in self._entries.items()
        }

    def _merge(self, route: str) -> tuple[Entry, ...]:
        merged: dict[str, Entry] = {}
        layers = ((DEFAULT, default_mapping(route)), (FILE, self.file.get(route, {})))
        for source, layer in (*layers, (DATABASE, self.rows.get(route, {}))):
            for incoming, variable in layer.items():
                merged.pop(incoming, None)  # re-inserted last: later layers rank higher
                merged[incoming] = Entry(incoming, variable, source)
        return tuple(merged.values())

    def for_route(self, route: str) -> Mapping[str, str]:
        """Incoming name -> TVox variable for a route key (empty for an unknown one)."""
        return self._effective.get(route, MappingProxyType({}))

    def entries(self, route: str) -> tuple[Entry, ...]:
        """The effective entries of a route with their sources, lowest layer first."""
        return self._entries.get(route, ())

    def names(self, route: str) -> dict[str, str]:
        """TVox variable -> the incoming name to configure in TVox (the highest layer's)."""
        return {e.variable: e.incoming for e in self.entries(route)}

    def clash(self, route: str) -> Clash | None:
        """The first clash of a route: two incoming names for one TVox variable, when TVox may send both.

        A name given by the file or the admin page beside a built-in default name is a rename (TVox
        sends the one it was configured with). It is a clash when both names were chosen (file or
        page), or when the new name is one the layers below read as another variable: TVox sends it
        for that variable, so every request would carry the variable twice and be refused (422).
        """
        lower = default_mapping(route)
        below = {DEFAULT: {}, FILE: lower, DATABASE: {**lower, **self.file.get(route, {})}}
        groups: dict[str, list[Entry]] = {}
        for entry in self.entries(route):
            groups.setdefault(entry.variable, []).append(entry)
        for variable, group in groups.items():
            if len(group) < 2 or _POPUP.fullmatch(variable):
                continue
            chosen = [e for e in group if e.source != DEFAULT]
            moved = [e for e in chosen if below[e.source].get(e.incoming, variable) != variable]
            if len(chosen) < 2 and not moved:
                continue
            culprit = (moved or chosen)[-1]
            others = ", ".join(f"{e.incoming} ({e.source})" for e in group if e is not culprit)
            why = (
                f"TVox sends {culprit.incoming} as {below[culprit.source][culprit.incoming]}"
                if culprit in moved
                else "TVox may send both"
            )
            message = (
                f"{culprit.incoming} -> {variable} clashes on {route} with {others}: two incoming names "
                f"for the TVox variable {variable} ({why}, and a request carrying both is refused); "
                "map another variable, or remove the other name first"
            )
            return Clash(route, culprit.incoming, message)
        return None

    def clashes(self) -> list[Clash]:
        """The clash of every route that has one."""
        return [c for c in (self.clash(route) for route in ROUTE_KEYS) if c is not None]

    def with_rows(self, rows: Table) -> Mappings:
        """The same file with new database rows."""
        return Mappings(self.file, rows)
