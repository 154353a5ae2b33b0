"""The charging-station side of OCPP 2.0.1: messages out, handlers for CALLs in.

Transactions follow the TxCtrlr's TxStartPoint/TxStopPoint (part 2, E01/E06): the station
decides when a transaction exists, this dialect reports it with TransactionEvent
Started/Updated/Ended, a seqNo per transaction and the trigger reason of each change.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable
from typing import Any

from ocpp.routing import on
from ocpp.v201 import call, call_result
from ocpp.v201.enums import (
    Action,
    AuthorizationStatusEnumType,
    ChangeAvailabilityStatusEnumType,
    EventNotificationEnumType,
    EventTriggerEnumType,
    MessageTriggerEnumType,
    OperationalStatusEnumType,
    ReasonEnumType,
    RequestStartStopStatusEnumType,
    ResetEnumType,
    ResetStatusEnumType,
    TransactionEventEnumType,
    TriggerMessageStatusEnumType,
    TriggerReasonEnumType,
    UnlockStatusEnumType,
)

from ocpplab_desktop.model.auth_cache import AuthSettings, TokenInfo
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import Connector, FaultInfo
from ocpplab_desktop.model.device_model import Component, DeviceModel
from ocpplab_desktop.model.faults import FaultEntry
from ocpplab_desktop.model.meter import MeterReading
from ocpplab_desktop.model.smart_charging import Purpose
from ocpplab_desktop.protocol.charging_profiles import profile_201
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.cp201_charging import SmartCharging201
from ocpplab_desktop.protocol.cp201_device_model import DeviceModel201
from ocpplab_desktop.protocol.cp201_display import DisplayMessages201
from ocpplab_desktop.protocol.cp201_external_limits import ExternalLimits201
from ocpplab_desktop.protocol.cp201_files import FirmwareAndLogs201
from ocpplab_desktop.protocol.cp201_local_list import LocalList201
from ocpplab_desktop.protocol.cp201_monitoring import Monitoring201
from ocpplab_desktop.protocol.cp201_publish import FirmwarePublishing201
from ocpplab_desktop.protocol.cp201_reservations import Reservations201
from ocpplab_desktop.protocol.cp201_services import Services201
from ocpplab_desktop.protocol.dialect import InvalidIdRule, answer_read, token_info
from ocpplab_desktop.protocol.measurands import Sample
from ocpplab_desktop.protocol.station_port import StationPort

VERSION = OcppVersion.V201
TOKEN_TYPE = "ISO14443"
CACHE_EXPIRY = "cacheExpiryDateTime"  # IdTokenInfoType: when the cached status stops being valid
SUPPORTED_TRIGGERS = frozenset(
    {
        MessageTriggerEnumType.boot_notification,
        MessageTriggerEnumType.heartbeat,
        MessageTriggerEnumType.status_notification,
        MessageTriggerEnumType.meter_values,
        MessageTriggerEnumType.transaction_event,
        MessageTriggerEnumType.log_status_notification,
        MessageTriggerEnumType.firmware_status_notification,
        MessageTriggerEnumType.publish_firmware_status_notification,
    }
)


def _id_token_info(answer: dict[str, Any]) -> TokenInfo | None:
    info = answer.get("idTokenInfo")
    return token_info(info, CACHE_EXPIRY) if info else None


class ChargingStation201(
    DeviceModel201,
    FirmwarePublishing201,
    ExternalLimits201,
    Reservations201,
    LocalList201,
    SmartCharging201,
    FirmwareAndLogs201,
    Monitoring201,
    DisplayMessages201,
    Services201,
):
    """Messages and handlers of a 2.0.1 charging station; `station` supplies state and actions."""

    version = VERSION
    results = call_result
    calls = call

    def __init__(self, station: StationPort) -> None:
        super().__init__(station)
        self.model = DeviceModel.for_station(station.config)
        self.model.on_change = self._variable_changed
        self._watch_entries()
        self._watch_local_list()
        self._seq_no: dict[str, itertools.count[int]] = {}
        self._event_ids = itertools.count(1)
        self._start_monitoring()
        self._start_display_messages()
        self._start_services()
        self._report_seq = itertools.count(0)
        self._token_types: dict[int, tuple[str, str]] = {}
        """id(connector) -> (token, IdTokenEnumType) of a token that came with its type (a remote start)."""

    def _id_token(self, c: Connector | None, token: str) -> dict[str, str]:
        """IdTokenType of `token`: with the type it came with, else the RFID card of a local driver."""
        candidates = [self._token_types.get(id(c))] if c is not None else list(self._token_types.values())
        kind = next((k[1] for k in candidates if k is not None and k[0] == token), TOKEN_TYPE)
        return {"id_token": token, "type": kind}

    def _variable_changed(self, component: Component, variable: str, instance: str | None, value: str) -> None:
        self.station.on_setting_changed(f"{component.name}.{variable}", value)

    def _connector(self, evse_id: int | None, connector_id: int | None = None) -> Connector | None:
        for c in self.station.connectors:
            if c.evse_id == evse_id and (connector_id is None or c.connector_id == connector_id):
                return c
        return None

    def connector_label(self, c: Connector) -> str:
        return f"EVSE {c.evse_id} connector {c.connector_id}"

    def charging_target(self, c: Connector) -> int:
        return c.evse_id

    def cost_currency(self) -> str | None:
        # TariffCostCtrlr is not in the lab's catalogue: a template's variables may add its Currency.
        try:
            return self.model.get_value("TariffCostCtrlr", "Currency") or None
        except KeyError:
            return None

    # --- settings the station reads ---------------------------------------------------------
    @property
    def heartbeat_interval(self) -> int:
        return self.model.get_int("OCPPCommCtrlr", "HeartbeatInterval")

    def set_heartbeat_interval(self, interval: int) -> None:
        self.model.update_actual("OCPPCommCtrlr", "HeartbeatInterval", str(interval))

    @property
    def meter_interval(self) -> int:
        return self.model.get_int("SampledDataCtrlr", "TxUpdatedInterval")

    @property
    def connection_timeout(self) -> int:
        return self.model.get_int("TxCtrlr", "EVConnectionTimeOut")

    def should_start_transaction(self, c: Connector, auto_start: bool) -> bool:
        # Part 2 E01: the transaction starts at the first TxStartPoint reached.
        del auto_start
        points = self.points("TxStartPoint")
        return bool(
            ("EVConnected" in points and c.plugged)
            or ("Authorized" in points and c.token is not None)
            or (points & {"PowerPathClosed", "EnergyTransfer"} and c.plugged and c.token is not None)
        )

    def reset_waits_for_idle(self, hard: bool) -> bool:
        # B12.FR.01: an OnIdle reset waits until the transactions have ended.
        return not hard

    @property
    def transaction_retry(self) -> tuple[int, int]:
        """(transmissions in all, base interval in s) for a TransactionEvent the CSMS failed (2.0.1 E13)."""
        attempts = self.model.get_int("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent")
        return attempts, self.model.get_int("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent")

    @property
    def aligned_interval(self) -> int:
        return self.model.get_int("AlignedDataCtrlr", "Interval")

    @property
    def ping_interval(self) -> int:
        return self.model.get_int("OCPPCommCtrlr", "WebSocketPingInterval")

    def measurands(self, variable: str, component: str = "SampledDataCtrlr") -> list[str]:
        return self.model.get_list(component, variable)

    def points(self, variable: str) -> set[str]:
        """TxStartPoint / TxStopPoint members (part 2, E01 and E06)."""
        value = self.model.get_value("TxCtrlr", variable) or ""
        return {m.strip() for m in value.split(",") if m.strip()}

    # --- outgoing ---------------------------------------------------------------------
    def boot_request(self, reason: str) -> tuple[str, dict[str, Any]]:
        cfg = self.station.config
        return "BootNotification", to_wire(
            call.BootNotification(
                charging_station={
                    "model": cfg.model,
                    "vendor_name": cfg.vendor,
                    "serial_number": cfg.serial_number or None,
                    "firmware_version": cfg.firmware_version or None,
                },
                reason=reason,
            )
        )

    async def status(self, c: Connector | None, status: str) -> None:
        """StatusNotification (part 2, G01); 2.0.1 has no station-wide status message."""
        if c is None:
            return
        self.model.update_actual(
            "Connector", "AvailabilityState", status, evse_id=c.evse_id, connector_id=c.connector_id
        )
        await self._send(
            call.StatusNotification(
                timestamp=self.station.now_iso(),
                connector_status=status,
                evse_id=c.evse_id,
                connector_id=c.connector_id,
            )
        )

    async def report_fault(self, c: Connector, fault: FaultInfo, active: bool) -> None:
        """NotifyEvent (part 2 N07; G05.FR.02 for a cable lock) on the component and variable that failed, which
        the device model shows too: true while the fault lasts, then false with `cleared` (a return to normal)."""
        entry = fault.entry
        evse_id, connector_id = entry.component_at(c.evse_id, c.connector_id)
        value = "true" if active else "false"
        self.model.update_actual(entry.component, entry.variable, value, evse_id=evse_id, connector_id=connector_id)
        component: dict[str, Any] = {"name": entry.component}
        if evse_id is not None:
            component["evse"] = {"id": evse_id, "connector_id": connector_id}
        now = self.station.now_iso()
        event = {
            "event_id": next(self._event_ids),
            "timestamp": now,
            "trigger": EventTriggerEnumType.alerting,
            "actual_value": value,
            "cleared": None if active else True,
            # The 1.6 details stand in for the 2.0.1 ones a caller did not give: one fault reads alike in both.
            "tech_code": fault.tech_code or fault.vendor_error_code or fault.error_code,
            "tech_info": fault.tech_info or fault.info,
            "transaction_id": c.tx_id if c.tx_started and not entry.station_level else None,
            "event_notification_type": (
                EventNotificationEnumType.hard_wired_monitor
                if entry.monitored
                else EventNotificationEnumType.hard_wired_notification
            ),
            "component": component,
            "variable": {"name": entry.variable},
        }
        await self._send(call.NotifyEvent(generated_at=now, seq_no=0, event_data=[event]))

    def fault_stop_reason(self, fault: FaultEntry) -> str | None:
        return fault.stop_reason_201

    async def statuses_after_boot(self) -> None:
        """2.0.1 reports each connector only (done by the station)."""

    async def authorize(self, token: str) -> TokenInfo:
        answer = await self._send(call.Authorize(id_token=self._id_token(None, token)))
        return token_info(answer["idTokenInfo"], CACHE_EXPIRY)

    @property
    def auth_settings(self) -> AuthSettings:
        flag = self.model.get_bool
        return AuthSettings(
            cache_enabled=flag("AuthCacheCtrlr", "Enabled"),
            pre_authorize=flag("AuthCtrlr", "LocalPreAuthorize"),
            authorize_offline=flag("AuthCtrlr", "LocalAuthorizeOffline"),
            offline_unknown_allowed=flag("AuthCtrlr", "OfflineTxForUnknownIdEnabled"),
            authorize_remote_start=flag("AuthCtrlr", "AuthorizeRemoteStart"),
            lifetime_s=self.model.get_int("AuthCacheCtrlr", "LifeTime"),
            list_enabled=flag("LocalAuthListCtrlr", "Enabled"),
        )

    @property
    def invalid_id_rule(self) -> InvalidIdRule:
        # E05 (Start Transaction - Id not Accepted): a non-Accepted idTokenInfo in a TransactionEventResponse.
        return InvalidIdRule(
            self.model.get_bool("TxCtrlr", "StopTxOnInvalidId"), self.model.get_int("TxCtrlr", "MaxEnergyOnInvalidId")
        )

    def _tx_event(
        self,
        c: Connector,
        event: str,
        trigger: str,
        reading: MeterReading | None,
        context: str,
        *,
        stopped_reason: str | None = None,
        remote_id: int | None = None,
        with_token: bool = False,
        measurands: str = "TxUpdatedMeasurands",
    ) -> call.TransactionEvent:
        tx_id = c.tx_id or ""
        counter = self._seq_no.setdefault(tx_id, itertools.count(0))
        info: dict[str, Any] = {"transaction_id": tx_id, "charging_state": c.charging_state()}
        if stopped_reason is not None:
            info["stopped_reason"] = stopped_reason
        if remote_id is not None:
            info["remote_start_id"] = remote_id
        meter = None
        if reading is not None:
            values = self.sampled_values(reading, context, self.measurands(measurands))
            if values:
                meter = [{"timestamp": self.station.stamp(reading), "sampledValue": values}]
        return call.TransactionEvent(
            event_type=event,
            timestamp=self.station.now_iso(),
            trigger_reason=trigger,
            seq_no=next(counter),
            transaction_info=info,
            evse={"id": c.evse_id, "connector_id": c.connector_id},
            id_token=self._id_token(c, c.token) if with_token and c.token else None,
            # H03: the event that brings the reserved token names the reservation it ends.
            reservation_id=self.station.reservations.take(c) if with_token and c.token else None,
            meter_value=meter,
            # Part 2 E12 (offline transactions): events that happened while offline say so.
            offline=None if self.station.online else True,
        )

    def transaction_started(
        self, c: Connector, reading: MeterReading, trigger: str, remote_id: int | None
    ) -> Awaitable[TokenInfo]:
        """TransactionEvent Started, queued now; awaited, what the CSMS said of the token."""
        # The station creates the transaction id (part 2, E01.FR.16: unique per station).
        c.tx_id = str(uuid.uuid4())
        answer = self._queue(
            self._tx_event(
                c,
                TransactionEventEnumType.started,
                trigger,
                reading,
                "Transaction.Begin",
                remote_id=remote_id,
                with_token=True,
                measurands="TxStartedMeasurands",
            )
        )
        return answer_read(answer, lambda a: _id_token_info(a) or TokenInfo(AuthorizationStatusEnumType.accepted))

    def transaction_updated(
        self, c: Connector, trigger: str, *, with_token: bool = False, remote_id: int | None = None
    ) -> Awaitable[TokenInfo | None]:
        """TransactionEvent Updated, queued now; awaited, the CSMS's word on the token if it gave one."""
        event = self._tx_event(
            c, TransactionEventEnumType.updated, trigger, None, "Other", with_token=with_token, remote_id=remote_id
        )
        return answer_read(self._queue(event), _id_token_info)

    def transaction_ended(
        self, c: Connector, reading: MeterReading, reason: str, token: str | None
    ) -> Awaitable[dict[str, Any]]:
        """TransactionEvent Ended, queued now."""
        del token
        self._token_types.pop(id(c), None)
        answer = self._queue(
            self._tx_event(
                c,
                TransactionEventEnumType.ended,
                ENDED_TRIGGER.get(reason, TriggerReasonEnumType.stop_authorized),
                reading,
                "Transaction.End",
                stopped_reason=reason,
                measurands="TxEndedMeasurands",
            )
        )
        self._seq_no.pop(c.tx_id or "", None)
        return answer

    def meter_values(
        self, c: Connector, reading: MeterReading, context: str = "Sample.Periodic"
    ) -> asyncio.Future[dict[str, Any]]:
        if c.tx_id is not None and c.tx_started:
            # E02: during a transaction, periodic samples travel in TransactionEvent Updated.
            return self._queue(
                self._tx_event(
                    c, TransactionEventEnumType.updated, TriggerReasonEnumType.meter_value_periodic, reading, context
                )
            )
        values = self.sampled_values(reading, context, self.measurands("TxUpdatedMeasurands"))
        return self._enqueue(
            call.MeterValues(
                evse_id=c.evse_id, meter_value=[{"timestamp": self.station.stamp(reading), "sampledValue": values}]
            )
        )

    def aligned_values(self, c: Connector, reading: MeterReading) -> asyncio.Future[dict[str, Any]] | None:
        """Clock-aligned values (part 2, J01): in a transaction as TransactionEvent, else MeterValues."""
        measurands = self.measurands("Measurands", "AlignedDataCtrlr")
        if not measurands:
            return None
        values = self.sampled_values(reading, "Sample.Clock", measurands)
        if c.tx_started and c.tx_id is not None:
            event = self._tx_event(
                c, TransactionEventEnumType.updated, TriggerReasonEnumType.meter_value_clock, None, ""
            )
            event.meter_value = [{"timestamp": self.station.stamp(reading), "sampledValue": values}]
            return self._queue(event)
        return self._enqueue(
            call.MeterValues(
                evse_id=c.evse_id, meter_value=[{"timestamp": self.station.stamp(reading), "sampledValue": values}]
            )
        )

    def wire_value(self, value: float) -> float:
        return value  # a decimal number in 2.0.1 (part 2, 2.45)

    def sampled_value(self, sample: Sample, context: str) -> dict[str, Any]:
        """SampledValueType (part 2, 2.45): a number, with a unitOfMeasure object."""
        entry: dict[str, Any] = {
            "value": self.wire_value(sample.value),
            "context": context,
            "measurand": sample.measurand,
            "unitOfMeasure": {"unit": sample.unit},
        }
        if sample.phase is not None:
            entry["phase"] = sample.phase
        if sample.location is not None:
            entry["location"] = sample.location
        return entry

    # --- reasons and triggers the station uses ------------------------------------------------
    REASON_LOCAL = ReasonEnumType.local
    REASON_REMOTE = ReasonEnumType.remote
    REASON_EV_DISCONNECTED = ReasonEnumType.ev_disconnected
    REASON_HARD_RESET = ReasonEnumType.immediate_reset
    REASON_SOFT_RESET = ReasonEnumType.immediate_reset
    REASON_UNLOCK = ReasonEnumType.other
    REASON_DEAUTHORIZED = ReasonEnumType.de_authorized
    REASON_TIMEOUT = ReasonEnumType.timeout
    REASON_OTHER = ReasonEnumType.other
    REASON_POWER_LOSS = ReasonEnumType.power_loss
    REASON_REBOOT = ReasonEnumType.reboot
    ACCEPTED = AuthorizationStatusEnumType.accepted

    # --- incoming CALLs ---------------------------------------------------------------------
    @on(Action.request_start_transaction)
    def on_request_start(
        self,
        id_token: dict[str, Any],
        remote_start_id: int,
        evse_id: int | None = None,
        charging_profile: dict[str, Any] | None = None,
        **_: Any,
    ) -> call_result.RequestStartTransaction:
        # F01/F02: evseId optional; Rejected when the EVSE cannot start a transaction now.
        candidates = [self._connector(evse_id)] if evse_id is not None else self.station.connectors
        token = str(id_token["id_token"])
        chosen = next((c for c in candidates if c is not None and c.refusal_remote_start(token) is None), None)
        # F01.FR.08-09: a chargingProfile given is the TxProfile of the transaction it starts.
        profile = None if chosen is None or charging_profile is None else profile_201(chosen.evse_id, charging_profile)
        if chosen is None or (charging_profile is not None and (profile is None or profile.purpose is not Purpose.TX)):
            return call_result.RequestStartTransaction(status=RequestStartStopStatusEnumType.rejected)
        if profile is not None:
            self.station.smart_charging.expect_tx_profile(chosen, profile, self.charging_capacity())
        # The token keeps its type in every TransactionEvent (IdTokenType: a Central token stays Central).
        self._token_types[id(chosen)] = (str(id_token["id_token"]), str(id_token["type"]))
        self.station.spawn(self.station.remote_start(chosen, str(id_token["id_token"]), remote_start_id))
        return call_result.RequestStartTransaction(
            status=RequestStartStopStatusEnumType.accepted,
            transaction_id=chosen.tx_id if chosen.tx_started else None,
        )

    @on(Action.request_stop_transaction)
    def on_request_stop(self, transaction_id: str, **_: Any) -> call_result.RequestStopTransaction:
        chosen = next((c for c in self.station.connectors if c.tx_started and c.tx_id == transaction_id), None)
        if chosen is None:
            return call_result.RequestStopTransaction(status=RequestStartStopStatusEnumType.rejected)
        self.station.spawn(self.station.remote_stop(chosen))
        return call_result.RequestStopTransaction(status=RequestStartStopStatusEnumType.accepted)

    @on(Action.reset)
    def on_reset(self, type: str, evse_id: int | None = None, **_: Any) -> call_result.Reset:
        if evse_id is not None:
            # B11/B12: resetting a single EVSE is optional; this station resets as a whole.
            return call_result.Reset(status=ResetStatusEnumType.rejected)
        busy = any(c.tx_started for c in self.station.connectors)
        if type == ResetEnumType.on_idle and busy:
            # B12.FR.01: OnIdle waits for the transactions to end.
            self.station.spawn(self.station.reset(hard=False))
            return call_result.Reset(status=ResetStatusEnumType.scheduled)
        self.station.spawn(self.station.reset(hard=type == ResetEnumType.immediate))
        return call_result.Reset(status=ResetStatusEnumType.accepted)

    @on(Action.change_availability)
    def on_change_availability(
        self, operational_status: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> call_result.ChangeAvailability:
        target = None
        if evse is not None and evse.get("id", 0) != 0:
            target = self._connector(evse["id"], evse.get("connector_id"))
            if target is None:
                return call_result.ChangeAvailability(status=ChangeAvailabilityStatusEnumType.rejected)
        operative = operational_status == OperationalStatusEnumType.operative
        scheduled = self.station.availability_is_scheduled(target, operative)
        self.station.spawn(self.station.set_availability(target, operative))
        status = ChangeAvailabilityStatusEnumType.scheduled if scheduled else ChangeAvailabilityStatusEnumType.accepted
        return call_result.ChangeAvailability(status=status)

    @on(Action.trigger_message)
    def on_trigger_message(
        self, requested_message: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> call_result.TriggerMessage:
        target = None
        if evse is not None:
            target = self._connector(evse.get("id"), evse.get("connector_id"))
            if target is None:
                return call_result.TriggerMessage(status=TriggerMessageStatusEnumType.rejected)
        if requested_message not in SUPPORTED_TRIGGERS:
            return call_result.TriggerMessage(status=TriggerMessageStatusEnumType.not_implemented)
        self.station.spawn(self.station.trigger(requested_message, target))
        return call_result.TriggerMessage(status=TriggerMessageStatusEnumType.accepted)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, evse_id: int, connector_id: int, **_: Any) -> call_result.UnlockConnector:
        target = self._connector(evse_id, connector_id)
        if target is None:
            return call_result.UnlockConnector(status=UnlockStatusEnumType.unknown_connector)
        if target.tx_started and target.token is not None:
            # F05.FR.02: an authorized transaction is not ended by an unlock.
            return call_result.UnlockConnector(status=UnlockStatusEnumType.ongoing_authorized_transaction)
        self.station.spawn(self.station.unlock(target))
        return call_result.UnlockConnector(status=UnlockStatusEnumType.unlocked)

    async def send_version_trigger(self, message: str, targets: list[Connector]) -> bool:
        if await self.transfer_trigger(message) or await self.publish_trigger(message):
            return True
        if message == MessageTriggerEnumType.meter_values:
            for one in targets:
                reading = self.station.reading(one)
                values = self.sampled_values(reading, "Trigger", self.measurands("TxUpdatedMeasurands"))
                await self._send(
                    call.MeterValues(
                        evse_id=one.evse_id,
                        meter_value=[{"timestamp": self.station.stamp(reading), "sampledValue": values}],
                    )
                )
        elif message == MessageTriggerEnumType.transaction_event:
            for one in targets:
                if one.tx_started:
                    await self._send(
                        self._tx_event(
                            one,
                            TransactionEventEnumType.updated,
                            TriggerReasonEnumType.trigger,
                            self.station.reading(one),
                            "Trigger",
                        ),
                        transactional=True,
                    )
        else:
            return False
        return True


ENDED_TRIGGER: dict[str, str] = {
    ReasonEnumType.local: TriggerReasonEnumType.stop_authorized,
    ReasonEnumType.remote: TriggerReasonEnumType.remote_stop,
    ReasonEnumType.ev_disconnected: TriggerReasonEnumType.ev_communication_lost,
    ReasonEnumType.immediate_reset: TriggerReasonEnumType.reset_command,
    ReasonEnumType.de_authorized: TriggerReasonEnumType.deauthorized,
    ReasonEnumType.timeout: TriggerReasonEnumType.ev_connect_timeout,
    ReasonEnumType.other: TriggerReasonEnumType.abnormal_condition,
    ReasonEnumType.power_loss: TriggerReasonEnumType.abnormal_condition,
    # The stop reasons of the fault catalogue (model/faults.py): all abnormal conditions.
    ReasonEnumType.emergency_stop: TriggerReasonEnumType.abnormal_condition,
    ReasonEnumType.ground_fault: TriggerReasonEnumType.abnormal_condition,
    ReasonEnumType.overcurrent_fault: TriggerReasonEnumType.abnormal_condition,
    ReasonEnumType.power_quality: TriggerReasonEnumType.abnormal_condition,
}
