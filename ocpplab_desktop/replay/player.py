"""Replay a recorded session as the station: its CALLs to a CSMS, its answers to the CSMS's CALLs.

The recording is what one station's tap saw (`Frame`s of side "station", from the store or an
imported trace). The player connects to a CSMS (the built-in one or a URL) with the recorded
station id and the version's subprotocol, then sends the recorded charge-point CALLs in order,
with the recorded time between them divided by `speed` (0: each as soon as the last was
answered), one outstanding at a time as OCPP-J requires. CALLs of the CSMS are answered as the
recording answered the same action (the n-th CALL of an action gets the n-th recorded answer);
one the recording has no answer for gets a minimal valid answer built from the official
response schema ("Accepted" where there is a status), so the CSMS is never left waiting.

Values that the CSMS assigns are mapped: where a recorded answer held an id (a field named
`transactionId`, or any field ending in `Id` whose value later frames quote), the value in the
new answer replaces the recorded one in every later payload of the replay. Everything the
replay sends and receives passes the endpoint's tap, so it is stored as a session of its own
and can be compared with the recording (`replay/diff.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import websockets

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.endpoint import Endpoint
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected, RpcError
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.protocol.wsconn import DirectClientConnection
from ocpplab_desktop.replay.trace import ONLY_IN

SUBPROTOCOLS = {OcppVersion.V16: "ocpp1.6", OcppVersion.V201: "ocpp2.0.1"}
MAPPED_FIELDS = frozenset({"transactionId"})
"""Fields whose values the CSMS assigns and later frames quote."""


def infer_version(frames: Sequence[Frame]) -> OcppVersion:
    """The version a recording speaks, from actions that exist in only one version (1.6 by default)."""
    actions = {f.action for f in frames if f.action}
    if actions & ONLY_IN[OcppVersion.V201] and not actions & ONLY_IN[OcppVersion.V16]:
        return OcppVersion.V201
    return OcppVersion.V16


class ReplayError(ValueError):
    """The recording cannot be replayed as asked (no frames of that station, no CALLs, ...)."""


@dataclass(frozen=True)
class Step:
    """One CALL of the recording, with when it left (seconds from the first) and the answer it got."""

    action: str
    payload: dict[str, Any]
    at: float
    answer: Frame | None


@dataclass
class Outcome:
    """What one replayed CALL got."""

    step: Step
    answer: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class Recording:
    """A station's side of a recorded session, ready to replay."""

    station_id: str
    version: OcppVersion
    steps: list[Step]
    answers: dict[str, deque[Frame]] = field(default_factory=dict)
    """The station's recorded answers to CSMS CALLs, per action, in order."""

    @classmethod
    def of(cls, frames: Sequence[Frame], version: OcppVersion, station_id: str | None = None) -> Recording:
        mine = [f for f in frames if f.side is Side.STATION and (station_id is None or f.station_id == station_id)]
        if not mine:
            stations = sorted({f.station_id for f in frames})
            raise ReplayError(f"the recording has no station frames of {station_id!r}; its stations: {stations}")
        sid = station_id or mine[0].station_id
        mine = [f for f in mine if f.station_id == sid]
        answers_by_id = {
            f.unique_id: f
            for f in mine
            if f.direction is Direction.TO_STATION and f.message_type is not MessageType.CALL
        }
        start = mine[0].mono_time
        steps = [
            Step(f.action, f.payload, f.mono_time - start, answers_by_id.get(f.unique_id))
            for f in mine
            if f.direction is Direction.TO_CSMS and f.message_type is MessageType.CALL and f.action
            and isinstance(f.payload, dict)
        ]  # fmt: skip
        if not steps:
            raise ReplayError(f"the recording has no CALLs of station {sid} to replay")
        return cls(sid, version, steps, answers_to(mine, Direction.TO_STATION))


def answers_to(frames: Sequence[Frame], calls: Direction) -> dict[str, deque[Frame]]:
    """The recorded answers (CALLRESULT or CALLERROR) to the CALLs that went `calls`, per action, in order."""
    actions = {f.unique_id: f.action for f in frames if f.direction is calls and f.message_type is MessageType.CALL}
    answers: dict[str, deque[Frame]] = defaultdict(deque)
    for f in frames:
        action = actions.get(f.unique_id)
        if f.direction is not calls and f.message_type is not MessageType.CALL and action:
            answers[action].append(f)
    return dict(answers)


def recorded_answerer(
    version: OcppVersion,
    action: str,
    answers: dict[str, deque[Frame]],
    unanswered: list[str],
    mapped: Callable[[Any], Any] = lambda payload: payload,
) -> Callable[..., Any]:
    """An endpoint handler for `action` that answers as the recording did, in order (a recorded CALLERROR
    again as a CALLERROR); once the recording has no more, a minimal valid answer, noted in `unanswered`."""

    def answer(**_: Any) -> dict[str, Any]:
        queue = answers.get(action)
        if queue:
            frame = queue.popleft()
            if frame.message_type is MessageType.CALLERROR and isinstance(frame.message, list):
                _, _, code, description, details = [*frame.message, "", "", {}][:5]
                raise RpcError(str(code), str(description), details if isinstance(details, dict) else {})
            # Already in wire form: camelCase keys pass the endpoint's key conversion unchanged.
            payload: dict[str, Any] = mapped(frame.payload if isinstance(frame.payload, dict) else {})
            return payload
        unanswered.append(action)
        return default_answer(version, action)

    return answer


