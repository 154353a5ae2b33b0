"""The transport's floor: what one MeterValues and its answer cost with nothing of the lab around them.

N websocket clients (websockets with the lab's callback connection and, like a lab station's
link, no permessage-deflate, on the same event loop as `bench/fleet.py`; one ticker sends for a
50th of them every 20 ms, as the lab's clock runs its stations' timers) each send one MeterValues
a second, the text a lab station sends, with a fresh message id, to the same bare `ocpp`-library
CSMS, and read the answer with orjson: no station, meter, outbox, RPC core, pipeline, tap, bus or
store. Whatever the lab costs per CALL above this figure is the lab's own; this much is the fixed
transport's (websockets' framing, the event loop, the socket calls).

  uv run python bench/floor.py [--stations 1000] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import websockets

sys.path.insert(0, str(Path(__file__).parent))
from fleet import free_port, percentile, start_csms, stop_csms, usage

from ocpplab_desktop.engine import event_loop
from ocpplab_desktop.protocol.wsconn import DirectClientConnection

TICKS_PER_S = 50
SAMPLED = [
    {"value": "22080", "context": "Sample.Periodic", "measurand": "Power.Active.Import", "unit": "W"},
    *(
        {"value": "32", "context": "Sample.Periodic", "measurand": "Current.Import", "unit": "A", "phase": p}
        for p in ("L1", "L2", "L3")
    ),
    *(
        {"value": "230", "context": "Sample.Periodic", "measurand": "Voltage", "unit": "V", "phase": f"{p}-N"}
        for p in ("L1", "L2", "L3")
    ),
]


async def clients(url: str, stations: int, seconds: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    counted = {"calls": 0, "measuring": False}
    rtts: list[float] = []
    ids = random.Random()

    async def client(i: int) -> DirectClientConnection:
        ws = await websockets.connect(
            f"{url}/FLOOR-{i:05d}", subprotocols=[websockets.Subprotocol("ocpp1.6")], compression=None,
            create_connection=DirectClientConnection,
        )  # fmt: skip
        assert isinstance(ws, DirectClientConnection)
        sent_at: dict[str, float] = {}
        energy = [0.0]

        def received(text: str | bytes) -> None:
            message = orjson.loads(text)
            started = sent_at.pop(message[1], None)
            if started is not None and counted["measuring"]:
                counted["calls"] += 1
                rtts.append((time.monotonic() - started) * 1000)

        def send() -> None:
            energy[0] += 6.1
            uid = f"{ids.getrandbits(128):032x}"
            values = [{"value": f"{energy[0]:g}", "context": "Sample.Periodic",
                       "measurand": "Energy.Active.Import.Register", "unit": "Wh"}, *SAMPLED]  # fmt: skip
            payload = {"connectorId": 1, "meterValue": [{"timestamp": "2026-12-06T12:00:00.000Z",
                                                         "sampledValue": values}], "transactionId": i}  # fmt: skip
            sent_at[uid] = time.monotonic()
            ws.send_now(orjson.dumps([2, uid, "MeterValues", payload]).decode())

        ws.set_receiver(received)
        senders[i % TICKS_PER_S].append(send)
        return ws

    # One ticker for all, as the lab's clock runs its stations' timers: each tick sends for a 50th.
    senders: list[list[Any]] = [[] for _ in range(TICKS_PER_S)]
    connections = [await client(i) for i in range(stations)]

    def tick(n: int) -> None:
        for send in senders[n % TICKS_PER_S]:
            send()
        loop.call_later(1.0 / TICKS_PER_S, tick, n + 1)

    tick(0)
    await asyncio.sleep(3)
    before = usage()
    loop_cpu0 = time.thread_time()
    counted["measuring"] = True
    start = time.monotonic()
    await asyncio.sleep(seconds)
    counted["measuring"] = False
    elapsed = time.monotonic() - start
    after = usage()
    result = {
        "calls": counted["calls"],
        "elapsed": elapsed,
        "cpu_s": after["cpu_s"] - before["cpu_s"],
        "sys_s": after["sys_s"] - before["sys_s"],
        "loop_cpu_s": time.thread_time() - loop_cpu0,
        "rtts": rtts,
    }
    for ws in connections:
        ws.transport.abort()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    print(f"transport floor: {args.stations} clients, {args.seconds:g} s measured, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, {event_loop.chosen_loop()} event loop")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "library.ready"
        proc = start_csms("library", free_port(), str(Path(tmp) / "csms.db"), ready)
        try:
            r = event_loop.run(clients(ready.read_text(), args.stations, args.seconds))
        finally:
            stop_csms(proc)
    calls = max(1, r["calls"])
    print(f"  CALLs/s answered:        {r['calls'] / r['elapsed']:,.0f}")
    print(f"  CPU per CALL:            {r['cpu_s'] / calls * 1000:.3f} ms (kernel {r['sys_s'] / calls * 1000:.3f} ms)")
    print(f"  round trip p50 / p99:    {percentile(r['rtts'], 0.5):.1f} / {percentile(r['rtts'], 0.99):.1f} ms")


if __name__ == "__main__":
    main()
