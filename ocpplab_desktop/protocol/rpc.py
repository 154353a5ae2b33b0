"""OCPP-J RPC framing without I/O: text in, events out, frames to send.

In the manner of the `websockets` library's `protocol.py`, `RpcConnection` never touches a
socket, a task or the system clock. The asyncio driver (`endpoint.py`) feeds it received text
and writes what it hands back; a test feeds it strings and reads events, with a clock and a
message-id source of its own. It owns every framing rule of OCPP-J, for both versions:

* a CALL is `[2, id, action, payload]`, a CALLRESULT `[3, id, payload]`, a CALLERROR
  `[4, id, code, description, details]` (1.6J section 4.1.3, 2.0.1 part 4 section 4.1.3);
* one outstanding CALL per direction (1.6J 4.1.1, 2.0.1 part 4 4.1.1): later CALLs wait, in
  order, and each one's response timeout starts when it leaves;
* bad input earns the CALLERROR the version names (`errors.py`), to the message id whenever
  it can be read, even from text that is not valid JSON;
* payloads are checked against the official schemas in both directions (`schemas.py`).

Received text is parsed exactly once, into the `Frame` that the interceptor pipeline and the
tap see; `accept()` then acts on that same frame.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.errors import (
    UNKNOWN_TYPE_ANSWERED,
    UNREADABLE_ID,
    CallErrorReceived,
    CallTimeout,
    Fault,
    InvalidResponse,
    NotConnected,
    RpcError,
)
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side, next_seq

Clock = Callable[[], float]
IdSource = Callable[[], str]

MAX_DESCRIPTION = 255  # ErrorDescription is at most 255 characters (2.0.1 part 4 4.2.3)
MAX_DEPTH = 64
"""Arrays and objects nested deeper than this are a format violation: no OCPP message comes close,
and deeper input (even where a schema allows anyType) only serves to exhaust the receiver's stack."""
# The message id of a CALL too broken to parse: `[2, "id"` at the start of the text.
_LEADING_CALL_ID = re.compile(r'\s*\[\s*2\s*,\s*"((?:[^"\\]|\\.){1,36})"')


_LONG_NUMBER = re.compile(r"\d{19}")
_id_bits = random.Random()  # seeded from the OS; ids need to be unique, not secret


def _uuid() -> str:
    """A random (version 4) UUID, without the system call `uuid.uuid4()` makes for each one, and
    formatted here: `str(uuid.UUID(...))` took twice as long (a fleet makes one per CALL)."""
    h = "%032x" % _id_bits.getrandbits(128)  # noqa: UP031 - the fastest of the ways to format it
    # Version 4 in the 13th digit; variant 10xx (RFC 9562) in the 17th.
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def dumps(message: list[Any]) -> str:
    """Compact JSON. orjson where it can (several times faster); the standard library for what orjson
    refuses (a lone surrogate, an integer past 64 bits), so that anything sendable is still sent."""
    try:
        return orjson.dumps(message).decode()
    except (orjson.JSONEncodeError, UnicodeDecodeError):
        return json.dumps(message, separators=(",", ":"))


def loads(text: str) -> Any:
    """JSON as the standard library reads it. orjson reads a strict subset of it, several times faster;
    whatever orjson refuses (a lone surrogate escape, NaN, deep nesting, bad JSON) or would read
    differently (an integer of 19 digits or more) is read by the standard library, whose answer (a
    value or the error to report) is the one that counts."""
    if _LONG_NUMBER.search(text) is None:  # orjson would read an integer past 64 bits as a float
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


@dataclass(slots=True, eq=False)
class OutgoingCall:
    """A CALL of ours, from `call()` until its answer, failure or timeout."""

    uid: str
    action: str
    payload: dict[str, Any]
    sent_at: float | None = None
    deadline: float | None = None
    timeout: float = 30.0
    tag: Any = None
    """Whatever the driver attaches (its future)."""


@dataclass(frozen=True, slots=True)
class CallReceived:
    """A valid CALL from the other side: dispatch it, then `answer()` or `fail()` it."""

    uid: str
    action: str
    payload: dict[str, Any]
    frame: Frame


@dataclass(frozen=True, slots=True)
class CallAnswered:
    """Our CALL got a valid CALLRESULT."""

    call: OutgoingCall
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallFailed:
    """Our CALL got a CALLERROR, an invalid answer, no answer in time, or the link went down."""

    call: OutgoingCall
    error: Exception


Event = CallReceived | CallAnswered | CallFailed


@dataclass(slots=True)
class _Answering:
    action: str
    received_at: float


