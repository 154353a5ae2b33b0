"""Fault injection (issue #14): interceptors that break a link on purpose, and malformed frames.

Each fault is an `Interceptor` (`pipeline.py`) that an owner adds to an endpoint's pipeline, by
default on the application side of the tap. It takes the frames travelling in its `direction`
(absolute: to the CSMS or to the station), optionally only those of one `action` (for an answer,
the action of the CALL it answers), and only the next `count` of them (None: until removed). It
counts the frames it took in `touched`, says what it does in `describe()`, and reports `done`
once its count is used up and it holds nothing, so that its owner can remove it.

Everything here is synchronous and sans I/O, like the rest of the pipeline: a held frame waits on
`ctx.call_later`, randomness comes from a `random.Random` seeded by the caller (a run with the same
seed and the same frames makes the same decisions), and no clock is read.

What the record shows. Outbound, a fault acts before the tap: the tap records what the fault let
through (an altered frame with what was `intended`, both copies of a duplicate, a delayed frame
when it leaves), and `ctx.record` adds what never reached the wire (a dropped frame, with why).
Inbound, the tap has recorded what the wire carried before any fault sees the frame; `ctx.record`
adds what the application got instead when that differs in content or number (a dropped or
swallowed frame, with why; a corrupted one; the second copy of a duplicate). Delaying or
reordering an inbound frame changes only when the application gets it and adds no record. Every
frame a fault touches carries a note that starts with `NOTE_PREFIX`.
"""

from __future__ import annotations

import functools
import random
import uuid
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.errors import ERROR_CODES
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, next_seq
from ocpplab_desktop.protocol.pipeline import Context, Forward, Handle, Interceptor
from ocpplab_desktop.protocol.rpc import dumps

NOTE_PREFIX = "fault: "
"""The start of the note on every frame a fault touched: what a log filter looks for."""

_TOWARD = {Direction.TO_CSMS: "to the CSMS", Direction.TO_STATION: "to the station", None: "both ways"}


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _delay(seconds: float, jitter: float) -> tuple[float, float]:
    if seconds < 0 or jitter < 0:
        raise ValueError(f"a delay needs seconds >= 0 and jitter >= 0, not {seconds} and {jitter}")
    return seconds, jitter


def _jittered(rng: random.Random, seconds: float, jitter: float) -> float:
    """`seconds` ± up to `jitter`, never negative; always one draw, so that the draws stay aligned."""
    return max(0.0, seconds + rng.uniform(-jitter, jitter))


