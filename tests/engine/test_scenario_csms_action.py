"""A scenario's `csms` step sends any CSMS-initiated action of the station's version with a wire payload."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.scenario import ScenarioRunner, parse_scenario
from ocpplab_desktop.engine.scenario_schema import ScenarioError

PROFILE_16 = {
    "connectorId": 1,
    "csChargingProfiles": {
        "chargingProfileId": 7,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10}]},
    },
}


def _scenario(template: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"station": {"template": template, "id": "ACT-1"}, "speed": 100, "steps": steps}


@pytest.mark.parametrize(
    ("template", "action", "payload", "expect"),
    [
        ("ac-22kw-wallbox", "SetChargingProfile", PROFILE_16, {"status": "Accepted"}),
        ("ac-22kw-wallbox-v201", "ClearCache", {}, {"status": "Accepted"}),
        (
            "ac-22kw-wallbox-v201",
            "GetVariables",
            {"getVariableData": [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]},
            {"getVariableResult": [{"attributeStatus": "Accepted"}]},
        ),
    ],
)
async def test_a_csms_step_sends_an_arbitrary_action_and_checks_the_answer(
    template: str, action: str, payload: dict[str, Any], expect: dict[str, Any]
) -> None:
    steps = [
        {"wait_until": {"registration": "Accepted"}},
        {"csms": {"action": action, "payload": payload, "expect": expect}},
        {"expect_frame": {"action": action, "direction": "to_station", "payload": payload}},
    ]
    lab = Lab(speed=100, csms_port=0)
    await lab.start()
    try:
        report = await asyncio.wait_for(ScenarioRunner(lab, parse_scenario(_scenario(template, steps))).run(), 60)
    finally:
        await lab.close()
    assert report.ok, report.render()
    assert report.results[1].detail.startswith(f"{action} -> ")


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        ({"action": "BootNotification", "payload": {}}, "'BootNotification' is not an action a CSMS sends"),
        ({"action": "GetVariables", "payload": {}}, "is not an action a CSMS sends to an OCPP 1.6 station"),
        ({"action": "Reset", "payload": {"type": "Sideways"}}, "payload: Reset: type must be one of ['Hard', 'Soft']"),
        ({"action": "Reset", "payload": {}}, "payload: Reset: payload must contain ['type'] properties"),
        ({"action": "Reset", "type": "Hard"}, "an action takes its fields in payload"),
        ({"command": "reset", "action": "Reset"}, "either a command"),
    ],
)
def test_an_action_step_is_checked_against_the_official_schema_when_the_scenario_loads(
    step: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(_scenario("ac-22kw-wallbox", [{"csms": step}]))
    assert problem in str(raised.value)
