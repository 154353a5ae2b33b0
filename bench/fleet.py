"""Fleet benchmark: N lab stations that charge for real, against a CSMS in another process.

Every station is a 1.6 22 kW wallbox with MeterValueSampleInterval 1: it boots, a car plugs in,
a token is presented, and from then on it sends one MeterValues per second, as a real station
does - through its outbox, its dialect, the RPC core, the pipeline and the tap, with the
session stored in SQLite. Nothing is pushed from outside the engine. The CSMS is either

  library  a bare `ocpp` 2.1.0 server with schema validation off (the cheapest peer there is)
  lab      the lab's own mock CSMS, with its tap and store on

Printed, for the station process during the measured window: CALLs/s, CPU ms per CALL (all
threads, and the event loop's thread alone: the one that bounds a fleet), peak RSS, round-trip
p50/p99, event-loop lag p50/p99 (how late a 20 ms ticker wakes), and the bytes the session
database grew by per station-hour; for the CSMS process its CPU and peak RSS.

  uv run python bench/fleet.py [--stations 1000] [--seconds 30] [--csms library|lab] [--profile FILE]

With --profile the event loop's thread is run under cProfile during the measured window (which
makes it about twice as slow: read the call counts and the shares, not the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import websockets

from ocpplab_desktop.engine import event_loop

LAG_TICK_S = 0.02


def usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "sys_s": ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def db_bytes(path: Path) -> int:
    """The database's size with its write-ahead log copied in and emptied: the log is kept at up to
    40 MB between checkpoints (store.py, WAL_CHECKPOINT_PAGES), which is not data."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


# --- the CSMS processes -------------------------------------------------------------------------
async def serve_lab_csms(port: int, db: str, ready: str) -> None:
    from ocpplab_desktop.engine.lab import Lab

    lab = Lab(db_path=db, csms_port=port, session_name="bench CSMS", manage_heap=True)
    await lab.start()
    Path(ready).write_text(lab.csms_url or "")
    await _until_signalled()
    await lab.close()
    print(json.dumps(usage()))


async def serve_library_csms(port: int, ready: str) -> None:
    from ocpp.routing import on
    from ocpp.v16 import ChargePoint, call_result

    def now() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    transaction_ids = iter(range(1, 10**9))

    class Csms(ChargePoint):  # type: ignore[misc]
        @on("BootNotification", skip_schema_validation=True)
        def on_boot(self, **_: Any) -> Any:
            return call_result.BootNotification(current_time=now(), interval=300, status="Accepted")

        @on("Heartbeat", skip_schema_validation=True)
        def on_heartbeat(self, **_: Any) -> Any:
            return call_result.Heartbeat(current_time=now())

        @on("StatusNotification", skip_schema_validation=True)
        def on_status(self, **_: Any) -> Any:
            return call_result.StatusNotification()

        @on("Authorize", skip_schema_validation=True)
        def on_authorize(self, **_: Any) -> Any:
            return call_result.Authorize(id_tag_info={"status": "Accepted"})

        @on("StartTransaction", skip_schema_validation=True)
        def on_start(self, **_: Any) -> Any:
            return call_result.StartTransaction(
                transaction_id=next(transaction_ids), id_tag_info={"status": "Accepted"}
            )

        @on("StopTransaction", skip_schema_validation=True)
        def on_stop(self, **_: Any) -> Any:
            return call_result.StopTransaction()

        @on("MeterValues", skip_schema_validation=True)
        def on_meter(self, **_: Any) -> Any:
            return call_result.MeterValues()

    async def handle(ws: Any) -> None:
        try:
            await Csms(ws.request.path.strip("/").rsplit("/", 1)[-1], ws).start()
        except websockets.ConnectionClosed:
            return

    async with websockets.serve(handle, "127.0.0.1", port, subprotocols=[websockets.Subprotocol("ocpp1.6")]):
        Path(ready).write_text(f"ws://127.0.0.1:{port}")
        await _until_signalled()
    print(json.dumps(usage()))


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


