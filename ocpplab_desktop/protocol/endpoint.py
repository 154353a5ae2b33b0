"""The asyncio driver of one OCPP-J link: moves text between a websocket and the RPC core.

All framing rules live in the sans-I/O `RpcConnection` (`rpc.py`); every frame, both ways,
passes the interceptor `Pipeline` (`pipeline.py`), whose tap publishes it. This module only:

* reads the websocket and writes it, in order;
* runs `@on` handlers (the `ocpp` library's routing, payload dataclasses from `ocpp.v16` /
  `ocpp.v201`) for the CALLs the core accepts, one at a time so that they are answered in
  order, and `@after` hooks as tasks once the answer has gone;
* turns our CALLs into awaitables that raise on a CALLERROR (`CallErrorReceived`), an invalid
  answer, a timeout or a lost link: never None, unlike `ocpp.ChargePoint.call` by default.

A handler must not await a CALL of its own (its answer could never be read while the handler
holds the link's receive order): use an `@after` hook.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, Protocol

from ocpp import v16, v201
from ocpp.exceptions import OCPPError
from ocpp.routing import create_route_map

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.codec import to_snake, to_wire
from ocpplab_desktop.protocol.errors import Fault, NotConnected, RpcError
from ocpplab_desktop.protocol.frame import Frame, Side
from ocpplab_desktop.protocol.pipeline import Interceptor, Pipeline, Tap
from ocpplab_desktop.protocol.rpc import (
    CallAnswered,
    CallFailed,
    CallReceived,
    Event,
    IdSource,
    OutgoingCall,
    RpcConnection,
)
from ocpplab_desktop.protocol.tasks import TaskSet

log = logging.getLogger(__name__)

CALL_RESULTS: dict[OcppVersion, ModuleType] = {
    OcppVersion.V16: v16.call_result,
    OcppVersion.V201: v201.call_result,
}


Settled = Callable[[dict[str, Any] | None, BaseException | None], None]
"""What `send_call` calls once with a CALL's outcome: (the CALLRESULT payload, None) or (None, the failure)."""


class Connection(Protocol):
    """What the endpoint needs of a websocket (websockets' client and server connections fit)."""

    async def send(self, message: str) -> None: ...

    async def recv(self) -> str | bytes: ...


