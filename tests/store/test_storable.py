"""`storable`: its one-pass check in C leaves clean values as they are and repairs every other one as
the recursive repair does, whatever the nesting; `stored_json`, a new row's JSON column text, is the
text of the storable value."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tvox_journey.store.event_log import storable, stored_json

texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=8) | st.sampled_from(
    ["\x00", "a\x00b", "\udcff", "\ud800x", "Città", "\\u0000", "\\ud83d", "plain", "\U0001f600", "\ud7ff"]
)
values = st.recursive(
    st.none() | st.integers() | texts,
    lambda inner: (
        st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(texts, inner, max_size=4)
    ),
    max_leaves=20,
)


def clean(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" not in value and value.encode("utf-8", "replace").decode("utf-8") == value
    if isinstance(value, list | tuple):
        return all(clean(v) for v in value)
    if isinstance(value, dict):
        return all(clean(k) and clean(v) for k, v in value.items())
    return True


@given(values)
def test_every_string_stored_is_valid_utf_8_without_nul_and_clean_values_are_kept(value: Any) -> None:
    stored = storable(value)
    assert clean(stored)
    assert json.dumps(stored) == json.dumps(value) if clean(value) else clean(stored)


def test_a_nul_deep_in_the_parameters_is_replaced() -> None:
    stored = storable((("a", "b"), ("c", "x\x00y")))
    assert json.dumps(stored) == json.dumps([["a", "b"], ["c", "x\ufffdy"]])
    assert json.dumps(storable({"popups": [["k", "\udcff"]]})) == json.dumps({"popups": [["k", "?"]]})


@given(values)
def test_the_column_text_of_a_new_row_is_the_text_of_its_storable_value(value: Any) -> None:
    assert stored_json(value) == json.dumps(storable(value))