class Mapping:
    """Recorded values of CSMS-assigned fields -> the values the new CSMS assigned."""

    def __init__(self) -> None:
        self.values: dict[Any, Any] = {}

    def learn(self, recorded: Any, new: Any) -> None:
        if isinstance(recorded, dict) and isinstance(new, dict):
            for key, value in recorded.items():
                if key in MAPPED_FIELDS and key in new and not isinstance(value, dict | list):
                    self.values[value] = new[key]
                else:
                    self.learn(value, new.get(key))
        elif isinstance(recorded, list) and isinstance(new, list):
            for r, n in zip(recorded, new, strict=False):
                self.learn(r, n)

    def apply(self, payload: Any) -> Any:
        if isinstance(payload, dict):
            return {
                k: (self.values.get(v, v) if k in MAPPED_FIELDS and not isinstance(v, dict | list) else self.apply(v))
                for k, v in payload.items()
            }
        if isinstance(payload, list):
            return [self.apply(v) for v in payload]
        return payload


def default_answer(version: OcppVersion, action: str) -> dict[str, Any]:
    """A minimal valid answer to `action` from its response schema: required fields only, the first
    enum value that reads as a yes ("Accepted") where there is one."""
    schema = schemas.schema(version, action, response=True)
    answer: dict[str, Any] = _example(schema, schema)
    return answer


def _example(node: dict[str, Any], root: dict[str, Any]) -> Any:
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _example(target, root)
    if "enum" in node:
        values = list(node["enum"])
        return "Accepted" if "Accepted" in values else values[0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {name: _example(props[name], root) for name in node.get("required", []) if name in props}
    if kind == "array":
        return [_example(node.get("items", {}), root)] * node.get("minItems", 0)
    if kind == "integer":
        return int(node.get("minimum", 0))
    if kind == "number":
        return float(node.get("minimum", 0))
    if kind == "boolean":
        return True
    if node.get("format") == "date-time":
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return ""


class Player:
    """Replays a `Recording` against a CSMS; every frame goes through an endpoint with its tap on `bus`."""

    def __init__(
        self,
        recording: Recording,
        bus: EventBus,
        *,
        speed: float = 1.0,
        response_timeout: float = 30.0,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        if speed < 0:
            raise ReplayError(f"speed is 0 (as fast as the CSMS answers) or more, not {speed}")
        self.recording = recording
        self.speed = speed
        self.progress = progress
        self.mapping = Mapping()
        self.outcomes: list[Outcome] = []
        self.unanswered: list[str] = []
        """CSMS CALLs the recording had no answer for (answered with a default)."""
        self.endpoint = Endpoint(
            station_id=recording.station_id,
            version=recording.version,
            side=Side.STATION,
            handler=object(),
            bus=bus,
            response_timeout=response_timeout,
        )
        answers = {action: deque(frames) for action, frames in recording.answers.items()}
        for action in schemas.ACTIONS[recording.version]:
            handler = recorded_answerer(recording.version, action, answers, self.unanswered, self.mapping.apply)
            self.endpoint.route_map[action] = {"_on_action": handler}

    async def run(self, url: str) -> list[Outcome]:
        """Connect to the CSMS at `url` (its base: the station id is appended) and replay every step."""
        rec = self.recording
        target = url.rstrip("/")
        if not target.endswith("/" + rec.station_id):
            target = f"{target}/{rec.station_id}"
        async with websockets.connect(
            target,
            subprotocols=[websockets.Subprotocol(SUBPROTOCOLS[rec.version])],
            open_timeout=10,
            max_size=2**22,
            compression=None,
            create_connection=DirectClientConnection,
        ) as connection:
            if connection.subprotocol != SUBPROTOCOLS[rec.version]:
                raise ReplayError(f"the CSMS did not accept {SUBPROTOCOLS[rec.version]}")
            self.endpoint.attach(connection)  # before the first CALL; the reader then takes over
            reader = asyncio.ensure_future(self.endpoint.serve(connection))
            try:
                await self._play()
            finally:
                await connection.close()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
                await self.endpoint.close()
        return self.outcomes

    async def _play(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        total = len(self.recording.steps)
        for n, step in enumerate(self.recording.steps, start=1):
            if self.speed > 0:
                wait = started + step.at / self.speed - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            outcome = Outcome(step)
            try:
                answer = await self.endpoint.call_raw(step.action, self.mapping.apply(step.payload), validate=False)
                outcome.answer = answer
                if step.answer is not None:
                    self.mapping.learn(step.answer.payload, answer)
            except (CallErrorReceived, CallTimeout, InvalidResponse) as exc:
                outcome.error = str(exc)
            except NotConnected as exc:
                outcome.error = str(exc)
                self.outcomes.append(outcome)
                break
            self.outcomes.append(outcome)
            if self.progress is not None:
                self.progress(n, total)