class FaultInterceptor(Interceptor, ABC):
    """What every fault shares: which frames it takes, how many it took, and when it is done."""

    name = "fault"
    kinds: frozenset[MessageType] | None = None
    """The message types it takes; None for all."""

    def __init__(self, direction: Direction | None, *, action: str | None = None, count: int | None = None) -> None:
        if count is not None and count < 1:
            raise ValueError(f"count must be at least 1, or None for every frame until removed, not {count}")
        self.direction = direction
        self.action = action
        self.count = count
        self.touched = 0
        self._pending = 0

    @property
    def held(self) -> int:
        """Frames it holds, to forward later."""
        return self._pending

    @property
    def done(self) -> bool:
        """Its count is used up and it holds nothing: it can be removed without losing a frame."""
        return self.count is not None and self.touched >= self.count and self.held == 0

    @abstractmethod
    def describe(self) -> str:
        """What it does, in a line for the window."""

    @abstractmethod
    def apply(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        """Act on one frame it took (`touched` already counts it)."""

    def outbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        """Either way: a frame in the fault's direction goes to `take`, any other passes on."""
        if self.applies(frame, ctx):
            self.take(frame, forward, ctx)
        else:
            forward(frame)

    inbound = outbound

    def applies(self, frame: Frame, ctx: Context) -> bool:
        """Whether `frame` travels in the fault's direction."""
        return self.direction is None or frame.direction is self.direction

    def take(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        """A frame in the fault's direction: act on it if the fault wants it, else pass it on."""
        if (
            (self.count is None or self.touched < self.count)
            and (self.action is None or frame.action == self.action)
            and (self.kinds is None or frame.message_type in self.kinds)
        ):
            self.touched += 1
            self.apply(frame, forward, ctx)
        else:
            forward(frame)

    # --- helpers for the faults -----------------------------------------------------------
    def _which(self, what: str = "frame") -> str:
        """Which frames it takes, e.g. "the next 3 Reset CALLs to the station", "every frame to the CSMS"."""
        kind = f"{self.action} {what}" if self.action else what
        count = self.count
        which = f"every {kind}" if count is None else f"the next {kind}" if count == 1 else f"the next {count} {kind}s"
        return f"{which} {_TOWARD[self.direction]}"

    def _progress(self) -> str:
        return f"{self.name} {self.touched}" + ("" if self.count is None else f" of {self.count}")

    @staticmethod
    def _note(frame: Frame, what: str) -> str:
        """The fault's note, after any note the frame already has (a negative test's, another fault's)."""
        note = NOTE_PREFIX + what
        return f"{frame.note}; {note}" if frame.note else note

    def _noted(self, frame: Frame, what: str) -> Frame:
        return replace(frame, note=self._note(frame, what))

    def _hold(self, ctx: Context, seconds: float, release: Callable[[], None]) -> None:
        """Run `release` (which forwards what is held) in `seconds`; `held` counts it until then."""
        self._pending += 1

        def run() -> None:
            self._pending -= 1
            release()

        ctx.call_later(seconds, run)

    def _discard(self, frame: Frame, ctx: Context, why: str, what: str) -> None:
        """Forward nothing, and record the frame with why it went no further."""
        fate = "not sent" if frame.direction is ctx.outgoing else "not delivered"
        ctx.record(frame, self._note(frame, what), error=f"{fate}: {why}")

    def _forward_copy(self, frame: Frame, forward: Forward, ctx: Context, what: str) -> None:
        """Forward a second copy of `frame`: a frame of its own (a new seq), recorded if the tap is behind it."""
        copy = replace(frame, seq=next_seq(), note=self._note(frame, what))
        if frame.direction is not ctx.outgoing:
            ctx.record(copy, copy.note or "")
        forward(copy)


class Drop(FaultInterceptor):
    """Drops the frames it takes: the receiver never sees them."""

    name = "drop"

    def describe(self) -> str:
        return f"drop {self._which()}"

    def apply(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        self._discard(frame, ctx, f"dropped by fault injection ({self._progress()})", self.name)


class Silence(Drop):
    """Stops answering: swallows the CALLs travelling in `direction`, so that their sender times out.

    Added to the end that receives them, on the application side of the tap, it leaves their frames
    in the record as the wire carried them; the application never sees them, so never answers.
    """

    name = "silence"
    kinds = frozenset({MessageType.CALL})

    def describe(self) -> str:
        return f"leave {self._which('CALL')} unanswered"


class Delay(FaultInterceptor):
    """Holds each frame it takes for `seconds` ± up to `jitter`, then forwards it.

    Without jitter, frames leave in the order they came, whatever order the timers fire in (a coarse
    clock may give two timers the same deadline); with jitter, each leaves when its own delay ends,
    which may reorder them, reproducibly for a given seed.
    """

    name = "delay"

    def __init__(
        self,
        direction: Direction,
        seconds: float,
        jitter: float = 0.0,
        seed: int = 0,
        *,
        action: str | None = None,
        count: int | None = None,
    ) -> None:
        super().__init__(direction, action=action, count=count)
        self.seconds, self.jitter = _delay(seconds, jitter)
        self._rng = random.Random(seed)
        self._queue: deque[tuple[Frame, Forward]] = deque()

    def describe(self) -> str:
        spread = f" ± {_seconds(self.jitter)} s" if self.jitter else ""
        return f"delay {self._which()} by {_seconds(self.seconds)} s{spread}"

    def apply(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        seconds = _jittered(self._rng, self.seconds, self.jitter)
        late = self._noted(frame, f"delay {_seconds(seconds)} s")
        if self.jitter:
            self._hold(ctx, seconds, lambda: forward(late))
        else:
            self._queue.append((late, forward))
            self._hold(ctx, seconds, self._release_oldest)

    def _release_oldest(self) -> None:
        frame, forward = self._queue.popleft()
        forward(frame)


class Duplicate(FaultInterceptor):
    """Forwards each frame it takes twice, the second copy right after the first."""

    name = "duplicate"

    def describe(self) -> str:
        return f"send {self._which()} twice"

    def apply(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        forward(self._noted(frame, "duplicate (original)"))
        self._forward_copy(frame, forward, ctx, "duplicate (copy)")


class Reorder(FaultInterceptor):
    """Holds a frame it takes and forwards it right after the next frame in the same direction.

    The frame that releases it passes straight on and is not held itself. If no frame comes within
    `hold_timeout` seconds, the held one leaves anyway: a reorder must not turn into a drop.
    """

    name = "reorder"

    def __init__(
        self,
        direction: Direction,
        *,
        action: str | None = None,
        count: int | None = None,
        hold_timeout: float = 2.0,
    ) -> None:
        super().__init__(direction, action=action, count=count)
        self.hold_timeout = hold_timeout
        self._held: tuple[Frame, Forward, Handle] | None = None

    @property
    def held(self) -> int:
        return 0 if self._held is None else 1

    def describe(self) -> str:
        return f"send {self._which()} after the frame that follows it"

    def take(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        if self._held is None:
            super().take(frame, forward, ctx)
            return
        held, held_forward, timer = self._held
        self._held = None
        timer.cancel()
        forward(frame)
        held_forward(self._noted(held, "reorder (sent after the next frame)"))

    def apply(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        def timed_out() -> None:
            if self._held is not None and self._held[0] is frame:
                self._held = None
                forward(self._noted(frame, f"reorder (no next frame within {_seconds(self.hold_timeout)} s)"))

        self._held = (frame, forward, ctx.call_later(self.hold_timeout, timed_out))


class Corruption(StrEnum):
    """How `Corrupt` breaks a frame's text. Each mode leaves the text of any OCPP-J message (a JSON
    array) invalid JSON (RFC 8259), wherever the draws fall."""

    TRUNCATE = "truncate"
    """Cut short at a random point before its closing bracket."""
    GARBLE = "garble"
    """One character replaced by a control character, which JSON allows neither in nor out of strings."""
    DROP_BRACKET = "drop_bracket"
    """The message array's closing bracket removed."""


# Control characters that are not JSON whitespace (RFC 8259 section 2 and 7).
_GARBAGE = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r")


def corrupted(text: str, mode: Corruption, rng: random.Random) -> str:
    """`text` broken as `mode` says, at places drawn from `rng`."""
    if mode is Corruption.GARBLE:
        at = rng.randrange(len(text)) if text else 0
        return text[:at] + rng.choice(_GARBAGE) + text[at + 1 :]
    body = text.rstrip()
    if mode is Corruption.TRUNCATE:
        return body[: rng.randrange(1, len(body))] if len(body) > 1 else ""
    return body[:-1]


class Corrupt(FaultInterceptor):
    """Alters each frame it takes so that it is no longer valid JSON; `intended` keeps the original."""

    name = "corrupt"

    def __init__(
        self,
        direction: Direction,
        mode: Corruption | str = Corruption.TRUNCATE,
        seed: int = 0,
        *,
        action: str | None = None,
        count: int | None = None,
    ) -> None:
        super().__init__(direction, action=action, count=count)
        try:
            self.mode = Corruption(mode)
        except ValueError:
            raise ValueError(f"unknown corruption {mode!r}; the modes are {', '.join(Corruption)}") from None
        self._rng = random.Random(seed)

    def describe(self) -> str:
        return f"corrupt {self._which()} ({self.mode})"

    def apply(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        note = self._note(frame, f"corrupt ({self.mode})")
        bad = ctx.altered(frame, corrupted(frame.raw, self.mode, self._rng), note=note)
        if frame.direction is not ctx.outgoing:
            ctx.record(bad, note)
        forward(bad)


class CallErrorReply(FaultInterceptor):
    """Answers the CALLs of `action` travelling in `direction` with a CALLERROR, in place of their receiver.

    It keeps each such CALL from going further and sends `[4, MessageId, code, description, details]`
    (1.6J section 4.2.3, 2.0.1 part 4 section 4.2.3) back the way it came. Added to the end that
    receives the CALLs, it answers in place of that end's application; added to the end that sends
    them, the CALL never leaves and the answer comes in as if from the other side. `code` must be
    one the version defines (`errors.ERROR_CODES`); `times` is how many CALLs to answer so (None:
    every one until removed).
    """

    name = "callerror"
    kinds = frozenset({MessageType.CALL})

    def __init__(  # noqa: PLR0917 - the version and direction, then the CALLERROR's fields in wire order
        self,
        version: OcppVersion,
        direction: Direction,
        action: str,
        code: str,
        description: str = "",
        details: dict[str, Any] | None = None,
        *,
        times: int | None = 1,
    ) -> None:
        super().__init__(direction, action=action, count=times)
        codes = ERROR_CODES[version]
        if code not in codes:
            raise ValueError(f"{code!r} is not an OCPP {version} RPC error code; the codes are {', '.join(codes)}")
        if action not in schemas.ACTIONS[version]:
            raise ValueError(f"{action!r} is not an OCPP {version} action")
        self.version = version
        self.code = code
        self.description = description
        self.details = details or {}

    def describe(self) -> str:
        return f"answer {self._which('CALL')} with CALLERROR {self.code}"

    def apply(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        what = f"CALLERROR {self.code}"
        self._discard(frame, ctx, f"answered with {what} by fault injection ({self._progress()})", what)
        message = [MessageType.CALLERROR.value, frame.unique_id, self.code, self.description, self.details]
        back = Direction.TO_STATION if frame.direction is Direction.TO_CSMS else Direction.TO_CSMS
        ctx.inject(self, back, dumps(message), note=NOTE_PREFIX + what)


@dataclass(frozen=True, slots=True)
class Decision:
    """What a `RandomPlan` does with one frame."""

    drop: bool
    delay: float
    duplicate: bool


class RandomPlan(FaultInterceptor):
    """For soak tests: each frame it takes is lost with probability `loss`, else delayed by
    `delay` ± up to `jitter` seconds and, with probability `duplicate`, sent twice.

    The same seed gives the same decisions for the same sequence of frames; jitter may reorder
    frames. `direction` None takes frames both ways.
    """

    name = "random"

    def __init__(
        self,
        direction: Direction | None,
        loss: float,
        delay: float,
        jitter: float,
        seed: int,
        *,
        duplicate: float = 0.0,
        action: str | None = None,
        count: int | None = None,
    ) -> None:
        super().__init__(direction, action=action, count=count)
        if not (0.0 <= loss <= 1.0 and 0.0 <= duplicate <= 1.0):
            raise ValueError(f"loss and duplicate are probabilities between 0 and 1, not {loss} and {duplicate}")
        self.delay, self.jitter = _delay(delay, jitter)
        self.loss = loss
        self.duplicate = duplicate
        self.seed = seed
        self._rng = random.Random(seed)

    def describe(self) -> str:
        spread = f" ± {_seconds(self.jitter)} s" if self.jitter else ""
        twice = f", send {self.duplicate:.0%} twice" if self.duplicate else ""
        return (
            f"{self._which()}: lose {self.loss:.0%}, delay {_seconds(self.delay)} s{spread}{twice} (seed {self.seed})"
        )

    def decide(self) -> Decision:
        """The fate of the next frame. Three draws per frame whatever the outcome, so that raising
        `loss` with the same seed only turns more of the same frames into drops."""
        lost = self._rng.random() < self.loss
        delay = _jittered(self._rng, self.delay, self.jitter)
        twice = self._rng.random() < self.duplicate
        return Decision(drop=lost, delay=0.0 if lost else delay, duplicate=twice and not lost)

    def apply(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        decision = self.decide()
        if decision.drop:
            self._discard(
                frame, ctx, f"dropped by fault injection ({self._progress()}, loss {self.loss:.0%})", "random drop"
            )
            return
        if decision.delay > 0:
            frame = self._noted(frame, f"random delay {_seconds(decision.delay)} s")

        def release() -> None:
            forward(frame)
            if decision.duplicate:
                self._forward_copy(frame, forward, ctx, "random duplicate")

        if decision.delay > 0:
            self._hold(ctx, decision.delay, release)
        else:
            release()


# --- malformed frames --------------------------------------------------------------------------
KINDS = (
    "invalid_json",
    "wrong_type_id",
    "missing_field",
    "wrong_field_type",
    "unknown_action",
    "oversized",
    "reused_id",
    "result_without_call",
    "call_while_outstanding",
)
"""The kinds of malformed frame `malformed()` builds."""

OVERSIZED = 1024 * 1024
"""1 MiB: the default size an oversized payload exceeds (websockets' default max_size)."""

_WRONG_TYPE: dict[str, object] = {"string": 0, "integer": "0", "number": "0", "boolean": "1", "object": "", "array": ""}


@functools.cache
def _request_schema(version: OcppVersion, action: str) -> dict[str, Any]:
    return schemas.schema(version, action)


def _resolved(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return node if ref is None else schema["definitions"][ref.rsplit("/", 1)[-1]]


def _example(node: dict[str, Any], schema: dict[str, Any]) -> Any:
    node = _resolved(node, schema)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        return {name: _example(properties[name], schema) for name in node.get("required", ())}
    if kind == "array":
        return [_example(node["items"], schema)] * int(node.get("minItems", 0))
    if kind in ("integer", "number"):
        minimum = node.get("minimum", 0)
        return int(minimum) if kind == "integer" else float(minimum)
    if kind == "boolean":
        return False
    return {"date-time": "2026-01-01T00:00:00Z", "uri": "wss://csms.example/ocpp"}.get(node.get("format", ""), "x")


def example_payload(version: OcppVersion, action: str) -> dict[str, Any]:
    """A minimal valid request payload of `action`: its required fields only, each with the first
    value its official schema allows (the first enum value, the minimum, a one-letter string)."""
    schema = _request_schema(version, _action(version, action))
    return _example(schema, schema)


def _action(version: OcppVersion, action: str) -> str:
    if action not in schemas.ACTIONS[version]:
        raise ValueError(f"{action!r} is not an OCPP {version} action")
    return action


def _call(uid: str, action: str, payload: Any) -> str:
    return dumps([MessageType.CALL.value, uid, action, payload])


def malformed(
    kind: str,
    version: OcppVersion,
    *,
    action: str | None = None,
    unique_id: str | None = None,
    payload: dict[str, Any] | None = None,
    size: int = OVERSIZED,
) -> str:
    """The text of a malformed (or ill-timed) frame of `kind` (one of `KINDS`), for a negative test.

    `action` is the CALL's action (by default Heartbeat, or BootNotification where a required field
    is needed); `payload` replaces the minimal valid payload (`example_payload`); `unique_id` is the
    MessageId (a fresh UUID if None: pass the endpoint's `rpc.new_id()` to keep counted ids).
    `call_while_outstanding` is a valid CALL: it is malformed by when it is sent, while another CALL
    of the same end is outstanding (1.6J 4.1.1, 2.0.1 part 4 4.1.1), with `Endpoint.send_raw`.
    """
    uid = unique_id or str(uuid.uuid4())

    def body(default: str) -> tuple[str, dict[str, Any]]:
        name = _action(version, action or default)
        return name, dict(payload) if payload is not None else example_payload(version, name)

    match kind:
        case "invalid_json":
            return _call(uid, *body("Heartbeat"))[:-1]
        case "wrong_type_id":
            name, fields = body("Heartbeat")
            return dumps([7, uid, name, fields])
        case "missing_field" | "wrong_field_type":
            name, fields = body("BootNotification")
            schema = _request_schema(version, name)
            required = [f for f in schema.get("required", ()) if f in fields]
            if not required:
                raise ValueError(f"{kind}: the {name} payload has no required field to take ({schema.get('required')})")
            field = required[0]
            if kind == "missing_field":
                del fields[field]
            else:
                fields[field] = _WRONG_TYPE[_resolved(schema["properties"][field], schema).get("type", "string")]
            return _call(uid, name, fields)
        case "unknown_action":
            name = action or "NoSuchAction"
            if name in schemas.ACTIONS[version]:
                raise ValueError(f"unknown_action: {name} is an OCPP {version} action; name one it does not define")
            return _call(uid, name, payload or {})
        case "oversized":
            if action not in (None, "DataTransfer"):
                raise ValueError(f"oversized: the frame is a DataTransfer, not a {action}")
            return _call(uid, "DataTransfer", {"vendorId": "OCPPLab", "data": "x" * (size + 1)})
        case "reused_id" | "call_while_outstanding":
            if kind == "reused_id" and unique_id is None:
                raise ValueError("reused_id: give the unique_id to reuse (one the link already carried)")
            return _call(uid, *body("Heartbeat"))
        case "result_without_call":
            return dumps([MessageType.CALLRESULT.value, uid, payload or {}])
    raise ValueError(f"unknown kind of malformed frame {kind!r}; the kinds are {', '.join(KINDS)}")