class Endpoint:
    """A station's or the CSMS's end of one OCPP-J websocket."""

    def __init__(
        self,
        *,
        station_id: str,
        version: OcppVersion,
        side: Side,
        handler: object,
        bus: EventBus,
        response_timeout: float = 30.0,
        interceptors: Sequence[Interceptor] = (),
        new_id: IdSource | None = None,
        timeout_scale: Callable[[float], float] | None = None,
    ) -> None:
        """`timeout_scale` turns a response timeout (in the station's own seconds) into the real seconds
        waited: a station on a lab clock running x100 waits a hundredth as long (see Station)."""
        self.station_id = station_id
        self._timeout_scale = timeout_scale
        self.version = version
        self.side = side
        self.bus = bus
        self.route_map: dict[str, dict[str, Any]] = create_route_map(handler)
        self.connection: Connection | None = None
        options: dict[str, Any] = {"new_id": new_id} if new_id is not None else {}
        self.rpc = RpcConnection(version, side, station_id, response_timeout, supported=self._supported, **options)
        self.tap = Tap(bus, lambda: self.connection is not None)
        self.pipeline = Pipeline(
            station_id=station_id,
            outgoing=self.rpc.outgoing,
            parse=self.rpc.parse,
            send=self._to_wire,
            deliver=self._accept,
            call_later=self._call_later,
            interceptors=[*interceptors, self.tap],
        )
        self._results = CALL_RESULTS[version]
        self._sendq: deque[str] = deque()
        self._flushing = False
        self._send_now: Callable[[str], bool] | None = None
        self._calls: deque[CallReceived] = deque()
        self._dispatching = False
        self._receiving = False
        self._expiry: asyncio.TimerHandle | None = None
        self._expiry_at: float | None = None
        self._tasks = TaskSet(f"endpoint {station_id}", self._task_failed)

    # --- link lifecycle ------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self.connection is not None

    def attach(self, connection: Connection) -> None:
        """Use `connection` for sending from now on (`serve` reads from it)."""
        self.connection = connection
        # websockets connections of ours (`wsconn`) write a frame without a coroutine.
        self._send_now = getattr(connection, "send_now", None)

    async def serve(self, connection: Connection) -> None:
        """Read frames until the connection closes; then fail every CALL still waiting."""
        import websockets

        self.attach(connection)
        try:
            set_receiver = getattr(connection, "set_receiver", None)
            if set_receiver is not None:
                # Each message is handled as it is read, in the connection's data_received.
                set_receiver(self._received)
                try:
                    await connection.wait_closed()  # type: ignore[attr-defined]
                finally:
                    set_receiver(None)
                return
            while True:
                try:
                    data = await connection.recv()
                except websockets.ConnectionClosed:
                    return
                await self.receive(data)
        finally:
            self.connection = None
            self._send_now = None
            self._sendq.clear()
            self._calls.clear()
            self._settle(self.rpc.connection_lost("the connection closed"))

    def _received(self, data: str | bytes) -> None:
        """One message, from the connection's callback: act on it now; handlers run in a task."""
        self._receiving = True
        try:
            self.pipeline.inbound(self.rpc.receive(data))
        except Exception:
            # A bug of ours must not end the link: the frame is already recorded by the tap.
            log.exception("%s: a received frame could not be handled", self.station_id)
        finally:
            self._receiving = False
        if self._calls and not self._dispatching:
            self._tasks.spawn(self._dispatch())
        else:
            self._kick()

    async def close(self) -> None:
        """Cancel what this endpoint still runs (after hooks, deferred dispatches)."""
        await self._tasks.close()

    # --- outgoing ------------------------------------------------------------------
    async def call(self, payload: Any, *, timeout: float | None = None) -> Any:
        """Send a payload dataclass as a CALL; return the result dataclass.

        Raises CallErrorReceived, CallTimeout, InvalidResponse or NotConnected.
        """
        action = type(payload).__name__
        result = await self.call_raw(action, to_wire(payload), timeout=timeout)
        return getattr(self._results, action)(**to_snake(result))

    async def call_raw(
        self, action: str, payload: dict[str, Any], *, timeout: float | None = None, validate: bool = True
    ) -> dict[str, Any]:
        """Send a CALL with a wire payload; return the CALLRESULT payload.

        It leaves once no other CALL of ours is outstanding (one per direction); its timeout
        runs from then.
        """
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        call = self._queue(action, payload, timeout, validate, future)
        try:
            if not self._write_now():
                await self._flush()  # in this task: the CALL is on its way when the caller next runs
            return await future
        finally:
            if not future.done() or future.cancelled():  # the caller gave up (the await cancels the future)
                self.rpc.cancel(call)
                self._pump()
                self._kick()
            else:
                # Cancelled just as the answer or the failure came: nobody will read it now, and
                # an unread failure would be reported as "Future exception was never retrieved".
                future.exception()

    def send_call(
        self,
        action: str,
        payload: dict[str, Any],
        settled: Settled,
        *,
        timeout: float | None = None,
        validate: bool = True,
    ) -> None:
        """`call_raw` without a coroutine or a future: the CALL is queued and written now, and
        `settled(payload, None)` or `settled(None, error)` is called, from the code that learnt
        it, with the answer or the failure (a CALLERROR, the timeout, the link's loss).

        No future and no loop callback per CALL: the outbox sends every CALL of a fleet this way.
        """
        self._queue(action, payload, timeout, validate, settled)
        self._kick()

    def _queue(
        self, action: str, payload: dict[str, Any], timeout: float | None, validate: bool, tag: Any
    ) -> OutgoingCall:
        """Hand a CALL to the core, which tells its outcome to `tag` (a future, or send_call's `settled`)."""
        if self.connection is None:
            raise NotConnected(f"{self.station_id}: not connected, {action} not sent")
        if self._timeout_scale is not None:
            timeout = self._timeout_scale(self.rpc.response_timeout if timeout is None else timeout)
        call = self.rpc.call(action, payload, timeout=timeout, validate=validate, tag=tag)
        self._pump()
        return call

    async def send_raw(self, text: str, *, note: str | None = None) -> None:
        """Send text as it is, past validation (negative tests). Still passes the pipeline and the tap."""
        if self.connection is None:
            raise NotConnected(f"{self.station_id}: not connected, frame not sent")
        self.rpc.send_text(text, note=note)
        self._pump()
        await self._flush()

    def _pump(self) -> None:
        """Hand what the core has to send to the pipeline; keep the expiry timer on the outstanding CALL."""
        for frame in self.rpc.frames_to_send():
            self.pipeline.outbound(frame)
        self._arm_expiry()

    def _to_wire(self, frame: Frame) -> None:
        # Whoever made the frame flushes: an awaiting caller at once, a timer callback through _kick().
        self._sendq.append(frame.raw)

    def _kick(self) -> None:
        """Flush from synchronous code (a timer): now if the connection can, else in a task, unless a
        flush is already running."""
        if self._sendq and not self._flushing and not self._write_now():
            self._tasks.spawn(self._flush())

    def _write_now(self) -> bool:
        """Write what is queued without awaiting; True when nothing is left to send."""
        send_now = self._send_now
        if self._flushing or send_now is None:
            return not self._sendq
        queue = self._sendq
        while queue:
            if not send_now(queue[0]):
                return False  # the connection is closing or paused: the awaited send takes over
            queue.popleft()
        return True

    async def _flush(self) -> None:
        """Write queued text in order; one writer at a time, the others leave it to that one."""
        if self._flushing:
            return
        self._flushing = True
        try:
            while self._sendq:
                connection = self.connection
                if connection is None:
                    self._sendq.clear()
                    return
                text = self._sendq[0]
                if self._send_now is not None and self._send_now(text):
                    self._sendq.popleft()
                    continue
                self._sendq.popleft()
                try:
                    await connection.send(text)
                except Exception as exc:
                    # The reader sees the close and fails what waits; nothing more can go out.
                    log.debug("%s: send failed: %s", self.station_id, exc)
                    self._sendq.clear()
                    return
        finally:
            self._flushing = False

    def _arm_expiry(self) -> None:
        """Keep one timer that fires no later than the outstanding CALL's deadline.

        CALLs are answered long before their deadline, and a later CALL's deadline is later: so the
        timer is left running when a CALL is answered, and when it fires early it only arms itself
        again for the CALL outstanding then. One timer per response timeout, not one per CALL.
        """
        deadline = self.rpc.next_deadline()
        if deadline is None or (
            self._expiry is not None and self._expiry_at is not None and self._expiry_at <= deadline
        ):
            return
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry_at = deadline
        delay = max(0.0, deadline - self.rpc.clock())
        self._expiry = asyncio.get_running_loop().call_later(delay, self._expire)

    def _expire(self) -> None:
        self._expiry = self._expiry_at = None
        self._settle(self.rpc.expire())
        self._pump()
        self._kick()

    # --- incoming ------------------------------------------------------------------
    async def receive(self, data: str | bytes) -> None:
        """Handle one received websocket message (public so that tests can feed frames)."""
        self._receiving = True
        try:
            self.pipeline.inbound(self.rpc.receive(data))
        finally:
            self._receiving = False
        await self._dispatch()

    def _accept(self, frame: Frame) -> None:
        """The pipeline's application end: the core acts on the frame."""
        self._settle(self.rpc.accept(frame))
        self._pump()

    def _supported(self, action: str) -> bool:
        return "_on_action" in self.route_map.get(action, {})

    def _settle(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, CallReceived):
                self._calls.append(event)
                continue
            tag = event.call.tag
            if isinstance(tag, asyncio.Future):
                if tag.done():
                    continue
                if isinstance(event, CallAnswered):
                    tag.set_result(event.payload)
                elif isinstance(event, CallFailed):
                    tag.set_exception(event.error)
            elif tag is not None:  # send_call's `settled`
                try:
                    if isinstance(event, CallAnswered):
                        tag(event.payload, None)
                    elif isinstance(event, CallFailed):
                        tag(None, event.error)
                except Exception:
                    # A bug of the caller's must not keep the rest of this frame's outcomes from it.
                    log.exception("%s: the outcome of %s could not be handled", self.station_id, event.call.action)
        if self._calls and not self._dispatching and not self._receiving:
            # A CALL an interceptor released later, from a timer: no receive() awaits it.
            self._tasks.spawn(self._dispatch())

    async def _dispatch(self) -> None:
        """Run the handlers of accepted CALLs, one at a time, in the order they arrived."""
        if not self._dispatching:
            self._dispatching = True
            try:
                while self._calls:
                    await self._handle(self._calls.popleft())
                    await self._flush()  # each answer leaves before the next handler runs
            finally:
                self._dispatching = False
        await self._flush()  # answers, and CALLs of ours that an answer released

    async def _handle(self, event: CallReceived) -> None:
        handlers = self.route_map[event.action]
        try:
            kwargs = to_snake(event.payload)
            result = handlers["_on_action"](**kwargs)
            if inspect.isawaitable(result):
                result = await result
            self.rpc.answer(event.uid, to_wire(result))
        except RpcError as exc:
            self.rpc.fail(event.uid, exc)
        except OCPPError as exc:
            self.rpc.fail(event.uid, RpcError(exc.code, exc.description, exc.details))
        except Exception as exc:
            log.exception("%s: handler for %s failed", self.station_id, event.action)
            self.rpc.fail(event.uid, RpcError.of(self.version, Fault.INTERNAL, f"{event.action} handler failed: {exc}"))
            self._pump()
            return
        self._pump()
        after = handlers.get("_after_action")
        if after is not None:
            try:
                outcome = after(**kwargs)
            except Exception:
                log.exception("%s: after-hook of %s failed", self.station_id, event.action)
                return
            if inspect.isawaitable(outcome):
                self._tasks.spawn(_awaited(outcome))

    def _call_later(self, seconds: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        def run() -> None:
            callback()
            self._pump()
            self._kick()

        return asyncio.get_running_loop().call_later(seconds, run)

    def _task_failed(self, exc: BaseException) -> None:
        log.error("%s: endpoint task failed: %s: %s", self.station_id, type(exc).__name__, exc, exc_info=exc)


async def _awaited(outcome: Any) -> None:
    await outcome
