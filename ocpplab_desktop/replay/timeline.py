"""A stored session as a timeline: play it, step it, seek it, without a network or an engine.

The timeline is a cursor over the frames of one side of a session. It never reads a clock:
whoever plays it passes the real time that went by (`advance`), so the same object serves the
window, the tests and any command that wants to walk a trace at a chosen speed.

Time axis: each frame's `mono_time` relative to the first frame shown. Only one side's copy of
each frame is used (the station's tap when the session holds any, else the CSMS's): the lab
records every frame twice when it runs both ends, and the two copies would double the log and
the connector reports.

Meter samples carry simulated time (`sim_time`), which runs faster than the frames' clock when
the lab was sped up. They are placed on the frame axis through anchors: a sample that went on
the wire (`MeterSample.on_wire`, a periodic reading) was sent in a CALL carrying a
`meterValue` with context `Sample.Periodic` (the default context, OCPP 1.6 section 7.45; 2.0.1
ReadingContextEnumType). The k-th such sample of a station pairs with the k-th such CALL of
that station, giving (sim_time, frame time) points; a sample's time is interpolated between
them, extrapolated along the nearest segment, and kept within the timeline. With one anchor
simulated time runs at 1:1 around it; with none, at 1:1 from the first sample at 0 (a session
recorded at real speed).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any

from ocpplab_desktop.model.events import MeterSample
from ocpplab_desktop.protocol.frame import Frame, MessageType, Side

SPEEDS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0)
"""Playback speeds the window offers, slowest first."""

ConnectorKey = tuple[Any, ...]
"""(station id, connectorId) for OCPP 1.6; (station id, evseId, connectorId) for 2.0.1."""

_PERIODIC = "Sample.Periodic"


def clock_text(seconds: float) -> str:
    """A position as mm:ss.t (h:mm:ss.t from one hour on): traces at high speed last under a second."""
    tenths = round(max(0.0, seconds) * 10)
    whole, tenth = divmod(tenths, 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}.{tenth}"
    return f"{minutes:02d}:{secs:02d}.{tenth}"


def status_report(frame: Frame) -> tuple[ConnectorKey, str] | None:
    """The connector and status a StatusNotification CALL reports; None for any other frame.

    1.6 (section 4.9): `connectorId` and `status`. 2.0.1 (G01): `evseId`, `connectorId` and
    `connectorStatus`. The payload says which version it is, so nothing here asks.
    """
    if frame.message_type is not MessageType.CALL or frame.action != "StatusNotification":
        return None
    payload = frame.payload
    if not isinstance(payload, dict):
        return None
    if "connectorStatus" in payload and "evseId" in payload:
        return (frame.station_id, payload["evseId"], payload.get("connectorId")), str(payload["connectorStatus"])
    if "status" in payload and "connectorId" in payload:
        return (frame.station_id, payload["connectorId"]), str(payload["status"])
    return None


def _periodic_reading(frame: Frame) -> bool:
    """A CALL carrying a periodic meter reading: what an `on_wire` sample went out in."""
    payload = frame.payload if frame.message_type is MessageType.CALL else None
    values = payload.get("meterValue") if isinstance(payload, dict) else None
    if not isinstance(values, list):
        return False
    for value in values:
        sampled = value.get("sampledValue") if isinstance(value, dict) else None
        if isinstance(sampled, list) and any(
            isinstance(item, dict) and item.get("context", _PERIODIC) == _PERIODIC for item in sampled
        ):
            return True
    return False


def _anchors(
    frames: Sequence[Frame], times: Sequence[float], samples: Sequence[MeterSample]
) -> list[tuple[float, float]]:
    """(sim_time, frame time) pairs: each station's on-wire samples and periodic CALLs, in order."""
    sent: dict[str, list[float]] = {}
    for frame, time in zip(frames, times, strict=True):
        if _periodic_reading(frame):
            sent.setdefault(frame.station_id, []).append(time)
    on_wire: dict[str, list[float]] = {}
    for sample in samples:
        if sample.on_wire:
            on_wire.setdefault(sample.station_id, []).append(sample.sim_time)
    pairs: list[tuple[float, float]] = []
    for station, sim_times in on_wire.items():
        pairs.extend(zip(sorted(sim_times), sent.get(station, ()), strict=False))
    pairs.sort()
    # Keep the mapping monotonic: a later reading never lands before an earlier one.
    monotonic: list[tuple[float, float]] = []
    for sim, time in pairs:
        if not monotonic or (sim > monotonic[-1][0] and time >= monotonic[-1][1]):
            monotonic.append((sim, time))
    return monotonic


