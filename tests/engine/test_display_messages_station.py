"""2.0.1 display messages end to end (part 2, O01-O06): the mock CSMS sets, reads and clears messages on a lab
station over the in-memory link; what each display shows follows priorities, states, the transaction and
the validity window on the simulated clock. Every frame is checked against the official schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rig import Bench, bench, settle

from ocpplab_desktop.model.config import OcppVersion, VariableSetting
from ocpplab_desktop.model.connector import UserAction

V201 = OcppVersion.V201
A = UserAction
Errors = Callable[[list[Any], str], list[str]]


def message(mid: int, text: str, priority: str = "NormalCycle", **extra: Any) -> dict[str, Any]:
    return {"id": mid, "priority": priority, "message": {"format": "UTF8", "content": text}, **extra}


async def put(rig: Bench, info: dict[str, Any]) -> str:
    answer = await rig.csms.send(rig.station.id, "SetDisplayMessage", {"message": info})
    return str(answer["status"])


def shown(rig: Bench, evse_id: int | None = 1) -> list[str]:
    return [m.content for m in rig.station.shown_messages(evse_id)]


def later(rig: Bench, seconds: float) -> str:
    now = datetime.fromisoformat(rig.station.now_iso().replace("Z", "+00:00"))
    return (now + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


async def test_messages_are_shown_by_priority_and_get_and_clear_answer_as_the_specification_says(
    schema_errors: Errors,
) -> None:
    async with bench(V201) as rig:
        assert await put(rig, message(1, "Welcome")) == "Accepted"
        assert await put(rig, message(2, "Tariff 0.30 EUR/kWh", "InFront")) == "Accepted"
        assert await put(rig, message(3, "Maintenance tonight", "AlwaysFront")) == "Accepted"
        assert shown(rig) == ["Maintenance tonight", "Tariff 0.30 EUR/kWh", "Welcome"]
        assert await put(rig, message(4, "Closed for cleaning", "AlwaysFront")) == "Accepted"
        assert shown(rig) == ["Closed for cleaning", "Tariff 0.30 EUR/kWh", "Welcome"], "a newer AlwaysFront replaces"
        assert await put(rig, message(1, "Welcome back")) == "Accepted"
        assert shown(rig)[-1] == "Welcome back", "the same id replaces the message"

        answer = await rig.csms.send(rig.station.id, "GetDisplayMessages", {"requestId": 5, "priority": "InFront"})
        assert answer["status"] == "Accepted"
        await settle()
        (notify,) = rig.payloads("NotifyDisplayMessages")
        assert (notify["requestId"], notify.get("tbc", False)) == (5, False)
        assert [m["id"] for m in notify["messageInfo"]] == [2]
        unknown = await rig.csms.send(rig.station.id, "GetDisplayMessages", {"requestId": 6, "id": [99]})
        assert unknown["status"] == "Unknown"

        assert (await rig.csms.send(rig.station.id, "ClearDisplayMessage", {"id": 2}))["status"] == "Accepted"
        assert (await rig.csms.send(rig.station.id, "ClearDisplayMessage", {"id": 2}))["status"] == "Unknown"
        assert shown(rig) == ["Closed for cleaning", "Welcome back"]
        count = await rig.csms.get_variables(
            rig.station.id, [{"component": {"name": "DisplayMessageCtrlr"}, "variable": {"name": "DisplayMessages"}}]
        )
        assert count["getVariableResult"][0]["attributeValue"] == "2"
        await settle()
        assert schema_errors(rig.frames(), V201.value) == []


async def test_a_message_shows_within_its_window_on_the_simulated_clock_and_is_gone_after(
    schema_errors: Errors,
) -> None:
    async with bench(V201) as rig:
        info = message(7, "Happy hour", startDateTime=later(rig, 60), endDateTime=later(rig, 180))
        assert await put(rig, info) == "Accepted"
        assert shown(rig) == []
        await rig.step(61)
        assert shown(rig) == ["Happy hour"]
        await rig.step(120)
        assert shown(rig) == []
        gone = await rig.csms.send(rig.station.id, "GetDisplayMessages", {"requestId": 1})
        assert gone["status"] == "Unknown", "an expired message is removed"
        assert schema_errors(rig.frames(), V201.value) == []


async def test_state_evse_and_transaction_decide_where_and_while_a_message_is_shown(schema_errors: Errors) -> None:
    async with bench(V201) as rig:
        unknown_tx = message(1, "Your session", transactionId="no-such-transaction")
        assert await put(rig, unknown_tx) == "UnknownTransaction"
        assert await put(rig, message(2, "Plug in to start", state="Idle")) == "Accepted"
        assert await put(rig, message(3, "EVSE 2 only", display={"name": "Display", "evse": {"id": 2}})) == "Accepted"
        assert shown(rig) == ["Plug in to start"]
        await rig.station.act(1, 1, A.PLUG_IN)
        await rig.station.act(1, 1, A.PRESENT_TOKEN, token="TAG-1")
        await settle()
        tx = rig.station.connector(1, 1).tx_id
        assert tx is not None
        assert await put(rig, message(4, "Charging at 22 kW", transactionId=tx, state="Charging")) == "Accepted"
        assert shown(rig) == ["Charging at 22 kW"], "the Idle message is not shown while charging"
        await rig.station.act(1, 1, A.STOP)
        await settle()
        assert shown(rig) == ["Plug in to start"], "the transaction's message ended with it"
        assert schema_errors(rig.frames(), V201.value) == []


async def test_an_unsupported_priority_or_format_is_refused_with_its_status(schema_errors: Errors) -> None:
    only_normal = VariableSetting("DisplayMessageCtrlr", "SupportedPriorities", "NormalCycle")
    only_ascii = VariableSetting("DisplayMessageCtrlr", "SupportedFormats", "ASCII")
    async with bench(V201, variables=(only_normal, only_ascii)) as rig:
        assert await put(rig, message(1, "Hi", "AlwaysFront")) == "NotSupportedMessageFormat"
        ascii_front = message(1, "Hi", "AlwaysFront") | {"message": {"format": "ASCII", "content": "Hi"}}
        assert await put(rig, ascii_front) == "NotSupportedPriority"
        assert await put(rig, ascii_front | {"priority": "NormalCycle"}) == "Accepted"
        assert schema_errors(rig.frames(), V201.value) == []
