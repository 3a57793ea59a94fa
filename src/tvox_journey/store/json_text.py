"""JSON text exactly as `json.dumps` writes it, from an encoder built once.

`json.dumps` builds its C encoder again at every call, and with any option (`separators`,
`ensure_ascii`) a whole `JSONEncoder` too: for the small values of a webhook request that is about
half the cost of encoding them, paid five times a request. `encoder(...)` takes the options of
`JSONEncoder` and returns a function giving the same text as `json.dumps(value, **options)` (checked
against it by tests/store/test_json_text.py), without a check for circular references: the values
come from parsed requests and cannot hold a cycle.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _stdlib
from typing import Any


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encoder(*, ensure_ascii: bool = True, separators: tuple[str, str] = (", ", ": ")) -> Callable[[Any], str]:
    """`json.dumps(value, ensure_ascii=..., separators=...)` as a function; raises as it does."""
    item, key = separators
    escape = _stdlib.encode_basestring_ascii if ensure_ascii else _stdlib.encode_basestring
    make = getattr(_stdlib, "c_make_encoder", None)  # not in the typing stubs
    if make is None:  # an interpreter without the C accelerator
        return json.JSONEncoder(ensure_ascii=ensure_ascii, separators=separators, check_circular=False).encode
    chunks = make(None, _refuse, escape, None, key, item, False, False, True)

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return str(escape(value))
        return "".join(chunks(value, 0))

    return encode
