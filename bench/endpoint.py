"""The cost of one CALL and its CALLRESULT through a station's endpoint, with no network.

A MeterValues CALL goes through the RPC core, the pipeline and its tap; a fake wire answers it on
the next loop turn. This isolates the per-frame cost of the protocol layer from sockets and the
store, so a change to the core shows up here first. Usage:

  uv run python bench/endpoint.py [--calls 20000] [--runs 5]

Prints the median and each run's CPU microseconds per CALL + CALLRESULT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.endpoint import Endpoint
from ocpplab_desktop.protocol.frame import Side

PAYLOAD = {
    "connectorId": 1,
    "meterValue": [
        {
            "timestamp": "2027-01-01T00:00:00Z",
            "sampledValue": [
                {"value": "12.5", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "7360.0", "measurand": "Power.Active.Import", "unit": "W"},
            ],
        }
    ],
}


class AnsweringWire:
    """Answers every CALL with an empty CALLRESULT on the next turn of the loop."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.tasks: set[asyncio.Task[None]] = set()

    async def send(self, text: str) -> None:
        uid = json.loads(text)[1]
        task = asyncio.get_running_loop().create_task(self.endpoint.receive(f'[3,"{uid}",{{}}]'))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def recv(self) -> str:
        await asyncio.Event().wait()
        return ""


async def run(calls: int) -> float:
    bus = EventBus()
    recorded: list[object] = []
    bus.subscribe(recorded.append)
    endpoint = Endpoint(station_id="CP", version=OcppVersion.V16, side=Side.STATION, handler=object(), bus=bus)
    endpoint.attach(AnsweringWire(endpoint))
    for _ in range(200):  # warm up: compiled schemas, caches
        await endpoint.call_raw("MeterValues", PAYLOAD)
    start = time.process_time()
    for _ in range(calls):
        await endpoint.call_raw("MeterValues", PAYLOAD)
    elapsed = time.process_time() - start
    assert len(recorded) == 2 * (calls + 200), "every CALL and CALLRESULT was recorded"
    return elapsed / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = [asyncio.run(run(args.calls)) for _ in range(args.runs)]
    print(f"endpoint: {args.calls:,} CALLs x {args.runs} runs")
    print(f"  CPU per CALL + CALLRESULT: median {statistics.median(results):.1f} us")
    print(f"  runs: {', '.join(f'{r:.1f}' for r in results)} us")


if __name__ == "__main__":
    main()
