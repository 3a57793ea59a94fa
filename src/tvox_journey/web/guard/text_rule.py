"""The one rule for text a client sends on any channel but the webhooks: no control characters.

A control character is a C0 control (U+0000-U+001F, tab and newlines included: a field is one
line, but for the few in `MULTILINE`, where tab and line ends are text), DEL (U+007F), a C1
control (U+0080-U+009F) or a lone surrogate (U+D800-U+DFFF, which JSON can carry and no
database can store). NUL above all: PostgreSQL refuses it in text (a 500 if it got that far)
and SQLite stores it. `web/guard/middleware.py` applies the rule to every path parameter, query
parameter, form field and JSON string before any route runs; webhooks are recorded as received
instead (the event log replaces NUL).

The same characters are escaped (`\\x00`, `\\u2028`...) in the server log (`web/guard/log_safety.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # tab, LF, CR are text

# The fields that hold several lines (path pattern, field): the text of a note on a call, from the
# card's forms and from the API.
MULTILINE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/notes(/[0-9]+/edit)?"), "body.text"),
    (re.compile(r"/api/v1/interactions/[^/]+/notes(/[0-9]+)?"), "body.text"),
)


def multiline_fields(path: str) -> frozenset[str]:
    """The fields of a request to `path` where tab and line ends are allowed."""
    return frozenset(field for pattern, field in MULTILINE if pattern.fullmatch(path))


def control_character(text: str, *, lines: bool = False) -> str | None:
    """The first control character of `text` as `U+XXXX`, or None when there is none (`lines`: tab and
    line ends are not control characters)."""
    found = (CONTROL_IN_LINES if lines else CONTROL).search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def escape_controls(text: str) -> str:
    """`text` with every control character written as a Python escape (`\\x00`, `\\n`, `\\ud800`)."""
    if CONTROL.search(text) is None:
        return text
    return CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def field_problem(field: str, value: str, *, lines: bool = False) -> str | None:
    """The refusal for one field, naming it, or None when the value is acceptable text."""
    found = control_character(value, lines=lines)
    if found is None:
        return None
    return f"{escape_controls(field)}: contains a control character ({found}), which is not allowed"


def first_problem(pairs: Iterable[tuple[str, str]], multiline: frozenset[str] = frozenset()) -> str | None:
    """The refusal for the first field (name or value) that breaks the rule (`multiline`: the fields
    whose values may hold several lines)."""
    for name, value in pairs:
        problem = field_problem(name, name) or field_problem(name, value, lines=name in multiline)
        if problem is not None:
            return problem
    return None


def json_strings(value: object, path: str = "body") -> Iterator[tuple[str, str]]:
    """Every string of a parsed JSON document (keys and values) with its dotted path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            inner_path = f"{path}.{key}"
            yield inner_path, str(key)
            yield from json_strings(inner, inner_path)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from json_strings(inner, f"{path}.{index}")
