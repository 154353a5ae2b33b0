"""A websocket without a socket: two connected ends that pass text frames through asyncio queues.

Enough of websockets' connection for `MockCsms.serve_connection` (send, recv, close,
close_code), so a test can put a station on the mock CSMS with no port, no handshake and
no network, and read each answer as the text the CSMS sent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.engine.memory_transport import MemoryConnection, pipe


@dataclass
class MemoryStation:
    """A station's end of a pipe that speaks raw OCPP-J frames."""

    connection: MemoryConnection
    ids: itertools.count[int]

    async def call(self, action: str, payload: dict[str, Any]) -> list[Any]:
        """Send a CALL text frame and return the CSMS's answer frame, parsed."""
        uid = f"m-{next(self.ids)}"
        await self.connection.send(json.dumps([2, uid, action, payload]))
        answer: list[Any] = json.loads(await asyncio.wait_for(self.connection.recv(), 5))
        assert answer[1] == uid, answer
        return answer


@asynccontextmanager
async def on_memory(csms: MockCsms, station_id: str, subprotocol: str) -> AsyncIterator[MemoryStation]:
    """A station connected to `csms` over an in-memory pipe while the block runs."""
    station_end, csms_end = pipe()
    served = asyncio.create_task(csms.serve_connection(csms_end, path=f"/ocpp/{station_id}", subprotocol=subprotocol))
    await asyncio.sleep(0)  # serve_connection registers the station in one step, up to its first read
    if served.done():
        served.result()  # it refused the connection: raise why
    try:
        yield MemoryStation(station_end, itertools.count(1))
    finally:
        await station_end.close()
        await asyncio.wait_for(served, 5)
