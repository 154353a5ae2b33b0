"""Whole charging sessions, deterministic: the real station parts and the real mock CSMS on an
in-memory link, a clock stepped by hand, message ids from a counter. Each test asserts the exact
frame sequence a station puts on the wire, in order, and what the frames say."""

from __future__ import annotations

from rig import bench, settle

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.protocol.frame import MessageType, Side

V16, V201 = OcppVersion.V16, OcppVersion.V201


def exchange(action: str) -> list[tuple[str, str, str]]:
    """A CALL of the station and the CSMS's CALLRESULT."""
    return [("->", "CALL", action), ("<-", "RESULT", action)]


def answered(action: str) -> list[tuple[str, str, str]]:
    """A CALL of the CSMS and the station's CALLRESULT."""
    return [("<-", "CALL", action), ("->", "RESULT", action)]


async def test_a_whole_16_session_puts_the_exact_frame_sequence_on_the_wire() -> None:
    async with bench(V16) as rig:
        station = rig.station
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        await rig.step(60)  # MeterValueSampleInterval of the template
        tx_id = station.connector(1, 1).tx_id
        assert tx_id is not None
        await rig.csms.remote_stop(station.id, tx_id)
        await settle()
        await station.act(1, 1, UserAction.UNPLUG)
        await settle()

        assert rig.wire() == [
            *exchange("BootNotification"),
            *exchange("StatusNotification"),  # connector 0 after the boot (1.6 section 4.2)
            *exchange("StatusNotification"),  # connector 1 Available
            *exchange("StatusNotification"),  # Preparing: cable in
            *exchange("Authorize"),
            *exchange("StartTransaction"),
            *exchange("StatusNotification"),  # Charging
            *exchange("MeterValues"),
            *answered("RemoteStopTransaction"),
            *exchange("StopTransaction"),
            *exchange("StatusNotification"),  # Finishing, not Available: the cable is still in
            *exchange("StatusNotification"),  # Available after the unplug
        ]
        statuses = [(p["connectorId"], p["status"]) for p in rig.payloads("StatusNotification")]
        assert statuses == [(0, "Available"), (1, "Available"), (1, "Preparing"), (1, "Charging"),
                            (1, "Finishing"), (1, "Available")]  # fmt: skip
        (stop,) = rig.payloads("StopTransaction")
        assert stop["reason"] == "Remote" and stop["transactionId"] == int(tx_id)
        (meter,) = rig.payloads("MeterValues")
        assert meter["transactionId"] == int(tx_id)
        assert meter["meterValue"][0]["timestamp"] == "2027-01-15T08:01:00.000Z", "sampled at 60 s, stamped then"
        energy = {v["measurand"]: float(v["value"]) for v in meter["meterValue"][0]["sampledValue"]}
        assert 0 < energy["Energy.Active.Import.Register"] <= 22080 * 60 / 3600 + 0.1
        assert not rig.frames(Side.STATION)[0].error and all(f.error is None for f in rig.frames())


async def test_a_whole_201_session_puts_the_exact_frame_sequence_on_the_wire() -> None:
    async with bench(V201) as rig:
        station = rig.station
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        await rig.step(60)  # TxUpdatedInterval
        tx_id = station.connector(1, 1).tx_id
        assert tx_id is not None
        await rig.csms.remote_stop(station.id, tx_id)
        await settle()
        await station.act(1, 1, UserAction.UNPLUG)
        await settle()

        assert rig.wire() == [
            *exchange("BootNotification"),
            *exchange("StatusNotification"),  # EVSE 1 connector 1 Available
            *exchange("StatusNotification"),  # Occupied: cable in
            *exchange("Authorize"),
            *exchange("TransactionEvent"),  # Started
            *exchange("TransactionEvent"),  # Updated, MeterValuePeriodic
            *answered("RequestStopTransaction"),
            *exchange("TransactionEvent"),  # Ended
            *exchange("StatusNotification"),  # Available after the unplug
        ]
        events = rig.payloads("TransactionEvent")
        assert [(e["eventType"], e["triggerReason"], e["seqNo"]) for e in events] == [
            ("Started", "Authorized", 0),
            ("Updated", "MeterValuePeriodic", 1),
            ("Ended", "RemoteStop", 2),
        ]
        assert {e["transactionInfo"]["transactionId"] for e in events} == {tx_id}
        assert events[2]["transactionInfo"]["stoppedReason"] == "Remote"
        assert events[0]["idToken"]["idToken"] == "TAG-1"
        assert [p["connectorStatus"] for p in rig.payloads("StatusNotification")] == [
            "Available", "Occupied", "Available"
        ]  # fmt: skip
        assert all(f.error is None for f in rig.frames())


async def test_the_csms_sees_the_same_frames_as_the_station_in_the_same_order() -> None:
    async with bench(V16) as rig:
        await rig.station.act(1, 1, UserAction.PLUG_IN)
        await rig.station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        await settle()
        station_side = [(f.raw, f.direction) for f in rig.frames(Side.STATION)]
        csms_side = [(f.raw, f.direction) for f in rig.frames(Side.CSMS)]
        assert station_side == csms_side and len(station_side) == 14


async def test_message_ids_come_from_the_injected_source() -> None:
    async with bench(V201) as rig:
        calls = [f for f in rig.frames() if f.message_type is MessageType.CALL]
        assert [f.unique_id for f in calls] == ["m1", "m2"]
