"""A plain OCPP-J log written by an independent client (plain `websockets`, no lab code) replays cleanly.

The client plays a 1.6 station against the lab's mock CSMS and writes each frame it sends or
receives as `<UTC timestamp> <frame>`, with no direction or version markers, as a field logger
does. `ocpplab replay FILE --station-id ID --diff` must infer the rest, send the station's
CALLs again, map the CSMS-assigned transaction id into the later frames, and find no difference.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import websockets

from ocpplab_desktop.cli import main
from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.model.events import EventBus

STAMP = "2026-12-06T10:00:00Z"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _field_session(url: str, lines: list[str]) -> int:
    """Run one charging session as an independent station, logging each frame in `lines`;
    returns the transaction id the CSMS gave."""
    ids = iter(range(1, 1000))
    async with websockets.connect(f"{url}/FIELD-1", subprotocols=[websockets.Subprotocol("ocpp1.6")]) as ws:

        async def call(action: str, payload: dict[str, Any]) -> dict[str, Any]:
            text = json.dumps([2, f"m{next(ids)}", action, payload])
            lines.append(f"{_now()} {text}")
            await ws.send(text)
            while True:
                answer = await asyncio.wait_for(ws.recv(), 10)
                lines.append(f"{_now()} {answer}")
                message = json.loads(answer)
                if message[0] == 2:  # a CSMS CALL in between: answered as a plain station would
                    reply = json.dumps([3, message[1], {"status": "Accepted"}])
                    lines.append(f"{_now()} {reply}")
                    await ws.send(reply)
                    continue
                assert message[0] == 3, answer
                result: dict[str, Any] = message[2]
                return result

        boot = await call("BootNotification", {"chargePointVendor": "Field", "chargePointModel": "Logger"})
        assert boot["status"] == "Accepted"
        for connector, status in ((0, "Available"), (1, "Available"), (1, "Preparing")):
            await call("StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": status})
        assert (await call("Authorize", {"idTag": "FIELD-TAG"}))["idTagInfo"]["status"] == "Accepted"
        started = await call(
            "StartTransaction", {"connectorId": 1, "idTag": "FIELD-TAG", "meterStart": 0, "timestamp": STAMP}
        )
        tx = int(started["transactionId"])
        await call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Charging"})
        for wh in (250, 500):
            sample = {"timestamp": STAMP, "sampledValue": [{"value": str(wh), "unit": "Wh"}]}
            await call("MeterValues", {"connectorId": 1, "transactionId": tx, "meterValue": [sample]})
        await call("StopTransaction", {"transactionId": tx, "meterStop": 750, "timestamp": STAMP, "reason": "Local"})
        await call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Finishing"})
    return tx


def test_a_log_written_by_an_independent_client_replays_with_no_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "field.log"

    lines: list[str] = []

    async def record() -> int:
        csms = MockCsms(EventBus(), port=0)
        await csms.start()
        try:
            return await _field_session(csms.url, lines)
        finally:
            await csms.stop()

    recorded_tx = asyncio.run(record())
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "lab.db"
    status = main(["replay", str(log), "--station-id", "FIELD-1", "--db", str(db), "--speed", "0", "--diff"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "11 of 11 CALLs replayed, 0 without an answer" in out, out
    assert "version 1.6 inferred" in out, out

    from ocpplab_desktop.store.store import Store

    with Store(db) as store:
        replay = max(s.id for s in store.list_sessions())
        sent = [f for f in store.frames(replay) if f.action in ("MeterValues", "StopTransaction") and f.message[0] == 2]
        started = next(f for f in store.frames(replay) if f.action == "StartTransaction" and f.message[0] == 3)
    new_tx = started.message[2]["transactionId"]
    assert {f.payload["transactionId"] for f in sent} == {new_tx}, "the new CSMS's id is quoted, not the recorded one"
    assert recorded_tx >= 1


def test_the_shipped_field_trace_replays_against_the_built_in_csms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ocpplab_desktop.paths import TRACES

    trace = TRACES / "field-session-16.log"
    args = ["replay", str(trace), "--station-id", "FIELD-1", "--db", str(tmp_path / "t.db"), "--speed", "0", "--diff"]
    assert main(args) == 0, capsys.readouterr().out
    assert "No differences" in capsys.readouterr().out
