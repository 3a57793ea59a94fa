"""Server-Sent Events framing (pure)."""

from __future__ import annotations


def format_frame(
    *, data: str | None = None, event: str | None = None, id: int | None = None, retry_ms: int | None = None
) -> str:
    """One SSE frame. A frame with an `id` and no data only moves the browser's Last-Event-ID."""
    lines = []
    if retry_ms is not None:
        lines.append(f"retry: {retry_ms}")
    if id is not None:
        lines.append(f"id: {id}")
    if event is not None:
        lines.append(f"event: {_one_line(event)}")
    if data is not None:
        lines.extend(f"data: {line}" for line in data.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(lines) + "\n\n"


def comment(text: str) -> str:
    """A comment frame: keeps the connection alive, ignored by the browser."""
    return f": {_one_line(text)}\n\n"


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")
