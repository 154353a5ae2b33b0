"""The differences between two recorded runs, aligned as an OCPP engineer reads them.

Two runs of the same scenario never carry the same message ids, timestamps or transaction ids,
so frames are not compared by id or position in the log. Per station and per side (the tap that
recorded them), the CALLs of each direction are matched by action and order of occurrence: the
third StatusNotification of run A against the third of run B, with a sequence alignment so that
one inserted or lost CALL shows as that one frame and does not shift every later one. Each answer
(CALLRESULT or CALLERROR) is paired with its CALL by message id within its own run and compared
with the answer the matched CALL got.

What always changes is left out: message ids, date-times (a string that reads as an RFC 3339
date-time, or a field named like one), and the fields the user names. Ids that one side makes up
(`transactionId`: assigned by the 1.6 CSMS, a random string from a 2.0.1 station) are mapped: the
first value seen in run A stands for the value at the same place in run B, and from then on every
frame must quote them in the same correspondence, or that is a difference.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

TIME_FIELDS: Final = frozenset(
    {
        "timestamp",
        "currentTime",
        "expiryDate",
        "cacheExpiryDateTime",
        "startSchedule",
        "validFrom",
        "validTo",
        "retrieveDate",
        "retrieveDateTime",
        "startDateTime",
        "stopDateTime",
        "oldestTimestamp",
        "latestTimestamp",
        "generatedAt",
    }
)
"""Date-time fields of the 1.6 and 2.0.1 schemas: ignored whatever their value looks like."""

ID_FIELDS: Final = frozenset({"transactionId"})
"""Ids made up anew in every run, compared through the A-to-B mapping of each station."""

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_PAYLOAD = "payload"


class Absent:
    """The value on the side of a difference where a field, an item or a frame does not exist."""

    _instance: Absent | None = None

    def __new__(cls) -> Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Final = Absent()


class Kind(StrEnum):
    CHANGED = "changed"
    """A value at `path` differs."""
    MISSING = "missing"
    """The frame is in the recorded run (A) and has no counterpart in the new one (B)."""
    EXTRA = "extra"
    """The frame is in the new run only."""
    ERROR_CODE = "error-code"
    """The answer is a CALLERROR with another code, or a CALLERROR where the other run has a CALLRESULT."""


@dataclass(frozen=True, slots=True)
class FrameRef:
    """One aligned position: a frame of run A, of run B, or the two frames matched to each other."""

    station_id: str
    side: Side
    direction: Direction
    action: str | None
    message_type: MessageType
    occurrence: int
    """1-based: the n-th CALL of this action in this direction (in run A when A has the frame, else in B)."""
    seq_a: int | None
    seq_b: int | None

    @property
    def title(self) -> str:
        seqs = f"seq {_or_dash(self.seq_a)} -> {_or_dash(self.seq_b)}"
        return (
            f"{self.station_id} [{self.side.value}] {self.direction.value} {self.action or '(no action)'} "
            f"{self.message_type.name} #{self.occurrence} ({seqs})"
        )


@dataclass(frozen=True, slots=True)
class Difference:
    frame: FrameRef
    kind: Kind
    path: str
    """Where in the frame: `payload.idTagInfo.status`, `payload.meterValue[0].sampledValue[1].value`;
    `payload` for a whole missing or extra frame, `errorCode`, `raw` for text that was not JSON."""
    recorded: Any
    """The value in run A (`ABSENT` when A has no such field or frame)."""
    new: Any
    """The value in run B (`ABSENT` when B has none)."""


@dataclass
class DiffReport:
    frames: list[FrameRef] = field(default_factory=list)
    """Every aligned position, in the order of run A: the frames compared and those only one run has."""
    differences: list[Difference] = field(default_factory=list)

    @property
    def compared(self) -> int:
        return len(self.frames)

    @property
    def ok(self) -> bool:
        return not self.differences

    def by_frame(self) -> dict[FrameRef, list[Difference]]:
        """Every aligned position with its differences, in the order of `frames` (empty where the runs agree)."""
        found: dict[FrameRef, list[Difference]] = {ref: [] for ref in self.frames}
        for difference in self.differences:
            found[difference.frame].append(difference)
        return found


@dataclass(frozen=True)
class Ignore:
    """The fields left out: names (anywhere) and paths (`meterValue[].timestamp`, `[]` for any index)."""

    names: frozenset[str]
    paths: frozenset[str]

    @classmethod
    def of(cls, items: Iterable[str]) -> Ignore:
        names, paths = set(TIME_FIELDS), set()
        for given in items:
            item = given.strip().removeprefix(f"{_PAYLOAD}.")
            if not item:
                continue
            if "." in item or "[" in item:
                paths.add(_generic(item))
            else:
                names.add(item)
        return cls(frozenset(names), frozenset(paths))

    def __contains__(self, path: tuple[str, str]) -> bool:
        """`path` is (the field's name, its path in the payload)."""
        name, where = path
        return name in self.names or _generic(where.removeprefix(f"{_PAYLOAD}.")) in self.paths


def _generic(path: str) -> str:
    return re.sub(r"\[\d*\]", "[]", path)


def _or_dash(value: int | None) -> str:
    return "-" if value is None else str(value)


# --- one run, read as exchanges ------------------------------------------------------------
@dataclass
class _Exchange:
    """A CALL and its answer; a lone answer (its CALL not recorded) or unreadable text has no `call`."""

    call: Frame | None = None
    answer: Frame | None = None
    text: Frame | None = None


_GroupKey = tuple[str, Side, Direction, str | None, str]
"""station, side, the CALL's direction, action, and what the group holds: calls, answers or text."""


def _exchanges(frames: Iterable[Frame]) -> dict[_GroupKey, list[_Exchange]]:
    """A run's frames as exchanges grouped per station, side, direction and action, in order."""
    groups: dict[_GroupKey, list[_Exchange]] = {}
    pending: dict[tuple[str, Side, Direction, str | None], _Exchange] = {}
    for frame in frames:
        where = (frame.station_id, frame.side)
        if frame.message_type is MessageType.CALL:
            exchange = _Exchange(call=frame)
            pending[(*where, frame.direction, frame.unique_id)] = exchange
            groups.setdefault((*where, frame.direction, frame.action, "calls"), []).append(exchange)
        elif frame.message_type is MessageType.INVALID:
            exchange = _Exchange(text=frame)
            groups.setdefault((*where, frame.direction, None, "text"), []).append(exchange)
        else:
            call_direction = _opposite(frame.direction)
            found = pending.pop((*where, call_direction, frame.unique_id), None)
            if found is not None:
                found.answer = frame
            else:
                key = (*where, call_direction, frame.action, "answers")
                groups.setdefault(key, []).append(_Exchange(answer=frame))
    return groups


def _opposite(direction: Direction) -> Direction:
    return Direction.TO_STATION if direction is Direction.TO_CSMS else Direction.TO_CSMS


def _lead(exchange: _Exchange) -> Frame:
    frame = exchange.call or exchange.answer or exchange.text
    assert frame is not None
    return frame


# --- alignment -----------------------------------------------------------------------------
@dataclass
class _Pair:
    key: _GroupKey
    occurrence: int
    a: _Exchange | None
    b: _Exchange | None
    anchor: float
    """Where in run A this position sorts: its frame's seq, or just after the A frame before it."""


def _align(key: _GroupKey, a: list[_Exchange], b: list[_Exchange], ignore: Ignore) -> list[_Pair]:
    """Match exchanges of one group in order; an inserted or lost one is that one, not a shift of all."""
    # autojunk: a signature most exchanges share (a Heartbeat) is paired in order instead of searched
    # for, which keeps long runs linear rather than quadratic.
    matcher = difflib.SequenceMatcher(None, [_signature(x, ignore) for x in a], [_signature(x, ignore) for x in b])
    pairs: list[_Pair] = []
    anchor = 0.0
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset in range(max(i2 - i1, j2 - j1)):
            x = a[i1 + offset] if offset < i2 - i1 else None
            y = b[j1 + offset] if offset < j2 - j1 else None
            # Run B's extras sort just after the A frame before them, in their order.
            anchor = float(_lead(x).seq) if x is not None else anchor + 1e-6
            occurrence = (i1 if x is not None else j1) + offset + 1
            pairs.append(_Pair(key, occurrence, x, y, anchor))
    return pairs


def _signature(exchange: _Exchange, ignore: Ignore) -> str:
    """What must be equal for two exchanges to be aligned: the leading frame without its readings.

    A StatusNotification is told by its connector and status; meter readings, ids and times change
    from run to run, and exchanges that differ only in them are matched in order.
    """
    frame = _lead(exchange)
    if exchange.text is not None:
        return frame.raw
    return json.dumps(_blank(frame.payload, _PAYLOAD, ignore), sort_keys=True, default=str)


def _blank(value: Any, path: str, ignore: Ignore, name: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _blank(v, f"{path}.{k}", ignore, k) for k, v in value.items() if (k, f"{path}.{k}") not in ignore}
    if isinstance(value, list):
        return [_blank(v, f"{path}[{i}]", ignore, name) for i, v in enumerate(value)]
    if name in ID_FIELDS or _is_datetime(value) or _is_measure(value):
        return "*"
    return value


def _is_measure(value: Any) -> bool:
    """A reading (1.6 sends it as a decimal string, 2.0.1 as a number); integers name things, such as connectors."""
    if isinstance(value, float):
        return True
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: Any) -> bool:
    return isinstance(value, str) and _RFC3339.fullmatch(value) is not None


