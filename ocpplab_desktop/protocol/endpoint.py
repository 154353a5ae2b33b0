"""One end of an OCPP-J link: the frame tap, RPC correlation and `@on` routing.

The same class serves a virtual station and the mock CSMS. It keeps the `ocpp` library's
programming model (handlers marked with `ocpp.routing.on`, payload dataclasses from
`ocpp.v16` / `ocpp.v201`) but replaces its message loop:

* every frame, both ways, is parsed exactly once and published as a `Frame` before anything
  else happens to it, so a crash in a handler never loses a frame that crossed the wire;
* payloads are validated inline by compiled schemas (see `schemas.py`), not in a thread pool;
* bad input is answered with the CALLERROR code that the version's specification names
  (see `errors.py`), and a CALLERROR answer raises instead of returning None.

Handlers run inline in the receive loop, so CALLs from the other side are answered in order.
A handler must not await a CALL of its own (the answer could never be read): use an
`@after` hook, which runs as a task once the response has been sent.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from ocpp import v16, v201
from ocpp.exceptions import OCPPError
from ocpp.routing import create_route_map

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.codec import to_snake, to_wire
from ocpplab_desktop.protocol.errors import (
    UNREADABLE_ID,
    CallErrorReceived,
    CallTimeout,
    Fault,
    InvalidResponse,
    NotConnected,
    RpcError,
)
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side, next_seq

log = logging.getLogger(__name__)

CALL_RESULTS: dict[OcppVersion, ModuleType] = {
    OcppVersion.V16: v16.call_result,
    OcppVersion.V201: v201.call_result,
}


class Connection(Protocol):
    """What the endpoint needs of a websocket (websockets' client and server connections fit)."""

    async def send(self, message: str) -> None: ...

    async def recv(self) -> str | bytes: ...


@dataclass(slots=True)
class _Pending:
    action: str
    future: asyncio.Future[Any]
    sent_at: float


FrameHook = Callable[[str], str | None]


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
    ) -> None:
        self.station_id = station_id
        self.version = version
        self.side = side
        self.bus = bus
        self.response_timeout = response_timeout
        self.route_map: dict[str, dict[str, Any]] = create_route_map(handler)
        self.connection: Connection | None = None
        self._out = Direction.TO_CSMS if side is Side.STATION else Direction.TO_STATION
        self._in = Direction.TO_STATION if side is Side.STATION else Direction.TO_CSMS
        self._pending: dict[str, _Pending] = {}  # our CALLs awaiting an answer
        self._answering: dict[str, tuple[str, float]] = {}  # their CALLs we are answering
        self._call_lock = asyncio.Lock()
        self._results = CALL_RESULTS[version]
        self._after_tasks: set[asyncio.Future[Any]] = set()

    # --- link lifecycle ------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self.connection is not None

    def attach(self, connection: Connection) -> None:
        """Use `connection` for sending from now on (`serve` reads from it)."""
        self.connection = connection

    async def serve(self, connection: Connection) -> None:
        """Read frames until the connection closes; then fail every CALL still waiting."""
        import websockets

        self.attach(connection)
        try:
            while True:
                try:
                    data = await connection.recv()
                except websockets.ConnectionClosed:
                    return
                await self.receive(data)
        finally:
            self.connection = None
            self._answering.clear()
            for uid, pending in list(self._pending.items()):
                if not pending.future.done():
                    pending.future.set_exception(
                        NotConnected(f"connection closed before {pending.action} was answered")
                    )
                self._pending.pop(uid, None)

    # --- outgoing ------------------------------------------------------------------
    async def call(self, payload: Any, *, timeout: float | None = None) -> Any:
        """Send a payload dataclass as a CALL; return the result dataclass.

        Raises CallErrorReceived, CallTimeout, InvalidResponse or NotConnected: never
        returns None on an error (unlike `ocpp.ChargePoint.call` with its default).
        """
        action = type(payload).__name__
        result = await self.call_raw(action, to_wire(payload), timeout=timeout)
        return getattr(self._results, action)(**to_snake(result))

    async def call_raw(
        self, action: str, payload: dict[str, Any], *, timeout: float | None = None, validate: bool = True
    ) -> dict[str, Any]:
        """Send a CALL with a wire payload; return the CALLRESULT payload."""
        if validate:
            schemas.check(self.version, action, payload)
        # One outstanding CALL per direction (OCPP-J 1.6 section 4.1.1; 2.0.1 part 4 section 4.1.1).
        async with self._call_lock:
            if self.connection is None:
                raise NotConnected(f"{self.station_id}: not connected, {action} not sent")
            loop = asyncio.get_running_loop()
            uid = str(uuid.uuid4())
            future: asyncio.Future[Any] = loop.create_future()
            message = [MessageType.CALL.value, uid, action, payload]
            text = json.dumps(message, separators=(",", ":"))
            self._pending[uid] = _Pending(action, future, time.monotonic())
            wait = timeout if timeout is not None else self.response_timeout
            expiry = loop.call_later(wait, _expire, future, f"no answer to {action} within {wait:g} s")
            try:
                await self._transmit(text, MessageType.CALL, uid, action, message)
                result: dict[str, Any] = await future
                return result
            finally:
                expiry.cancel()
                self._pending.pop(uid, None)

    async def send_raw(self, text: str, *, note: str | None = None) -> None:
        """Send text as it is, past validation (negative tests). Still recorded by the tap."""
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        mtype, uid, action = _classify(message)
        await self._transmit(text, mtype, uid, action, message, note=note, error=None)

    async def _transmit(
        self,
        text: str,
        mtype: MessageType,
        uid: str | None,
        action: str | None,
        message: Any,
        *,
        rtt_ms: float | None = None,
        note: str | None = None,
        error: str | None = None,
    ) -> None:
        connection = self.connection
        wall, mono = time.time(), time.monotonic()
        try:
            if connection is None:
                raise NotConnected("not connected")
            await connection.send(text)
        except Exception as exc:
            # Record the attempt, with why it failed, then let the caller know.
            self._publish(
                wall,
                mono,
                self._out,
                mtype,
                uid,
                action,
                text,
                message,
                error=f"not sent: {exc}",
                rtt_ms=rtt_ms,
                note=note,
            )
            raise NotConnected(f"{self.station_id}: {action or 'frame'} not sent: {exc}") from exc
        self._publish(wall, mono, self._out, mtype, uid, action, text, message, error=error, rtt_ms=rtt_ms, note=note)

    # --- incoming ------------------------------------------------------------------
    async def receive(self, data: str | bytes) -> None:
        """Handle one received websocket message (public so that tests can feed frames)."""
        wall, mono = time.time(), time.monotonic()
        if isinstance(data, bytes):
            text = data.decode("utf-8", errors="replace")
            self._invalid(wall, mono, text, None, "binary frame: OCPP-J uses text frames only")
            return
        text = data
        try:
            message = json.loads(text)
        except ValueError as exc:
            self._invalid(wall, mono, text, None, f"not JSON: {exc}")
            await self._reply_unreadable(Fault.NOT_JSON, f"frame is not valid JSON: {exc}")
            return
        if (
            not isinstance(message, list)
            or len(message) < 3
            or not isinstance(message[0], int)
            or not isinstance(message[1], str)
        ):
            self._invalid(wall, mono, text, message, "not an OCPP-J message: expected [MessageTypeId, MessageId, ...]")
            await self._reply_unreadable(Fault.NOT_RPC, "expected [MessageTypeId, MessageId, ...]")
            return
        kind, uid = message[0], message[1]
        if kind == MessageType.CALL:
            await self._on_call(wall, mono, text, message)
        elif kind in (MessageType.CALLRESULT, MessageType.CALLERROR):
            self._on_answer(wall, mono, text, message)
        else:
            why = f"MessageTypeId {kind} is not supported"
            self._invalid(wall, mono, text, message, why, uid=uid)
            await self._send_error(uid, RpcError.of(self.version, Fault.MESSAGE_TYPE, why))

    def _invalid(self, wall: float, mono: float, text: str, message: Any, why: str, *, uid: str | None = None) -> None:
        """Record a received frame that is not a readable OCPP-J message, with why."""
        self._publish(wall, mono, self._in, MessageType.INVALID, uid, None, text, message, error=why)

    async def _reply_unreadable(self, fault: Fault, description: str) -> None:
        # 2.0.1 answers with RpcFrameworkError and MessageId "-1"; 1.6 has no way to answer
        # a message whose id it cannot read, so the frame is only recorded.
        if self.version is OcppVersion.V201 and self.connection is not None:
            await self._send_error(UNREADABLE_ID, RpcError.of(self.version, fault, description))

    async def _on_call(self, wall: float, mono: float, text: str, message: list[Any]) -> None:
        uid = message[1]
        action = message[2] if len(message) > 2 and isinstance(message[2], str) else None
        problem: RpcError | None = None
        handlers: dict[str, Any] = {}
        if len(message) != 4 or action is None:
            problem = RpcError.of(self.version, Fault.STRUCTURE, "a CALL is [2, MessageId, Action, Payload]")
        elif action not in schemas.ACTIONS[self.version]:
            problem = RpcError.of(self.version, Fault.UNKNOWN_ACTION, f"{action} is not an OCPP {self.version} action")
        else:
            handlers = self.route_map.get(action, {})
            if "_on_action" not in handlers:
                problem = RpcError.of(self.version, Fault.UNSUPPORTED_ACTION, f"{action} is not supported here")
            elif not handlers.get("_skip_schema_validation", False):
                try:
                    schemas.check(self.version, action, message[3])
                except RpcError as exc:
                    problem = exc
        self._publish(
            wall,
            mono,
            self._in,
            MessageType.CALL,
            uid,
            action,
            text,
            message,
            error=f"{problem.code}: {problem.description}" if problem else None,
        )
        self._answering[uid] = (action or "", mono)
        if problem is not None:
            await self._send_error(uid, problem)
            return
        assert action is not None
        kwargs = to_snake(message[3])
        try:
            result = handlers["_on_action"](**kwargs)
            if inspect.isawaitable(result):
                result = await result
            payload = to_wire(result)
            schemas.check(self.version, action, payload, response=True)
        except RpcError as exc:
            await self._send_error(uid, exc)
            return
        except OCPPError as exc:
            await self._send_error(uid, RpcError(exc.code, exc.description, exc.details))
            return
        except Exception as exc:
            log.exception("%s: handler for %s failed", self.station_id, action)
            await self._send_error(uid, RpcError.of(self.version, Fault.INTERNAL, f"{action} handler failed: {exc}"))
            return
        answer = [MessageType.CALLRESULT.value, uid, payload]
        await self._transmit(
            json.dumps(answer, separators=(",", ":")),
            MessageType.CALLRESULT,
            uid,
            action,
            answer,
            rtt_ms=self._answer_time(uid),
        )
        after = handlers.get("_after_action")
        if after is not None:
            outcome = after(**kwargs)
            if inspect.isawaitable(outcome):
                task = asyncio.ensure_future(outcome)
                self._after_tasks.add(task)
                task.add_done_callback(self._after_tasks.discard)

    def _answer_time(self, uid: str) -> float | None:
        started = self._answering.pop(uid, None)
        return None if started is None else (time.monotonic() - started[1]) * 1000.0

    async def _send_error(self, uid: str, error: RpcError) -> None:
        action = self._answering.get(uid, ("", 0.0))[0] or None
        answer = [MessageType.CALLERROR.value, uid, error.code, error.description[:255], error.details]
        try:
            await self._transmit(
                json.dumps(answer, separators=(",", ":")),
                MessageType.CALLERROR,
                uid,
                action,
                answer,
                rtt_ms=self._answer_time(uid),
            )
        except NotConnected:
            log.warning("%s: could not answer %s with %s: link down", self.station_id, uid, error.code)

    def _on_answer(self, wall: float, mono: float, text: str, message: list[Any]) -> None:
        kind, uid = MessageType(message[0]), message[1]
        pending = self._pending.get(uid)
        if pending is None:
            self._publish(
                wall,
                mono,
                self._in,
                kind,
                uid,
                None,
                text,
                message,
                error=f"no outstanding CALL with MessageId {uid!r}",
            )
            return
        rtt = (mono - pending.sent_at) * 1000.0
        error: str | None = None
        outcome: Any
        if kind is MessageType.CALLRESULT:
            payload = message[2] if len(message) == 3 else None
            try:
                if len(message) != 3:
                    raise RpcError.of(self.version, Fault.STRUCTURE, "a CALLRESULT is [3, MessageId, Payload]")
                schemas.check(self.version, pending.action, payload, response=True)
                outcome = payload
            except RpcError as exc:
                error = f"{exc.code}: {exc.description}"
                outcome = InvalidResponse(f"{pending.action} answer is invalid: {exc.description}")
        elif len(message) == 5 and isinstance(message[2], str):
            outcome = CallErrorReceived(pending.action, message[2], str(message[3]), message[4])
        else:
            error = "a CALLERROR is [4, MessageId, ErrorCode, ErrorDescription, ErrorDetails]"
            outcome = InvalidResponse(f"{pending.action}: malformed CALLERROR")
        self._publish(wall, mono, self._in, kind, uid, pending.action, text, message, error=error, rtt_ms=rtt)
        if pending.future.done():
            return
        if isinstance(outcome, Exception):
            pending.future.set_exception(outcome)
        else:
            pending.future.set_result(outcome)

    # --- the tap -------------------------------------------------------------------
    def _publish(  # noqa: PLR0917 - one positional slot per Frame field, in Frame's order
        self,
        wall: float,
        mono: float,
        direction: Direction,
        mtype: MessageType,
        uid: str | None,
        action: str | None,
        raw: str,
        message: Any,
        *,
        error: str | None = None,
        rtt_ms: float | None = None,
        note: str | None = None,
    ) -> None:
        self.bus.publish(
            Frame(
                seq=next_seq(),
                wall_time=wall,
                mono_time=mono,
                station_id=self.station_id,
                side=self.side,
                direction=direction,
                message_type=mtype,
                unique_id=uid,
                action=action,
                raw=raw,
                message=message,
                error=error,
                rtt_ms=rtt_ms,
                note=note,
            )
        )


def _expire(future: asyncio.Future[Any], why: str) -> None:
    if not future.done():
        future.set_exception(CallTimeout(why))


def _classify(message: Any) -> tuple[MessageType, str | None, str | None]:
    """Type, id and action of a parsed frame, as far as they can be read."""
    if not isinstance(message, list) or len(message) < 2 or message[0] not in (2, 3, 4):
        return MessageType.INVALID, None, None
    uid = message[1] if isinstance(message[1], str) else None
    action = message[2] if message[0] == 2 and len(message) > 2 and isinstance(message[2], str) else None
    return MessageType(message[0]), uid, action