# --- the station side ----------------------------------------------------------------------------
async def lab_fleet(url: str, stations: int, seconds: float, db: Path, profile: str | None = None) -> dict[str, Any]:
    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.engine.station import StationOptions
    from ocpplab_desktop.model.connector import UserAction
    from ocpplab_desktop.model.templates import load_template
    from ocpplab_desktop.protocol.frame import Frame, MessageType, Side

    counted = {"calls": 0, "measuring": False}
    rtts: list[float] = []

    def on_event(event: Any) -> None:
        if (
            counted["measuring"]
            and type(event) is Frame
            and event.side is Side.STATION
            and event.message_type is MessageType.CALLRESULT
            and event.rtt_ms is not None
        ):
            counted["calls"] += 1
            rtts.append(event.rtt_ms)

    lab = Lab(db_path=db, csms_port=None, session_name="bench fleet", manage_heap=True)
    lab.bus.subscribe(on_event)
    await lab.start()
    base = replace(load_template("ac-22kw-wallbox"), meter_interval_s=1, csms_url=url)
    fleet = [
        lab.add_station(replace(base, id=f"BENCH-{i:05d}"), options=StationOptions(graph_sample_s=None))
        for i in range(stations)
    ]
    deadline = time.monotonic() + 120
    while sum(s.registration == "Accepted" for s in fleet) < stations and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    booted = sum(s.registration == "Accepted" for s in fleet)

    async def start_charging(i: int, station: Any) -> None:
        # Cars arrive spread over a second, as they would over a day: samples run from each start.
        await asyncio.sleep(i / len(fleet))
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token=f"TAG-{i:05d}")

    await asyncio.gather(*(start_charging(i, s) for i, s in enumerate(fleet)))
    await asyncio.sleep(3)  # let the starts settle into the once-a-second rhythm

    lags: list[float] = []

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        expected = loop.time() + LAG_TICK_S
        while True:
            await asyncio.sleep(LAG_TICK_S)
            now = loop.time()
            lags.append(max(0.0, (now - expected) * 1000))
            expected = now + LAG_TICK_S

    charging = sum(s.connectors[0].reported == "Charging" for s in fleet)
    size0 = db_bytes(db)
    lag_task = asyncio.ensure_future(ticker())
    before = usage()
    cpu0, sys0, loop_cpu0 = before["cpu_s"], before["sys_s"], time.thread_time()
    profiler = cProfile.Profile() if profile else None
    counted["measuring"] = True
    start = time.monotonic()
    if profiler is not None:
        profiler.enable()
    await asyncio.sleep(seconds)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    elapsed = time.monotonic() - start
    counted["measuring"] = False
    after = usage()
    cpu, sys_cpu, loop_cpu = after["cpu_s"] - cpu0, after["sys_s"] - sys0, time.thread_time() - loop_cpu0
    lag_task.cancel()
    if lab.recorder is not None:
        lab.recorder.flush()
    grown = db_bytes(db) - size0
    t0 = time.monotonic()
    await lab.close()
    return {
        "booted": booted,
        "charging": charging,
        "calls": counted["calls"],
        "elapsed": elapsed,
        "rtts": rtts,
        "lags": lags,
        "cpu_s": cpu,
        "sys_s": sys_cpu,
        "loop_cpu_s": loop_cpu,
        "peak_rss_mb": usage()["peak_rss_mb"],
        "db_bytes_per_station_hour": grown / stations / (elapsed / 3600),
        "close_s": time.monotonic() - t0,
    }


# --- orchestration -------------------------------------------------------------------------------
def start_csms(kind: str, port: int, db: str, ready: Path) -> subprocess.Popen[str]:
    args = [sys.executable, __file__, "--serve", kind, "--port", str(port), "--db", db, "--ready", str(ready)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not ready.exists() or not ready.read_text():
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"{kind} CSMS did not start")
        time.sleep(0.05)
    return proc


def stop_csms(proc: subprocess.Popen[str]) -> dict[str, Any]:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(csms_kind: str, stations: int, seconds: float, tmp: Path, profile: str | None = None) -> dict[str, Any]:
    ready = tmp / f"{csms_kind}.ready"
    proc = start_csms(csms_kind, free_port(), str(tmp / "csms.db"), ready)
    try:
        result = event_loop.run(lab_fleet(ready.read_text(), stations, seconds, tmp / "fleet.db", profile))
    finally:
        result_csms = stop_csms(proc)
    result["csms"] = result_csms
    return result


def report(csms_kind: str, stations: int, r: dict[str, Any]) -> None:
    rate = r["calls"] / r["elapsed"]
    print(f"\n[lab stations vs {csms_kind} CSMS] {r['booted']} of {stations} booted, {r['charging']} charging")
    print(f"  CALLs/s answered:        {rate:,.0f}")
    calls = max(1, r["calls"])
    print(f"  station CPU per CALL:    {r['cpu_s'] / calls * 1000:.3f} ms  ({r['cpu_s']:.1f} CPU s, all threads)")
    print(f"    of which the kernel:   {r['sys_s'] / calls * 1000:.3f} ms  (socket writes and reads on loopback)")
    print(
        f"    of which the loop:     {r['loop_cpu_s'] / calls * 1000:.3f} ms  (the store writes in a thread of its own)"
    )
    print(f"  station peak RSS:        {r['peak_rss_mb']:.0f} MB")
    print(f"  round trip p50 / p99:    {percentile(r['rtts'], 0.5):.1f} / {percentile(r['rtts'], 0.99):.1f} ms")
    print(f"  loop lag p50 / p99:      {percentile(r['lags'], 0.5):.1f} / {percentile(r['lags'], 0.99):.1f} ms")
    print(f"  database growth:         {r['db_bytes_per_station_hour'] / 1e6:.2f} MB per station-hour")
    print(f"  close took:              {r['close_s']:.1f} s")
    print(f"  CSMS process:            {r['csms']['cpu_s']:.1f} CPU s, peak RSS {r['csms']['peak_rss_mb']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--csms", choices=["library", "lab"], default="library")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the event loop's thread during the measured window")
    parser.add_argument("--serve", choices=["lab", "library"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--ready", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "lab":
        event_loop.run(serve_lab_csms(args.port, args.db, args.ready))
        return
    if args.serve == "library":
        asyncio.run(serve_library_csms(args.port, args.ready))
        return
    print(f"fleet benchmark: {args.stations} charging stations, {args.seconds:g} s measured, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {event_loop.chosen_loop()} event loop "
          f"(${event_loop.LOOP_ENV})")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        report(args.csms, args.stations, run(args.csms, args.stations, args.seconds, Path(tmp), args.profile))


if __name__ == "__main__":
    main()
