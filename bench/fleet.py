"""Fleet benchmark: N stations send a StatusNotification and a MeterValues every second.

Runs the load twice, each time with the CSMS in a separate process:

  lab      the lab's stations (tap + store) against the lab's mock CSMS (tap + store)
  library  bare `ocpp` 2.1.0 ChargePoints against a bare `ocpp` 2.1.0 server

and prints, per run: frames/s, round-trip p50/p99, CPU seconds and peak RSS of each
process, frames stored, and the lab/library ratios. Usage:

  uv run python bench/fleet.py [--stations 100] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import websockets

STATUS = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}


def usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def meter_payload(energy: float) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "connectorId": 1,
        "meterValue": [
            {
                "timestamp": now,
                "sampledValue": [
                    {"value": f"{energy:.1f}", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                    {"value": "7360.0", "measurand": "Power.Active.Import", "unit": "W"},
                ],
            }
        ],
    }


# --- the CSMS processes -------------------------------------------------------------------------
async def serve_lab_csms(port: int, db: str, ready: str) -> None:
    from ocpplab_desktop.engine.lab import Lab

    lab = Lab(db_path=db, csms_port=port, session_name="bench CSMS")
    await lab.start()
    Path(ready).write_text(lab.csms_url or "")
    await _until_signalled()
    frames = lab.recorder.pending if lab.recorder else 0
    await lab.close()
    from ocpplab_desktop.store.store import Store

    with Store(db) as store:
        stored = sum(s.frame_count for s in store.list_sessions())
    print(json.dumps({**usage(), "stored": stored, "unflushed_at_stop": frames}))


async def serve_library_csms(port: int, ready: str) -> None:
    from ocpp.routing import on
    from ocpp.v16 import ChargePoint, call_result

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    class Csms(ChargePoint):  # type: ignore[misc]
        @on("BootNotification")
        def boot(self, **_: Any) -> Any:
            return call_result.BootNotification(current_time=now, interval=300, status="Accepted")

        @on("StatusNotification")
        def status(self, **_: Any) -> Any:
            return call_result.StatusNotification()

        @on("MeterValues")
        def meter(self, **_: Any) -> Any:
            return call_result.MeterValues()

    async def handle(ws: Any) -> None:
        try:
            await Csms(ws.request.path.strip("/"), ws).start()
        except websockets.ConnectionClosed:
            return

    async with websockets.serve(handle, "127.0.0.1", port, subprotocols=[websockets.Subprotocol("ocpp1.6")]):
        Path(ready).write_text(f"ws://127.0.0.1:{port}")
        await _until_signalled()
    print(json.dumps({**usage(), "stored": 0}))


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


# --- the station side ----------------------------------------------------------------------------
async def lab_fleet(url: str, stations: int, seconds: float, db: str) -> dict[str, Any]:
    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.engine.station import StationOptions
    from ocpplab_desktop.model.templates import load_template
    from ocpplab_desktop.protocol.frame import Frame, MessageType

    rtts: list[float] = []
    counted = {"frames": 0}

    def on_event(event: Any) -> None:
        if isinstance(event, Frame):
            counted["frames"] += 1
            if event.message_type is MessageType.CALLRESULT and event.rtt_ms is not None:
                rtts.append(event.rtt_ms)

    lab = Lab(db_path=db, csms_port=None, session_name="bench fleet")
    lab.bus.subscribe(on_event)
    await lab.start()
    base = load_template("ac-22kw-wallbox")
    fleet = [
        lab.add_station(replace(base, id=f"BENCH-{i:05d}", csms_url=url), options=StationOptions(graph_sample_s=None))
        for i in range(stations)
    ]
    deadline = time.monotonic() + 60
    while sum(s.registration == "Accepted" for s in fleet) < stations and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    booted = sum(s.registration == "Accepted" for s in fleet)

    def load(station: Any) -> None:
        c = station.connectors[0]
        station.spawn(station.send("StatusNotification", STATUS))
        station.spawn(station.send("MeterValues", meter_payload(station.reading(c).energy_wh)))

    rtts.clear()
    counted["frames"] = 0
    cpu0 = usage()["cpu_s"]
    timers = [lab.clock.scheduler.call_every(1.0, lambda s=s: load(s)) for s in fleet]
    start = time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - start
    for t in timers:
        t.cancel()
    frames = counted["frames"]
    cpu = usage()["cpu_s"] - cpu0
    await asyncio.sleep(0.5)
    await lab.close()
    from ocpplab_desktop.store.store import Store

    with Store(db) as store:
        stored = sum(s.frame_count for s in store.list_sessions())
    return {"booted": booted, "frames": frames, "elapsed": elapsed, "rtts": rtts, "cpu_load_s": cpu, "stored": stored}


async def library_fleet(url: str, stations: int, seconds: float) -> dict[str, Any]:
    from ocpp.v16 import ChargePoint, call

    rtts: list[float] = []
    calls = {"n": 0}
    running = {"on": False}

    async def one(i: int) -> None:
        async with websockets.connect(f"{url}/LIB-{i:05d}", subprotocols=[websockets.Subprotocol("ocpp1.6")]) as ws:
            cp = ChargePoint(f"LIB-{i:05d}", ws)
            reader = asyncio.ensure_future(cp.start())
            await cp.call(call.BootNotification(charge_point_model="m", charge_point_vendor="v"))
            while not running["on"]:
                await asyncio.sleep(0.01)
            energy = 0.0
            while running["on"]:
                t0 = time.perf_counter()
                await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
                t1 = time.perf_counter()
                energy += 2.0
                await cp.call(call.MeterValues(connector_id=1, meter_value=meter_payload(energy)["meterValue"]))
                t2 = time.perf_counter()
                rtts.extend(((t1 - t0) * 1000, (t2 - t1) * 1000))
                calls["n"] += 2
                await asyncio.sleep(max(0.0, 1.0 - (t2 - t0)))
            reader.cancel()

    tasks = [asyncio.ensure_future(one(i)) for i in range(stations)]
    await asyncio.sleep(min(10.0, 1 + stations / 200))
    cpu0 = usage()["cpu_s"]
    running["on"] = True
    start = time.monotonic()
    await asyncio.sleep(seconds)
    running["on"] = False
    elapsed = time.monotonic() - start
    cpu = usage()["cpu_s"] - cpu0
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "booted": stations,
        "frames": calls["n"] * 2,
        "elapsed": elapsed,
        "rtts": rtts,
        "cpu_load_s": cpu,
        "stored": 0,
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
    out, _ = proc.communicate(timeout=60)
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(kind: str, stations: int, seconds: float, tmp: Path) -> dict[str, Any]:
    ready = tmp / f"{kind}.ready"
    csms_db = str(tmp / f"{kind}-csms.db")
    proc = start_csms(kind, free_port(), csms_db, ready)
    url = ready.read_text()
    try:
        if kind == "lab":
            fleet = asyncio.run(lab_fleet(url, stations, seconds, str(tmp / "lab-fleet.db")))
        else:
            fleet = asyncio.run(library_fleet(url, stations, seconds))
    finally:
        csms = stop_csms(proc)
    fleet["csms"] = csms
    return fleet


def report(kind: str, r: dict[str, Any]) -> None:
    rate = r["frames"] / r["elapsed"]
    print(f"\n[{kind}] {r['booted']} stations booted")
    print(f"  frames/s (station side, both directions): {rate:,.0f}")
    print(f"  round trip p50 {percentile(r['rtts'], 0.5):.2f} ms, p99 {percentile(r['rtts'], 0.99):.2f} ms")
    per_frame = r["cpu_load_s"] / max(1, r["frames"]) * 1000
    print(f"  station process: {r['cpu_load_s']:.2f} CPU s under load ({per_frame:.3f} ms per frame)")
    print(f"  CSMS process:    {r['csms']['cpu_s']:.2f} CPU s in all, peak RSS {r['csms']['peak_rss_mb']:.0f} MB")
    print(f"  frames stored: station side {r['stored']:,}, CSMS side {r['csms']['stored']:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--only", choices=["lab", "library"])
    parser.add_argument("--serve", choices=["lab", "library"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--ready", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "lab":
        asyncio.run(serve_lab_csms(args.port, args.db, args.ready))
        return
    if args.serve == "library":
        asyncio.run(serve_library_csms(args.port, args.ready))
        return
    print(f"fleet benchmark: {args.stations} stations, {args.seconds:g} s of load, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for kind in ("lab", "library"):
            if args.only in (None, kind):
                results[kind] = run(kind, args.stations, args.seconds, Path(tmp))
                report(kind, results[kind])
    if len(results) == 2:
        lab, lib = results["lab"], results["library"]
        lab_cost = lab["cpu_load_s"] / max(1, lab["frames"])
        lib_cost = lib["cpu_load_s"] / max(1, lib["frames"])
        print("\nratios lab / library:")
        print(f"  station CPU per frame: {lab_cost / lib_cost:.2f}")
        print(f"  p50 round trip: {percentile(lab['rtts'], 0.5) / percentile(lib['rtts'], 0.5):.2f}")
        print(f"  CSMS CPU seconds: {lab['csms']['cpu_s'] / lib['csms']['cpu_s']:.2f}")
        lab_median, lib_median = statistics.median(lab["rtts"]), statistics.median(lib["rtts"])
        print(f"  median RTT lab {lab_median:.2f} ms vs library {lib_median:.2f} ms")


if __name__ == "__main__":
    main()