def _place(sim: float, anchors: Sequence[tuple[float, float]], first_sim: float) -> float:
    """A simulated time on the frame axis (see the module docstring)."""
    if not anchors:
        return sim - first_sim
    if len(anchors) == 1:
        return anchors[0][1] + sim - anchors[0][0]
    sims = [point[0] for point in anchors]
    right = min(max(bisect.bisect_right(sims, sim), 1), len(anchors) - 1)
    (s0, t0), (s1, t1) = anchors[right - 1], anchors[right]
    return t0 + (sim - s0) * (t1 - t0) / (s1 - s0)


def chosen_side(frames: Iterable[Frame]) -> Side:
    """The station's tap when any frame of it is there, else the CSMS's."""
    return Side.STATION if any(frame.side is Side.STATION for frame in frames) else Side.CSMS


class Timeline:
    """A cursor over a stored session's frames: `index` frames shown, at `position` seconds."""

    def __init__(self, frames: Sequence[Frame], samples: Sequence[MeterSample] = ()) -> None:
        self.side = chosen_side(frames)
        shown = [frame for frame in frames if frame.side is self.side]
        shown.sort(key=lambda frame: frame.mono_time)  # stable: ties keep the recorded order
        self.frames: tuple[Frame, ...] = tuple(shown)
        start = shown[0].mono_time if shown else 0.0
        self.times: tuple[float, ...] = tuple(frame.mono_time - start for frame in shown)
        self.duration: float = self.times[-1] if self.times else 0.0
        self._position = 0.0
        self._index = 0
        self._reports = [(i, report) for i, frame in enumerate(shown) if (report := status_report(frame))]
        self._report_at = [i for i, _report in self._reports]
        anchors = _anchors(self.frames, self.times, samples)
        first_sim = min((sample.sim_time for sample in samples), default=0.0)
        placed = [(min(max(_place(s.sim_time, anchors, first_sim), 0.0), self.duration), s) for s in samples]
        placed.sort(key=lambda pair: pair[0])
        self.sample_times: tuple[float, ...] = tuple(time for time, _sample in placed)
        self.samples: tuple[MeterSample, ...] = tuple(sample for _time, sample in placed)

    @property
    def position(self) -> float:
        """Seconds since the first frame."""
        return self._position

    @property
    def index(self) -> int:
        """How many frames are shown: `frames[:index]`."""
        return self._index

    @property
    def at_end(self) -> bool:
        return self._index >= len(self.frames) and self._position >= self.duration

    def seek(self, seconds: float) -> list[Frame]:
        """Go to `seconds` (kept within the timeline); returns every frame shown there."""
        self._position = min(max(seconds, 0.0), self.duration)
        self._index = bisect.bisect_right(self.times, self._position)
        return list(self.frames[: self._index])

    def advance(self, real_dt: float, speed: float) -> list[Frame]:
        """Let `real_dt` seconds go by at `speed`; returns the frames that became due."""
        if real_dt < 0 or speed <= 0:
            raise ValueError(f"time goes forward at a positive speed; got real_dt={real_dt}, speed={speed}")
        self._position = min(self._position + real_dt * speed, self.duration)
        end = max(self._index, bisect.bisect_right(self.times, self._position))
        due = list(self.frames[self._index : end])
        self._index = end
        return due

    def step_forward(self) -> Frame | None:
        """Show the next frame and move to its time; None at the end."""
        if self._index >= len(self.frames):
            return None
        frame = self.frames[self._index]
        self._position = max(self._position, self.times[self._index])
        self._index += 1
        return frame

    def step_back(self) -> Frame | None:
        """Hide the last frame shown and move to the one before it; returns the hidden frame, None at the start."""
        if self._index == 0:
            return None
        self._index -= 1
        self._position = self.times[self._index - 1] if self._index else 0.0
        return self.frames[self._index]

    def connector_states(self, at_index: int | None = None) -> dict[ConnectorKey, str]:
        """Each connector's last reported status among `frames[:at_index]` (default: those shown)."""
        end = self._index if at_index is None else at_index
        states: dict[ConnectorKey, str] = {}
        for _i, (key, status) in self._reports[: bisect.bisect_left(self._report_at, end)]:
            states[key] = status
        return states

    def samples_until(self, seconds: float) -> list[MeterSample]:
        """The meter samples placed at or before `seconds`, in time order."""
        return list(self.samples[: self.sample_count(seconds)])

    def sample_count(self, seconds: float) -> int:
        """How many samples are placed at or before `seconds`: `samples[:count]`."""
        return bisect.bisect_right(self.sample_times, seconds)
