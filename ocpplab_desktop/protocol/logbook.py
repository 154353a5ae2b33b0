"""The message log without Qt: the frames it holds, which of them a filter shows, and which answer which.

A `Logbook` keeps frames in arrival order under a cap and names each by an absolute index
that survives the cap dropping old frames (so a view's list of visible rows never needs
renumbering). It makes each frame's lowercase search text once, when the frame arrives, and
filters with one list comprehension per active criterion: no function call per frame, which
keeps a re-filter of 100,000 frames to a few milliseconds (GUIDE, "Measured on this machine").

The Qt table model (gui/log_model.py) keeps the list of visible indices and asks this module.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ocpplab_desktop.protocol.faults import NOTE_PREFIX
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

SUMMARY_LIMIT = 160
_VALUE_LIMIT = 40

# Payload fields that say most about a message, shown first in a summary, wherever they sit
# in the payload; everything else follows in payload order.
_TELLING_KEYS = (
    "eventType",
    "triggerReason",
    "chargingState",
    "stoppedReason",
    "status",
    "connectorStatus",
    "connectorId",
    "evseId",
    "errorCode",
    "reason",
    "idTag",
    "idToken",
    "transactionId",
    "type",
    "requestedMessage",
    "chargePointModel",
    "model",
)
_RANK = {key: rank for rank, key in enumerate(_TELLING_KEYS)}
_ERROR_TYPES = frozenset({MessageType.CALLERROR, MessageType.INVALID})

PairKey = tuple[str, Side, str]
"""(station, side, unique id): the frames a CALL and its answer share."""


# --- what a frame says ---------------------------------------------------------------------------
def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return truncate(str(value), _VALUE_LIMIT)


def _fields(payload: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(leaf key, dotted path, shown value) for the payload's fields, one level of nesting deep."""
    for key, value in payload.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            if prefix:
                yield key, path, "{…}"
            else:
                yield from _fields(value, f"{path}.")
        elif isinstance(value, list):
            yield key, path, f"[{len(value)}]"
        else:
            yield key, path, _scalar(value)


def payload_summary(payload: Any) -> str:
    """`key=value` pairs of a payload, the telling fields first."""
    if not isinstance(payload, dict):
        return "" if payload is None else _scalar(payload)
    fields = sorted(_fields(payload), key=lambda field: _RANK.get(field[0], len(_RANK)))
    return " ".join(f"{path}={value}" for _, path, value in fields)


def search_text(frame: Frame) -> str:
    """The lowercase text the free-text filter searches: station, action, id, the raw frame, its note and error."""
    parts = (frame.station_id, frame.action, frame.unique_id, frame.raw, frame.note, frame.error)
    return "\x1f".join("" if p is None else p for p in parts).lower()


def is_fault(frame: Frame) -> bool:
    """A frame an injected fault dropped, altered, delayed, duplicated, answered or made."""
    return (frame.note is not None and frame.note.startswith(NOTE_PREFIX)) or frame.intended is not None


def is_error(frame: Frame) -> bool:
    """A CALLERROR, an unreadable frame, or one that failed validation."""
    return frame.error is not None or frame.message_type in _ERROR_TYPES


# --- which frames a filter shows -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LogFilter:
    """What the log shows. The default shows everything; an empty `stations` means all stations."""

    stations: frozenset[str] = frozenset()
    action: str | None = None
    direction: Direction | None = None
    side: Side | None = None
    errors_only: bool = False
    faults_only: bool = False
    text: str = ""

    @property
    def needle(self) -> str:
        """The free text as it is searched for: trimmed, lowercase ('' searches for nothing)."""
        return self.text.strip().lower()


def _pair_key(frame: Frame) -> PairKey | None:
    """The key a frame pairs by; None for frames that pair with nothing (no id, unreadable)."""
    if frame.unique_id is None or frame.message_type is MessageType.INVALID:
        return None
    return frame.station_id, frame.side, frame.unique_id


