"""The event log's filters, on SQLite and PostgreSQL: each finds exactly its rows, paging lists every one
once however short the reading bound, and every filter is read through an index in the log's order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from tests.web.log_helpers import all_rows, fill_log

from tvox_journey.store import log_query, replays
from tvox_journey.store.log_query import LogCursor, LogFilter, params_contain
from tvox_journey.store.replays import Selection

MARIO = "+390452224600"


def utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def matches(row: dict[str, Any], wanted: LogFilter) -> bool:
    """The filter's meaning, written out plainly."""
    at = utc(row["received_at"])
    return (
        all(row[column] == value for column, value in wanted.equalities().items())
        and (wanted.since is None or at >= wanted.since)
        and (wanted.until is None or at < wanted.until)
        and (wanted.text is None or params_contain(row["params"], wanted.text))
    )


def every_page(conn: Connection, wanted: LogFilter, *, limit: int, scan_rows: int) -> list[int]:
    seqs: list[int] = []
    after = None
    for _ in range(200):
        page = log_query.find(conn, wanted, limit=limit, after=after, scan_rows=scan_rows)
        assert len(page.rows) <= limit
        assert page.read <= max(scan_rows, limit + 1)
        seqs += [int(r["seq"]) for r in page.rows]
        if page.next is None:
            return seqs
        after = page.next
    raise AssertionError("paging did not end")


def filters(rows: list[dict[str, Any]]) -> list[LogFilter]:
    times = sorted(utc(r["received_at"]) for r in rows)
    since, until = times[3], times[-3]
    return [
        LogFilter(),
        LogFilter(outcome="rejected"),
        LogFilter(outcome="accepted"),
        LogFilter(outcome="duplicate"),
        LogFilter(outcome="unrecognized"),
        LogFilter(outcome="action"),
        LogFilter(route="service/ring"),
        LogFilter(route="tvox/events"),
        LogFilter(number_key=MARIO),
        LogFilter(number_key="+390212345678", outcome="duplicate"),
        LogFilter(call_id="other-1"),
        LogFilter(call_id="other-1", outcome="accepted", route="service/ring"),
        LogFilter(since=since, until=until),
        LogFilter(since=since, route="service/ring", outcome="accepted"),
        LogFilter(text="numerochiamante"),
        LogFilter(text="callId=other-1", outcome="duplicate"),
        LogFilter(text="NOTHING LIKE THIS"),
        LogFilter(until=since - timedelta(days=1)),
        LogFilter(route="no/such/route"),
    ]


def test_every_filter_pages_through_exactly_its_rows_whatever_the_bounds(client: TestClient) -> None:
    fill_log(client)
    rows = all_rows(client)
    assert {r["outcome"] for r in rows} == {"accepted", "duplicate", "unrecognized", "rejected", "action"}
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        for wanted in filters(rows):
            expected = [int(r["seq"]) for r in rows if matches(r, wanted)]
            for limit, scan_rows in ((1, 2), (3, 4), (100, log_query.SCAN_ROWS)):
                found = every_page(conn, wanted, limit=limit, scan_rows=scan_rows)
                assert found == expected, (wanted, limit, scan_rows)


def test_a_page_that_reaches_its_bound_says_so_and_goes_on_from_there(client: TestClient) -> None:
    fill_log(client)
    rows = all_rows(client)
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    wanted = LogFilter(text="numerochiamante")  # the refused ring, among the oldest rows
    with db.read.connect() as conn:
        page = log_query.find(conn, wanted, limit=10, scan_rows=2)
    assert (page.rows, page.bounded, page.read) == ([], True, 2)
    assert page.next == LogCursor.after(rows[1])


def test_a_cursor_survives_its_token_and_any_other_text_is_refused() -> None:
    cursor = LogCursor(datetime(2026, 11, 24, 9, 0, 0, 123456, tzinfo=UTC), 42)
    assert LogCursor.from_token(cursor.token()) == cursor
    for bad in ("", "abc", "W10=", "WyJ4IiwgMV0=", "WyIyMDI2LTExLTI0VDA5OjAwOjAwIiwgLTFd", "\udcff"):
        with pytest.raises(ValueError, match="not a cursor"):
            LogCursor.from_token(bad)


def test_text_is_found_in_a_name_or_a_value_in_any_case() -> None:
    params = [["callId", "Abc"], ["numeroChiamante", "0452224600"]]
    assert params_contain(params, "callid=abc")
    assert params_contain(params, "NUMEROCHIAMANTE")
    assert not params_contain(params, "callId=0452")
    assert not params_contain({"not": "a list"}, "not")
    assert not params_contain([["one"], 3, None], "one")


# Each filter alone, as a page asks for it, and the index that must serve it.
CURSOR = LogCursor(datetime(2026, 3, 1, tzinfo=UTC), 5)
PLANS = [
    ("ix_event_log_received_at", LogFilter()),
    ("ix_event_log_received_at", LogFilter(outcome="accepted")),  # most rows: not in the outcome index
    ("ix_event_log_call_id", LogFilter(call_id="c1")),
    ("ix_event_log_number_key", LogFilter(number_key="+390452224600")),
    ("ix_event_log_route", LogFilter(route="service/ring")),
    ("ix_event_log_outcome", LogFilter(outcome="rejected")),
    ("ix_event_log_outcome", LogFilter(outcome="action")),
    (
        "ix_event_log_received_at",
        LogFilter(since=datetime(2026, 1, 1, tzinfo=UTC), until=datetime(2026, 2, 1, tzinfo=UTC)),
    ),
]


@pytest.mark.parametrize(("index", "wanted"), PLANS)
def test_each_filter_reads_its_index_in_the_logs_order_without_sorting(
    client: TestClient, index: str, wanted: LogFilter
) -> None:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        statement = log_query.page_statement(wanted, limit=101, after=CURSOR)
        query = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {query}")))
            assert f"INDEX {index} " in plan, plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            # A table this small is cheaper read whole: make the planner show how an index serves it.
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            conn.execute(text("SET LOCAL enable_bitmapscan = off"))
            plan = " ".join(str(row[0]) for row in conn.execute(text(f"EXPLAIN {query}")))
            assert f"{index} " in plan, plan
            assert "Sort" not in plan, plan


def test_the_replay_reads_refused_rows_through_the_outcome_index(client: TestClient) -> None:
    selection = Selection("rejected", datetime(2026, 3, 1, tzinfo=UTC), route="service/ring")
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        statement = replays.candidate_statement(selection, limit=100, after=CURSOR)
        query = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {query}")))
            assert "INDEX ix_event_log_outcome " in plan and "TEMP B-TREE" not in plan, plan
        else:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            conn.execute(text("SET LOCAL enable_bitmapscan = off"))
            plan = " ".join(str(row[0]) for row in conn.execute(text(f"EXPLAIN {query}")))
            assert "_outcome " in plan or "_rejected_received_at " in plan, plan
            assert "Sort" not in plan, plan
