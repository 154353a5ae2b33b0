"""The charge-point side of OCPP 1.6J: messages out, handlers for CALLs in.

Handlers answer at once and leave the work that follows (starting a transaction after a
RemoteStart, rebooting after a Reset) to the station, which runs it after the answer has
been sent, as 1.6 section 5 expects ("the Charge Point SHALL respond ... and then ...").
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from ocpp.routing import on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import (
    Action,
    AuthorizationStatus,
    AvailabilityStatus,
    AvailabilityType,
    ChargePointErrorCode,
    ChargePointStatus,
    ChargingProfilePurposeType,
    ChargingProfileStatus,
    ClearChargingProfileStatus,
    ConfigurationKey,
    GetCompositeScheduleStatus,
    MessageTrigger,
    Reason,
    RemoteStartStopStatus,
    ResetStatus,
    ResetType,
    TriggerMessageStatus,
    UnlockStatus,
)

from ocpplab_desktop.model.auth_cache import AuthSettings, TokenInfo
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.config_keys import ConfigurationKeys16, TooManyKeys
from ocpplab_desktop.model.connector import Connector, FaultInfo
from ocpplab_desktop.model.faults import FaultEntry
from ocpplab_desktop.model.meter import MeterReading
from ocpplab_desktop.model.smart_charging import Capacity, RateUnit, SameLevel
from ocpplab_desktop.protocol.charging_profiles import PURPOSE_16, composite_16, profile_16
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.cp16_files import FirmwareManagement16
from ocpplab_desktop.protocol.cp16_local_list import LocalList16
from ocpplab_desktop.protocol.cp16_reservations import Reservations16
from ocpplab_desktop.protocol.dialect import Dialect, InvalidIdRule, answer_read, token_info
from ocpplab_desktop.protocol.errors import Fault, RpcError
from ocpplab_desktop.protocol.measurands import Sample
from ocpplab_desktop.protocol.station_port import Fill, StationPort

VERSION = OcppVersion.V16


@dataclass
class _TransactionRef:
    """A 1.6 transaction's id, None until the StartTransaction.conf assigns it (maybe after going offline)."""

    id: int | None = None
    start: asyncio.Future[dict[str, Any]] | None = None
    """The StartTransaction's answer, which assigns the id."""

    def fill(self, default: int | None) -> Fill | None:
        """How a message queued behind the StartTransaction gets the id, if it is not known yet."""
        if self.id is not None or self.start is None:
            return None
        return Fill("transactionId", self.start, "transactionId", default)


