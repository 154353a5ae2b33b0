"""The lab: one event bus, one simulated clock, the stations, the embedded CSMS and the recorder.

This is what the window, the `run` command and the tests drive. One asyncio task ticks the
simulated clock for every station; the recorder stores every event of the session.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ocpplab_desktop.engine.heap import HeapKeeper
from ocpplab_desktop.engine.station import Station, StationOptions, sleep_sim
from ocpplab_desktop.engine.workspace import WorkspaceKeeper
from ocpplab_desktop.model.clock import SimClock
from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.protocol.tasks import TaskSet
from ocpplab_desktop.store.recorder import SessionRecorder
from ocpplab_desktop.store.store import SessionSource, Store
from ocpplab_desktop.store.workspace_table import WorkspaceTable

if TYPE_CHECKING:
    from ocpplab_desktop.csms.server import MockCsms

log = logging.getLogger(__name__)
TICK_S = 0.02
"""How often (real seconds) the simulated clock advances and runs what is due. A fleet's timers that
fall in one tick go out together: at 2,000 stations a 50 ms tick sent bursts of 100 MeterValues and
the round trip's p99 was 173 ms against a bare-library CSMS; at 20 ms it is 49 ms, for no more CPU
per CALL (bench/fleet.py)."""
TIMERS_PER_STEP = 100
STEPPED_LAG_S = 0.25
"""See `Lab._run_timers`."""
STATIONS_IN_NAME = 3
"""Station ids a session's default name lists before "+N"."""


