"""Replay a recorded session as the CSMS: serve a connecting station with the recorded answers.

A station (a lab station or any real one) connects to ws://host:port/<id>. Each of its CALLs is
answered as the recording answered the same action (the n-th CALL of an action gets the n-th
recorded answer, a CALLERROR included); an action the recording never answered gets a minimal
valid answer from the official response schema. The CSMS's own recorded CALLs are sent in their
recorded order, each at its recorded time after the connection opened (divided by `speed`),
one outstanding at a time; what the station answers is recorded like everything else, through
the endpoint's tap, so a diff against the recording shows where the station behaves otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.typing import Subprotocol

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.endpoint import Endpoint
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.protocol.wsconn import DirectServerConnection
from ocpplab_desktop.replay.player import SUBPROTOCOLS, ReplayError, answers_to, recorded_answerer


@dataclass(frozen=True)
class CsmsCall:
    action: str
    payload: dict[str, Any]
    at: float  # seconds after the station connected, in the recording


@dataclass
class CsmsRecording:
    """The CSMS's side of a recorded session of one station."""

    station_id: str
    version: OcppVersion
    answers: dict[str, deque[Frame]]
    calls: list[CsmsCall] = field(default_factory=list)

    @classmethod
    def of(cls, frames: Sequence[Frame], version: OcppVersion, station_id: str | None = None) -> CsmsRecording:
        # Either tap's view will do; the CSMS's own, when the recording has it, is the most faithful.
        sides = {f.side for f in frames if station_id is None or f.station_id == station_id}
        side = Side.CSMS if Side.CSMS in sides else Side.STATION
        mine = [f for f in frames if f.side is side and (station_id is None or f.station_id == station_id)]
        if not mine:
            raise ReplayError(f"the recording has no frames of station {station_id!r}")
        sid = station_id or mine[0].station_id
        mine = [f for f in mine if f.station_id == sid]
        answers = answers_to(mine, Direction.TO_CSMS)
        start = mine[0].mono_time
        calls = [
            CsmsCall(f.action, f.payload, f.mono_time - start)
            for f in mine
            if f.direction is Direction.TO_STATION and f.message_type is MessageType.CALL and f.action
            and isinstance(f.payload, dict)
        ]  # fmt: skip
        return cls(sid, version, answers, calls)


def served_against_recorded(
    recorded: Sequence[Frame], served: Sequence[Frame], station_id: str
) -> tuple[list[Frame], list[Frame]]:
    """The recorded station's frames and the served station's, as one tap saw them, for `diff_frames`.

    The recording's station tap is taken when it has one (an imported trace may hold only the
    CSMS's). The served session was recorded by the replayed CSMS's tap, which saw the same frames
    on the same wire, so its frames are labelled as the recording's tap for the two to line up.
    """
    mine = [f for f in recorded if f.station_id == station_id]
    side = Side.STATION if any(f.side is Side.STATION for f in mine) else Side.CSMS
    return (
        [f for f in mine if f.side is side],
        [f if f.side is side else replace(f, side=side) for f in served if f.station_id == station_id],
    )


class ReplayCsms:
    """A websockets server that plays the recorded CSMS to whichever station connects."""

    def __init__(
        self,
        recording: CsmsRecording,
        bus: EventBus,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        response_timeout: float = 30.0,
    ) -> None:
        self.recording = recording
        self.bus = bus
        self.host, self.port = host, port
        self.speed = speed
        self.response_timeout = response_timeout
        self.unanswered: list[str] = []
        self.sent: list[tuple[str, str | None]] = []
        """(action, error) of every recorded CSMS CALL sent, in order."""
        self.done = asyncio.Event()
        """Every recorded CSMS CALL has been sent (or the station left before)."""
        self.gone = asyncio.Event()
        """A station connected and has gone again."""
        self._server: Server | None = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    async def start(self) -> None:
        self._server = await serve(
            self._serve,
            self.host,
            self.port,
            subprotocols=[Subprotocol(SUBPROTOCOLS[self.recording.version])],
            create_connection=DirectServerConnection,
            compression=None,
            max_size=2**22,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, connection: ServerConnection) -> None:
        rec = self.recording
        endpoint = Endpoint(
            station_id=rec.station_id,
            version=rec.version,
            side=Side.CSMS,
            handler=object(),
            bus=self.bus,
            response_timeout=self.response_timeout,
        )
        answers = {action: deque(frames) for action, frames in rec.answers.items()}
        for action in schemas.ACTIONS[rec.version]:
            handler = recorded_answerer(rec.version, action, answers, self.unanswered)
            endpoint.route_map[action] = {"_on_action": handler}
        endpoint.attach(connection)
        reader = asyncio.ensure_future(endpoint.serve(connection))
        # The recorded CALLs wait for their times; a station that leaves meanwhile has gone now.
        sender = asyncio.ensure_future(self._send_calls(endpoint))
        try:
            await reader
        finally:
            for task in (sender, reader):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await endpoint.close()
            self.gone.set()

    async def _send_calls(self, endpoint: Endpoint) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for call in self.recording.calls:
            if self.speed > 0:
                wait = started + call.at / self.speed - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            try:
                await endpoint.call_raw(call.action, call.payload, validate=False)
                self.sent.append((call.action, None))
            except (CallErrorReceived, CallTimeout, InvalidResponse) as exc:
                self.sent.append((call.action, str(exc)))
            except NotConnected as exc:
                self.sent.append((call.action, str(exc)))
                break
        self.done.set()
