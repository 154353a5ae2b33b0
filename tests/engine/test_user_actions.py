"""What a person at the station does, through the real station parts."""

from __future__ import annotations

import pytest
from rig import bench, settle

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import FaultInfo, Refused, UserAction

V16, V201 = OcppVersion.V16, OcppVersion.V201


async def test_an_action_the_state_forbids_is_refused_and_nothing_is_sent() -> None:
    async with bench(V16) as rig:
        mark = rig.mark()
        with pytest.raises(Refused, match="refused in state Available"):
            await rig.station.act(1, 1, UserAction.STOP)
        assert rig.wire_since(mark) == [] and rig.notes("refused")


async def test_a_forced_action_is_carried_out_and_recorded_as_forced() -> None:
    async with bench(V16) as rig:
        await rig.station.act(1, 1, UserAction.EV_SUSPEND, force=True)
        assert rig.notes("forced")


async def test_the_same_token_again_ends_the_session_with_reason_local() -> None:
    async with bench(V16) as rig:
        await rig.station.act(1, 1, UserAction.PLUG_IN)
        await rig.station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        await rig.station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        await settle()
        (stop,) = rig.payloads("StopTransaction")
        assert stop.get("reason", "Local") == "Local" and stop["idTag"] == "TAG-1"
        assert [w[2] for w in rig.wire()].count("Authorize") == 2, "one Authorize per presentation"


async def test_a_fault_is_reported_with_its_error_code_and_cleared_back_to_available() -> None:
    async with bench(V16) as rig:
        await rig.station.act(1, 1, UserAction.FAULT, fault=FaultInfo("GroundFailure", "RCD tripped"))
        await rig.station.act(1, 1, UserAction.CLEAR_FAULT)
        await settle()
        reports = [(p["status"], p["errorCode"]) for p in rig.payloads("StatusNotification")][-2:]
        assert reports == [("Faulted", "GroundFailure"), ("Available", "NoError")]
