"""The mock CSMS's answers to OCPP 1.6J charge points (1.6 section 4, plus the security extension).

Only what 1.6 does differently; the answers both versions share are in `handlers.py`.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import Action, Reason

from ocpplab_desktop.csms.handlers import CsmsHandlers, keeping_status
from ocpplab_desktop.csms.state import ConnectorStatus, CsmsEvent, Transaction, TransactionStatus
from ocpplab_desktop.model.config import OcppVersion


class CsmsHandlers16(CsmsHandlers):
    version = OcppVersion.V16
    results = call_result

    def _id_tag_info(self, id_tag: str) -> IdTagInfo:
        return IdTagInfo(status=self.policy.token_status(id_tag))

    @on(Action.authorize)
    def on_authorize(self, id_tag: str, **_: Any) -> call_result.Authorize:
        return call_result.Authorize(id_tag_info=self._id_tag_info(id_tag))

    @on(Action.status_notification)
    def on_status_notification(
        self, connector_id: int, error_code: str, status: str, timestamp: str | None = None, **_: Any
    ) -> call_result.StatusNotification:
        self.state.connectors[connector_id] = ConnectorStatus(status, error_code, timestamp)
        return call_result.StatusNotification()

    @on(Action.start_transaction)
    def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_: Any
    ) -> call_result.StartTransaction:
        # 1.6 section 4.8: the Central System assigns the transaction id, whatever the idTag status;
        # the Charge Point ends the transaction itself when the status is not Accepted.
        resent = self._same_start(connector_id, id_tag, meter_start, timestamp)
        if resent is not None:
            # A Charge Point sends a transaction message again when no answer came (section 4.7): the
            # answer was lost, not the transaction. The same id again, so that one transaction stays one.
            self.note(
                CsmsEvent.TRANSACTION_RESENT,
                f"StartTransaction of transaction {resent.id} received again; answered with the same id",
                transaction_id=resent.id,
            )
            return call_result.StartTransaction(transaction_id=resent.id, id_tag_info=self._id_tag_info(id_tag))
        tx_id = self.next_transaction_id()
        self.started(
            Transaction(
                id=tx_id,
                station_id=self.state.station_id,
                connector_id=connector_id,
                id_token=id_tag,
                meter_start_wh=meter_start,
                started_at=timestamp,
            )
        )
        return call_result.StartTransaction(transaction_id=tx_id, id_tag_info=self._id_tag_info(id_tag))

    def _same_start(self, connector_id: int, id_tag: str, meter_start: int, timestamp: str) -> Transaction | None:
        """The active transaction this StartTransaction already started: same connector, idTag, meter and time."""
        for tx in self.state.transactions.values():
            if (tx.status is TransactionStatus.ACTIVE and tx.connector_id == connector_id and tx.id_token == id_tag
                    and tx.meter_start_wh == meter_start and tx.started_at == timestamp):  # fmt: skip
                return tx
        return None

    @on(Action.stop_transaction)
    def on_stop_transaction(
        self,
        *,
        meter_stop: int,
        timestamp: str,
        transaction_id: int,
        reason: str | None = None,
        id_tag: str | None = None,
        transaction_data: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> call_result.StopTransaction:
        tx = self.state.transactions.get(transaction_id)
        if tx is None:
            # A transaction started before this CSMS ran (or offline): the stop is answered all the same.
            tx = Transaction(id=transaction_id, station_id=self.state.station_id, connector_id=None)
            self.state.transactions[transaction_id] = tx
        if transaction_data:
            self.record_meter(tx.connector_id, transaction_id, transaction_data)
        # StopTransaction.req: reason may be omitted only when it is Local.
        self.ended(tx, stopped_at=timestamp, reason=reason or Reason.local, meter_stop_wh=meter_stop)
        # idTagInfo answers the idTag that stopped the transaction; without one there is nothing to answer.
        return call_result.StopTransaction(id_tag_info=self._id_tag_info(id_tag) if id_tag is not None else None)

    @on(Action.meter_values)
    def on_meter_values(
        self, connector_id: int, meter_value: list[dict[str, Any]], transaction_id: int | None = None, **_: Any
    ) -> call_result.MeterValues:
        self.record_meter(connector_id, transaction_id, meter_value)
        return call_result.MeterValues()

    on_diagnostics_status_notification = keeping_status(Action.diagnostics_status_notification, "upload_status")
    on_signed_firmware_status_notification = keeping_status(
        Action.signed_firmware_status_notification, "firmware_status"
    )
