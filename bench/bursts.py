"""Burst benchmark: does `ocpplab csms` give memory back after bursts of 1 MB frames?

A station (a bare websockets client on loopback) boots and then sends DataTransfer CALLs with
1 MB of data, each as soon as the last was answered, for `--burst` seconds; then it rests for
`--rest` seconds; three times. Printed for the `ocpplab csms` process: resident memory (VmRSS)
before, at the end of each burst and after each rest, the frames answered, how much its
database grew against what went over the wire, and how many bytes it wrote to its stdout.

  uv run python bench/bursts.py [--burst 10] [--rest 10] [--bursts 3] [--size 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).parent))
from fleet import db_bytes, free_port  # a script beside this one


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def burst(url: str, seconds: float, size: int, counter: list[int]) -> int:
    data = "x" * size
    sent = 0
    async with websockets.connect(url, subprotocols=[websockets.Subprotocol("ocpp1.6")], max_size=2**23) as ws:
        boot = {"chargePointVendor": "bench", "chargePointModel": "bursts"}
        await ws.send(json.dumps([2, "boot", "BootNotification", boot]))
        await ws.recv()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await ws.send(json.dumps([2, f"b{sent}", "DataTransfer", {"vendorId": "bench", "data": data}]))
            await ws.recv()
            sent += 1
            counter[0] += len(data)
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=float, default=10.0)
    parser.add_argument("--rest", type=float, default=10.0)
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "csms.db"
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "ocpplab_desktop.cli", "csms", "--port", str(port), "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        out_bytes = [0]

        def drain() -> None:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(65536):
                out_bytes[0] += len(chunk)

        threading.Thread(target=drain, daemon=True).start()
        url = f"ws://127.0.0.1:{port}/BURST-1"
        try:
            for _ in range(100):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    time.sleep(0.1)
            time.sleep(0.5)
            print(f"bursts of {args.size / 1e6:g} MB DataTransfer frames into `ocpplab csms` (pid {proc.pid})")
            print(f"  before:            RSS {rss_mb(proc.pid):6.1f} MB")
            wire = [0]
            frames = 0
            for i in range(args.bursts):
                frames += asyncio.run(burst(url, args.burst, args.size, wire))
                print(f"  after burst {i + 1}:     RSS {rss_mb(proc.pid):6.1f} MB  ({frames} frames so far)")
                time.sleep(args.rest)
                print(f"  after rest {i + 1}:      RSS {rss_mb(proc.pid):6.1f} MB")
            time.sleep(1)
            grown = db_bytes(db)
            print(f"  payload sent:      {wire[0] / 1e6:,.0f} MB; database {grown / 1e6:,.0f} MB "
                  f"({grown / max(1, wire[0]):.2f} x); console output {out_bytes[0] / 1e3:,.0f} kB")  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
