"""CSMS faults for every station at once: one standing recipe, an interceptor of its own per link.

An interceptor holds state (what is left of its count, its random generator), so a fault meant
for every station cannot be one object shared by the links. The mock CSMS keeps the recipe
(`make`: an interceptor for a station's OCPP version) standing and gives each station's link its
own instance through that link's `LinkFaults`: at once to the stations it knows, and to each
station that connects later, until the fault is cleared. A recipe that does not fit a version (an
action or an error code the version lacks) leaves that station alone, and the session says so.
Injecting and clearing are "fault" events of their own, with no station id (the fault is every
station's); each link's instance is recorded on its station as the per-station faults are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus, StationEvent
from ocpplab_desktop.protocol.link_faults import LinkFaults
from ocpplab_desktop.protocol.pipeline import Interceptor

ALL_STATIONS = ""
"""The station id of the events about a fault of every station."""


@dataclass(eq=False)
class StandingFault:
    description: str
    make: Callable[[OcppVersion], Interceptor]
    """A fresh interceptor for a link of that version; ValueError when the fault does not fit it."""
    given: dict[str, Interceptor | None] = field(default_factory=dict)
    """Station id -> the instance its link got (None: the fault does not fit its version)."""


class StandingFaults:
    def __init__(self, bus: EventBus, link_faults: Callable[[str], LinkFaults]) -> None:
        self.bus = bus
        self._link_faults = link_faults
        self._standing: list[StandingFault] = []

    @property
    def active(self) -> list[StandingFault]:
        """The faults standing for every station, oldest first."""
        return list(self._standing)

    def instances(self) -> set[int]:
        """The ids of every link's instance of a standing fault (to tell them from the link's own faults)."""
        return {id(i) for fault in self._standing for i in fault.given.values() if i is not None}

    def add(
        self, description: str, make: Callable[[OcppVersion], Interceptor], known: Mapping[str, OcppVersion]
    ) -> StandingFault:
        """Stand `make` for every station: now for the `known` ones (id -> version), later for each that connects."""
        fault = StandingFault(description, make)
        self._standing.append(fault)
        self._record(f"csms, all stations: {description}", what="all_stations")
        for station_id, version in known.items():
            self._give(fault, station_id, version)
        return fault

    def connected(self, station_id: str, version: OcppVersion) -> None:
        """A station connected: its link gets the standing faults it has no instance of yet."""
        for fault in self._standing:
            if station_id not in fault.given:
                self._give(fault, station_id, version)

    def clear(self) -> int:
        """End every standing fault on every link; returns how many there were."""
        cleared = len(self._standing)
        for fault in self._standing:
            for station_id, interceptor in fault.given.items():
                if interceptor is not None:
                    self._link_faults(station_id).remove(interceptor)
        self._standing.clear()
        if cleared:
            self._record(f"csms, all stations: faults cleared ({cleared})", what="clear_all", cleared=cleared)
        return cleared

    def _give(self, fault: StandingFault, station_id: str, version: OcppVersion) -> None:
        link = self._link_faults(station_id)
        try:
            interceptor = fault.make(version)
        except ValueError as exc:
            fault.given[station_id] = None
            link.record(f"csms: the all-stations fault {fault.description} does not apply: {exc}", what="not_applied")
            return
        fault.given[station_id] = interceptor
        link.add(interceptor, kind=interceptor.name, all_stations=True)

    def _record(self, detail: str, **data: Any) -> None:
        data = {"side": "csms", "all_stations": True, **data}
        self.bus.publish(StationEvent(ALL_STATIONS, "fault", detail, data, time.monotonic()))
