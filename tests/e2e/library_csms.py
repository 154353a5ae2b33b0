"""A CSMS written with nothing but the `ocpp` library (2.1.0) and websockets.

The lab's stations are tested against it so that interoperability with the library is
proven by a peer the lab did not write. It records every CALL it received, in order.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import websockets
from ocpp.exceptions import InternalError
from ocpp.routing import on
from ocpp.v16 import ChargePoint as Cp16
from ocpp.v16 import call_result as r16
from ocpp.v201 import ChargePoint as Cp201
from ocpp.v201 import call_result as r201


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Received:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    boot_status: str = "Accepted"
    fail_next: dict[str, int] = field(default_factory=dict)
    """action -> how many of its next CALLs are answered with CALLERROR InternalError."""

    def record(self, action: str, payload: dict[str, Any]) -> None:
        self.calls.append((action, payload))
        if self.fail_next.get(action, 0) > 0:
            self.fail_next[action] -= 1
            raise InternalError(description=f"{action} failed on purpose (test CSMS)")

    def actions(self) -> list[str]:
        return [a for a, _ in self.calls]

    def of(self, action: str) -> list[dict[str, Any]]:
        return [p for a, p in self.calls if a == action]


class LibraryCsms16(Cp16):
    def __init__(self, station_id: str, ws: Any, received: Received) -> None:
        super().__init__(station_id, ws)
        self.received = received
        self._tx = itertools.count(1)

    def _log(self, action: str, **payload: Any) -> None:
        self.received.record(action, payload)

    def _tag(self, id_tag: str) -> dict[str, str]:
        return {"status": "Blocked" if id_tag in self.received.blocked else "Accepted"}

    @on("BootNotification")
    def boot(self, **kw: Any) -> r16.BootNotification:
        self._log("BootNotification", **kw)
        return r16.BootNotification(current_time=_now(), interval=300, status=self.received.boot_status)

    @on("Heartbeat")
    def heartbeat(self, **kw: Any) -> r16.Heartbeat:
        self._log("Heartbeat", **kw)
        return r16.Heartbeat(current_time=_now())

    @on("StatusNotification")
    def status(self, **kw: Any) -> r16.StatusNotification:
        self._log("StatusNotification", **kw)
        return r16.StatusNotification()

    @on("Authorize")
    def authorize(self, id_tag: str, **kw: Any) -> r16.Authorize:
        self._log("Authorize", id_tag=id_tag, **kw)
        return r16.Authorize(id_tag_info=self._tag(id_tag))

    @on("StartTransaction")
    def start_transaction(self, id_tag: str, **kw: Any) -> r16.StartTransaction:
        self._log("StartTransaction", id_tag=id_tag, **kw)
        return r16.StartTransaction(transaction_id=next(self._tx), id_tag_info=self._tag(id_tag))

    @on("StopTransaction")
    def stop_transaction(self, **kw: Any) -> r16.StopTransaction:
        self._log("StopTransaction", **kw)
        return r16.StopTransaction()

    @on("MeterValues")
    def meter(self, **kw: Any) -> r16.MeterValues:
        self._log("MeterValues", **kw)
        return r16.MeterValues()


class LibraryCsms201(Cp201):
    def __init__(self, station_id: str, ws: Any, received: Received) -> None:
        super().__init__(station_id, ws)
        self.received = received

    def _log(self, action: str, **payload: Any) -> None:
        self.received.record(action, payload)

    def _token(self, id_token: dict[str, Any]) -> dict[str, str]:
        return {"status": "Blocked" if id_token["id_token"] in self.received.blocked else "Accepted"}

    @on("BootNotification")
    def boot(self, **kw: Any) -> r201.BootNotification:
        self._log("BootNotification", **kw)
        return r201.BootNotification(current_time=_now(), interval=300, status=self.received.boot_status)

    @on("Heartbeat")
    def heartbeat(self, **kw: Any) -> r201.Heartbeat:
        self._log("Heartbeat", **kw)
        return r201.Heartbeat(current_time=_now())

    @on("StatusNotification")
    def status(self, **kw: Any) -> r201.StatusNotification:
        self._log("StatusNotification", **kw)
        return r201.StatusNotification()

    @on("Authorize")
    def authorize(self, id_token: dict[str, Any], **kw: Any) -> r201.Authorize:
        self._log("Authorize", id_token=id_token, **kw)
        return r201.Authorize(id_token_info=self._token(id_token))

    @on("TransactionEvent")
    def tx(self, id_token: dict[str, Any] | None = None, **kw: Any) -> r201.TransactionEvent:
        self._log("TransactionEvent", id_token=id_token, **kw)
        return r201.TransactionEvent(id_token_info=self._token(id_token) if id_token else None)

    @on("NotifyEvent")
    def notify_event(self, **kw: Any) -> r201.NotifyEvent:
        self._log("NotifyEvent", **kw)
        return r201.NotifyEvent()

    @on("NotifyReport")
    def notify_report(self, **kw: Any) -> r201.NotifyReport:
        self._log("NotifyReport", **kw)
        return r201.NotifyReport()

    @on("MeterValues")
    def meter(self, **kw: Any) -> r201.MeterValues:
        self._log("MeterValues", **kw)
        return r201.MeterValues()


class LibraryCsmsServer:
    """Serves both versions on 127.0.0.1 with a free port; keeps the ChargePoint per station."""

    def __init__(self) -> None:
        self.received = Received()
        self.peers: dict[str, LibraryCsms16 | LibraryCsms201] = {}
        self.connected: dict[str, asyncio.Event] = {}
        self._server: Any = None

    async def __aenter__(self) -> LibraryCsmsServer:
        await self.serve(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def serve(self, port: int) -> None:
        """Listen on `port` (0: a free one); also brings a stopped server back on its old port."""
        self._server = await websockets.serve(
            self._handle,
            "127.0.0.1",
            port,
            subprotocols=[websockets.Subprotocol("ocpp1.6"), websockets.Subprotocol("ocpp2.0.1")],
        )

    async def stop(self) -> None:
        """Stop listening and drop every connection, as a CSMS that goes down."""
        self._server.close()
        await self._server.wait_closed()

    @property
    def port(self) -> int:
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def _handle(self, ws: Any) -> None:
        station_id = ws.request.path.strip("/")
        cls = LibraryCsms16 if ws.subprotocol == "ocpp1.6" else LibraryCsms201
        peer = cls(station_id, ws, self.received)
        self.peers[station_id] = peer
        self.connected.setdefault(station_id, asyncio.Event()).set()
        try:
            await peer.start()
        except websockets.ConnectionClosed:
            return
