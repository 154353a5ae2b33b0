"""A transaction whose token the CSMS refuses in its first answer, with the station set to keep it.

Lab stations of both versions against the lab's mock CSMS on loopback websockets, a real SQLite file,
the simulated clock at x100. What the station must do comes from the specifications:
- 1.6 section 4.8 (errata v4.0 wording): a non-Accepted idTagInfo in StartTransaction.conf stops the
  transaction (reason DeAuthorized) when StopTransactionOnInvalidId is true; when it is false the Charge
  Point only stops the energy delivery, after at most MaxEnergyOnInvalidId Wh (section 9.1).
- 2.0.1 E05: likewise with TxCtrlr.StopTxOnInvalidId and TxCtrlr.MaxEnergyOnInvalidId (E05.FR.03); the
  suspension is a TransactionEvent Updated with chargingState SuspendedEVSE.
The energy is read from what the station sent (MeterValues / TransactionEvent meter values), not from
the station's own objects, and the user or the CSMS can still end the transaction as usual.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_token_answers import answers, registered, sent, token_status
from waits import until

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import Refused, UserAction
from ocpplab_desktop.model.events import StationEvent
from ocpplab_desktop.protocol.frame import Frame, Side

V16, V201 = OcppVersion.V16, OcppVersion.V201
VERSIONS = pytest.mark.parametrize("version", [V16, V201], ids=["1.6", "2.0.1"])
REGISTER = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
SAMPLE_S = 10  # the sampled-values interval the tests set
ALLOWANCE_WH = 300  # at 22 kW: 49 simulated seconds
WIRE_WH = 0.05  # registers go on the wire rounded to 0.1 Wh: a sent value may exceed the true one by this


async def configure(lab: Lab, station: Station, stop: bool, max_energy_wh: int) -> None:
    """Set the two settings and a short sampled interval the way a CSMS does, and check they read back."""
    assert lab.csms is not None
    flag = "true" if stop else "false"
    if station.version is V16:
        settings = {
            "StopTransactionOnInvalidId": flag,
            "MaxEnergyOnInvalidId": str(max_energy_wh),
            "MeterValueSampleInterval": str(SAMPLE_S),
        }
        for key, value in settings.items():
            assert (await lab.csms.change_configuration(station.id, key, value))["status"] == "Accepted"
        read = await lab.csms.get_configuration(station.id, list(settings))
        assert {k["key"]: k["value"] for k in read["configurationKey"]} == settings
        return
    settings201 = {
        ("TxCtrlr", "StopTxOnInvalidId"): flag,
        ("TxCtrlr", "MaxEnergyOnInvalidId"): str(max_energy_wh),
        ("SampledDataCtrlr", "TxUpdatedInterval"): str(SAMPLE_S),
    }
    items = [{"component": {"name": c}, "variable": {"name": v}} for c, v in settings201]
    answer = await lab.csms.set_variables(
        station.id, [{**item, "attributeValue": value} for item, value in zip(items, settings201.values(), strict=True)]
    )
    assert [r["attributeStatus"] for r in answer["setVariableResult"]] == ["Accepted"] * 3
    read = await lab.csms.get_variables(station.id, items)
    assert [r.get("attributeValue") for r in read["getVariableResult"]] == list(settings201.values())


async def refused_start(lab: Lab, version: OcppVersion, stop: bool, max_energy_wh: int) -> Station:
    """A station set so, a token accepted at Authorize and refused (Blocked) in the transaction's first answer."""
    assert lab.csms is not None
    station = await registered(lab, version)
    await configure(lab, station, stop, max_energy_wh)
    assert "accepted" in await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-LATE")
    lab.csms.policy.blocked_tokens.add("TAG-LATE")  # the CSMS changes its mind before the transaction starts
    await station.act(1, 1, UserAction.PLUG_IN)
    first = "StartTransaction" if version is V16 else "TransactionEvent"
    await until(lambda: bool(answers(lab, first)) and bool(verdicts(lab)))
    assert token_status(answers(lab, first)[0]) == "Blocked"
    return station


