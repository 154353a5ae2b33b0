"""The remaining CSMS services of a 2.0.1 charging station: GetTransactionStatus (E14), CostUpdated (I05),
CustomerInformation with NotifyCustomerInformation (N09/N10), SetNetworkProfile (B09) and
SecurityEventNotification (A04) for the security events the lab causes.

A part of `ChargingStation201` (which inherits it); it sits before `Dialect` so that it sees every
TransactionEvent the station queues and can tell a CSMS which of them still wait (E14).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from ocpp.routing import on
from ocpp.v201 import call, call_result
from ocpp.v201.enums import (
    Action,
    CustomerInformationStatusEnumType,
    SetNetworkProfileStatusEnumType,
)

from ocpplab_desktop.model.device_model import DeviceModel
from ocpplab_desktop.model.network_profile import COMPONENT, profile_problem, slot_values
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.dialect import Dialect

NOTIFY_DATA_LENGTH = 512  # NotifyCustomerInformationRequest.data


class Services201(Dialect):
    """GetTransactionStatus, CostUpdated, CustomerInformation, SetNetworkProfile, security events."""

    model: DeviceModel

    def _start_services(self) -> None:
        self._waiting: Counter[str] = Counter()
        """Transaction id -> its TransactionEvents queued and not yet answered."""

    # --- E14: which transaction messages still wait ---------------------------------------------------
    def _queue(
        self, payload: Any, *, on_answer: Callable[[dict[str, Any]], None] | None = None
    ) -> asyncio.Future[dict[str, Any]]:
        answer = super()._queue(payload, on_answer=on_answer)
        if isinstance(payload, call.TransactionEvent):
            tx = str(payload.transaction_info["transaction_id"])
            self._waiting[tx] += 1
            answer.add_done_callback(lambda _answer: self._delivered(tx))
        return answer

    def _delivered(self, tx: str) -> None:
        self._waiting[tx] -= 1
        if self._waiting[tx] <= 0:
            del self._waiting[tx]

    @on(Action.get_transaction_status)
    def on_get_transaction_status(
        self, transaction_id: str | None = None, **_: Any
    ) -> call_result.GetTransactionStatus:
        # E14.FR.01-06: ongoingIndicator only for a named transaction; messagesInQueue for it, or for any.
        if transaction_id is None:
            return call_result.GetTransactionStatus(messages_in_queue=bool(self._waiting))
        ongoing = any(c.tx_started and c.tx_id == transaction_id for c in self.station.connectors)
        return call_result.GetTransactionStatus(
            messages_in_queue=self._waiting[transaction_id] > 0, ongoing_indicator=ongoing
        )

    # --- I05 ----------------------------------------------------------------------------------------------
    @on(Action.cost_updated)
    def on_cost_updated(self, total_cost: float, transaction_id: str, **_: Any) -> call_result.CostUpdated:
        self.station.cost_updated(transaction_id, float(total_cost))
        return call_result.CostUpdated()

    # --- N09/N10 ------------------------------------------------------------------------------------------
    @on(Action.customer_information)
    def on_customer_information(
        self,
        *,
        request_id: int,
        report: bool,
        clear: bool,
        customer_certificate: dict[str, Any] | None = None,
        id_token: dict[str, Any] | None = None,
        customer_identifier: str | None = None,
        **_: Any,
    ) -> call_result.CustomerInformation:
        given = [x for x in (customer_certificate, id_token, customer_identifier) if x is not None]
        if len(given) != 1 or not (report or clear):
            # N09: exactly one way to name the customer, and something to do.
            return call_result.CustomerInformation(status=CustomerInformationStatusEnumType.invalid)
        if customer_certificate is not None:
            # The lab keeps no customer certificates (ISO 15118 comes with the certificate issue).
            return call_result.CustomerInformation(status=CustomerInformationStatusEnumType.rejected)
        token = str(id_token["id_token"]) if id_token is not None else str(customer_identifier)
        found = self.station.customer_data(token) if report else []
        if clear:
            self.station.forget_customer(token)
        self.station.spawn(self._notify_customer_information(request_id, token, found, report, clear))
        return call_result.CustomerInformation(status=CustomerInformationStatusEnumType.accepted)

    async def _notify_customer_information(
        self, request_id: int, token: str, found: list[str], report: bool, clear: bool
    ) -> None:
        # N09/N10: the report (or, for a clear without report, its confirmation) in parts of at most
        # 512 characters, seqNo from 0, tbc on all but the last.
        lines = found if report else [f"customer {token}: cleared"]
        if report and not found:
            lines = [f"customer {token}: no data kept"]
        elif clear and report:
            lines = [*lines, f"customer {token}: cleared"]
        parts = [line[:NOTIFY_DATA_LENGTH] for line in lines]
        for seq_no, part in enumerate(parts):
            await self.station.send(
                "NotifyCustomerInformation",
                {
                    "data": part,
                    "tbc": seq_no < len(parts) - 1,
                    "seqNo": seq_no,
                    "generatedAt": self.station.now_iso(),
                    "requestId": request_id,
                },
                validate=False,
            )

    # --- B09 ----------------------------------------------------------------------------------------------
    @on(Action.set_network_profile)
    def on_set_network_profile(
        self, configuration_slot: int, connection_data: dict[str, Any], **_: Any
    ) -> call_result.SetNetworkProfile:
        data = to_wire(connection_data)
        problem = profile_problem(configuration_slot, data, self.model.get_int("SecurityCtrlr", "SecurityProfile"))
        if problem is not None:
            self.station.note("network_profile", f"SetNetworkProfile slot {configuration_slot} rejected: {problem}")
            return call_result.SetNetworkProfile(status=SetNetworkProfileStatusEnumType.rejected)
        for variable, value in slot_values(data).items():
            self.model.update_actual(COMPONENT, variable, value, component_instance=str(configuration_slot))
        self.station.note("network_profile", f"network profile stored in slot {configuration_slot}")
        # A05/A04: a new connection profile reconfigures security parameters.
        self.station.spawn(
            self.security_event("ReconfigurationOfSecurityParameters", f"SetNetworkProfile slot {configuration_slot}")
        )
        return call_result.SetNetworkProfile(status=SetNetworkProfileStatusEnumType.accepted)