class Lab:
    """Stations on a shared clock, optionally with the embedded mock CSMS and a session store."""

    def __init__(
        self,
        *,
        db_path: Path | str | None = None,
        speed: float = 1.0,
        tick_s: float = TICK_S,
        csms_host: str = "127.0.0.1",
        csms_port: int | None = 9000,
        session_name: str = "lab session",
        session_source: SessionSource = SessionSource.LAB,
        csms_port_fallback: bool = False,
        manage_heap: bool = False,
        keep_workspace: bool = False,
        name_with_stations: bool = False,
    ) -> None:
        """`csms_port_fallback`: when `csms_port` is taken, listen on a free port instead of failing
        (the window's default port only: a port the user asked for is the one stations will use).
        `keep_workspace`: restore the workspace saved in the database at start, and save it whenever it
        changes (the window; `run` and scenarios build their own stations).
        `name_with_stations`: at close, a session still named `session_name` gets its stations' ids added."""
        self.bus = EventBus()
        self.clock = SimClock(speed=speed)
        self.tick_s = tick_s
        self.stations: dict[str, Station] = {}
        self.transient: set[str] = set()
        """Stations that are not part of the workspace (a scenario's): never saved with it."""
        self.csms: MockCsms | None = None
        self._csms_host, self._csms_port = csms_host, csms_port
        self._csms_port_fallback = csms_port_fallback
        self.db_path = Path(db_path) if db_path is not None else None
        self.store: Store | None = None
        self.recorder: SessionRecorder | None = None
        self.session_id: int | None = None
        self._session_name, self._session_source = session_name, session_source
        self._tasks = TaskSet("lab")
        self._keep_workspace = keep_workspace
        self._name_with_stations = name_with_stations
        self.workspace: WorkspaceKeeper | None = None
        self.heap: HeapKeeper | None = HeapKeeper() if manage_heap else None
        """`manage_heap`: freeze the heap and collect from the clock task (fleets and the window's lab; see
        engine/heap.py). Off by default: in window tests, deferred collections have deadlocked in Qt
        destructors (docs/architecture.md, "The heap")."""

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        if self.db_path is not None:
            self.store = Store(self.db_path)
            self.session_id = self.store.start_session(self._session_name, source=self._session_source)
            self.recorder = SessionRecorder(self.store, self.bus, self.session_id)
            self._tasks.spawn(self.recorder.run(), name="recorder")
        if self._csms_port is not None:
            self.csms = await self._start_csms()
        if self.heap is not None:
            self.heap.start()
        self._tasks.spawn(self._tick(), name="lab clock")
        if self._keep_workspace and self.db_path is not None:
            self.workspace = WorkspaceKeeper(self, WorkspaceTable(self.db_path))
            await self.workspace.restore()
            self._tasks.spawn(self.workspace.run(), name="workspace")

    async def _start_csms(self) -> MockCsms:
        from ocpplab_desktop.csms.server import MockCsms

        # The embedded CSMS answers with the lab's simulated time, the clock its stations run on.
        uploads = self.db_path.with_name(self.db_path.stem + "-uploads") if self.db_path is not None else None
        csms = MockCsms(
            self.bus, host=self._csms_host, port=self._csms_port or 0, clock=self.clock.utc_now, upload_dir=uploads
        )
        try:
            await csms.start()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or not self._csms_port_fallback:
                raise
            # The preferred port is taken (another lab, another CSMS): take any free one.
            log.warning("port %s is taken; the embedded CSMS uses a free port instead", self._csms_port)
            csms = MockCsms(self.bus, host=self._csms_host, port=0, clock=self.clock.utc_now, upload_dir=uploads)
            await csms.start()
        if self.heap is not None:
            csms.on_new_station = self.heap.changed  # a fleet that connects is settled soon, as one added here
        return csms

    async def close(self) -> None:
        if self.workspace is not None:
            self.workspace.close()  # before the stations stop: stopped, they would all be saved as offline
            self.workspace = None
        # All at once: each waits for its closing handshake, and a fleet has thousands of them.
        await asyncio.gather(*(station.stop() for station in self.stations.values()))
        if self.csms is not None:
            await self.csms.stop()
        await self._tasks.cancel_all()
        if self.recorder is not None:
            self.recorder.close()
        self._name_after_stations()
        if self.store is not None:
            self.store.close()
        if self.heap is not None:
            self.heap.stop()

    def _name_after_stations(self) -> None:
        """A session still under its default name gets its stations' ids added, so that a list of
        sessions tells them apart ("Window 2026-12-06 09:12 · CP-1, CP-2 +3"); a renamed one is kept."""
        if not self._name_with_stations or self.store is None or self.session_id is None:
            return
        info = self.store.session(self.session_id)
        if info.name != self._session_name or not info.stations:
            return
        shown = ", ".join(info.stations[:STATIONS_IN_NAME])
        if len(info.stations) > STATIONS_IN_NAME:
            shown += f" +{len(info.stations) - STATIONS_IN_NAME}"
        self.store.rename_session(self.session_id, f"{info.name} · {shown}")

    async def __aenter__(self) -> Lab:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(self.tick_s)
            now = loop.time()
            target = self.clock.now + (now - last) * self.clock.speed
            last = now
            await self._run_timers(target)
            if self.heap is not None:
                self.heap.tick(now)

    async def _run_timers(self, target: float) -> None:
        """Run the timers due up to `target`, TIMERS_PER_STEP at a time with the loop's other work in
        between, so that a fleet's meter readings do not hold up its frames and the window for a whole
        tick. Behind by more than STEPPED_LAG_S of real time (the loop cannot keep up), the rest runs
        at once: the simulated time then stays with the wall clock, and the loop waits instead."""
        scheduler = self.clock.scheduler
        while scheduler.run_due(max(target, scheduler.now), TIMERS_PER_STEP) == TIMERS_PER_STEP:
            due = scheduler.next_due()
            speed = self.clock.speed
            if due is None or due > target or not speed or (target - scheduler.now) / speed > STEPPED_LAG_S:
                scheduler.run_due(max(target, scheduler.now))
                return
            await asyncio.sleep(0)

    # --- stations ---------------------------------------------------------------------------
    @property
    def csms_url(self) -> str | None:
        return self.csms.url if self.csms is not None else None

    def add_station(
        self,
        config: StationConfig,
        *,
        options: StationOptions | None = None,
        connect: bool = True,
        transient: bool = False,
    ) -> Station:
        """Create a station (its id must be new) and connect it to its CSMS.

        A `transient` station (a scenario's) is not part of the workspace: it is not saved with it.
        """
        config.validate()
        if config.id in self.stations:
            raise ValueError(f"a station with id {config.id!r} already exists; choose another id")
        url = config.csms_url or self.csms_url
        if url is None:
            raise ValueError(f"station {config.id}: no CSMS URL and no embedded CSMS running")
        options = options or StationOptions()
        if options.journal is None and self.store is not None:
            # Transaction messages queued offline survive a crash or a restart of the lab.
            options = replace(options, journal=self.store)
        if options.session_frames is None and self.store is not None:
            options = replace(options, session_frames=self.session_frames)  # what GetDiagnostics/GetLog upload
        station = Station(config, bus=self.bus, clock=self.clock, url=url, options=options)
        self.stations[config.id] = station
        if transient:
            self.transient.add(config.id)
        if self.store is not None and self.session_id is not None:
            self.store.add_station(self.session_id, config)
        if connect:
            station.start()
        if self.heap is not None:
            self.heap.changed()
        self._workspace_changed()
        return station

    async def remove_station(self, station_id: str) -> None:
        station = self.stations.pop(station_id)
        self.transient.discard(station_id)
        self._workspace_changed()
        await station.stop()
        if self.heap is not None:
            self.heap.release()  # its reference cycles may be frozen: let the collector see them

    async def replace_station(self, station_id: str, config: StationConfig, *, connect: bool) -> Station:
        """A new configuration for a station, in its place in the lab's order: the old station reboots
        into the new one (its running transactions end, reason Reboot); it connects if `connect`."""
        config.validate()
        if config.id != station_id and config.id in self.stations:
            raise ValueError(f"a station with id {config.id!r} already exists; choose another id")
        old = self.stations[station_id]
        with self.workspace.held() if self.workspace is not None else nullcontext():
            for c in old.connectors:
                if c.tx_started:
                    await old.quiet(old.transactions.end(c, old.dialect.REASON_REBOOT))
            order = [config.id if sid == station_id else sid for sid in self.stations]
            await self.remove_station(station_id)
            station = self.add_station(config, connect=connect)
            reordered = {sid: self.stations[sid] for sid in order}
            self.stations.clear()  # the same dict: views hold it
            self.stations.update(reordered)
        return station

    async def session_frames(self, station_id: str) -> list[Frame]:
        """This session's frames of a station so far, oldest first: the recorder's queue is written first, then
        the frames are read on a connection of their own, both in a worker thread (WAL lets the recorder go on)."""
        store, recorder, session_id = self.store, self.recorder, self.session_id
        if store is None or session_id is None:
            return []
        if recorder is not None:
            await asyncio.to_thread(recorder.flush)

        def read() -> list[Frame]:
            with Store(store.path) as reader:
                return list(reader.frames(session_id, station_id))

        return await asyncio.to_thread(read)

    def _workspace_changed(self) -> None:
        if self.workspace is not None:
            self.workspace.changed()

    async def sleep_sim(self, seconds: float) -> None:
        """Wait for `seconds` of simulated time to pass (at the lab's speed)."""
        await sleep_sim(self.clock, seconds)
