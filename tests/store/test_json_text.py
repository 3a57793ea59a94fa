"""The prebuilt JSON encoders write what `json.dumps` writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvox_journey.store.json_text import encoder

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8) | st.integers() | st.booleans() | st.none(), inner, max_size=4)
    ),
    max_leaves=12,
)
OPTIONS: list[dict[str, Any]] = [
    {},
    {"ensure_ascii": False},
    {"separators": (",", ":"), "ensure_ascii": False},
]


@pytest.mark.parametrize("options", OPTIONS, ids=["dumps", "unescaped", "canonical"])
@given(value=values)
def test_the_text_is_what_json_dumps_writes(options: dict[str, Any], value: Any) -> None:
    assert encoder(**options)(value) == json.dumps(value, **options)


@pytest.mark.parametrize("value", [object(), {"a": {1, 2}}, [b"bytes"]])
def test_a_value_json_cannot_hold_is_refused_as_json_dumps_refuses_it(value: Any) -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        json.dumps(value)
    with pytest.raises(TypeError, match="not JSON serializable"):
        encoder()(value)


def test_lone_surrogates_and_nul_are_escaped_as_json_dumps_escapes_them() -> None:
    value = ["\udc80", "\x00", "é", {"\ud800": "\u2028"}]
    for options in OPTIONS:
        assert encoder(**options)(value) == json.dumps(value, **options)
