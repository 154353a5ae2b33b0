"""The shipped demonstrations show what they say: a DC taper with rising SoC, a fault and its recovery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ocpplab_desktop.cli import main
from ocpplab_desktop.protocol.frame import Frame, MessageType, Side
from ocpplab_desktop.store.store import Store


def _calls(db: Path, action: str) -> list[Frame]:
    with Store(db) as store:
        return [
            f
            for f in store.frames(1)
            if f.action == action
            and f.message_type is MessageType.CALL
            and f.direction.value == "to_csms"
            and f.side is Side.STATION  # the CSMS's tap records the same frames as it received them
        ]


def _measure(event: dict[str, Any], measurand: str) -> float | None:
    for meter_value in event.get("meterValue", []):
        for sampled in meter_value["sampledValue"]:
            if sampled.get("measurand") == measurand and sampled.get("phase") is None:
                return float(sampled["value"])
    return None


def test_the_dc_demonstration_charges_at_full_power_then_tapers_as_the_soc_rises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "dc.db"
    assert main(["run", "demo-dc-taper-201", "--db", str(db), "--speed", "500"]) == 0, capsys.readouterr().out
    readings = [
        (soc, power)
        for f in _calls(db, "TransactionEvent")
        if (soc := _measure(f.payload, "SoC")) is not None and (power := _measure(f.payload, "Power.Active.Import"))
    ]
    assert len(readings) >= 20
    socs = [soc for soc, _ in readings]
    assert socs == sorted(socs) and socs[-1] - socs[0] >= 40, "the SoC rises over the session"
    peak = max(power for _, power in readings)
    assert 140_000 <= peak <= 150_000, "full power (the connector's 150 kW) while the battery is low"
    at_peak = next(i for i, (_, power) in enumerate(readings) if power == peak)
    later = [power for _, power in readings[at_peak:]]
    assert min(later) < 0.6 * peak, "the power tapers as the battery fills"
    assert later == sorted(later, reverse=True), "and only goes down once the taper has begun"


def test_the_fault_demonstration_ends_the_session_on_a_ground_fault_and_charges_again_after_recovery(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "fault.db"
    assert main(["run", "demo-fault-recovery-16", "--db", str(db), "--speed", "200"]) == 0, capsys.readouterr().out
    statuses = [(f.payload["status"], f.payload["errorCode"]) for f in _calls(db, "StatusNotification")]
    faulted = statuses.index(("Faulted", "GroundFailure"))
    assert ("Available", "NoError") in statuses[faulted:], "the connector is back in service after the fault"
    assert statuses[faulted:].count(("Charging", "NoError")) == 1, "and the next driver charges"
    stops = _calls(db, "StopTransaction")
    assert [f.payload["reason"] for f in stops] == ["Other", "Local"], "1.6 names a ground fault's stop Other"
