"""Power loss and clock faults (issue #14), deterministic: the real station and mock CSMS in memory."""

from __future__ import annotations

import pytest
from rig import bench, settle

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import Refused, UserAction
from ocpplab_desktop.protocol.frame import MessageType, Side

V16, V201 = OcppVersion.V16, OcppVersion.V201
ENDED = {V16: "StopTransaction", V201: "TransactionEvent"}


async def _charging(rig: object) -> None:
    station = rig.station  # type: ignore[attr-defined]
    await station.act(1, 1, UserAction.PLUG_IN)
    await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-PL")
    await rig.step(10)  # type: ignore[attr-defined]


@pytest.mark.parametrize("version", [V16, V201])
async def test_power_loss_mid_transaction_reports_it_after_the_power_up(version: OcppVersion) -> None:
    async with bench(version) as rig:
        station = rig.station
        await _charging(rig)
        c = station.connector(1, 1)
        tx_id = c.tx_id
        energy_at_loss = station.reading(c).energy_wh
        assert tx_id is not None and energy_at_loss > 0
        mark = rig.mark()

        await station.power_loss(120)
        await settle()
        assert not station.connected
        assert rig.frames()[mark:] == [], "no close frame, no last message: the power is just gone"
        with pytest.raises(Refused):
            await station.act(1, 1, UserAction.UNPLUG)
        closes = [e for e in rig.notes("disconnected")]
        assert closes and "1006" in closes[-1].detail, "the CSMS saw the link drop without a close handshake"

        await rig.step(119)
        assert rig.frames()[mark:] == [], "still off"
        await rig.step(1)
        await rig.step(1)
        assert station.registration == "Accepted"
        after = rig.frames()[mark:]
        calls = [f.action for f in after if f.message_type is MessageType.CALL and f.side is Side.STATION]
        assert calls[0] == "BootNotification"
        boot = after[0].payload
        if version is V201:
            assert boot["reason"] == "PowerUp"
            (ended,) = [p for p in rig.payloads("TransactionEvent") if p["eventType"] == "Ended"]
            assert ended["transactionInfo"]["transactionId"] == tx_id
            assert ended["transactionInfo"]["stoppedReason"] == "PowerLoss"
            assert ended["triggerReason"] == "AbnormalCondition"
        else:
            (stop,) = rig.payloads("StopTransaction")
            assert stop["reason"] == "PowerLoss" and stop["transactionId"] == int(tx_id)
            # The meter did not count while the power was off.
            assert stop["meterStop"] == round(energy_at_loss)
        assert ENDED[version] in calls
        assert not c.tx_started and c.plugged, "the cable is still in after the power comes back"
        assert [e.kind for e in rig.notes("power_loss")] == ["power_loss"]
        assert rig.notes("power_up")


@pytest.mark.parametrize("version", [V16, V201])
async def test_messages_queued_before_the_power_loss_go_out_after_it(version: OcppVersion) -> None:
    async with bench(version) as rig:
        station = rig.station
        await _charging(rig)
        await station.disconnect()  # offline first: the meter values of the next minutes queue
        await rig.step(120)
        queued = station.queued
        assert queued >= 1
        await station.power_loss(5)
        await rig.step(5)
        station.connect()  # the network was down before the power went
        await rig.step(1)
        await rig.step(1)
        assert station.queued == 0, "every queued transaction message was delivered after the reboot"
        actions = [f.action for f in rig.frames() if f.message_type is MessageType.CALL and f.side is Side.STATION]
        assert actions.count("BootNotification") == 2


@pytest.mark.parametrize("version", [V16, V201])
async def test_a_skewed_clock_shows_in_every_timestamp_and_a_jump_changes_it(version: OcppVersion) -> None:
    async with bench(version) as rig:
        station = rig.station
        station.set_clock_skew(-3600)
        mark = rig.mark()
        await station.act(1, 1, UserAction.PLUG_IN)
        await settle()
        status = [f.payload for f in rig.frames()[mark:] if f.action == "StatusNotification" and f.payload]
        stamp = status[0]["timestamp"]
        assert stamp.startswith("2027-01-15T07:00"), stamp  # the lab's clock says 08:00
        station.set_clock_skew(86_400)  # a jump of a day and an hour
        assert station.now_iso().startswith("2027-01-16T08:00")
        (note,) = rig.notes("clock_skew")[-1:]
        assert note.data == {"skew_s": 86_400, "previous_s": -3600.0}
