"""No raw control character reaches the server log: the arguments of every log record are escaped.

A client chooses paths, user names and parameters; written raw, a newline forges a log line
and an escape sequence drives the administrator's terminal. `install_log_escaping()` wraps the
log record factory of the process, so every logger is covered, whoever configured its handlers
(uvicorn's included; its access log already writes the path percent-encoded). Format strings are
the program's own and stay as written (a deliberate newline in a message is kept); a message
logged without arguments may be a value, and is escaped.
"""

from __future__ import annotations

import logging
from typing import Any

from tvox_journey.web.guard.text_rule import CONTROL, escape_controls

_MARK = "_tvox_journey_escapes_controls"


def _safe(value: object) -> object:
    if isinstance(value, str):
        return escape_controls(value)
    if isinstance(value, bytes | bytearray):
        return value  # formatted with repr by %r / %s: escaped by Python already
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    return escape_controls(text) if CONTROL.search(text) else value


def escape_record_args(record: logging.LogRecord) -> logging.LogRecord:
    """The record with every control character in its arguments escaped."""
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(_safe(a) for a in args)
    elif isinstance(args, dict):
        record.args = {k: _safe(v) for k, v in args.items()}
    if not args and isinstance(record.msg, str) and record.msg and CONTROL.search(record.msg):
        # No arguments: the message may be a value someone logged directly (`log.info(path)`).
        record.msg = escape_controls(record.msg)
    return record


def install_log_escaping() -> None:
    """Escape control characters in every log record of this process (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, _MARK, False):
        return

    def escaping_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return escape_record_args(factory(*args, **kwargs))

    setattr(escaping_factory, _MARK, True)
    logging.setLogRecordFactory(escaping_factory)
