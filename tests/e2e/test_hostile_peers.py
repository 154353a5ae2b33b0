"""Both ends under a hostile peer: a lab station under a fuzzing CSMS, the mock CSMS under a fuzzing
station. Whatever arrives, the link stays up, every CALL with a readable id is answered to that id,
and every frame is stored exactly as received. The peers are plain websockets, not the lab's code.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hostile
import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from waits import until
from websockets.asyncio.server import ServerConnection, serve

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.model.templates import load_template

TEMPLATES = {"ocpp1.6": "ac-22kw-wallbox", "ocpp2.0.1": "ac-22kw-wallbox-v201"}


class FuzzingCsms:
    """A CSMS that answers the station's CALLs plainly and sends it hostile frames on demand."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.connections: list[ServerConnection] = []
        self.booted = asyncio.Event()

    async def handler(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        async for text in ws:
            message = json.loads(text)
            self.received.append(message)
            if message[0] != 2:
                continue
            action = message[2]
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if action == "BootNotification":
                answer: dict[str, Any] = {"currentTime": now, "interval": 300, "status": "Accepted"}
                self.booted.set()
            elif action == "Heartbeat":
                answer = {"currentTime": now}
            else:
                answer = {}
            await ws.send(json.dumps([3, message[1], answer]))

    def answered(self, uid: str) -> int:
        return sum(1 for m in self.received if m[0] in (3, 4) and m[1] == uid)


@asynccontextmanager
async def station_under_fuzzing_csms(tmp_path: Path, subprotocol: str) -> AsyncIterator[tuple[Lab, FuzzingCsms]]:
    csms = FuzzingCsms()
    async with serve(csms.handler, "127.0.0.1", 0, subprotocols=[websockets.Subprotocol(subprotocol)]) as server:
        port = server.sockets[0].getsockname()[1]
        lab = Lab(db_path=tmp_path / "station.db", csms_port=None, speed=1)
        await lab.start()
        try:
            config = replace(load_template(TEMPLATES[subprotocol]), id="FUZZED", csms_url=f"ws://127.0.0.1:{port}")
            lab.add_station(config)
            await asyncio.wait_for(csms.booted.wait(), 10)
            yield lab, csms
        finally:
            await lab.close()


def stored_raw(db: Path, direction: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT raw FROM frames WHERE direction = ? ORDER BY id", (direction,)).fetchall()
    return [row[0] for row in rows]


async def fuzz_station(tmp_path: Path, subprotocol: str, texts: list[str]) -> None:
    async with station_under_fuzzing_csms(tmp_path, subprotocol) as (lab, csms):
        (ws,) = csms.connections
        for text in texts:
            await ws.send(text)
        expected = [uid for uid in map(hostile.answerable_id, texts) if uid is not None]
        await until(lambda: all(csms.answered(uid) >= 1 for uid in expected), timeout=20)
        assert all(csms.answered(uid) == 1 for uid in expected), "exactly one answer per CALL"
        station = lab.stations["FUZZED"]
        assert station.connected and len(csms.connections) == 1, "the link was never dropped"
        boots = [m for m in csms.received if m[0] == 2 and m[2] == "BootNotification"]
        assert len(boots) == 1
        assert lab.recorder is not None
        lab.recorder.flush()
        received = stored_raw(tmp_path / "station.db", "to_station")
        assert [t for t in received if t in texts] == texts, "every hostile frame is stored as received"


@pytest.mark.parametrize("subprotocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_a_station_under_a_fuzzing_csms_answers_every_call_and_keeps_its_link(
    tmp_path: Path, subprotocol: str
) -> None:
    await fuzz_station(
        tmp_path, subprotocol, hostile.frames(seed=1611, count=400, corpus=hostile.TO_STATION[subprotocol])
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    subprotocol=st.sampled_from(["ocpp1.6", "ocpp2.0.1"]),
    seed=st.integers(0, 2**32),
    extra=st.lists(st.text(max_size=40), max_size=8),
)
def test_any_mix_of_hostile_and_arbitrary_text_leaves_the_station_answering(
    tmp_path_factory: pytest.TempPathFactory, subprotocol: str, seed: int, extra: list[str]
) -> None:
    texts = hostile.frames(seed, 40, hostile.TO_STATION[subprotocol]) + extra
    asyncio.run(fuzz_station(tmp_path_factory.mktemp("fuzz"), subprotocol, texts))


@pytest.mark.parametrize("subprotocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_the_mock_csms_under_a_fuzzing_station_answers_every_call_and_keeps_the_link(
    tmp_path: Path, subprotocol: str
) -> None:
    lab = Lab(db_path=tmp_path / "csms.db", csms_port=0, speed=1)
    await lab.start()
    try:
        assert lab.csms_url is not None
        url = f"{lab.csms_url}/FUZZER"
        async with websockets.connect(url, subprotocols=[websockets.Subprotocol(subprotocol)]) as ws:
            boot = TO_BOOT[subprotocol]
            await ws.send(json.dumps([2, "boot", "BootNotification", boot]))
            assert json.loads(await ws.recv())[2]["status"] == "Accepted"
            texts = hostile.frames(seed=2011, count=400, corpus=hostile.TO_CSMS[subprotocol])
            answers: dict[str, int] = {}
            expected = [uid for uid in map(hostile.answerable_id, texts) if uid is not None]

            async def read() -> None:
                async for text in ws:
                    message = json.loads(text)
                    if message[0] in (3, 4):
                        answers[message[1]] = answers.get(message[1], 0) + 1

            reader = asyncio.create_task(read())
            for text in texts:
                await ws.send(text)
            await until(lambda: all(uid in answers for uid in expected), timeout=20)
            reader.cancel()
            assert all(answers[uid] == 1 for uid in expected), "exactly one answer per CALL"
            assert ws.close_code is None, "the CSMS kept the link"
        assert lab.recorder is not None
        lab.recorder.flush()
        received = stored_raw(tmp_path / "csms.db", "to_csms")
        assert [t for t in received if t in texts] == texts, "every hostile frame is stored as received"
    finally:
        await lab.close()


TO_BOOT = {
    "ocpp1.6": {"chargePointVendor": "Fuzz", "chargePointModel": "Fuzzer"},
    "ocpp2.0.1": {"reason": "PowerUp", "chargingStation": {"vendorName": "Fuzz", "model": "Fuzzer"}},
}
