"""`ocpplab csms` as a user runs it: a separate process, a library station, one line per frame."""

from __future__ import annotations

import asyncio
import signal
import sys
import urllib.request
from pathlib import Path

import websockets
from ocpp.v16 import ChargePoint, call

from ocpplab_desktop.store.store import Store


async def test_csms_command_logs_one_line_per_frame_stores_them_and_stops_on_interrupt(tmp_path: Path) -> None:
    db = tmp_path / "csms.db"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ocpplab_desktop.cli", "csms", "--port", "0", "--db", str(db),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        banner = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert "mock CSMS listening on ws://127.0.0.1:" in banner
        url = banner.split()[4].removesuffix("/<stationId>")
        files_line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert files_line.startswith("file service on http://127.0.0.1:")
        files_url = files_line.split()[3].rstrip(":")
        async with websockets.connect(f"{url}/CLI-1", subprotocols=[websockets.Subprotocol("ocpp1.6")]) as ws:
            cp = ChargePoint("CLI-1", ws)
            reader = asyncio.ensure_future(cp.start())
            answer = await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            assert answer.status == "Accepted"
            await cp.call(call.Heartbeat())
            reader.cancel()
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 10)).decode() for _ in range(4)]
        # The file service hands out firmware and keeps uploads, as stations reach it.
        image = await asyncio.to_thread(_get, f"{files_url}/firmware/ocpplab-fw-2.1.0.bin")
        assert image.startswith(b"ocpplab-firmware 2.1.0\n")
        status = await asyncio.to_thread(_put, f"{files_url}/uploads/CLI-1/diag.jsonl", b'{"a": 1}\n')
        assert status == 201
    finally:
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0
    assert [line.split()[1] for line in lines] == ["->", "<-", "->", "<-"]
    assert "BootNotification" in lines[0] and lines[0].startswith("CLI-1")
    with Store(db) as store:
        (session,) = store.list_sessions()
        assert session.frame_count == 4 and session.source == "csms"
    assert (tmp_path / "csms-uploads" / "CLI-1" / "diag.jsonl").read_bytes() == b'{"a": 1}\n'


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        data: bytes = response.read()
    return data


def _put(url: str, content: bytes) -> int:
    request = urllib.request.Request(url, data=content, method="PUT")
    with urllib.request.urlopen(request, timeout=10) as response:
        status: int = response.status
    return status