# --- comparison ----------------------------------------------------------------------------
class _IdMap:
    """One station's A-to-B correspondence of made-up ids, one to one."""

    def __init__(self) -> None:
        self.forward: dict[Any, Any] = {}
        self.backward: dict[Any, Any] = {}

    def same(self, a: Any, b: Any) -> bool:
        if a in self.forward or b in self.backward:
            return self.forward.get(a, ABSENT) == b and self.backward.get(b, ABSENT) == a
        self.forward[a], self.backward[b] = b, a
        return True


class _Comparer:
    def __init__(self, ignore: Ignore) -> None:
        self.ignore = ignore
        self.ids: dict[str, _IdMap] = {}
        self.report = DiffReport()

    def pair(self, pair: _Pair) -> None:
        station = pair.key[0]
        if pair.a is None or pair.b is None:
            # A CALL with no counterpart is one difference; its answer goes with it.
            lead_a = _lead(pair.a) if pair.a is not None else None
            lead_b = _lead(pair.b) if pair.b is not None else None
            self._whole(self._ref(pair, lead_a, lead_b), lead_a, lead_b)
            return
        lead_a, lead_b = _lead(pair.a), _lead(pair.b)
        ref = self._ref(pair, lead_a, lead_b)
        if pair.a.text is not None:
            self._values(ref, "raw", lead_a.raw, lead_b.raw, station)
            return
        self._frames(ref, lead_a, lead_b, station)
        if pair.a.call is None or (pair.a.answer is None and pair.b.answer is None):
            return
        answer_ref = self._ref(pair, pair.a.answer, pair.b.answer)
        if pair.a.answer is None or pair.b.answer is None:
            self._whole(answer_ref, pair.a.answer, pair.b.answer)
        else:
            self._frames(answer_ref, pair.a.answer, pair.b.answer, station)

    def _ref(self, pair: _Pair, a: Frame | None, b: Frame | None) -> FrameRef:
        """The position of frame `a` and/or `b`, counted among the report's frames."""
        frame = a or b
        assert frame is not None
        station, side, _call_direction, action, _holds = pair.key
        ref = FrameRef(
            station, side, frame.direction, action, frame.message_type, pair.occurrence,
            a.seq if a else None, b.seq if b else None,
        )  # fmt: skip
        self.report.frames.append(ref)
        return ref

    def _whole(self, ref: FrameRef, a: Frame | None, b: Frame | None) -> None:
        kind = Kind.MISSING if b is None else Kind.EXTRA
        present = a or b
        assert present is not None
        value = present.raw if present.message_type is MessageType.INVALID else present.payload
        self._add(ref, kind, _PAYLOAD, value if a else ABSENT, value if b else ABSENT)

    def _frames(self, ref: FrameRef, a: Frame, b: Frame, station: str) -> None:
        if a.message_type is not b.message_type or a.error_code != b.error_code:
            self._add(ref, Kind.ERROR_CODE, "errorCode", _outcome(a), _outcome(b))
            if a.message_type is not b.message_type:
                return
        if a.message_type is MessageType.CALLERROR:
            self._values(ref, "errorDescription", _description(a), _description(b), "")
            self._values(ref, "errorDetails", a.payload, b.payload, station)
        else:
            self._values(ref, _PAYLOAD, a.payload, b.payload, station)

    def _values(self, ref: FrameRef, path: str, a: Any, b: Any, station: str, *, name: str = "") -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in [*a, *(k for k in b if k not in a)]:
                where = f"{path}.{key}"
                if (key, where) in self.ignore:
                    continue
                self._values(ref, where, a.get(key, ABSENT), b.get(key, ABSENT), station, name=key)
        elif isinstance(a, list) and isinstance(b, list):
            for i in range(max(len(a), len(b))):
                item_a = a[i] if i < len(a) else ABSENT
                item_b = b[i] if i < len(b) else ABSENT
                self._values(ref, f"{path}[{i}]", item_a, item_b, station, name=name)
        elif a is ABSENT or b is ABSENT:
            self._add(ref, Kind.CHANGED, path, a, b)
        elif name in ID_FIELDS and _scalar(a) and type(a) is type(b):
            if not self.ids.setdefault(station, _IdMap()).same(a, b):
                self._add(ref, Kind.CHANGED, path, a, b)
        elif _is_datetime(a) and _is_datetime(b):
            return
        elif type(a) is not type(b) or a != b:
            self._add(ref, Kind.CHANGED, path, a, b)

    def _add(self, ref: FrameRef, kind: Kind, path: str, recorded: Any, new: Any) -> None:
        self.report.differences.append(Difference(ref, kind, path, recorded, new))


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _outcome(frame: Frame) -> str:
    code = frame.error_code
    return frame.message_type.name if code is None else f"{frame.message_type.name} {code}"


