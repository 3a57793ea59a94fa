"""Replay from the log page: refused (or unrecognized) requests chosen by filter, previewed, then read
again with this process's current mapping (replay.py). Admins only; the replay is a POST with a CSRF
token, recorded in the audit trail (`log/replay`) with its counts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from tvox_journey import log_search, replay
from tvox_journey.live.broadcaster import Change
from tvox_journey.services import recording
from tvox_journey.store import replays
from tvox_journey.store.log_query import LogCursor
from tvox_journey.store.replays import Selection
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import CSRF, Admin, publish
from tvox_journey.web.pages.render import formatter, render

router = APIRouter(include_in_schema=False)
MAX_REPLAY = 1000  # rows one replay from the page reads again at most (the command line has --limit)
SHOWN = 20  # results listed on the preview and the summary
OUTCOMES = ("rejected", "unrecognized")


class _Invalid(Exception):
    def __init__(self, error: log_search.FilterError) -> None:
        self.error = error


def _selection(fields: dict[str, str | None], resources: Resources) -> tuple[Selection, dict[str, str]]:
    """The rows to replay: an outcome (refused or unrecognized), a route, a time range."""
    outcome = (fields.get("outcome") or "").strip()
    if outcome not in OUTCOMES:
        raise _Invalid(log_search.FilterError("outcome", "rejected or unrecognized", "replay_outcome"))
    try:
        query = log_search.parse_query(
            {k: fields.get(k) for k in ("route", "since", "until")},
            policy=resources.policy,
            zone=resources.display_zone,
        )
    except log_search.FilterError as error:
        raise _Invalid(error) from None
    now = resources.now()
    until = min(query.filter.until, now) if query.filter.until is not None else now
    selection = Selection(outcome, until, route=query.filter.route, since=query.filter.since)
    # The confirmation replays what the preview counted: rows received up to the preview, not later.
    chosen = {"route": "", "since": "", **query.given, "outcome": outcome, "until": until.isoformat()}
    return selection, chosen


def _setting(resources: Resources, actor: str) -> replay.Setting:
    return replay.Setting(resources.mappings, resources.policy, resources.tvox_zone, resources.now(), actor)


def _page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    values = {"nav": "log", "max_replay": MAX_REPLAY, "error": None, "summary": None, "count": 0}
    return render(request, "admin/log_replay.html", values | context, status_code=status_code)


@router.get("/log/replay")
def preview_replay(
    request: Request,
    resources: ResourcesDep,
    user: Admin,
    outcome: str | None = None,
    route: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    """What a replay of the chosen rows would do, without doing it; then a button to do it."""
    fields = {"outcome": outcome, "route": route, "since": since, "until": until}
    try:
        selection, chosen = _selection(fields, resources)
    except _Invalid as invalid:
        return _page(request, {"user": user, "error": invalid.error, "chosen": fields}, 422)
    chosen["until_shown"] = formatter(request).time(selection.until)
    with resources.db.read.connect() as conn:
        count = replays.count(conn, selection, at_most=MAX_REPLAY + 1)
    summary = replay.replay_all(
        resources.db.read.connect, selection, _setting(resources, user.username),
        limit=MAX_REPLAY, dry_run=True, keep_first=SHOWN,
    )  # fmt: skip
    return _page(request, {"user": user, "chosen": chosen, "count": count, "summary": summary, "dry": True})


async def _replay(resources: Resources, selection: Selection, setting: replay.Setting) -> replay.Summary:
    """The replay through the writer, a batch per transaction (webhooks wait at most one batch)."""
    summary = replay.Summary()
    after: LogCursor | None = None
    while summary.read < MAX_REPLAY:
        size = min(replay.BATCH, MAX_REPLAY - summary.read)

        def batch(conn: Connection, after: LogCursor | None = after, size: int = size) -> Any:
            return replay.replay_batch(conn, selection, setting, after=after, size=size, dry_run=False)

        done, after = await resources.writer.run(batch)
        for replayed in done:
            summary.add(replayed, SHOWN)
        if any(r.new_seq for r in done):  # the log follower reads the new rows back for the live pages
            publish(resources, Change(max(r.new_seq or 0 for r in done)))
        if after is None:
            return summary
    summary.more = after is not None
    return summary


@router.post("/log/replay", dependencies=CSRF)
async def run_replay(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Replay the chosen rows with the current mapping; the audit trail records it with its counts."""
    form = await request.form()
    fields = {
        k: v if isinstance(v := form.get(k), str) else None for k in ("outcome", "route", "since", "until")
    }
    try:
        selection, chosen = _selection(fields, resources)
    except _Invalid as invalid:
        return _page(request, {"user": user, "error": invalid.error, "chosen": fields}, 422)
    chosen["until_shown"] = formatter(request).time(selection.until)
    setting = _setting(resources, user.username)
    summary = await _replay(resources, selection, setting)
    details = [
        (k, chosen[k]) for k in ("outcome", "route", "since", "until") if k in chosen
    ] + summary.details()
    now = resources.now()
    seq = await resources.writer.run(
        lambda conn: recording.record_action(
            conn, actor=user.username, action="log/replay", details=details, now=now
        )
    )
    publish(resources, Change(seq, kind="action"))
    return _page(
        request, {"user": user, "chosen": chosen, "count": summary.read, "summary": summary, "dry": False}
    )