def verdicts(lab: Lab) -> list[StationEvent]:
    """The station's notes on what it did with a transaction whose token was refused."""
    return [
        e for e in lab.seen  # type: ignore[attr-defined]
        if isinstance(e, StationEvent) and e.kind == "authorize" and e.detail.startswith("transaction ")
        and e.data.get("status") == "Blocked"
    ]  # fmt: skip


def samples(lab: Lab, station: Station) -> list[dict[str, float]]:
    """Each meter value the station sent in a transaction message, as {measurand: value}, in order."""
    found = []
    if station.version is V16:
        messages = sent(lab, "MeterValues") + sent(lab, "StopTransaction")
        values = [mv for m in messages for mv in m.get("meterValue", []) + m.get("transactionData", [])]
    else:
        values = [mv for e in sent(lab, "TransactionEvent") for mv in e.get("meterValue", [])]
    for mv in values:
        found.append({sv.get("measurand", REGISTER): float(sv["value"]) for sv in mv["sampledValue"]})
    return found


def wire(lab: Lab) -> list[Frame]:
    return [e for e in lab.seen if isinstance(e, Frame) and e.side is Side.STATION]  # type: ignore[attr-defined]


def refusal(lab: Lab) -> StationEvent:
    (kept,) = [e for e in verdicts(lab) if "kept" in e.detail]
    return kept


def statuses(lab: Lab, station: Station) -> list[str]:
    """1.6: the connector's StatusNotifications; 2.0.1: the transaction's charging states."""
    if station.version is V16:
        return [p["status"] for p in sent(lab, "StatusNotification") if p["connectorId"] == 1]
    return [e["transactionInfo"].get("chargingState") for e in sent(lab, "TransactionEvent")]


def suspended_event(lab: Lab) -> dict[str, Any]:
    """The first TransactionEvent that reports the charging state SuspendedEVSE."""
    events = sent(lab, "TransactionEvent")
    return next(e for e in events if e["transactionInfo"].get("chargingState") == "SuspendedEVSE")


def ended(lab: Lab, station: Station) -> tuple[str, float]:
    """(stop reason, meter at the stop) of the one transaction."""
    if station.version is V16:
        (stop,) = sent(lab, "StopTransaction")
        return stop["reason"], float(stop["meterStop"])
    (end,) = [e for e in sent(lab, "TransactionEvent") if e["eventType"] == "Ended"]
    return end["transactionInfo"]["stoppedReason"], samples(lab, station)[-1][REGISTER]


@VERSIONS
async def test_with_the_key_true_a_refused_token_still_ends_the_transaction_deauthorized(
    lab: Lab, version: OcppVersion
) -> None:
    station = await refused_start(lab, version, stop=True, max_energy_wh=ALLOWANCE_WH)
    connector = station.connector(1, 1)
    await until(lambda: not connector.tx_started)
    reason, _ = ended(lab, station)
    assert reason == "DeAuthorized"
    if version is V201:
        (end,) = [e for e in sent(lab, "TransactionEvent") if e["eventType"] == "Ended"]
        assert end["triggerReason"] == "Deauthorized"


@VERSIONS
async def test_with_the_key_false_a_refused_token_keeps_the_transaction_suspended_without_energy(
    lab: Lab, version: OcppVersion, schema_errors: Any
) -> None:
    assert lab.csms is not None
    station = await refused_start(lab, version, stop=False, max_energy_wh=0)
    connector = station.connector(1, 1)
    await until(lambda: connector.reported == "SuspendedEVSE" or connector.charging_state() == "SuspendedEVSE")
    at_refusal = refusal(lab).data["register_wh"]

    await lab.sleep_sim(5 * SAMPLE_S)
    assert connector.tx_started, "the transaction goes on"
    assert sent(lab, "StopTransaction") == [] and all(e["eventType"] != "Ended" for e in sent(lab, "TransactionEvent"))
    assert lab.csms.stations[station.id].active_transactions()
    if version is V16:
        assert statuses(lab, station)[-2:] == ["Charging", "SuspendedEVSE"]
    else:
        event = suspended_event(lab)
        assert (event["eventType"], event["triggerReason"]) == ("Updated", "ChargingStateChanged")
    later = samples(lab, station)[-4:]
    assert len(later) == 4, "periodic samples go on while suspended"
    assert all(s[POWER] == 0 for s in later)
    assert all(s[REGISTER] == pytest.approx(at_refusal, abs=1) for s in later), "no energy after the refusal"

    # The user ends it as usual: by the Stop button, reason Local.
    await station.act(1, 1, UserAction.STOP)
    await until(lambda: not lab.csms.stations[station.id].active_transactions())  # type: ignore[union-attr]
    reason, meter_stop = ended(lab, station)
    assert reason == "Local"
    assert meter_stop == pytest.approx(at_refusal, abs=1)
    assert schema_errors(wire(lab), version.value) == []


