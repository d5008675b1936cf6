"""A TCP proxy between Elçi and PostgreSQL that can cut the database off.

Stopping the shared PostgreSQL cluster would break every other test running on this
machine, so tests of the database going away cut the wire instead: ``cut()`` drops every open
connection and refuses new ones (what the processes see when the server goes away),
``restore()`` lets them through again. It runs on a thread of its own, so a busy test
event loop never slows the database traffic down.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from concurrent.futures import Future


class DatabaseCut:
    """``DatabaseCut(host, port).start()``; connect to ``127.0.0.1:port`` instead of the
    server (``url.set(port=cut.port)``); ``close()`` at the end."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._open = True
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> DatabaseCut:
        self._thread.start()
        self._call(self._listen()).result(10)
        return self

    def close(self) -> None:
        self.cut()
        self._call(self._shut()).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def cut(self) -> None:
        """Drop every connection and refuse new ones until ``restore``."""
        self._call(self._cut()).result(10)

    def restore(self) -> None:
        self._open = True

    def _call(self, work: object) -> Future[object]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)  # type: ignore[arg-type]

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _cut(self) -> None:
        self._open = False
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._open:
            writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )
        self._writers -= {writer, upstream_writer}

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        writer.transport.abort()