@dataclass
class RpcConnection:
    """One end of one OCPP-J link, as a state machine over text."""

    version: OcppVersion
    side: Side
    station_id: str
    response_timeout: float = 30.0
    clock: Clock = time.monotonic
    wall_clock: Clock = time.time
    new_id: IdSource = _uuid
    supported: Callable[[str], bool] = lambda _action: True
    """Whether this end handles an action its version defines; one it does not is answered NotSupported."""
    _outstanding: OutgoingCall | None = field(default=None, init=False)
    last_call_id: str | None = field(default=None, init=False)
    """The MessageId of the last CALL of ours that left (a malformed frame can reuse it)."""
    _waiting: deque[OutgoingCall] = field(default_factory=deque, init=False)
    _answering: dict[str, _Answering] = field(default_factory=dict, init=False)
    _out: list[Frame] = field(default_factory=list, init=False)
    _events: list[Event] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.outgoing = Direction.TO_CSMS if self.side is Side.STATION else Direction.TO_STATION
        self.incoming = Direction.TO_STATION if self.side is Side.STATION else Direction.TO_CSMS

    # --- what the driver collects ---------------------------------------------------
    def frames_to_send(self) -> list[Frame]:
        """Frames ready for the wire, in order (the driver passes them through the pipeline)."""
        out, self._out = self._out, []
        return out

    def events(self) -> list[Event]:
        """What happened since the last call, in order."""
        events, self._events = self._events, []
        return events

    @property
    def outstanding(self) -> OutgoingCall | None:
        return self._outstanding

    @property
    def waiting(self) -> int:
        """CALLs queued behind the outstanding one."""
        return len(self._waiting)

    def next_deadline(self) -> float | None:
        call = self._outstanding
        return call.deadline if call is not None else None

    # --- outgoing ---------------------------------------------------------------------
    def call(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        timeout: float | None = None,
        validate: bool = True,
        tag: Any = None,
    ) -> OutgoingCall:
        """Queue a CALL; it leaves now if no other CALL of ours is outstanding.

        RpcError if `validate` and the payload does not match the action's request schema.
        """
        if type(action) is not str:  # an Enum of the ocpp library: the frame and the store want its text
            action = str(getattr(action, "value", action))
        if validate:
            schemas.check(self.version, action, payload)
        call = OutgoingCall(
            self.new_id(), action, payload, timeout=self.response_timeout if timeout is None else timeout, tag=tag
        )
        self._waiting.append(call)
        self._release()
        return call

    def _release(self) -> None:
        if self._outstanding is not None or not self._waiting:
            return
        call = self._outstanding = self._waiting.popleft()
        self.last_call_id = call.uid
        call.sent_at = self.clock()
        call.deadline = call.sent_at + call.timeout
        message = [MessageType.CALL.value, call.uid, call.action, call.payload]
        self._emit(dumps(message), MessageType.CALL, call.uid, call.action, message)

    def answer(self, uid: str, payload: dict[str, Any]) -> None:
        """Answer a received CALL; a payload its response schema refuses becomes an InternalError CALLERROR."""
        answering = self._answering.get(uid)
        action = answering.action if answering else None
        if action is not None:
            try:
                schemas.check(self.version, action, payload, response=True)
            except RpcError as exc:
                self.fail(uid, RpcError.of(self.version, Fault.INTERNAL, f"our answer was invalid: {exc.description}"))
                return
        self._answering.pop(uid, None)
        message = [MessageType.CALLRESULT.value, uid, payload]
        self._emit(dumps(message), MessageType.CALLRESULT, uid, action, message, rtt=self._since(answering))

    def fail(self, uid: str, error: RpcError) -> None:
        """Answer a received CALL (or an unreadable frame, uid "-1") with a CALLERROR."""
        answering = self._answering.pop(uid, None)
        message = [MessageType.CALLERROR.value, uid, error.code, error.description[:MAX_DESCRIPTION], error.details]
        action = answering.action if answering else None
        self._emit(dumps(message), MessageType.CALLERROR, uid, action, message, rtt=self._since(answering))

    def send_text(self, text: str, *, note: str | None = None) -> Frame:
        """Text sent exactly as given, past every check (negative tests); still framed and recorded."""
        frame = self.parse(text, self.outgoing)
        frame = replace(frame, note=note, error=None)
        self._out.append(frame)
        return frame

    def _since(self, answering: _Answering | None) -> float | None:
        return None if answering is None else (self.clock() - answering.received_at) * 1000.0

    def _emit(
        self,
        text: str,
        mtype: MessageType,
        uid: str | None,
        action: str | None,
        message: Any,
        *,
        rtt: float | None = None,
    ) -> None:
        self._out.append(self._frame(text, message, mtype, uid, action, None, self.outgoing, rtt=rtt))

    # --- incoming ---------------------------------------------------------------------
    def receive(self, data: str | bytes) -> Frame:
        """Parse received data once into a `Frame` (nothing is acted on until `accept`)."""
        if isinstance(data, bytes):
            text = data.decode("utf-8", errors="replace")
            why = "binary frame: OCPP-J uses text frames only"
            return self._frame(text, None, MessageType.INVALID, None, None, why, self.incoming)
        return self.parse(data, self.incoming)

    def parse(self, text: str, direction: Direction) -> Frame:
        """A frame as read from `text`: type, id, action (for answers: of the CALL they answer), error."""
        incoming = direction is self.incoming
        try:
            message = loads(text)
            if text.count("[") + text.count("{") > MAX_DEPTH and _depth(message) > MAX_DEPTH:
                raise RecursionError
        except (ValueError, RecursionError) as exc:
            # json raises RecursionError, not ValueError, on deeply nested input.
            why = f"nested deeper than {MAX_DEPTH} levels" if isinstance(exc, RecursionError) else f"not JSON: {exc}"
            return self._frame(text, None, MessageType.INVALID, _leading_call_id(text), None, why, direction)
        if not isinstance(message, list) or len(message) < 2 or not isinstance(message[0], int):
            why = "not an OCPP-J message: expected [MessageTypeId, MessageId, ...]"
            return self._frame(text, message, MessageType.INVALID, None, None, why, direction)
        kind, uid = message[0], message[1]
        if not isinstance(uid, str):
            why = "not an OCPP-J message: the MessageId must be a string"
            return self._frame(text, message, MessageType.INVALID, None, None, why, direction)
        if kind == MessageType.CALL:
            action = message[2] if len(message) > 2 and isinstance(message[2], str) else None
            problem = self._call_problem(message, action) if incoming else None
            error = f"{problem.code}: {problem.description}" if problem else None
            return self._frame(text, message, MessageType.CALL, uid, action, error, direction)
        if kind in (MessageType.CALLRESULT, MessageType.CALLERROR):
            return self._answer_frame(text, message, MessageType(kind), uid, direction)
        why = f"MessageTypeId {kind} is not supported"
        if not UNKNOWN_TYPE_ANSWERED[self.version]:
            why += "; ignored, as the specification asks (no answer)"
        return self._frame(text, message, MessageType.INVALID, uid, None, why, direction)

    def _answer_frame(self, text: str, message: list[Any], kind: MessageType, uid: str, direction: Direction) -> Frame:
        if direction is self.outgoing:
            action = self._answering[uid].action if uid in self._answering else None
            return self._frame(text, message, kind, uid, action, None, direction)
        call = self._outstanding
        if call is None or call.uid != uid:
            why = f"no outstanding CALL with MessageId {uid!r}"
            return self._frame(text, message, kind, uid, None, why, direction)
        rtt = (self.clock() - call.sent_at) * 1000.0 if call.sent_at is not None else None
        error: str | None = None
        if kind is MessageType.CALLRESULT:
            try:
                if len(message) != 3:
                    raise RpcError.of(self.version, Fault.STRUCTURE, "a CALLRESULT is [3, MessageId, Payload]")
                schemas.check(self.version, call.action, message[2], response=True)
            except RpcError as exc:
                error = f"{exc.code}: {exc.description}"
        elif len(message) != 5 or not isinstance(message[2], str):
            error = "a CALLERROR is [4, MessageId, ErrorCode, ErrorDescription, ErrorDetails]"
        return self._frame(text, message, kind, uid, call.action, error, direction, rtt=rtt)

    def _call_problem(self, message: list[Any], action: str | None) -> RpcError | None:
        if len(message) != 4 or action is None:
            return RpcError.of(self.version, Fault.STRUCTURE, "a CALL is [2, MessageId, Action, Payload]")
        if action not in schemas.ACTIONS[self.version]:
            return RpcError.of(self.version, Fault.UNKNOWN_ACTION, f"{action} is not an OCPP {self.version} action")
        if not self.supported(action):
            return RpcError.of(self.version, Fault.UNSUPPORTED_ACTION, f"{action} is not supported here")
        try:
            schemas.check(self.version, action, message[3])
        except RpcError as exc:
            return exc
        return None

    def _frame(  # noqa: PLR0917 - one positional slot per Frame field, in Frame's order
        self,
        text: str,
        message: Any,
        mtype: MessageType,
        uid: str | None,
        action: str | None,
        error: str | None,
        direction: Direction,
        *,
        rtt: float | None = None,
    ) -> Frame:
        return Frame(
            seq=next_seq(),
            wall_time=self.wall_clock(),
            mono_time=self.clock(),
            station_id=self.station_id,
            side=self.side,
            direction=direction,
            message_type=mtype,
            unique_id=uid,
            action=action,
            raw=text,
            message=message,
            error=error,
            rtt_ms=rtt,
        )

    def accept(self, frame: Frame) -> list[Event]:
        """Act on a received frame (after the pipeline): queue replies, settle our CALL; returns events."""
        kind, uid = frame.message_type, frame.unique_id
        if kind is MessageType.CALL and uid is not None:
            self._on_call(frame, uid)
        elif kind in (MessageType.CALLRESULT, MessageType.CALLERROR) and uid is not None:
            self._on_answer(frame, uid)
        elif kind is MessageType.INVALID:
            self._on_unreadable(frame)
        return self.events()

    def _on_call(self, frame: Frame, uid: str) -> None:
        action = frame.action
        self._answering[uid] = _Answering(action or "", self.clock())
        message = frame.message
        # parse() checked the CALL already (the schema check is the costliest step of a frame):
        # only a frame it found wrong is looked at again, for the RpcError to answer with.
        problem = self._call_problem(message, action) if frame.error is not None else None
        if problem is not None:
            self.fail(uid, problem)
            return
        assert action is not None
        self._events.append(CallReceived(uid, action, message[3], frame))

    def _on_answer(self, frame: Frame, uid: str) -> None:
        call = self._outstanding
        if call is None or call.uid != uid:
            return  # recorded with its reason by parse(); nothing to settle
        message = frame.message
        outcome: Event
        if frame.message_type is MessageType.CALLRESULT:
            if frame.error is None:
                outcome = CallAnswered(call, message[2])
            else:
                outcome = CallFailed(call, InvalidResponse(f"{call.action} answer is invalid: {frame.error}"))
        elif frame.error is None:
            outcome = CallFailed(call, CallErrorReceived(call.action, message[2], str(message[3]), message[4]))
        else:
            outcome = CallFailed(call, InvalidResponse(f"{call.action}: malformed CALLERROR"))
        self._settle(outcome)

    def _on_unreadable(self, frame: Frame) -> None:
        """A frame that is not a readable OCPP-J message: answer it where the id can be read.

        A CALL whose id is readable gets a CALLERROR to that id in both versions (1.6J 4.2.3:
        FormationViolation; 2.0.1 part 4 4.3: FormatViolation). An unknown MessageTypeId is ignored in
        1.6 (1.6J 4.1.3) and answered MessageTypeNotSupported in 2.0.1 (part 4 4.4). 2.0.1 answers an
        unreadable id with RpcFrameworkError to MessageId "-1" (part 4 4.2.3); 1.6 has no way to
        answer it, so the frame is only recorded.
        """
        uid = frame.unique_id
        message = frame.message
        if uid is not None and isinstance(message, list) and message and message[0] not in (2, 3, 4):
            if UNKNOWN_TYPE_ANSWERED[self.version]:
                self.fail(uid, RpcError.of(self.version, Fault.MESSAGE_TYPE, frame.error or "unknown MessageTypeId"))
        elif uid is not None and message is None:
            self.fail(uid, RpcError.of(self.version, Fault.STRUCTURE, f"the CALL cannot be read: {frame.error}"))
        elif (unreadable := UNREADABLE_ID[self.version]) is not None:
            fault = Fault.NOT_JSON if message is None else Fault.NOT_RPC
            self.fail(unreadable, RpcError.of(self.version, fault, frame.error or "unreadable frame"))

    # --- time and the link ------------------------------------------------------------
    def expire(self) -> list[Event]:
        """Fail our outstanding CALL if its deadline has passed; returns the events."""
        call = self._outstanding
        if call is not None and call.deadline is not None and self.clock() >= call.deadline:
            self._settle(CallFailed(call, CallTimeout(f"no answer to {call.action} within {call.timeout:g} s")))
        return self.events()

    def cancel(self, call: OutgoingCall) -> None:
        """Forget a CALL whose caller stopped waiting (its answer, if it comes, is recorded as for no CALL)."""
        if call is self._outstanding:
            self._outstanding = None
            self._release()
        elif call in self._waiting:
            self._waiting.remove(call)

    def connection_lost(self, why: str) -> list[Event]:
        """The link is gone: fail every CALL of ours and forget the CALLs we were answering."""
        calls = ([self._outstanding] if self._outstanding is not None else []) + list(self._waiting)
        self._outstanding = None
        self._waiting.clear()
        self._answering.clear()
        self._events.extend(CallFailed(c, NotConnected(f"{why} before {c.action} was answered")) for c in calls)
        return self.events()

    def _settle(self, outcome: CallAnswered | CallFailed) -> None:
        self._outstanding = None
        self._events.append(outcome)
        self._release()


def _leading_call_id(text: str) -> str | None:
    """The message id of a CALL that is not valid JSON, if its start reads as one (an escaped id
    is decoded as JSON would; one that does not decode counts as unreadable)."""
    match = _LEADING_CALL_ID.match(text[:128])
    if match is None:
        return None
    try:
        uid = json.loads(f'"{match.group(1)}"')
    except ValueError:
        return None
    return uid if isinstance(uid, str) else None


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value`, without recursion (it may be very deep)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in item if isinstance(child, list | dict))
    return deepest
