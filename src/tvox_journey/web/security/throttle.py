"""What bounds the work a stranger can make password checks do.

- `LoginThrottle`: failed-login counting in the database, shared by every process. An attempt is
  counted *before* its password is checked (one atomic upsert per key), per client address and per
  user name; over either limit the attempt is refused without hashing anything.
- `HashGate`: at most `slots` argon2 hashes at once (each takes `password_hash_memory_kib`), and a
  bounded queue with a bounded wait; beyond them `ServerBusy` (a 503), never an unbounded queue.
- `VerifiedPasswords`: a small cache of recently verified HTTP Basic credentials, so an API client
  is not hashed on every request.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from tvox_journey.store import login_attempts

T = TypeVar("T")
PURGE_EVERY_SECONDS = 60.0


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


class LoginThrottle:
    """At most `per_user` attempts per user name and `per_address` per client address within a window.

    The methods take a write connection (run them through the writer): each is a few statements.
    """

    def __init__(
        self,
        per_user: int,
        per_address: int,
        window_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.per_user = per_user
        self.per_address = per_address
        self.window_seconds = window_seconds
        self._clock = clock
        self._purged_at = 0.0

    @staticmethod
    def user_key(username: str) -> str:
        return f"u:{username}"

    @staticmethod
    def address_key(address: str) -> str:
        return f"a:{address}"

    def _retry_after(self, started_ms: int, now_ms: int) -> int:
        return max(1, math.ceil((started_ms + _ms(self.window_seconds) - now_ms) / 1000))

    def already_over(self, conn: Connection, username: str, address: str) -> int | None:
        """The seconds to wait when the address or the user name is already over its limit (a read).

        Lets a flood be refused without a write per request; `reserve` stays the atomic decision.
        """
        now_ms, window_ms = _ms(self._clock()), _ms(self.window_seconds)
        address_key, user_key = self.address_key(address), self.user_key(username)
        found = login_attempts.current(conn, [address_key, user_key], now_ms=now_ms, window_ms=window_ms)
        for key, limit in ((address_key, self.per_address), (user_key, self.per_user)):
            count, started = found.get(key[: login_attempts.MAX_KEY], (0, now_ms))
            if count >= limit:
                return self._retry_after(started, now_ms)
        return None

    def reserve(self, conn: Connection, username: str, address: str) -> int | None:
        """Count an attempt before checking it; the seconds to wait when over a limit, else None.

        The address is counted first: an address over its limit adds no row for the user names it tries.
        """
        now = self._clock()
        now_ms, window_ms = _ms(now), _ms(self.window_seconds)
        if now - self._purged_at > PURGE_EVERY_SECONDS:
            self._purged_at = now
            login_attempts.purge(conn, before_ms=now_ms - window_ms)
        count, started = login_attempts.count(
            conn, self.address_key(address), now_ms=now_ms, window_ms=window_ms
        )
        if count > self.per_address:
            return self._retry_after(started, now_ms)
        count, started = login_attempts.count(
            conn, self.user_key(username), now_ms=now_ms, window_ms=window_ms
        )
        if count > self.per_user:
            return self._retry_after(started, now_ms)
        return None

    def succeeded(self, conn: Connection, username: str, address: str) -> None:
        """The right password: the user name starts afresh, the address gets its attempt back."""
        login_attempts.forget(conn, self.user_key(username))
        login_attempts.give_back(conn, self.address_key(address))


class ServerBusy(Exception):
    """Too many password checks are running or waiting: try again in a moment."""


def default_hash_slots() -> int:
    """The cores this process may use but one (kept for everything else), at least 1 and at most 4
    (each running hash holds its memory)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores - 1, 4))


class HashGate:
    """Runs slow password hashes on threads, at most `slots` at once; at most `max_waiting` wait, each
    at most `wait_seconds`. A waiting request holds no thread (it waits on the event loop)."""

    def __init__(self, slots: int, wait_seconds: float, max_waiting: int) -> None:
        self.slots = slots
        self.wait_seconds = wait_seconds
        self.max_waiting = max_waiting
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore = asyncio.Semaphore(slots)
        self._waiting = 0

    def _for_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a restarted app in tests): fresh state
            self._loop, self._semaphore, self._waiting = loop, asyncio.Semaphore(self.slots), 0
        return self._semaphore

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on a thread once a slot is free.

        Raises:
            ServerBusy: the queue is full, or no slot came free within `wait_seconds`.
        """
        semaphore = self._for_this_loop()
        if semaphore.locked() and self._waiting >= self.max_waiting:
            raise ServerBusy()
        self._waiting += 1
        try:
            async with asyncio.timeout(self.wait_seconds):
                await semaphore.acquire()
        except TimeoutError:
            raise ServerBusy() from None
        finally:
            self._waiting -= 1
        try:
            return await run_in_threadpool(fn, *args)
        finally:
            semaphore.release()


class VerifiedPasswords:
    """Remembers recent successful HTTP Basic checks so an API client is not hashed with argon2 on every
    request. Keys are HMACs (with the secret key) of the user name, the password, and the user's stored
    password hash and role, so a new password or role forgets them, in every process; no password is
    kept. At most `size` entries, each for `ttl_seconds`.
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
    def _key(secret: str, username: str, password: str, password_hash: str, role: str) -> bytes:
        message = "\0".join((username, password, password_hash, role)).encode("utf-8", "surrogatepass")
        return hmac.new(secret.encode(), message, hashlib.sha256).digest()

    def is_known(self, secret: str, username: str, password: str, password_hash: str, role: str) -> bool:
        key = self._key(secret, username, password, password_hash, role)
        with self._lock:
            until = self._until.get(key)
            if until is None:
                return False
            if until < self._clock():
                del self._until[key]
                return False
            return True

    def remember(self, secret: str, username: str, password: str, password_hash: str, role: str) -> None:
        key = self._key(secret, username, password, password_hash, role)
        with self._lock:
            self._until.pop(key, None)
            if len(self._until) >= self._size:  # forget the oldest
                del self._until[next(iter(self._until))]
            self._until[key] = self._clock() + self.ttl_seconds
