"""Monitoring of a 2.0.1 charging station (part 2, functional block N: N02-N08).

A part of `ChargingStation201` (which inherits it). The monitors and their rules are
`model.monitoring`; here are the CALLs that install, clear and report them, the NotifyEvent each
event becomes, and the timers of periodic monitors on the station's simulated clock. Monitors
watch the device model, so they see every variable the lab itself changes (a connector's
AvailabilityState, a fault's Problem, what a SetVariables set) as it changes; the EVSE and station
Power come live from the meters and are checked once a simulated second while a monitor watches them.
"""

from __future__ import annotations

import functools
import itertools
from datetime import datetime
from typing import Any

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import (
    Action,
    GenericDeviceModelStatusEnumType,
    GenericStatusEnumType,
    MonitorBaseEnumType,
    MonitorEnumType,
)

from ocpplab_desktop.model.clock import Timer
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.device_model import Component, DeviceModel, Variable, chunk_report
from ocpplab_desktop.model.device_variables import A
from ocpplab_desktop.model.monitoring import MAX_SEVERITY, PERIODIC, THRESHOLDS, Monitor, MonitorEvent, Monitors
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.errors import (
    CallErrorReceived,
    CallTimeout,
    Fault,
    InvalidResponse,
    NotConnected,
    RpcError,
)
from ocpplab_desktop.protocol.station_port import StationPort

CTRLR = "MonitoringCtrlr"
POLL_S = 1.0  # how often a live (metered) value is checked against its monitors, in simulated seconds
_SEND_FAILURES = (NotConnected, CallErrorReceived, CallTimeout, InvalidResponse)


