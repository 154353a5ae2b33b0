"""Between the engine and Qt: bus events to Qt signals, one batch per UI tick; work from Qt slots to the loop.

The bus calls its subscribers inline, once per frame, on the engine's stack. Emitting a Qt
signal there would make every view do its work per frame; instead the subscriber only
appends to a list, and a timer at about 30 Hz hands each view the whole batch at once.
The other way, a slot starts engine work with `spawn_soon`, as a task of the widget's `TaskSet`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ocpplab_desktop.model.events import ConnectorStateChanged, EventBus, MeterSample, StationEvent
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.protocol.tasks import TaskSet

TICK_MS = 33


def spawn_soon(tasks: TaskSet, work: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
    """Run `work(*args)` as a task of `tasks`, from a Qt slot.

    qasync runs asyncio on Qt's event loop, but Qt may deliver a click while asyncio does not
    count the loop as running (a widget test clicking between two runs of the loop), and
    `TaskSet.spawn` needs a running loop. So the coroutine is made and spawned on the loop's
    next turn: a task's first step waits for that turn anyway.
    """
    asyncio.get_event_loop().call_soon(lambda: tasks.spawn(work(*args)))


class EngineBridge(QObject):
    """Buffers bus events by kind and emits each kind's batch once per tick (only when non-empty)."""

    framesArrived = Signal(list)
    samplesArrived = Signal(list)
    statesChanged = Signal(list)
    stationEvents = Signal(list)

    def __init__(self, bus: EventBus, parent: QObject | None = None, interval_ms: int = TICK_MS) -> None:
        super().__init__(parent)
        self._frames: list[Frame] = []
        self._samples: list[MeterSample] = []
        self._states: list[ConnectorStateChanged] = []
        self._events: list[StationEvent] = []
        self._buffers: dict[type, list[Any]] = {
            Frame: self._frames,
            MeterSample: self._samples,
            ConnectorStateChanged: self._states,
            StationEvent: self._events,
        }
        self._unsubscribe = bus.subscribe(self._on_event)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    def _on_event(self, event: Any) -> None:
        # Runs on the engine's stack for every frame: a dict lookup and an append, nothing else.
        buffer = self._buffers.get(type(event))
        if buffer is not None:
            buffer.append(event)

    @property
    def pending(self) -> int:
        """Events waiting for the next tick."""
        return sum(len(buffer) for buffer in self._buffers.values())

    def flush(self) -> None:
        """Emit what has arrived since the last tick: frames, samples, states, then station events."""
        for buffer, signal in (
            (self._frames, self.framesArrived),
            (self._samples, self.samplesArrived),
            (self._states, self.statesChanged),
            (self._events, self.stationEvents),
        ):
            if buffer:
                batch = buffer.copy()
                buffer.clear()
                signal.emit(batch)

    def close(self) -> None:
        """Stop listening to the bus and stop the timer; whatever is buffered is dropped."""
        self._unsubscribe()
        self._timer.stop()
        for buffer in self._buffers.values():
            buffer.clear()
