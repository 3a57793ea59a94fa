"""The journey cursor's text form: what `token()` makes comes back whole, anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvox_journey.store.interactions import Cursor

CALL_IDS = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=255
)  # what a stored call id can be: no control characters, no lone surrogates
TIMES = st.datetimes(timezones=st.just(UTC))


@given(TIMES, CALL_IDS)
def test_a_cursor_comes_back_from_its_token_unchanged(sort_at: datetime, call_id: str) -> None:
    cursor = Cursor(sort_at, call_id)
    assert Cursor.from_token(cursor.token()) == cursor


@given(st.text(max_size=600))
def test_any_other_text_is_refused_with_a_value_error_only(text: str) -> None:
    try:
        Cursor.from_token(text)
    except ValueError:
        pass


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not base64!",
        "WzEsMl0=",  # [1, 2]: not a time and a call id
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgIlx1MDAwMCJd",  # a NUL call id
    ],
)
def test_a_token_we_did_not_make_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="not a cursor from this API"):
        Cursor.from_token(token)
