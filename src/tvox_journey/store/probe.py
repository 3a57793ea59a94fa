"""A bounded answer to "does the database answer?" (for /healthz).

The question runs on a thread of its own and is asked at most once at a time:
while a probe is stuck on a database that does not answer, later callers wait
for that same probe (within their own bound) instead of starting another, so a
frozen database costs one thread, not one per health check.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError


class Probe:
    """`SELECT 1` on `engine`, one at a time, each caller waiting at most its timeout."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._pending: Future[bool] | None = None

    def _start(self) -> Future[bool]:
        with self._lock:
            if self._pending is None or self._pending.done():
                pending: Future[bool] = Future()
                pending.set_running_or_notify_cancel()
                self._pending = pending
                threading.Thread(
                    target=self._ask, args=(pending,), name="tvox-journey-probe", daemon=True
                ).start()
            return self._pending

    def _ask(self, pending: Future[bool]) -> None:
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            pending.set_result(False)
        except BaseException as error:  # anything else: not healthy, and said so
            pending.set_exception(error)
        else:
            pending.set_result(True)

    def answers(self, timeout: float) -> bool:
        """True when the database answered within `timeout` seconds."""
        try:
            return self._start().result(timeout)
        except Exception:
            return False

    async def answers_async(self, timeout: float) -> bool:
        """`answers`, without holding a thread of the event loop's pool while waiting."""
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._start())), timeout)
        except Exception:
            return False