@VERSIONS
async def test_with_the_key_false_and_max_energy_the_station_delivers_the_allowance_then_suspends(
    lab: Lab, version: OcppVersion, schema_errors: Any
) -> None:
    assert lab.csms is not None
    station = await refused_start(lab, version, stop=False, max_energy_wh=ALLOWANCE_WH)
    connector = station.connector(1, 1)
    at_refusal = refusal(lab).data["register_wh"]
    assert connector.tx_started and connector.status() in ("Charging", "Occupied")
    await until(lambda: connector.reported == "SuspendedEVSE" or connector.charging_state() == "SuspendedEVSE")

    await lab.sleep_sim(3 * SAMPLE_S)
    delivered = station.meter(connector).energy_wh - at_refusal
    assert ALLOWANCE_WH - 1 <= delivered <= ALLOWANCE_WH, "the allowance, and no more"
    during = [s for s in samples(lab, station) if POWER in s and s[REGISTER] < at_refusal + ALLOWANCE_WH - 1]
    assert any(s[POWER] > 0 for s in during), "energy flowed while the allowance lasted"
    after = samples(lab, station)[-2:]
    assert all(s[POWER] == 0 for s in after)
    assert all(at_refusal + ALLOWANCE_WH - 1 <= s[REGISTER] <= at_refusal + ALLOWANCE_WH + WIRE_WH for s in after)
    if version is V16:
        assert statuses(lab, station)[-2:] == ["Charging", "SuspendedEVSE"]
    else:
        event = suspended_event(lab)
        assert (event["eventType"], event["triggerReason"]) == ("Updated", "ChargingStateChanged")

    # The CSMS ends it as usual: a remote stop, reason Remote.
    tx_id = connector.tx_id
    assert tx_id is not None
    assert (await lab.csms.remote_stop(station.id, tx_id))["status"] == "Accepted"
    await until(lambda: not lab.csms.stations[station.id].active_transactions())  # type: ignore[union-attr]
    reason, meter_stop = ended(lab, station)
    assert reason == "Remote"
    assert at_refusal + ALLOWANCE_WH - 1 <= meter_stop <= at_refusal + ALLOWANCE_WH + 0.5
    assert schema_errors(wire(lab), version.value) == []


@VERSIONS
async def test_evse_resume_does_not_give_back_the_energy_of_a_refused_token_unless_forced(
    lab: Lab, version: OcppVersion
) -> None:
    station = await refused_start(lab, version, stop=False, max_energy_wh=0)
    connector = station.connector(1, 1)
    await until(lambda: connector.evse_suspended)
    rule = station.refusal(connector, UserAction.EVSE_RESUME)
    assert rule is not None and "refused this transaction's token" in rule, "the card greys the button out"
    with pytest.raises(Refused, match="refused this transaction's token"):
        await station.act(1, 1, UserAction.EVSE_RESUME)
    assert connector.evse_suspended and not connector.drawing
    # A tester may still force it (a negative test of the CSMS), and it is recorded as forced.
    await station.act(1, 1, UserAction.EVSE_RESUME, force=True)
    assert connector.drawing
    assert any(isinstance(e, StationEvent) and e.kind == "forced" for e in lab.seen)  # type: ignore[attr-defined]
