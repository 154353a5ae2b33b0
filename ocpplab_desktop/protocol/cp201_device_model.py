"""The device model's messages of a 2.0.1 charging station (part 2, functional block B: B06-B08).

A part of `ChargingStation201` (which inherits it): GetVariables, SetVariables, GetBaseReport and
GetReport, the reports sent as NotifyReport split by ItemsPerMessage. The variables and their rules
are `model.device_model`.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action, GenericDeviceModelStatusEnumType

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.device_model import DeviceModel, TooManyItems, chunk_report
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.errors import Fault, RpcError
from ocpplab_desktop.protocol.station_port import StationPort

VERSION = OcppVersion.V201


class DeviceModel201:
    """Get/SetVariables and the base and custom reports of the station's device model."""

    station: StationPort
    model: DeviceModel

    @on(Action.get_variables)
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> call_result.GetVariables:
        try:
            return call_result.GetVariables(get_variable_result=self.model.get_variables(_camel(get_variable_data)))
        except TooManyItems as exc:
            # B06.FR.xx: more items than ItemsPerMessage[GetVariables] allows.
            raise RpcError.of(VERSION, Fault.OCCURRENCE, str(exc)) from exc

    @on(Action.set_variables)
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> call_result.SetVariables:
        try:
            return call_result.SetVariables(set_variable_result=self.model.set_variables(_camel(set_variable_data)))
        except TooManyItems as exc:
            raise RpcError.of(VERSION, Fault.OCCURRENCE, str(exc)) from exc

    @on(Action.get_base_report)
    def on_get_base_report(self, request_id: int, report_base: str, **_: Any) -> call_result.GetBaseReport:
        data = self.model.base_report(report_base)
        self.station.spawn(self._notify_report(request_id, data))
        return call_result.GetBaseReport(status=GenericDeviceModelStatusEnumType.accepted)

    @on(Action.get_report)
    def on_get_report(
        self,
        request_id: int,
        component_variable: list[dict[str, Any]] | None = None,
        component_criteria: list[str] | None = None,
        **_: Any,
    ) -> call_result.GetReport:
        data = self.model.report(_camel(component_variable) if component_variable else None, component_criteria)
        if not data:
            # B08.FR.07: nothing matches -> EmptyResultSet and no NotifyReport.
            return call_result.GetReport(status=GenericDeviceModelStatusEnumType.empty_result_set)
        self.station.spawn(self._notify_report(request_id, data))
        return call_result.GetReport(status=GenericDeviceModelStatusEnumType.accepted)

    async def _notify_report(self, request_id: int, data: list[dict[str, Any]]) -> None:
        # B07.FR.04-06: split over NotifyReport messages, tbc true on all but the last.
        per_message = self.model.get_int("DeviceDataCtrlr", "ItemsPerMessage", instance="GetReport")
        chunks = chunk_report(data, per_message) or [[]]
        for seq_no, chunk in enumerate(chunks):
            await self.station.send(
                "NotifyReport",
                {
                    "requestId": request_id,
                    "generatedAt": self.station.now_iso(),
                    "seqNo": seq_no,
                    "tbc": seq_no < len(chunks) - 1,
                    **({"reportData": chunk} if chunk else {}),
                },
            )


def _camel(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Handlers receive snake_case; the device model works on wire (camelCase) dicts."""
    result: list[dict[str, Any]] = to_wire(data)
    return result
