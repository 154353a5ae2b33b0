"""The mock CSMS's 2.0.1 operator commands for monitoring, display messages, GetTransactionStatus,
CostUpdated, CustomerInformation and SetNetworkProfile (builders in `commands201_services.py`).

A part of `MockCsms` (which inherits it). What the station sends after an answer (NotifyMonitoringReport,
NotifyDisplayMessages, NotifyCustomerInformation) arrives as CALLs of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ocpp.v201.enums import IdTokenEnumType

from ocpplab_desktop.csms.commands import CommandBuilder, WireCall


class ServiceCommands:
    def commands(self, station_id: str) -> CommandBuilder:
        raise NotImplementedError  # MockCsms's

    async def _run(self, station_id: str, call: WireCall) -> dict[str, Any]:
        raise NotImplementedError  # MockCsms's

    async def set_variable_monitoring(self, station_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """SetVariableMonitoring (N04); `items` are SetMonitoringDataType dicts."""
        return await self._run(station_id, self.commands(station_id).set_variable_monitoring(items))

    async def clear_variable_monitoring(self, station_id: str, ids: Sequence[int]) -> dict[str, Any]:
        return await self._run(station_id, self.commands(station_id).clear_variable_monitoring(ids))

    async def set_monitoring_base(self, station_id: str, base: str) -> dict[str, Any]:
        """SetMonitoringBase (N03): All, FactoryDefault or HardWiredOnly."""
        return await self._run(station_id, self.commands(station_id).set_monitoring_base(base))

    async def set_monitoring_level(self, station_id: str, severity: int) -> dict[str, Any]:
        """SetMonitoringLevel (N05): events up to this severity (0-9) are reported."""
        return await self._run(station_id, self.commands(station_id).set_monitoring_level(severity))

    async def get_monitoring_report(
        self,
        station_id: str,
        *,
        request_id: int | None = None,
        criteria: Sequence[str] | None = None,
        items: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """GetMonitoringReport (N02); the monitors follow in NotifyMonitoringReport."""
        call = self.commands(station_id).get_monitoring_report(request_id=request_id, criteria=criteria, items=items)
        return await self._run(station_id, call)

    async def set_display_message(self, station_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """SetDisplayMessage (O01/O02); `message` is a MessageInfoType dict."""
        return await self._run(station_id, self.commands(station_id).set_display_message(message))

    async def get_display_messages(
        self,
        station_id: str,
        *,
        request_id: int | None = None,
        ids: Sequence[int] | None = None,
        priority: str | None = None,
        state: str | None = None,
    ) -> dict[str, Any]:
        """GetDisplayMessages (O04); the messages follow in NotifyDisplayMessages."""
        call = self.commands(station_id).get_display_messages(
            request_id=request_id, ids=ids, priority=priority, state=state
        )
        return await self._run(station_id, call)

    async def clear_display_message(self, station_id: str, message_id: int) -> dict[str, Any]:
        return await self._run(station_id, self.commands(station_id).clear_display_message(message_id))

    async def get_transaction_status(self, station_id: str, transaction_id: str | None = None) -> dict[str, Any]:
        """GetTransactionStatus (E14); without a transaction: whether any transaction message waits."""
        return await self._run(station_id, self.commands(station_id).get_transaction_status(transaction_id))

    async def cost_updated(self, station_id: str, total_cost: float, transaction_id: str) -> dict[str, Any]:
        """CostUpdated (I05): the running total cost of a transaction."""
        return await self._run(station_id, self.commands(station_id).cost_updated(total_cost, transaction_id))

    async def customer_information(
        self,
        station_id: str,
        *,
        report: bool = True,
        clear: bool = False,
        id_token: str | None = None,
        token_type: str = IdTokenEnumType.iso14443,
        customer_identifier: str | None = None,
        request_id: int | None = None,
    ) -> dict[str, Any]:
        """CustomerInformation (N09/N10) of a token or customer identifier; the report follows in
        NotifyCustomerInformation."""
        call = self.commands(station_id).customer_information(
            request_id=request_id,
            report=report,
            clear=clear,
            id_token=id_token,
            token_type=token_type,
            customer_identifier=customer_identifier,
        )
        return await self._run(station_id, call)

    async def set_network_profile(self, station_id: str, slot: int, connection_data: dict[str, Any]) -> dict[str, Any]:
        """SetNetworkProfile (B09); `connection_data` is a NetworkConnectionProfileType dict."""
        return await self._run(station_id, self.commands(station_id).set_network_profile(slot, connection_data))
