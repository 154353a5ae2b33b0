"""Operator commands of 2.0.1 only, as CALLs: monitoring (N02-N06), display messages (O01-O06),
GetTransactionStatus (E14), CostUpdated (I05), CustomerInformation (N09/N10), SetNetworkProfile (B09).

A part of `CommandBuilder` (which inherits it): a builder whose `actions` do not name a command (a 1.6
one) refuses it with `NotForThisVersion`, as for every command of one version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ocpplab_desktop.csms.commands import CommandIds, NotForThisVersion, WireCall


class ServiceCommands201:
    actions: ClassVar[Mapping[str, str]]
    ids: CommandIds

    if TYPE_CHECKING:

        def _wire(self, command: str, **fields: Any) -> WireCall: ...

        def _not_here(self, command: str) -> NotForThisVersion: ...

    def _build(self, command: str, **fields: Any) -> WireCall:
        if command not in self.actions:
            raise self._not_here(command)
        return self._wire(command, **fields)

    def _request_id(self, request_id: int | None) -> int:
        return request_id if request_id is not None else next(self.ids.request)

    # --- monitoring (N02-N06) -----------------------------------------------------------------------
    def set_variable_monitoring(self, items: list[dict[str, Any]]) -> WireCall:
        """`items`: SetMonitoringDataType dicts (component, variable, type, value, severity...)."""
        return self._build("set_variable_monitoring", set_monitoring_data=items)

    def clear_variable_monitoring(self, ids: Sequence[int]) -> WireCall:
        return self._build("clear_variable_monitoring", id=list(ids))

    def set_monitoring_base(self, base: str) -> WireCall:
        return self._build("set_monitoring_base", monitoring_base=base)

    def set_monitoring_level(self, severity: int) -> WireCall:
        return self._build("set_monitoring_level", severity=severity)

    def get_monitoring_report(
        self,
        *,
        request_id: int | None,
        criteria: Sequence[str] | None,
        items: list[dict[str, Any]] | None,
    ) -> WireCall:
        """The NotifyMonitoringReport parts that follow carry the request id (N02)."""
        return self._build(
            "get_monitoring_report",
            request_id=self._request_id(request_id),
            monitoring_criteria=list(criteria) if criteria else None,
            component_variable=items or None,
        )

    # --- display messages (O01-O06) ---------------------------------------------------------------------
    def set_display_message(self, message: dict[str, Any]) -> WireCall:
        """`message`: a MessageInfoType dict (id, priority, message: {format, content}...)."""
        return self._build("set_display_message", message=message)

    def get_display_messages(
        self, *, request_id: int | None, ids: Sequence[int] | None, priority: str | None, state: str | None
    ) -> WireCall:
        return self._build(
            "get_display_messages",
            request_id=self._request_id(request_id),
            id=list(ids) if ids else None,
            priority=priority,
            state=state,
        )

    def clear_display_message(self, message_id: int) -> WireCall:
        return self._build("clear_display_message", id=message_id)

    # --- transactions, cost, customers, network ----------------------------------------------------------
    def get_transaction_status(self, transaction_id: str | None) -> WireCall:
        return self._build("get_transaction_status", transaction_id=transaction_id)

    def cost_updated(self, total_cost: float, transaction_id: str) -> WireCall:
        return self._build("cost_updated", total_cost=total_cost, transaction_id=transaction_id)

    def customer_information(
        self,
        *,
        request_id: int | None,
        report: bool,
        clear: bool,
        id_token: str | None,
        token_type: str,
        customer_identifier: str | None,
    ) -> WireCall:
        return self._build(
            "customer_information",
            request_id=self._request_id(request_id),
            report=report,
            clear=clear,
            id_token=None if id_token is None else {"id_token": id_token, "type": token_type},
            customer_identifier=customer_identifier,
        )

    def set_network_profile(self, slot: int, connection_data: dict[str, Any]) -> WireCall:
        """`connection_data`: a NetworkConnectionProfileType dict (ocppVersion, ocppCsmsUrl...)."""
        return self._build("set_network_profile", configuration_slot=slot, connection_data=connection_data)
