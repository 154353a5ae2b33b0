"""CSMS-initiated operations through the real station parts: availability, reset, unlock, trigger."""

from __future__ import annotations

from rig import Bench, bench, settle

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction

V16, V201 = OcppVersion.V16, OcppVersion.V201


async def charge(rig: Bench) -> None:
    await rig.station.act(1, 1, UserAction.PLUG_IN)
    await rig.station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
    await settle()


async def test_inoperative_during_a_transaction_is_scheduled_and_takes_effect_when_it_ends() -> None:
    async with bench(V16) as rig:
        await charge(rig)
        answer = await rig.csms.change_availability(rig.station.id, False, connector_id=1)
        assert answer["status"] == "Scheduled"  # 1.6 section 5.2
        await settle()
        c = rig.station.connector(1, 1)
        assert c.reported == "Charging"
        await rig.station.act(1, 1, UserAction.STOP)
        await rig.station.act(1, 1, UserAction.UNPLUG)
        assert c.reported == "Unavailable"


async def test_a_hard_reset_ends_the_transaction_with_reason_hard_reset_and_boots_again() -> None:
    async with bench(V16) as rig:
        await charge(rig)
        assert (await rig.csms.reset(rig.station.id, "Hard"))["status"] == "Accepted"
        await settle()
        (stop,) = rig.payloads("StopTransaction")
        assert stop["reason"] == "HardReset"
        assert [w[2] for w in rig.wire() if w[:2] == ("->", "CALL")].count("BootNotification") == 2
        assert rig.station.registration == "Accepted"


async def test_201_an_on_idle_reset_waits_until_the_transaction_has_ended() -> None:
    async with bench(V201) as rig:
        await charge(rig)
        assert (await rig.csms.reset(rig.station.id, "OnIdle"))["status"] == "Scheduled"
        await rig.step(30)
        boots = [w for w in rig.wire() if w == ("->", "CALL", "BootNotification")]
        assert len(boots) == 1, "no reset while the transaction runs (B12.FR.01)"
        await rig.station.act(1, 1, UserAction.STOP)
        await rig.step(2)
        boots = [w for w in rig.wire() if w == ("->", "CALL", "BootNotification")]
        assert len(boots) == 2
        assert rig.payloads("BootNotification")[-1]["reason"] == "RemoteReset"


async def test_16_unlock_during_a_transaction_stops_it_with_reason_unlock_command() -> None:
    async with bench(V16) as rig:
        await charge(rig)
        assert (await rig.csms.unlock_connector(rig.station.id, 1))["status"] == "Unlocked"
        await settle()
        (stop,) = rig.payloads("StopTransaction")
        assert stop["reason"] == "UnlockCommand"


async def test_a_triggered_status_notification_reports_the_current_status_in_each_version() -> None:
    for version, status_field in ((V16, "status"), (V201, "connectorStatus")):
        async with bench(version) as rig:
            await charge(rig)
            before = len(rig.payloads("StatusNotification"))
            kwargs = {"connector_id": 1} if version is V16 else {"evse_id": 1}
            answer = await rig.csms.trigger_message(rig.station.id, "StatusNotification", **kwargs)
            assert answer["status"] == "Accepted"
            await settle()
            triggered = rig.payloads("StatusNotification")[before:]
            assert [p[status_field] for p in triggered] == [rig.station.connector(1, 1).reported]
