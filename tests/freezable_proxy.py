"""A TCP proxy that can freeze: it stops forwarding without closing anything, as a stopped (SIGSTOP)
or partitioned database server looks to its clients. Used instead of stopping the shared PostgreSQL.

    with FreezableProxy("127.0.0.1", 5432) as proxy:
        url = proxy.url(postgres_url)       # the same database, through the proxy
        proxy.freeze()                      # bytes in flight stay where they are; new connections wait
        proxy.thaw()                        # everything goes on
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from sqlalchemy.engine import make_url


class FreezableProxy:
    """Forwards 127.0.0.1:<port> to `host:port` on an event loop of its own thread."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="freezable-proxy", daemon=True)
        self._open = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def __enter__(self) -> FreezableProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(5)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def url(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by the proxy's."""
        parsed = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return parsed.render_as_string(hide_password=False)

    def freeze(self) -> None:
        self._loop.call_soon_threadsafe(self._open.clear)

    def thaw(self) -> None:
        self._loop.call_soon_threadsafe(self._open.set)

    @property
    def frozen(self) -> bool:
        return not self._open.is_set()

    async def _start(self) -> None:
        self._open.set()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        self._open.set()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._writers.add(client_writer)
        try:
            await self._open.wait()  # a connection opened while frozen waits (its TCP handshake is done)
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            self._writers.discard(client_writer)
            return
        self._writers.add(server_writer)
        await asyncio.gather(
            self._pump(client_reader, server_writer), self._pump(server_reader, client_writer)
        )
        self._writers.discard(client_writer)
        self._writers.discard(server_writer)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._open.wait()  # frozen: hold the bytes, close nothing
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()
