"""A link without a socket: stations talk to the mock CSMS over in-memory pipes.

`MemoryTransport` is a `Transport` for `Station`: each connect makes a pipe and serves its far
end with `MockCsms.serve_connection`, so a whole session runs with no port, no handshake and
no network - the same station parts and the same CSMS handlers as over TCP, frame for frame.
Deterministic tests drive stations this way with a clock they step by hand; a replay or a
demonstration can too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.frames import Close

from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.engine.link import Connection


class MemoryConnection:
    """One end of an in-memory websocket; `pipe()` makes a connected pair."""

    def __init__(self, subprotocol: str | None = None) -> None:
        self.inbox: asyncio.Queue[str | Close] = asyncio.Queue()
        self.peer: MemoryConnection = self
        self.subprotocol = subprotocol
        self.close_code: int | None = None
        self.close_reason: str | None = None

    async def send(self, message: str) -> None:
        if self.close_code is not None:
            raise ConnectionClosed(None, Close(self.close_code, self.close_reason or ""))
        self.peer.inbox.put_nowait(message)

    async def recv(self) -> str:
        item = await self.inbox.get()
        if isinstance(item, Close):
            self.inbox.put_nowait(item)  # every later recv fails the same way
            raise ConnectionClosed(item, None)
        return item

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close both ends with `code`, as a close handshake would; a second close does nothing."""
        if self.close_code is not None:
            return
        for end in (self, self.peer):
            end.close_code, end.close_reason = code, reason
            end.inbox.put_nowait(Close(code, reason))

    def abort(self) -> None:
        """End both ends at once without a close handshake (code 1006, as websockets reports it)."""
        if self.close_code is not None:
            return
        for end in (self, self.peer):
            end.close_code, end.close_reason = 1006, ""
            end.inbox.put_nowait(Close(1006, ""))


def pipe(subprotocol: str | None = None) -> tuple[MemoryConnection, MemoryConnection]:
    """Two connected ends: what one sends, the other receives."""
    one, other = MemoryConnection(subprotocol), MemoryConnection(subprotocol)
    one.peer, other.peer = other, one
    return one, other


class MemoryTransport:
    """Connects stations to `csms` through pipes (the station's URL gives only the path)."""

    def __init__(self, csms: MockCsms) -> None:
        self.csms = csms

    @contextlib.asynccontextmanager
    async def connect(
        self, url: str, *, subprotocol: str, headers: dict[str, str], ping_interval: float | None
    ) -> AsyncIterator[Connection]:
        del headers, ping_interval  # no handshake, no pings on a pipe
        station_end, csms_end = pipe(subprotocol)
        served = asyncio.ensure_future(
            self.csms.serve_connection(csms_end, path=urlsplit(url).path, subprotocol=subprotocol)
        )
        try:
            yield station_end
        finally:
            await station_end.close()
            await served
