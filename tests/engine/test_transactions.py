"""Transactions through the real station parts: start points, refused tokens, timeouts, charging states."""

from __future__ import annotations

from dataclasses import replace

from rig import bench, settle

from ocpplab_desktop.model.auth_cache import TokenInfo
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.meter import EV_AC_11KW

V16, V201 = OcppVersion.V16, OcppVersion.V201
TX_START_EV_CONNECTED = {
    "component": {"name": "TxCtrlr"},
    "variable": {"name": "TxStartPoint"},
    "attributeValue": "EVConnected",
}


async def test_16_a_token_the_csms_blocks_in_the_start_answer_ends_the_transaction_deauthorized() -> None:
    async with bench(V16) as rig:
        station = rig.station
        await rig.csms.change_configuration(station.id, "LocalPreAuthorize", "true")
        station.authorizer.remember("TAG-X", TokenInfo("Accepted"))
        rig.csms.policy.blocked_tokens.add("TAG-X")  # the CSMS changed its mind since the cache entry
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-X")
        await settle()
        (stop,) = rig.payloads("StopTransaction")
        assert stop["reason"] == "DeAuthorized"
        assert station.authorizer.cache.lookup("TAG-X", rig.clock.utc_now()) == "Blocked"
        assert station.connector(1, 1).reported == "Finishing"


async def test_16_a_session_without_a_cable_is_cancelled_after_the_connection_timeout() -> None:
    async with bench(V16) as rig:
        station = rig.station
        timeout = station.dialect.connection_timeout
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        assert station.connector(1, 1).reported == "Preparing"
        await rig.step(timeout - 1)
        assert station.connector(1, 1).reported == "Preparing"
        await rig.step(1)
        assert station.connector(1, 1).reported == "Available" and rig.notes("timeout")
        assert rig.payloads("StartTransaction") == []


async def test_201_tx_start_point_ev_connected_starts_at_the_plug_and_reports_the_token_when_it_comes() -> None:
    async with bench(V201) as rig:
        station = rig.station
        answer = await rig.csms.set_variables(station.id, [TX_START_EV_CONNECTED])
        assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        await settle()
        events = [(e["eventType"], e["triggerReason"], e["transactionInfo"].get("chargingState"))
                  for e in rig.payloads("TransactionEvent")]  # fmt: skip
        assert events == [
            ("Started", "CablePluggedIn", "EVConnected"),
            ("Updated", "Authorized", "Charging"),
        ]
        assert rig.payloads("TransactionEvent")[1]["idToken"]["idToken"] == "TAG-1"


async def test_201_a_suspending_ev_is_reported_as_a_charging_state_change() -> None:
    async with bench(V201) as rig:
        station = rig.station
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        await station.act(1, 1, UserAction.EV_SUSPEND)
        await settle()
        last = rig.payloads("TransactionEvent")[-1]
        assert (last["triggerReason"], last["transactionInfo"]["chargingState"]) == (
            "ChargingStateChanged",
            "SuspendedEV",
        )


async def test_16_a_kept_refused_transaction_never_draws_past_max_energy_even_below_the_rating() -> None:
    # 1.6 section 4.8 / 9.1: StopTransactionOnInvalidId false, MaxEnergyOnInvalidId 100 Wh. The car takes
    # 11 kW of the 22 kW connector, so the station cannot foresee when the allowance runs out; checked
    # after every simulated second against the register at the refusal.
    async with bench(V16) as rig:
        station = rig.station
        station.options = replace(station.options, ev=EV_AC_11KW)
        await rig.csms.change_configuration(station.id, "StopTransactionOnInvalidId", "false")
        await rig.csms.change_configuration(station.id, "MaxEnergyOnInvalidId", "100")
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-X")
        rig.csms.policy.invalid_tokens.add("TAG-X")
        await station.act(1, 1, UserAction.PLUG_IN)
        await settle()
        c = station.connector(1, 1)
        (kept,) = [n for n in rig.notes("authorize") if "kept" in n.detail]
        cap = kept.data["register_wh"] + 100
        powers = []
        for _ in range(60):
            await rig.step(1)
            assert station.meter(c).energy_wh <= cap
            powers.append(station.meter(c).power_w)
        assert cap - station.meter(c).energy_wh < 0.01
        assert powers[0] == EV_AC_11KW.max_power_w and powers[-1] == 0
        assert c.tx_started and c.reported == "SuspendedEVSE" and rig.payloads("StopTransaction") == []


async def test_201_a_car_that_becomes_full_is_reported_by_charging_state_changed_before_any_periodic_update() -> None:
    # 2.0.1 E02: a new charging state is a TransactionEvent Updated with triggerReason ChargingStateChanged.
    # The sampling timer is what notices that the car is full; its own periodic TransactionEvent must not
    # carry the new state first (with triggerReason MeterValuePeriodic).
    async with bench(V201) as rig:
        station = rig.station
        # 11 kW into a battery 100 Wh from its target: full after about 33 simulated seconds of charging.
        nearly_full = replace(EV_AC_11KW, name="nearly full", battery_wh=10_000, soc_start=79.0, soc_target=80.0)
        station.options = replace(station.options, ev=nearly_full)
        answer = await rig.csms.set_variables(
            station.id,
            [
                {
                    "component": {"name": "SampledDataCtrlr"},
                    "variable": {"name": "TxUpdatedInterval"},
                    "attributeValue": "1",
                }
            ],
        )
        assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        c = station.connector(1, 1)
        for _ in range(120):  # simulated seconds, one at a time
            await rig.step(1)
            if c.charging_state() == "SuspendedEV":
                break
        assert c.charging_state() == "SuspendedEV", "the car got full"
        await rig.step(2)
        events = [
            (e["triggerReason"], e["transactionInfo"].get("chargingState")) for e in rig.payloads("TransactionEvent")
        ]
        first_full = next(i for i, (_, state) in enumerate(events) if state == "SuspendedEV")
        assert events[first_full][0] == "ChargingStateChanged", events
        assert [reason for reason, _ in events].count("ChargingStateChanged") == 1, "reported once"