class Logbook:
    """Frames in arrival order, capped at `capacity` (oldest dropped first), by absolute index."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"log capacity must be at least 1 frame, got {capacity}")
        self.capacity = capacity
        self._frames: list[Frame] = []
        self._search: list[str] = []
        self._base = 0  # absolute index of `_frames[0]`
        self._stations: set[str] = set()
        self._actions: set[str] = set()
        # (station, side, unique id) -> absolute indices, ascending; built lazily by `partner`.
        self._pairs: dict[PairKey, list[int]] = {}
        self._paired_upto = 0

    # -- holding -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._frames)

    @property
    def start(self) -> int:
        """Absolute index of the oldest frame held."""
        return self._base

    @property
    def end(self) -> int:
        """Absolute index the next frame will get."""
        return self._base + len(self._frames)

    @property
    def stations(self) -> list[str]:
        """Every station seen, sorted (frames dropped by the cap or `clear` included)."""
        return sorted(self._stations)

    @property
    def actions(self) -> list[str]:
        """Every action seen, sorted."""
        return sorted(self._actions)

    def frame(self, absolute: int) -> Frame:
        """The frame with this absolute index (IndexError if it was dropped or is still to come)."""
        if not self._base <= absolute < self.end:
            raise IndexError(f"frame {absolute} is not held; the log holds {self._base}..{self.end - 1}")
        return self._frames[absolute - self._base]

    def overflow(self, incoming: int) -> int:
        """How many of the oldest frames must go to make room for `incoming` more."""
        return max(0, len(self._frames) + min(incoming, self.capacity) - self.capacity)

    def extend(self, frames: Sequence[Frame]) -> tuple[list[str], list[str]]:
        """Hold `frames` (drop room for them first, see `overflow`); the stations and actions seen for the first time.

        The search text is made here rather than on first use of the text filter: about 0.5 us
        a frame, spread evenly over batches, where lazily it would stall the first keystroke for
        ~50 ms per 100,000 frames held (bench/log_view.py).
        """
        if len(frames) > self.capacity:
            frames = frames[-self.capacity :]
        self.drop_oldest(self.overflow(len(frames)))
        self._frames.extend(frames)
        self._search.extend([search_text(frame) for frame in frames])
        stations = {frame.station_id for frame in frames} - self._stations
        actions = {frame.action for frame in frames if frame.action} - self._actions
        self._stations |= stations
        self._actions |= actions
        return sorted(stations), sorted(actions)

    def drop_oldest(self, count: int) -> None:
        """Forget the oldest `count` frames."""
        if count <= 0:
            return
        self._unpair(count)
        del self._frames[:count]
        del self._search[:count]
        self._base += count

    def clear(self) -> None:
        """Forget every frame held; the stations and actions seen stay known."""
        self._base += len(self._frames)
        self._frames.clear()
        self._search.clear()
        self._pairs.clear()
        self._paired_upto = self._base

    # -- filtering -----------------------------------------------------------------------
    def matching(self, log_filter: LogFilter, start: int | None = None, stop: int | None = None) -> list[int]:
        """Absolute indices, ascending, of the frames in [start, stop) (default: all held) that pass the filter.

        One comprehension per active criterion, each narrowing the last: no per-frame
        function call, which keeps a re-filter of 100,000 frames to a few milliseconds.
        """
        frames, search, base = self._frames, self._search, self._base
        first = 0 if start is None else max(0, start - base)
        last = len(frames) if stop is None else min(len(frames), stop - base)
        rows: Sequence[int] = range(first, last)
        if log_filter.stations:
            stations = log_filter.stations
            rows = [i for i in rows if frames[i].station_id in stations]
        if log_filter.side is not None:
            side = log_filter.side
            rows = [i for i in rows if frames[i].side is side]
        if log_filter.direction is not None:
            direction = log_filter.direction
            rows = [i for i in rows if frames[i].direction is direction]
        if log_filter.action is not None:
            action = log_filter.action
            rows = [i for i in rows if frames[i].action == action]
        if log_filter.errors_only:
            rows = [i for i in rows if is_error(frames[i])]
        if log_filter.faults_only:
            rows = [i for i in rows if is_fault(frames[i])]
        needle = log_filter.needle
        if needle:
            rows = [i for i in rows if needle in search[i]]
        return [i + base for i in rows]

    # -- pairing -------------------------------------------------------------------------
    def partner(self, absolute: int) -> int | None:
        """The absolute index of the request a response answers, or of the response to a request.

        OCPP-J (1.6J section 4.1.1, 2.0.1 part 4 section 4.1.1): a CALLRESULT or CALLERROR
        carries the unique id of the CALL it answers and travels the other way. Frames pair
        within one station and one side's tap. Ids may be reused over a long session, so the
        nearest candidate in time wins: the latest CALL before a response, the first response
        after a CALL.
        """
        frame = self.frame(absolute)
        key = _pair_key(frame)
        if key is None:
            return None
        self._index_pairs()
        candidates = self._pairs.get(key, [])
        want_call = frame.message_type is not MessageType.CALL
        at = bisect.bisect_left(candidates, absolute)
        order = reversed(candidates[:at]) if want_call else candidates[at + 1 :]
        for other_abs in order:
            other = self._frames[other_abs - self._base]
            if other.direction is not frame.direction and (other.message_type is MessageType.CALL) == want_call:
                return other_abs
        return None

    def _index_pairs(self) -> None:
        """Extend the unique-id index over frames that arrived since the last lookup."""
        for position in range(self._paired_upto - self._base, len(self._frames)):
            key = _pair_key(self._frames[position])
            if key is not None:
                self._pairs.setdefault(key, []).append(position + self._base)
        self._paired_upto = self.end

    def _unpair(self, count: int) -> None:
        """Remove the oldest `count` frames from the unique-id index (they hold its smallest entries)."""
        indexed = max(0, min(count, self._paired_upto - self._base))
        for frame in self._frames[:indexed]:
            key = _pair_key(frame)
            if key is None:
                continue
            entries = self._pairs[key]
            entries.pop(0)
            if not entries:
                del self._pairs[key]
        self._paired_upto = max(self._paired_upto, self._base + count)
