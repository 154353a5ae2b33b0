"""Records one session from the engine's event bus into the store.

The bus calls subscribers on the publisher's stack, once per frame, so the subscriber
here only appends to a list. The SQL happens in `flush()`, one transaction per batch,
driven by `run()` at least every 250 ms and once more when recording stops.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from ocpplab_desktop.model.events import ConnectorStateChanged, EventBus, MeterSample, StationEvent
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store.errors import StoreError
from ocpplab_desktop.store.store import Store, TimedEvent

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.25
_RECORDED = frozenset({Frame, MeterSample, ConnectorStateChanged, StationEvent})


class SessionRecorder:
    """Buffers the bus's frames, meter samples and events for one session and writes them in batches.

    Until `flush()` returns, buffered events live only in memory. A failed flush keeps them
    and the next flush tries again, so a full disk or a lock held by another program
    delays the recording rather than cutting holes in it.
    """

    def __init__(self, store: Store, bus: EventBus, session_id: int) -> None:
        self.store = store
        self.session_id = session_id
        self._buffer: list[TimedEvent] = []
        self._failing = False
        self._unsubscribe = bus.subscribe(self._on_event)

    @property
    def pending(self) -> int:
        """How many events wait for the next flush."""
        return len(self._buffer)

    def _on_event(self, event: Any) -> None:
        if type(event) in _RECORDED:
            self._buffer.append((event, time.time()))

    def flush(self) -> int:
        """Write everything buffered in one transaction; returns how many events were written.

        On failure the events stay buffered, in order, and StoreError is raised.
        """
        if not self._buffer:
            return 0
        batch, self._buffer = self._buffer, []
        try:
            self.store.record(self.session_id, batch)
        except StoreError:
            self._buffer[:0] = batch
            raise
        return len(batch)

    def _flush_and_log(self) -> None:
        """Flush for the background loop: report a failure once per run of failures, then retry."""
        try:
            self.flush()
        except StoreError as exc:
            if not self._failing:
                log.error("session %d: %s; keeping %d events to retry", self.session_id, exc, self.pending)
            self._failing = True
        else:
            if self._failing:
                log.warning("session %d: recording works again, the held-back events are stored", self.session_id)
            self._failing = False

    async def run(self, interval: float = FLUSH_INTERVAL_S) -> None:
        """Flush every `interval` seconds until cancelled, then flush once more."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                started = loop.time()
                self._flush_and_log()
                await asyncio.sleep(max(0.0, interval - (loop.time() - started)))
        finally:
            self._flush_and_log()

    def close(self) -> None:
        """Stop listening, write what is left and mark the session ended.

        Raises StoreError if the last flush fails; the events stay buffered, so calling
        `close()` again retries.
        """
        self._unsubscribe()
        self.flush()
        self.store.end_session(self.session_id)
