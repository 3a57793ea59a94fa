"""Server processes for the benchmarks: the product (`tvox-journey serve`) or the bare ceiling app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tvox_journey.traffic.clients import wait_until_up


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(stat: Path) -> float:
    """User plus system CPU time so far of a process or thread, from its `/proc/.../stat`; 0 when it is
    gone."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    """A running server: its base URL and process id."""

    base_url: str
    pid: int

    def memory(self) -> dict[str, int]:
        """Resident memory (VmRSS) and its peak (VmHWM), in KiB, from /proc/<pid>/status."""
        found: dict[str, int] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
        return found

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used so far."""
        return cpu_seconds(Path(f"/proc/{self.pid}/stat"))


def wait_until_answering(
    base: str,
    process: subprocess.Popen[bytes],
    log_path: Path | None = None,
    seconds: float = 60,
    request_timeout: float = 2,
) -> None:
    """Wait until the server at `base`, run by `process`, answers /healthz (`traffic.clients.wait_until_up`).

    Raises:
        RuntimeError: the process exited, or did not answer within `seconds` (see its log).
    """

    def exited() -> bool:
        return process.poll() is not None

    if wait_until_up(base, timeout=seconds, request_timeout=request_timeout, gone=exited):
        return
    see = f"; see {log_path}" if log_path else ""
    if exited():
        raise RuntimeError(f"server exited with {process.returncode}{see}")
    raise RuntimeError(f"server did not answer within {seconds:g} s{see}")


@contextmanager
def _process(command: list[str], env: dict[str, str], log_path: Path, port: int) -> Iterator[Server]:
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_answering(base, process, log_path)
            yield Server(base, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def product_server(
    database_url: str, log_path: Path, env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[Server]:
    """`tvox-journey serve` on a free loopback port, as an operator would run it."""
    port = free_port()
    environment = {**os.environ, "TVOX_JOURNEY_DATABASE_URL": database_url, **(env or {})}
    command = [sys.executable, "-m", "tvox_journey", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    with _process(command, environment, log_path, port) as server:
        yield server


@contextmanager
def bare_server(log_path: Path) -> Iterator[Server]:
    """The bare app (bench/bare.py): same stack, same uvicorn options, every webhook answered 200 at once."""
    port = free_port()
    command = [sys.executable, "-m", "bench.bare", "--port", str(port)]
    with _process(command, dict(os.environ), log_path, port) as server:
        yield server
