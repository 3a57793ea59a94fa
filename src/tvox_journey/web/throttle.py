"""Failed-login throttling and remembered password checks, in memory, per app.

Both live for one server process: a restart forgets them, which is acceptable
for a brake on guessing (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable


class AttemptLimiter:
    """At most `limit` failures per key within `window_seconds`; success clears the key."""

    def __init__(
        self,
        limit: int,
        window_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait before `key` may try again, or None when it may try now."""
        with self._lock:
            now = self._clock()
            failures = self._recent(key, now)
            if len(failures) < self.limit:
                return None
            return max(1, math.ceil(failures[0] + self.window_seconds - now))

    def failed(self, key: str) -> None:
        with self._lock:
            now = self._clock()
            failures = self._recent(key, now)
            if not failures:
                if len(self._failures) >= self._max_keys:  # forget the oldest key, bound the memory
                    del self._failures[next(iter(self._failures))]
                self._failures[key] = failures
            failures.append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class VerifiedPasswords:
    """Remembers recent successful checks so an API client using HTTP Basic is not
    hashed with argon2 on every request. Keys are HMACs that include the stored hash,
    so a password change forgets them; no password is kept.
    """

    def __init__(
        self, ttl_seconds: float = 300.0, *, clock: Callable[[], float] = time.monotonic, size: int = 1024
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._size = size
        self._until: dict[bytes, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(secret: str, username: str, password: str, password_hash: str) -> bytes:
        message = "\0".join((username, password, password_hash)).encode("utf-8", "surrogatepass")
        return hmac.new(secret.encode(), message, hashlib.sha256).digest()

    def is_known(self, secret: str, username: str, password: str, password_hash: str) -> bool:
        key = self._key(secret, username, password, password_hash)
        with self._lock:
            until = self._until.get(key)
            if until is None:
                return False
            if until < self._clock():
                del self._until[key]
                return False
            return True

    def remember(self, secret: str, username: str, password: str, password_hash: str) -> None:
        key = self._key(secret, username, password, password_hash)
        with self._lock:
            if len(self._until) >= self._size:
                del self._until[next(iter(self._until))]
            self._until[key] = self._clock() + self.ttl_seconds
