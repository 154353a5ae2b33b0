"""Window benchmark: is the window still responsive with a fleet charging in its own process?

The lab's window runs (offscreen, or on a real display) with N stations added through the
window itself, each a 1.6 22 kW wallbox sending MeterValues every second to a bare `ocpp`
library CSMS in another process (the same CSMS as `bench/fleet.py --csms library`). While they
charge, the window's responsiveness is measured the way a user feels it:

* event-loop lag: how late a 20 ms QTimer fires (input events wait the same way), p50/p99/max;
* selecting a station: `select_station` (tree, station view, graphs) timed end to end, repeated
  for a different station every second.

  QT_QPA_PLATFORM=offscreen uv run python bench/window_fleet.py [--stations 2000] [--seconds 20] [--profile FILE]

The stations are added as Station > New from template with a count adds them (one tree rebuild,
one station view). Printed: the window's frames per second, process CPU, the lag and selection
times above, peak RSS and the RSS at the start and end of the measured window.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import fleet  # the CSMS process and helpers of the fleet benchmark


async def measure(
    url: str, stations: int, seconds: float, db: Path, *, profile: str | None = None, manage_heap: bool = True
) -> dict[str, Any]:
    from PySide6.QtCore import QTimer

    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.gui.app import MainWindow
    from ocpplab_desktop.model.connector import UserAction
    from ocpplab_desktop.model.templates import load_template

    lab = Lab(db_path=db, csms_port=None, session_name="bench window fleet", manage_heap=manage_heap)
    await lab.start()
    window = MainWindow(lab)
    window.resize(1600, 1000)
    window.show()
    base = replace(load_template("ac-22kw-wallbox"), meter_interval_s=1, csms_url=url)
    # As Station > New from template with a count does: one tree rebuild, one station view.
    fleet_ = window.add_stations([replace(base, id=f"WIN-{i:05d}") for i in range(stations)])
    deadline = time.monotonic() + 180
    while sum(s.registration == "Accepted" for s in fleet_) < stations and time.monotonic() < deadline:
        await asyncio.sleep(0.2)

    async def start_charging(i: int, station: Any) -> None:
        await asyncio.sleep(i / len(fleet_))
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token=f"TAG-{i:05d}")

    await asyncio.gather(*(start_charging(i, s) for i, s in enumerate(fleet_)))
    await asyncio.sleep(3)
    charging = sum(s.connectors[0].reported == "Charging" for s in fleet_)

    lags: list[float] = []
    last = [time.monotonic()]

    def tick() -> None:
        now = time.monotonic()
        lags.append(max(0.0, (now - last[0]) * 1000 - 20))
        last[0] = now

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(tick)
    last[0] = time.monotonic()
    timer.start()
    selects: list[float] = []
    frames0 = window.frame_count
    rss0 = current_rss_mb()
    sim0 = lab.clock.now
    cpu0 = fleet.usage()["cpu_s"]
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    start = time.monotonic()
    i = 0
    while time.monotonic() - start < seconds:
        await asyncio.sleep(1.0)
        t0 = time.perf_counter()
        window.select_station(fleet_[(i * 37) % len(fleet_)].id, 1, 1)
        selects.append((time.perf_counter() - t0) * 1000)
        i += 1
    elapsed = time.monotonic() - start
    rss1 = current_rss_mb()
    sim_rate = (lab.clock.now - sim0) / (time.monotonic() - start)
    gc.callbacks.remove(pauses)
    heap_objects = (len(gc.get_objects()), gc.get_freeze_count())
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    timer.stop()
    cpu = fleet.usage()["cpu_s"] - cpu0
    frames = window.frame_count - frames0
    window.close()
    await window.close_tasks()
    await lab.close()
    with sqlite3.connect(db) as conn:
        by_action = conn.execute(
            "SELECT coalesce(action, '?') || ' ' || message_type, count(*) FROM frames"
            " WHERE side = 'station' GROUP BY 1 ORDER BY 2 DESC LIMIT 8"
        ).fetchall()
    return {
        "by_action": by_action,
        "sim_rate": sim_rate,
        "charging": charging,
        "frames_per_s": frames / elapsed,
        "cpu_share": cpu / elapsed,
        "lags": lags,
        "selects": selects,
        "rss": fleet.usage()["peak_rss_mb"],
        "rss_window": (rss0, rss1),
        "gc": pauses.summary(),
        "heap_objects": heap_objects,
    }


class GcPauses:
    """Durations of the garbage collector's runs, by generation (a full one walks every object)."""

    def __init__(self) -> None:
        self.started = 0.0
        self.ms: dict[int, list[float]] = {0: [], 1: [], 2: []}

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.ms[info["generation"]].append((time.perf_counter() - self.started) * 1000)

    def summary(self) -> str:
        return ", ".join(
            f"gen{g} {len(v)}x max {max(v, default=0):.0f} ms total {sum(v):.0f} ms" for g, v in self.ms.items()
        )


def current_rss_mb() -> float:
    """The process's resident set now (peak RSS only ever grows)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--plain-qasync", action="store_true", help="qasync's own loop, for A/B against the app's")
    parser.add_argument("--no-heap-keeper", action="store_true", help="Python's automatic collections, for A/B")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the window's thread during the measured window")
    args = parser.parse_args()
    import qasync
    from PySide6.QtWidgets import QApplication

    from ocpplab_desktop.gui import event_loop

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # closing the window must not stop the loop before the lab closes
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "library.ready"
        proc = fleet.start_csms("library", fleet.free_port(), str(Path(tmp) / "csms.db"), ready)
        try:
            run = qasync.run if args.plain_qasync else event_loop.run
            r = run(
                measure(
                    ready.read_text(),
                    args.stations,
                    args.seconds,
                    Path(tmp) / "window.db",
                    profile=args.profile,
                    manage_heap=not args.no_heap_keeper,
                )
            )
        finally:
            fleet.stop_csms(proc)
    p = fleet.percentile
    print(f"window with {args.stations} charging stations ({r['charging']} charging), "
          f"Qt platform {os.environ.get('QT_QPA_PLATFORM', 'default')}, {args.seconds:g} s measured")  # fmt: skip
    print(f"  frames shown per second:   {r['frames_per_s']:,.0f}")
    print(f"  process CPU:               {r['cpu_share'] * 100:.0f}% of one core")
    print(f"  event-loop lag p50/p99/max: {p(r['lags'], 0.5):.1f} / {p(r['lags'], 0.99):.1f} / {max(r['lags']):.1f} ms")
    print(f"  select a station p50/max:  {p(r['selects'], 0.5):.1f} / {max(r['selects']):.1f} ms")
    print(f"  peak RSS:                  {r['rss']:.0f} MB")
    print(f"  simulated s per real s:    {r['sim_rate']:.3f}")
    print("  frames stored, by action:  " + ", ".join(f"{name} {count:,}" for name, count in r["by_action"]))
    print(f"  garbage collections:       {r['gc']}")
    print(f"  objects the collector walks / frozen: {r['heap_objects'][0]:,} / {r['heap_objects'][1]:,}")
    print(f"  RSS over the window:       {r['rss_window'][0]:.0f} -> {r['rss_window'][1]:.0f} MB")


if __name__ == "__main__":
    main()