class Monitoring201:
    """SetVariableMonitoring, ClearVariableMonitoring, SetMonitoringBase, SetMonitoringLevel and
    GetMonitoringReport (with NotifyMonitoringReport), and NotifyEvent when a monitor fires."""

    station: StationPort
    model: DeviceModel
    _event_ids: itertools.count[int]

    def _start_monitoring(self) -> None:
        self.monitors = Monitors(self.model.lookup)
        self._periodic: dict[int, tuple[Monitor, Timer]] = {}  # monitor id -> the monitor its timer serves
        self._poll: Timer | None = None
        self.model.watchers.append(self._variable_watched)
        for evse in self.station.config.evses:
            self.model.set_source("EVSE", "Power", self._power_source(evse.id), evse_id=evse.id)
        self.model.set_source("ChargingStation", "Power", self._power_source(None))

    def _power_source(self, evse_id: int | None) -> Any:
        def power() -> str:
            total = sum(
                self.station.reading(c).power_w
                for c in self.station.connectors
                if evse_id is None or c.evse_id == evse_id
            )
            return f"{total:g}"

        return power

    def stop(self) -> None:
        for timer in [*(t for _, t in self._periodic.values()), *([self._poll] if self._poll is not None else [])]:
            timer.cancel()
        self._periodic.clear()
        self._poll = None

    async def station_status(self) -> None:
        """2.0.1 has no station-wide StatusNotification; the ChargingStation's AvailabilityState
        (appendix 3) follows its connectors, for GetVariables and monitors."""
        unavailable = all(c.inoperative for c in self.station.connectors)
        self.model.update_actual("ChargingStation", "AvailabilityState", "Unavailable" if unavailable else "Available")

    # --- when monitors fire ------------------------------------------------------------------------
    def _in_transaction(self, component: Component) -> bool:
        return any(c.tx_started for c in self.station.connectors if component.evse_id in (None, c.evse_id))

    def _variable_watched(self, component: Component, variable: Variable) -> None:
        if not len(self.monitors) or not self.model.get_bool(CTRLR, "Enabled"):
            return
        events = self.monitors.changed(variable, self._in_transaction(component))
        if events:
            self.station.spawn(self._notify_events(events))

    def _polled(self) -> None:
        if self.model.get_bool(CTRLR, "Enabled"):
            events = self.monitors.poll(lambda m: self._in_transaction(m.component))
            if events:
                self.station.spawn(self._notify_events(events))

    def _periodic_due(self, monitor: Monitor) -> None:
        if self.monitors.get(monitor.id) is not monitor or not self.model.get_bool(CTRLR, "Enabled"):
            return
        event = self.monitors.periodic_event(monitor, self._in_transaction(monitor.component))
        if event is not None:
            self.station.spawn(self._notify_events([event]))

    async def _notify_events(self, events: list[MonitorEvent]) -> None:
        """NotifyEvent (N07/N08); kept in the outbox offline when as severe as OfflineQueuingSeverity."""
        now = self.station.now_iso()
        data = [self._event_data(e, now) for e in events]
        keep = min(e.monitor.severity for e in events) <= self.model.get_int(CTRLR, "OfflineQueuingSeverity")
        if not keep and not self.station.online:
            self.station.note("monitoring", f"{len(data)} monitor event(s) dropped offline (severity too low to queue)")
            return
        payload = {"generatedAt": now, "seqNo": 0, "tbc": False, "eventData": data}
        try:
            await self.station.send("NotifyEvent", payload, transactional=keep, validate=False)
        except _SEND_FAILURES as exc:
            self.station.note("send_failed", str(exc))

    def _event_data(self, event: MonitorEvent, now: str) -> dict[str, Any]:
        m = event.monitor
        data: dict[str, Any] = {
            "eventId": next(self._event_ids),
            "timestamp": now,
            "trigger": event.trigger.value,
            "actualValue": event.actual_value[:2500],
            "component": m.component.to_wire(),
            "variable": m.variable.to_wire(),
            "eventNotificationType": m.kind.value,
            "variableMonitoringId": m.id,
        }
        if event.cleared:
            data["cleared"] = True
        tx = next(
            (c.tx_id for c in self.station.connectors if c.tx_started and c.tx_id and m.component.evse_id == c.evse_id),
            None,
        )
        if tx is not None:
            data["transactionId"] = tx
        return data

    def _rearm_monitors(self) -> None:
        """One timer per periodic monitor; one poll while a threshold or delta monitor watches a live value."""
        for monitor_id, (served, timer) in list(self._periodic.items()):
            if self.monitors.get(monitor_id) is not served:  # cleared or replaced
                timer.cancel()
                del self._periodic[monitor_id]
        for m in self.monitors:
            if m.type in PERIODIC and m.id not in self._periodic:
                timer = self.station.call_every(m.value, functools.partial(self._periodic_due, m), self._first_delay(m))
                self._periodic[m.id] = (m, timer)
        live = any(m.type not in PERIODIC and m.variable.attributes[A.actual].source is not None for m in self.monitors)
        if live and self._poll is None:
            self._poll = self.station.call_every(POLL_S, self._polled)
        elif not live and self._poll is not None:
            self._poll.cancel()
            self._poll = None

    def _first_delay(self, m: Monitor) -> float:
        if m.type is not MonitorEnumType.periodic_clock_aligned:
            return m.value
        # N08: clock-aligned periods count from midnight UTC (the station's clock).
        now = datetime.fromisoformat(self.station.now_iso().replace("Z", "+00:00")).timestamp()
        return m.value - (now % m.value) or m.value

    # --- CALLs ------------------------------------------------------------------------------------
    def _check_items(self, action: str, count: int) -> None:
        limit = self.model.get_int(CTRLR, "ItemsPerMessage", instance=action)
        if count > limit:
            # N04/N06: more items than MonitoringCtrlr.ItemsPerMessage allows.
            raise RpcError.of(
                OcppVersion.V201,
                Fault.OCCURRENCE,
                f"{action} lists {count} items; ItemsPerMessage[{action}] is {limit}",
            )

    @on(Action.set_variable_monitoring)
    def on_set_variable_monitoring(
        self, set_monitoring_data: list[dict[str, Any]], **_: Any
    ) -> call_result.SetVariableMonitoring:
        self._check_items("SetVariableMonitoring", len(set_monitoring_data))
        results = [self.monitors.set(item) for item in to_wire(set_monitoring_data)]
        self._rearm_monitors()
        # A threshold already crossed when its monitor is set is reported at once, as a crossing.
        for result in results:
            monitor = self.monitors.get(result.get("id", -1))
            if monitor is not None and monitor.type in THRESHOLDS:
                self._variable_watched(monitor.component, monitor.variable)
        return call_result.SetVariableMonitoring(set_monitoring_result=results)

    @on(Action.clear_variable_monitoring)
    def on_clear_variable_monitoring(self, id: list[int], **_: Any) -> call_result.ClearVariableMonitoring:
        self._check_items("ClearVariableMonitoring", len(id))
        results = self.monitors.clear(id)
        self._rearm_monitors()
        return call_result.ClearVariableMonitoring(clear_monitoring_result=results)

    @on(Action.set_monitoring_base)
    def on_set_monitoring_base(self, monitoring_base: str, **_: Any) -> call_result.SetMonitoringBase:
        self.monitors.set_base(MonitorBaseEnumType(monitoring_base))
        self.model.update_actual(CTRLR, "ActiveMonitoringBase", monitoring_base)
        self._rearm_monitors()
        return call_result.SetMonitoringBase(status=GenericDeviceModelStatusEnumType.accepted)

    @on(Action.set_monitoring_level)
    def on_set_monitoring_level(self, severity: int, **_: Any) -> call_result.SetMonitoringLevel:
        if not 0 <= severity <= MAX_SEVERITY:
            # N05.FR.02: a severity outside 0-9 is Rejected.
            return call_result.SetMonitoringLevel(status=GenericStatusEnumType.rejected)
        self.monitors.level = severity
        self.model.update_actual(CTRLR, "ActiveMonitoringLevel", str(severity))
        return call_result.SetMonitoringLevel(status=GenericStatusEnumType.accepted)

    @on(Action.get_monitoring_report)
    def on_get_monitoring_report(
        self,
        request_id: int,
        component_variable: list[dict[str, Any]] | None = None,
        monitoring_criteria: list[str] | None = None,
        **_: Any,
    ) -> call_result.GetMonitoringReport:
        found = self.monitors.report(to_wire(component_variable) if component_variable else None, monitoring_criteria)
        if not found:
            # N02: nothing matches -> EmptyResultSet, and no NotifyMonitoringReport follows.
            return call_result.GetMonitoringReport(status=GenericDeviceModelStatusEnumType.empty_result_set)
        self.station.spawn(self._notify_monitoring_report(request_id, found))
        return call_result.GetMonitoringReport(status=GenericDeviceModelStatusEnumType.accepted)

    async def _notify_monitoring_report(self, request_id: int, found: list[dict[str, Any]]) -> None:
        # N02: split over NotifyMonitoringReport messages, seqNo from 0, tbc on all but the last.
        chunks = chunk_report(found, self.model.get_int("DeviceDataCtrlr", "ItemsPerMessage", instance="GetReport"))
        for seq_no, chunk in enumerate(chunks):
            await self.station.send(
                "NotifyMonitoringReport",
                {
                    "requestId": request_id,
                    "seqNo": seq_no,
                    "generatedAt": self.station.now_iso(),
                    "tbc": seq_no < len(chunks) - 1,
                    "monitor": chunk,
                },
                validate=False,
            )
