"""Run the real server in a child process on a free loopback port (for tests and benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.servers import wait_until_answering

STARTUP_SECONDS = 90  # a loaded 2-core test machine has taken more than 30 s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    database_url: str, *, env: dict[str, str] | None = None, log_path: Path | None = None
) -> Iterator[str]:
    """`tvox-journey serve` on 127.0.0.1; yields its base URL once /healthz answers."""
    port = free_port()
    environment = {**os.environ, "TVOX_JOURNEY_DATABASE_URL": database_url, **(env or {})}
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "tvox_journey", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base, process, log_path, STARTUP_SECONDS)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log_path and not isinstance(log, int):
            log.close()


@dataclass(frozen=True)
class Process:
    """A running `tvox-journey serve` child: its base URL and process."""

    base: str
    popen: subprocess.Popen[bytes]


@contextmanager
def running_servers(
    database_url: str,
    count: int,
    *,
    env: dict[str, str] | None = None,
    log_dir: Path | None = None,
    workers: int = 1,
) -> Iterator[list[Process]]:
    """`count` servers started together on one database (as N machines would); yields once all answer.

    With `workers` > 1 each is `serve --workers N`: that many processes behind its port."""
    environment = {**os.environ, "TVOX_JOURNEY_DATABASE_URL": database_url, **(env or {})}
    started: list[Process] = []
    logs = []
    try:
        for n in range(count):
            port = free_port()
            log = open(log_dir / f"server-{n}.log", "wb") if log_dir else subprocess.DEVNULL  # noqa: SIM115
            logs.append(log)
            command = [
                sys.executable,
                "-m",
                "tvox_journey",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
            command += ["--workers", str(workers)] if workers > 1 else []
            popen = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
            started.append(Process(f"http://127.0.0.1:{port}", popen))
        deadline = time.monotonic() + 180
        for process in started:
            wait_until_answering(process.base, process.popen, log_dir, max(deadline - time.monotonic(), 0))
        yield started
    finally:
        for process in started:
            if process.popen.poll() is None:
                process.popen.terminate()
        for process in started:
            try:
                process.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
        for log in logs:
            if not isinstance(log, int):
                log.close()
