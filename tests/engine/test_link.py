"""The link: boot, back-off on the simulated clock, and offline periods (1.6 4.2/4.7, 2.0.1 B01-B03/E12)."""

from __future__ import annotations

from rig import Bench, bench, settle

from ocpplab_desktop.csms.policy import BootRule
from ocpplab_desktop.engine.link import Backoff
from ocpplab_desktop.model.auth_cache import TokenInfo
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.protocol.frame import MessageType

V16, V201 = OcppVersion.V16, OcppVersion.V201


def boots(rig: Bench) -> int:
    return sum(1 for w in rig.wire() if w == ("->", "CALL", "BootNotification"))


async def test_a_dropped_connection_is_retried_after_a_back_off_in_simulated_time() -> None:
    async with bench(V16) as rig:
        rig.station.link.backoff = Backoff(first_s=10.0, maximum_s=10.0)
        await rig.csms.endpoint(rig.station.id).connection.close(1011, "CSMS restarting")  # type: ignore[union-attr]
        await settle()
        (reconnect,) = rig.notes("reconnect")
        delay = reconnect.data["delay_s"]
        assert 5.0 <= delay <= 10.0 and not rig.station.connected
        await rig.step(delay - 0.01)
        assert boots(rig) == 1, "no attempt before the back-off has passed in simulated time"
        await rig.step(0.02)
        assert boots(rig) == 2 and rig.station.registration == "Accepted"


async def test_a_pending_boot_is_repeated_after_its_interval_and_nothing_else_is_sent() -> None:
    async with bench(V201, start=False) as rig:
        rig.csms.policy.station_boot[rig.station.id] = BootRule("Pending", 40)
        rig.station.start()
        await settle()
        await rig.step(39)
        assert rig.wire() == [("->", "CALL", "BootNotification"), ("<-", "RESULT", "BootNotification")]
        rig.csms.policy.station_boot.clear()
        await rig.step(1)
        assert boots(rig) == 2 and rig.station.online
        assert rig.wire()[4] == ("->", "CALL", "StatusNotification"), "statuses only after the accepted boot"


async def test_offline_the_station_charges_on_and_delivers_its_queued_transaction_messages_in_order() -> None:
    async with bench(V16) as rig:
        station = rig.station
        await station.disconnect()
        await settle()
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-OFF")  # refused offline: no cache
        assert station.connector(1, 1).tx_id is None
        rig.station.authorizer.cache.remember("TAG-OK", TokenInfo("Accepted"), rig.clock.utc_now(), None)
        station.dialect.keys.change("LocalAuthorizeOffline", "true")  # type: ignore[attr-defined]
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-OK")
        await rig.step(60)
        await station.act(1, 1, UserAction.STOP)
        assert station.queued == 3 and station.outbox.actions == ["StartTransaction", "MeterValues", "StopTransaction"]
        mark = rig.mark()
        await rig.step(600)
        assert rig.wire_since(mark) == [], "no connection attempt while the link is down"
        station.connect()
        await settle()
        sent = [w[2] for w in rig.wire_since(mark) if w[:2] == ("->", "CALL")]
        assert sent[:4] == ["BootNotification", "StartTransaction", "MeterValues", "StopTransaction"]
        start_answer = rig.payloads("StartTransaction", kind=MessageType.CALLRESULT)[0]
        (stop,) = rig.payloads("StopTransaction")
        (meter,) = rig.payloads("MeterValues")
        assert stop["transactionId"] == meter["transactionId"] == start_answer["transactionId"]


async def test_a_station_that_never_reached_its_csms_samples_a_transaction_started_offline() -> None:
    async with bench(V16, start=False, config_keys={"AllowOfflineTxForUnknownId": "true"}) as rig:
        station = rig.station
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-NEW")
        await rig.step(120)  # MeterValueSampleInterval 60, counted from the start of the transaction
        assert station.outbox.actions == ["StartTransaction", "MeterValues", "MeterValues"]
        station.start()
        await settle()
        sent = [w[2] for w in rig.wire() if w[:2] == ("->", "CALL")]
        assert sent[:4] == ["BootNotification", "StartTransaction", "MeterValues", "MeterValues"]
        stamps = [p["meterValue"][0]["timestamp"] for p in rig.payloads("MeterValues")]
        assert stamps == ["2027-01-15T08:01:00.000Z", "2027-01-15T08:02:00.000Z"], "stamped when sampled"