class ChargePoint16(Reservations16, LocalList16, FirmwareManagement16, Dialect):
    """Messages and handlers of a 1.6J charge point; `station` supplies state and actions."""

    version = VERSION
    results = call_result
    calls = call

    def __init__(self, station: StationPort) -> None:
        super().__init__(station)
        self.keys = ConfigurationKeys16(station.config, on_change=station.on_setting_changed)
        self._transactions: dict[int, _TransactionRef] = {}
        """The running transaction of each connector (by connectorId), before and after its id is known."""
        self._station_reported = ""  # connector 0's status last reported

    # --- helpers ----------------------------------------------------------------------
    def _connector(self, number: int | None) -> Connector | None:
        if number is None:
            return None
        for c in self.station.connectors:
            if c.number16 == number:
                return c
        return None

    def connector_label(self, c: Connector) -> str:
        return f"connector {c.number16}"

    def charging_target(self, c: Connector) -> int:
        return c.number16

    def _charging_capacity(self) -> Capacity:
        """The Smart Charging keys (section 9.4) as the limits a profile must keep."""
        keys = self.keys
        units = {"Current": RateUnit.A, "Power": RateUnit.W}
        allowed = keys.get_list(ConfigurationKey.charging_schedule_allowed_charging_rate_unit)
        return Capacity(
            max_stack_level=keys.get_int(ConfigurationKey.charge_profile_max_stack_level),
            max_periods=keys.get_int(ConfigurationKey.charging_schedule_max_periods),
            units=frozenset(units[u] for u in allowed),
            max_installed=keys.get_int(ConfigurationKey.max_charging_profiles_installed),
            same_level=SameLevel.REPLACE,
        )

    # --- outgoing ---------------------------------------------------------------------
    def boot_request(self, reason: str) -> tuple[str, dict[str, Any]]:
        cfg = self.station.config
        # 1.6 has no boot reason; it is kept for the session log only.
        del reason
        return "BootNotification", to_wire(
            call.BootNotification(
                charge_point_vendor=cfg.vendor,
                charge_point_model=cfg.model,
                charge_point_serial_number=cfg.serial_number or None,
                firmware_version=cfg.firmware_version or None,
            )
        )

    @property
    def heartbeat_interval(self) -> int:
        return self.keys.get_int("HeartbeatInterval")

    def set_heartbeat_interval(self, interval: int) -> None:
        self.keys.change("HeartbeatInterval", str(interval))

    @property
    def connection_timeout(self) -> int:
        return self.keys.get_int("ConnectionTimeOut")

    def should_start_transaction(self, c: Connector, auto_start: bool) -> bool:
        # 1.6 section 3.6: a transaction starts once the cable is plugged and the idTag authorized.
        return c.plugged and c.token is not None and auto_start

    def reset_waits_for_idle(self, hard: bool) -> bool:
        # 1.6 section 5.14: both kinds stop the transactions first, neither waits.
        del hard
        return False

    @property
    def meter_interval(self) -> int:
        return self.keys.get_int("MeterValueSampleInterval")

    @property
    def transaction_retry(self) -> tuple[int, int]:
        """(transmissions in all, base interval in s) for a transaction message the CSMS failed (1.6 3.7.1)."""
        return self.keys.get_int("TransactionMessageAttempts"), self.keys.get_int("TransactionMessageRetryInterval")

    async def status(self, c: Connector | None, status: str) -> None:
        """StatusNotification (1.6 section 4.9); connector None is connector 0, the station."""
        await self._status_notification(0 if c is None else c.number16, status, None if c is None else c.fault)

    async def _status_notification(self, connector_id: int, status: str, fault: FaultInfo | None) -> None:
        await self._send(
            call.StatusNotification(
                connector_id=connector_id,
                error_code=fault.error_code if fault else ChargePointErrorCode.no_error,
                status=status,
                info=fault.info if fault else None,
                # Whose vendorErrorCode it is (section 6.47: vendorId identifies the vendor-specific implementation).
                vendor_id=self.station.config.vendor if fault and fault.vendor_error_code else None,
                vendor_error_code=fault.vendor_error_code if fault else None,
                timestamp=self.station.now_iso(),
            )
        )

    def _station_status(self) -> str:
        # Section 4.9: connector 0 is Unavailable when the whole Charge Point is.
        if all(c.inoperative for c in self.station.connectors):
            return ChargePointStatus.unavailable
        return ChargePointStatus.available

    async def statuses_after_boot(self) -> None:
        # 1.6 section 4.2: after a boot the Charge Point reports connector 0 and every connector.
        self._station_reported = self._station_status()
        await self.status(None, self._station_reported)

    async def station_status(self) -> None:
        # Section 5.2: a ChangeAvailability of connector 0 changes the Charge Point and each connector.
        status = self._station_status()
        if status != self._station_reported and self.station.online:
            self._station_reported = status
            await self.status(None, status)

    async def report_fault(self, c: Connector, fault: FaultInfo, active: bool) -> None:
        """A fault that leaves the connector's status alone is a StatusNotification of that status with the
        fault's error code, on connectorId 0 when it is the Charge Point's (section 7.6); cleared, NoError.
        A fault that makes the connector Faulted is told by the connector's own status."""
        entry = fault.entry
        if entry.faults_connector:
            return
        shown = fault if active else None
        if entry.station_level:
            await self._status_notification(0, self._station_status(), shown)
        else:
            await self._status_notification(c.number16, c.reported, shown)

    def fault_stop_reason(self, fault: FaultEntry) -> str | None:
        return fault.stop_reason_16

    async def authorize(self, token: str) -> TokenInfo:
        answer = await self._send(call.Authorize(id_tag=token))
        return self._id_tag_info(answer)

    @staticmethod
    def _id_tag_info(answer: dict[str, Any]) -> TokenInfo:
        return token_info(answer["idTagInfo"], "expiryDate")

    @property
    def auth_settings(self) -> AuthSettings:
        keys = self.keys
        return AuthSettings(
            cache_enabled=keys.get_bool("AuthorizationCacheEnabled"),
            pre_authorize=keys.get_bool("LocalPreAuthorize"),
            authorize_offline=keys.get_bool("LocalAuthorizeOffline"),
            offline_unknown_allowed=keys.get_bool("AllowOfflineTxForUnknownId"),
            authorize_remote_start=keys.get_bool("AuthorizeRemoteTxRequests"),
            list_enabled=keys.get_bool("LocalAuthListEnabled"),
        )

    @property
    def invalid_id_rule(self) -> InvalidIdRule:
        # Section 4.8 (as the errata v4.0 word it) and 9.1: a non-Accepted idTagInfo in StartTransaction.conf.
        keys = self.keys
        return InvalidIdRule(keys.get_bool("StopTransactionOnInvalidId"), keys.get_int("MaxEnergyOnInvalidId"))

    def transaction_started(
        self, c: Connector, reading: MeterReading, trigger: str, remote_id: int | None
    ) -> Awaitable[TokenInfo]:
        """StartTransaction (1.6 section 4.8), queued now; awaited, what the Central System said of the id tag."""
        del trigger, remote_id
        ref = self._transactions[c.number16] = _TransactionRef()

        def assigned(answer: dict[str, Any]) -> None:
            # Before the next queued CALL is built: its MeterValues/StopTransaction need this id.
            ref.id = int(answer["transactionId"])
            if self._transactions.get(c.number16) is ref:  # not if it ended while the start was queued
                c.tx_id = str(ref.id)

        answer = ref.start = self._queue(
            call.StartTransaction(
                connector_id=c.number16,
                id_tag=c.token or "",
                meter_start=round(reading.energy_wh),
                timestamp=self.station.now_iso(),
                reservation_id=self.station.reservations.take(c),  # 5.13: the reservation it ends
            ),
            on_answer=assigned,
        )
        return answer_read(answer, self._id_tag_info)

    def transaction_updated(
        self, c: Connector, trigger: str, *, with_token: bool = False, remote_id: int | None = None
    ) -> None:
        """1.6 reports a change of charging state only by StatusNotification."""
        del c, trigger, with_token, remote_id

    def transaction_ended(
        self, c: Connector, reading: MeterReading, reason: str, token: str | None
    ) -> Awaitable[dict[str, Any]]:
        """StopTransaction (1.6 section 4.10) with the transaction data of StopTxnSampledData."""
        ref = self._transactions.pop(c.number16, None) or _TransactionRef(int(c.tx_id) if c.tx_id else None)
        timestamp = self.station.now_iso()
        data = [self._meter_value(reading, "Transaction.End", self.keys.get_list("StopTxnSampledData"))]
        stop = call.StopTransaction(
            meter_stop=round(reading.energy_wh),
            timestamp=timestamp,
            # 0 only if the CSMS never took the StartTransaction (it failed every attempt).
            transaction_id=ref.id if ref.id is not None else 0,
            reason=reason,
            id_tag=token,
            transaction_data=data,
        )
        return self.station.enqueue(
            "StopTransaction", to_wire(stop), transactional=True, validate=False, fill=ref.fill(default=0)
        )

    def meter_values(
        self, c: Connector, reading: MeterReading, context: str = "Sample.Periodic"
    ) -> asyncio.Future[dict[str, Any]]:
        return self._queue_meter_values(
            c, [self._meter_value(reading, context, self.keys.get_list("MeterValuesSampledData"))]
        )

    def _queue_meter_values(self, c: Connector, values: list[dict[str, Any]]) -> asyncio.Future[dict[str, Any]]:
        # The one message a charging station sends every few seconds: built in wire form directly.
        ref = self._transactions.get(c.number16) if c.tx_started else None
        payload: dict[str, Any] = {"connectorId": c.number16, "meterValue": values}
        if ref is None:
            return self.station.enqueue("MeterValues", payload, validate=False)
        # Part of the transaction (1.6 section 4.7): queued while offline, sent with the id that the
        # StartTransaction before it gets, even if that was queued too.
        if ref.id is not None:
            payload["transactionId"] = ref.id
        return self.station.enqueue("MeterValues", payload, transactional=True, validate=False, fill=ref.fill(None))

    @property
    def aligned_interval(self) -> int:
        return self.keys.get_int("ClockAlignedDataInterval")

    @property
    def ping_interval(self) -> int:
        return self.keys.get_int("WebSocketPingInterval")

    def aligned_values(self, c: Connector, reading: MeterReading) -> asyncio.Future[dict[str, Any]] | None:
        """Clock-aligned MeterValues (1.6 section 3.16.2, ClockAlignedDataInterval/MeterValuesAlignedData)."""
        measurands = self.keys.get_list("MeterValuesAlignedData")
        if not measurands:
            return None
        return self._queue_meter_values(c, [self._meter_value(reading, "Sample.Clock", measurands)])

    def _meter_value(self, reading: MeterReading, context: str, measurands: list[str]) -> dict[str, Any]:
        return {
            "timestamp": self.station.stamp(reading),
            "sampledValue": self.sampled_values(reading, context, measurands),
        }

    def wire_value(self, value: float) -> str:
        return f"{value:g}"  # 1.6 sends the value as a string (section 7.43)

    def sampled_value(self, sample: Sample, context: str) -> dict[str, Any]:
        """SampledValue (1.6 section 7.43): the value as a string, the unit by name."""
        entry: dict[str, Any] = {
            "value": self.wire_value(sample.value),
            "context": context,
            "measurand": sample.measurand,
            "unit": sample.unit,
        }
        if sample.phase is not None:
            entry["phase"] = sample.phase
        if sample.location is not None:
            entry["location"] = sample.location
        return entry

    # --- reasons the station uses ----------------------------------------------------------
    REASON_LOCAL = Reason.local
    REASON_REMOTE = Reason.remote
    REASON_EV_DISCONNECTED = Reason.ev_disconnected
    REASON_HARD_RESET = Reason.hard_reset
    REASON_SOFT_RESET = Reason.soft_reset
    REASON_UNLOCK = Reason.unlock_command
    REASON_DEAUTHORIZED = Reason.de_authorized
    REASON_TIMEOUT = Reason.other  # 1.6 has no Timeout reason
    REASON_OTHER = Reason.other
    REASON_POWER_LOSS = Reason.power_loss
    REASON_REBOOT = Reason.reboot
    ACCEPTED = AuthorizationStatus.accepted

    # --- incoming CALLs (1.6 section 5) ---------------------------------------------------
    @on(Action.remote_start_transaction)
    def on_remote_start(
        self,
        id_tag: str,
        connector_id: int | None = None,
        charging_profile: dict[str, Any] | None = None,
        **_: Any,
    ) -> call_result.RemoteStartTransaction:
        # 5.11: connectorId is optional; without it the Charge Point picks a free connector.
        candidates = [self._connector(connector_id)] if connector_id is not None else self.station.connectors
        chosen = next(
            (c for c in candidates if c is not None and c.refusal_remote_start(id_tag) is None),
            None,
        )
        # 5.11: a chargingProfile given is the TxProfile of the transaction it starts.
        if chosen is None or (
            charging_profile is not None
            and charging_profile["charging_profile_purpose"] != ChargingProfilePurposeType.tx_profile
        ):
            return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.rejected)
        if charging_profile is not None:
            profile = profile_16(chosen.number16, charging_profile)
            self.station.smart_charging.expect_tx_profile(chosen, profile, self._charging_capacity())
        self.station.spawn(self.station.remote_start(chosen, id_tag))
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id: int, **_: Any) -> call_result.RemoteStopTransaction:
        # 5.12: Rejected when no transaction has that id.
        chosen = next((c for c in self.station.connectors if c.tx_started and c.tx_id == str(transaction_id)), None)
        if chosen is None:
            return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.rejected)
        self.station.spawn(self.station.remote_stop(chosen))
        return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.accepted)

    @on(Action.reset)
    def on_reset(self, type: str, **_: Any) -> call_result.Reset:
        self.station.spawn(self.station.reset(hard=type == ResetType.hard))
        return call_result.Reset(status=ResetStatus.accepted)

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str, **_: Any) -> call_result.ChangeAvailability:
        target = self._connector(connector_id)
        if connector_id != 0 and target is None:
            return call_result.ChangeAvailability(status=AvailabilityStatus.rejected)
        operative = type == AvailabilityType.operative
        scheduled = self.station.availability_is_scheduled(target, operative)
        self.station.spawn(self.station.set_availability(target, operative))
        # 5.2: Scheduled when a transaction is running; the change happens when it ends.
        status = AvailabilityStatus.scheduled if scheduled else AvailabilityStatus.accepted
        return call_result.ChangeAvailability(status=status)

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **_: Any) -> call_result.GetConfiguration:
        try:
            known, unknown = self.keys.get(key)
        except TooManyKeys as exc:
            raise RpcError.of(VERSION, Fault.OCCURRENCE, str(exc)) from exc
        return call_result.GetConfiguration(configuration_key=known or None, unknown_key=unknown or None)

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str, **_: Any) -> call_result.ChangeConfiguration:
        return call_result.ChangeConfiguration(status=self.keys.change(key, value))

    @on(Action.trigger_message)
    def on_trigger_message(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> call_result.TriggerMessage:
        target = self._connector(connector_id)
        if connector_id is not None and connector_id != 0 and target is None:
            return call_result.TriggerMessage(status=TriggerMessageStatus.rejected)
        if requested_message not in SUPPORTED_TRIGGERS:
            return call_result.TriggerMessage(status=TriggerMessageStatus.not_implemented)
        self.station.spawn(self.station.trigger(requested_message, target))
        return call_result.TriggerMessage(status=TriggerMessageStatus.accepted)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id: int, **_: Any) -> call_result.UnlockConnector:
        target = self._connector(connector_id)
        if target is None:
            return call_result.UnlockConnector(status=UnlockStatus.not_supported)
        # 5.18: a running transaction is stopped first (reason UnlockCommand).
        self.station.spawn(self.station.unlock(target))
        return call_result.UnlockConnector(status=UnlockStatus.unlocked)

    # --- Smart Charging profile (sections 3.13, 5.5, 5.7, 5.16) ----------------------------
    @on(Action.set_charging_profile)
    def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **_: Any
    ) -> call_result.SetChargingProfile:
        profile = profile_16(connector_id, cs_charging_profiles)
        verdict = self.station.smart_charging.install(profile, self._charging_capacity())
        if not verdict.accepted:
            self.station.note("charging_profile", f"SetChargingProfile {profile.id} rejected: {verdict.detail}")
        return call_result.SetChargingProfile(status=ChargingProfileStatus(verdict.status))

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(
        self,
        id: int | None = None,
        connector_id: int | None = None,
        charging_profile_purpose: str | None = None,
        stack_level: int | None = None,
        **_: Any,
    ) -> call_result.ClearChargingProfile:
        purpose = None if charging_profile_purpose is None else PURPOSE_16[charging_profile_purpose]
        cleared = self.station.smart_charging.clear(id, target=connector_id, purpose=purpose, stack_level=stack_level)
        status = ClearChargingProfileStatus.accepted if cleared else ClearChargingProfileStatus.unknown
        return call_result.ClearChargingProfile(status=status)

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(
        self, connector_id: int, duration: int, charging_rate_unit: str | None = None, **_: Any
    ) -> call_result.GetCompositeSchedule:
        unit = None if charging_rate_unit is None else RateUnit(charging_rate_unit)
        composite = None
        if unit is None or unit in self._charging_capacity().units:
            composite = self.station.smart_charging.composite(connector_id, duration, unit)
        if composite is None:
            # 5.7: Rejected when the schedule cannot be reported (an unknown connector, a unit not supported).
            return call_result.GetCompositeSchedule(status=GetCompositeScheduleStatus.rejected)
        schedule = composite_16(composite)
        return call_result.GetCompositeSchedule(
            status=GetCompositeScheduleStatus.accepted,
            connector_id=connector_id,
            schedule_start=schedule["start_schedule"],
            charging_schedule=schedule,
        )

    async def send_version_trigger(self, message: str, targets: list[Connector]) -> bool:
        if await self.transfer_trigger(message):
            return True
        if message == MessageTrigger.meter_values:
            for one in targets:
                await self.meter_values(one, self.station.reading(one), "Trigger")
        else:
            return False
        return True


SUPPORTED_TRIGGERS = frozenset(
    {
        MessageTrigger.boot_notification,
        MessageTrigger.heartbeat,
        MessageTrigger.status_notification,
        MessageTrigger.meter_values,
        MessageTrigger.diagnostics_status_notification,
        MessageTrigger.firmware_status_notification,
    }
)
