"""`ocpplab csms` with its output on a pipe that nobody reads: the CSMS goes on, and SIGTERM ends it.

A pipe holds 64 KiB, about 340 heartbeats' lines; the console's queue holds 1,000 lines more. Past
both, a console that wrote on the engine's stack stopped answering stations and ignored SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import websockets
from ocpp.v16 import ChargePoint, call

from ocpplab_desktop.store.store import Store

HEARTBEATS = 2_000


async def test_csms_with_stdout_on_a_pipe_nobody_reads_answers_every_heartbeat_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    db = tmp_path / "csms.db"
    command = [sys.executable, "-m", "ocpplab_desktop.cli", "csms", "--port", "0", "--db", str(db)]
    process = await asyncio.to_thread(subprocess.Popen, command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    try:
        banner = (await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)).decode()
        # That was the last line anyone reads until the command has ended.
        url = banner.split()[4].removesuffix("/<stationId>")
        async with websockets.connect(f"{url}/PIPE-1", subprotocols=[websockets.Subprotocol("ocpp1.6")]) as ws:
            station = ChargePoint("PIPE-1", ws)
            reader = asyncio.ensure_future(station.start())
            boot = await asyncio.wait_for(station.call(call.BootNotification("M", "V")), 30)
            assert boot.status == "Accepted"
            for _ in range(HEARTBEATS):
                answer = await asyncio.wait_for(station.call(call.Heartbeat()), 30)
                assert answer.current_time
            reader.cancel()
        process.send_signal(signal.SIGTERM)
        status = await asyncio.to_thread(process.wait, 60)
        shown, problems = process.stdout.read(), process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    assert status == 0
    assert problems == b""
    assert len(shown) < HEARTBEATS * 100, "most lines were left out, not written"
    with Store(db) as store:
        (session,) = store.list_sessions()
    assert session.frame_count == 2 * (1 + HEARTBEATS), "the console drops lines, the store keeps every frame"
