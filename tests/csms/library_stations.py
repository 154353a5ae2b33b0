"""Stations written with nothing but the `ocpp` library (2.1.0) and websockets.

The mock CSMS is tested against these so that it is proven by a peer the lab did not write.
Their `call` is used with `suppress=False`: the library returns None on a CALLERROR otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import websockets
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as LibraryChargePoint16
from ocpp.v16 import call_result as r16
from ocpp.v16.enums import Action as Action16
from ocpp.v16.enums import ConfigurationStatus, RemoteStartStopStatus
from ocpp.v201 import ChargePoint as LibraryChargePoint201
from ocpp.v201 import call as c201
from ocpp.v201 import call_result as r201
from ocpp.v201.enums import Action as Action201
from ocpp.v201.enums import GenericDeviceModelStatusEnumType, RequestStartStopStatusEnumType

from ocpplab_desktop.csms.server import MockCsms


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Station16(LibraryChargePoint16):
    """A 1.6 charge point that records the operator commands it receives."""

    def __init__(self, station_id: str, ws: Any) -> None:
        super().__init__(station_id, ws, response_timeout=10)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @on(Action16.remote_start_transaction)
    def on_remote_start(self, **payload: Any) -> r16.RemoteStartTransaction:
        self.received.append(("RemoteStartTransaction", payload))
        return r16.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)

    @on(Action16.get_configuration)
    def on_get_configuration(self, **payload: Any) -> r16.GetConfiguration:
        self.received.append(("GetConfiguration", payload))
        return r16.GetConfiguration(configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "300"}])

    @on(Action16.change_configuration)
    def on_change_configuration(self, **payload: Any) -> r16.ChangeConfiguration:
        self.received.append(("ChangeConfiguration", payload))
        return r16.ChangeConfiguration(status=ConfigurationStatus.accepted)


class Station201(LibraryChargePoint201):
    """A 2.0.1 charging station that records commands and answers GetBaseReport with two report parts."""

    def __init__(self, station_id: str, ws: Any) -> None:
        super().__init__(station_id, ws, response_timeout=10)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @on(Action201.request_start_transaction)
    def on_request_start(self, **payload: Any) -> r201.RequestStartTransaction:
        self.received.append(("RequestStartTransaction", payload))
        return r201.RequestStartTransaction(status=RequestStartStopStatusEnumType.accepted)

    @on(Action201.get_variables)
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> r201.GetVariables:
        self.received.append(("GetVariables", {"get_variable_data": get_variable_data}))
        results = [
            {
                "attribute_status": "Accepted",
                "attribute_value": "300",
                "component": item["component"],
                "variable": item["variable"],
            }
            for item in get_variable_data
        ]
        return r201.GetVariables(get_variable_result=results)

    @on(Action201.get_base_report)
    def on_get_base_report(self, **payload: Any) -> r201.GetBaseReport:
        self.received.append(("GetBaseReport", payload))
        return r201.GetBaseReport(status=GenericDeviceModelStatusEnumType.accepted)

    @after(Action201.get_base_report)
    async def send_report(self, request_id: int, **_: Any) -> None:
        for seq_no, variable in enumerate(("HeartbeatInterval", "OfflineThreshold")):
            item = {
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": variable},
                "variable_attribute": [{"value": "300"}],
            }
            await self.call(
                c201.NotifyReport(
                    request_id=request_id, generated_at=now(), seq_no=seq_no, tbc=seq_no == 0, report_data=[item]
                ),
                suppress=False,
            )


@asynccontextmanager
async def connected(
    csms: MockCsms,
    station_class: type[Any],
    station_id: str,
    subprotocols: list[str] | None = None,
    **connect_options: Any,
) -> AsyncIterator[Any]:
    """A library station connected to `csms` and reading its messages until the block ends."""
    if subprotocols is None:
        subprotocols = ["ocpp1.6"] if issubclass(station_class, LibraryChargePoint16) else ["ocpp2.0.1"]
    async with websockets.connect(
        f"{csms.url}/{station_id}",
        subprotocols=[websockets.Subprotocol(p) for p in subprotocols],
        open_timeout=5,
        **connect_options,
    ) as ws:
        station = station_class(station_id, ws)
        reader = asyncio.ensure_future(station.start())
        try:
            yield station
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
