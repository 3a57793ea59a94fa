"""The one rule for text a client sends on any channel but the webhooks: no control characters.

A control character is a C0 control (U+0000-U+001F, tab and newlines included: no field of
this app is multi-line), DEL (U+007F), a C1 control (U+0080-U+009F) or a lone surrogate
(U+D800-U+DFFF, which JSON can carry and no database can store). NUL above all: PostgreSQL
refuses it in text (a 500 if it got that far) and SQLite stores it. `web/guard/middleware.py`
applies the rule to every path parameter, query parameter, form field and JSON string before
any route runs; webhooks are recorded as received instead (the event log replaces NUL).

The same characters are escaped (`\\x00`, `\\u2028`...) in the server log (`web/guard/log_safety.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(text: str) -> str | None:
    """The first control character of `text` as `U+XXXX`, or None when there is none."""
    found = CONTROL.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def escape_controls(text: str) -> str:
    """`text` with every control character written as a Python escape (`\\x00`, `\\n`, `\\ud800`)."""
    if CONTROL.search(text) is None:
        return text
    return CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def field_problem(field: str, value: str) -> str | None:
    """The refusal for one field, naming it, or None when the value is acceptable text."""
    found = control_character(value)
    if found is None:
        return None
    return f"{escape_controls(field)}: contains a control character ({found}), which is not allowed"


def first_problem(pairs: Iterable[tuple[str, str]]) -> str | None:
    """The refusal for the first field (name or value) that breaks the rule."""
    for name, value in pairs:
        problem = field_problem(name, name) or field_problem(name, value)
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
