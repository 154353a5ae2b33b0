"""The mock CSMS's answers to OCPP 2.0.1 charging stations (every CSMS-bound message of part 2).

Only what 2.0.1 does differently; the answers both versions share are in `handlers.py`.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.datatypes import IdTokenInfoType
from ocpp.v201.enums import (
    Action,
    GenericStatusEnumType,
    GetCertificateStatusEnumType,
    Iso15118EVCertificateStatusEnumType,
    MeasurandEnumType,
    NotifyEVChargingNeedsStatusEnumType,
    ReasonEnumType,
    TransactionEventEnumType,
)

from ocpplab_desktop.csms.handlers import CsmsHandlers, acknowledging
from ocpplab_desktop.csms.state import ConnectorStatus, Transaction
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol.codec import to_wire

ENERGY_REGISTER = MeasurandEnumType.energy_active_import_register


@acknowledging(
    Action.notify_event,
    Action.notify_charging_limit,
    Action.cleared_charging_limit,
    Action.report_charging_profiles,
    Action.notify_monitoring_report,
    Action.notify_customer_information,
    Action.notify_display_messages,
    Action.reservation_status_update,
    Action.publish_firmware_status_notification,
)
class CsmsHandlers201(CsmsHandlers):
    version = OcppVersion.V201
    results = call_result

    def _id_token_info(self, id_token: dict[str, Any]) -> IdTokenInfoType:
        return IdTokenInfoType(status=self.policy.token_status(str(id_token["id_token"])))

    @on(Action.authorize)
    def on_authorize(self, id_token: dict[str, Any], **_: Any) -> call_result.Authorize:
        return call_result.Authorize(id_token_info=self._id_token_info(id_token))

    @on(Action.status_notification)
    def on_status_notification(
        self, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **_: Any
    ) -> call_result.StatusNotification:
        self.state.evse_connectors[(evse_id, connector_id)] = ConnectorStatus(connector_status, timestamp=timestamp)
        return call_result.StatusNotification()

    @on(Action.transaction_event)
    def on_transaction_event(
        self,
        *,
        event_type: str,
        timestamp: str,
        seq_no: int,
        transaction_info: dict[str, Any],
        evse: dict[str, Any] | None = None,
        id_token: dict[str, Any] | None = None,
        meter_value: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> call_result.TransactionEvent:
        tx_id = str(transaction_info["transaction_id"])
        energy = energy_wh(meter_value) if meter_value else None
        tx = self.state.transactions.get(tx_id)
        if tx is None:
            # Normally eventType Started; a station that comes back from offline may send Updated/Ended first.
            tx = Transaction(
                id=tx_id,
                station_id=self.state.station_id,
                connector_id=None,
                started_at=timestamp,
                meter_start_wh=energy,
            )
            self._update(tx, seq_no, transaction_info, evse, id_token)
            self.started(tx)
        else:
            self._update(tx, seq_no, transaction_info, evse, id_token)
        if meter_value:
            self.record_meter(tx.evse_id, tx_id, meter_value)
        if event_type == TransactionEventEnumType.ended:
            # TransactionType.stoppedReason may be omitted only when it is Local.
            reason = transaction_info.get("stopped_reason") or ReasonEnumType.local
            self.ended(tx, stopped_at=timestamp, reason=reason, meter_stop_wh=energy)
        # TransactionEventResponse: idTokenInfo is required when the request contained an idToken.
        return call_result.TransactionEvent(id_token_info=self._id_token_info(id_token) if id_token else None)

    @staticmethod
    def _update(
        tx: Transaction,
        seq_no: int,
        info: dict[str, Any],
        evse: dict[str, Any] | None,
        id_token: dict[str, Any] | None,
    ) -> None:
        tx.seq_no = seq_no
        tx.charging_state = info.get("charging_state", tx.charging_state)
        tx.remote_start_id = info.get("remote_start_id", tx.remote_start_id)
        if evse is not None:
            tx.evse_id = evse["id"]
            tx.connector_id = evse.get("connector_id", tx.connector_id)
        if id_token is not None and tx.id_token is None:
            # The token that started the transaction; a later idToken (the one that stops it) is not kept.
            tx.id_token = str(id_token["id_token"])

    @on(Action.meter_values)
    def on_meter_values(self, evse_id: int, meter_value: list[dict[str, Any]], **_: Any) -> call_result.MeterValues:
        self.record_meter(evse_id, None, meter_value)
        return call_result.MeterValues()

    @on(Action.notify_report)
    def on_notify_report(
        self, request_id: int, seq_no: int, tbc: bool = False, report_data: list[dict[str, Any]] | None = None, **_: Any
    ) -> call_result.NotifyReport:
        # B07/B08: a report arrives in parts numbered by seqNo; tbc false marks the last part.
        report = self.state.report(request_id)
        report.report_data.extend(to_wire(report_data or []))
        report.parts = max(report.parts, seq_no + 1)
        report.complete = not tbc
        return call_result.NotifyReport()

    # The mock computes no charging schedules and holds no certificate authority or OCSP
    # responder: these requests get the refusal their messages define (part 2 sections K, A, M).
    @on(Action.notify_ev_charging_needs)
    def on_notify_ev_charging_needs(self, **_: Any) -> call_result.NotifyEVChargingNeeds:
        return call_result.NotifyEVChargingNeeds(status=NotifyEVChargingNeedsStatusEnumType.rejected)

    @on(Action.notify_ev_charging_schedule)
    def on_notify_ev_charging_schedule(self, **_: Any) -> call_result.NotifyEVChargingSchedule:
        # The mock sets no limits, so whatever the EV plans is acceptable.
        return call_result.NotifyEVChargingSchedule(status=GenericStatusEnumType.accepted)

    @on(Action.get_15118_ev_certificate)
    def on_get_15118_ev_certificate(self, **_: Any) -> call_result.Get15118EVCertificate:
        return call_result.Get15118EVCertificate(status=Iso15118EVCertificateStatusEnumType.failed, exi_response="")

    @on(Action.get_certificate_status)
    def on_get_certificate_status(self, **_: Any) -> call_result.GetCertificateStatus:
        return call_result.GetCertificateStatus(status=GetCertificateStatusEnumType.failed)


def energy_wh(meter_value: list[dict[str, Any]]) -> float | None:
    """The last total Energy.Active.Import.Register reading in Wh, if the meter values carry one.

    SampledValueType (part 2, 2.45): measurand defaults to Energy.Active.Import.Register and the
    unit to Wh; `multiplier` is a power of ten.
    """
    found: float | None = None
    for entry in meter_value:
        for sample in entry.get("sampled_value", []):
            if sample.get("measurand", ENERGY_REGISTER) != ENERGY_REGISTER or sample.get("phase") is not None:
                continue
            unit = sample.get("unit_of_measure") or {}
            scale = 10.0 ** unit.get("multiplier", 0) * (1000.0 if unit.get("unit") == "kWh" else 1.0)
            found = float(sample["value"]) * scale
    return found
