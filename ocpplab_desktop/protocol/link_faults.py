"""The faults active on one link, kept across reconnections and recorded in the session.

A station's link and the mock CSMS's link to one station each have a `LinkFaults`. It holds
the fault interceptors in force (`protocol/faults.py`) and installs them into the link's
pipeline: at once, and again into the pipeline of every new connection (the mock CSMS makes
an endpoint per connection). Each injection and each clearing is a `StationEvent` of kind
"fault" (data: side, what, and the interceptor's description), so the session shows what was
done; the frames a fault touched carry its note. An interceptor whose count is used up is
dropped from the set the next time the set changes or is attached.
"""

from __future__ import annotations

import time
from typing import Any

from ocpplab_desktop.model.events import EventBus, StationEvent
from ocpplab_desktop.protocol.pipeline import Interceptor, Pipeline


def describe(interceptor: Interceptor) -> str:
    describe_it = getattr(interceptor, "describe", None)
    return str(describe_it()) if callable(describe_it) else interceptor.name


class LinkFaults:
    def __init__(self, bus: EventBus, station_id: str, side: str) -> None:
        self.bus = bus
        self.station_id = station_id
        self.side = side
        self._active: list[Interceptor] = []
        self._pipeline: Pipeline | None = None

    @property
    def active(self) -> list[Interceptor]:
        """The fault interceptors still in force, oldest first."""
        self._prune()
        return list(self._active)

    def attach(self, pipeline: Pipeline) -> None:
        """Install every fault in force into `pipeline` (the link's current one, from now on)."""
        if self._pipeline is not None and self._pipeline is not pipeline:
            for interceptor in self._active:
                self._pipeline.remove(interceptor)
        self._pipeline = pipeline
        self._prune()
        for interceptor in self._active:
            if interceptor not in pipeline.interceptors:
                pipeline.add(interceptor)

    def add(self, interceptor: Interceptor, **data: Any) -> Interceptor:
        self._prune()
        self._active.append(interceptor)
        if self._pipeline is not None:
            self._pipeline.add(interceptor)
        self.record(f"{self.side}: {describe(interceptor)}", what=interceptor.name, **data)
        return interceptor

    def remove(self, interceptor: Interceptor) -> None:
        if interceptor in self._active:
            self._active.remove(interceptor)
            if self._pipeline is not None:
                self._pipeline.remove(interceptor)
            self.record(f"{self.side}: cleared {describe(interceptor)}", what="clear")

    def clear(self) -> int:
        """Remove every fault in force; returns how many there were."""
        cleared = len(self._active)
        for interceptor in self._active:
            if self._pipeline is not None:
                self._pipeline.remove(interceptor)
        self._active.clear()
        self.record(f"{self.side}: all faults cleared ({cleared})", what="clear_all", cleared=cleared)
        return cleared

    def record(self, detail: str, **data: Any) -> None:
        """A line in the session about a fault of this link."""
        self.bus.publish(StationEvent(self.station_id, "fault", detail, {"side": self.side, **data}, time.monotonic()))

    def _prune(self) -> None:
        for interceptor in [i for i in self._active if getattr(i, "done", False)]:
            self._active.remove(interceptor)
            if self._pipeline is not None:
                self._pipeline.remove(interceptor)