def _description(frame: Frame) -> Any:
    msg = frame.message
    return msg[3] if isinstance(msg, list) and len(msg) > 3 else ABSENT


def diff_frames(a: Sequence[Frame], b: Sequence[Frame], *, ignore: Iterable[str] = ()) -> DiffReport:
    """Compare run B (new) with run A (recorded): every difference, per station, side and frame.

    `ignore` holds field names (`meterStop`, anywhere) and payload paths (`meterValue[].timestamp`,
    `[]` standing for any index) left out besides the ones that always change.
    """
    rules = Ignore.of(ignore)
    groups_a, groups_b = _exchanges(a), _exchanges(b)
    pairs: list[_Pair] = []
    for key in [*groups_a, *(k for k in groups_b if k not in groups_a)]:
        pairs.extend(_align(key, groups_a.get(key, []), groups_b.get(key, []), rules))
    # Run A's order, so that the answer that assigns a transaction id is met before the frames quoting it.
    pairs.sort(key=lambda p: (p.key[0], p.key[1], p.anchor))
    comparer = _Comparer(rules)
    for pair in pairs:
        comparer.pair(pair)
    return comparer.report


# --- for a terminal ------------------------------------------------------------------------
MAX_VALUE_CHARS = 200


def render(report: DiffReport) -> str:
    """The differences grouped per frame, one line per path: `  payload.x: "A" -> "B"`."""
    lines: list[str] = []
    current: FrameRef | None = None
    for difference in report.differences:
        if difference.frame != current:
            current = difference.frame
            lines.append(current.title)
        lines.append(difference_line(difference))
    frames_with = len({d.frame for d in report.differences})
    if report.ok:
        lines.append(f"No differences in {report.compared} frames.")
    else:
        lines.append(
            f"{len(report.differences)} differences in {frames_with} of {report.compared} frames "
            "(recorded run -> new run)."
        )
    return "\n".join(lines)


def difference_line(difference: Difference) -> str:
    """One difference as an indented line of `render`."""
    if difference.kind is Kind.MISSING:
        return f"  missing in the new run: {show(difference.recorded)}"
    if difference.kind is Kind.EXTRA:
        return f"  only in the new run: {show(difference.new)}"
    return f"  {difference.path}: {show(difference.recorded)} -> {show(difference.new)}"


def show(value: Any) -> str:
    """A value as JSON, cut to MAX_VALUE_CHARS; `(absent)` for none."""
    text = repr(value) if value is ABSENT else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."
