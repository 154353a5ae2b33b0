"""Variable monitors of a 2.0.1 device model (part 2, functional block N: N02-N08).

A monitor watches one variable: an UpperThreshold or LowerThreshold fires when the Actual value
crosses its value and again, `cleared`, when it returns (N07); a Delta fires when a number has moved
by at least its value since the last event (any change of a boolean or an option list); a Periodic
or PeriodicClockAligned one reports every `value` seconds (the timers are the dialect's). Whether an
event is reported at all depends on the monitor's severity against the active monitoring level
(N05) and, for a `transaction` monitor, on a transaction running.

Choices made here once (and cited where the specification decides):
- The lab has no preconfigured or hard-wired monitors of its own (its hard-wired fault events are
  notifications, `protocol.cp201`): SetMonitoringBase FactoryDefault and HardWiredOnly remove the
  custom monitors (N03), All keeps them.
- Duplicate: another monitor of the same type and severity on the same variable (the status's
  definition in SetMonitoringStatusEnumType).
- Rejected: an id that names no monitor (N04), a severity beyond 9, a negative delta, a period
  under one second, a threshold outside the variable's limits.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ocpp.v201.enums import (
    AttributeEnumType,
    ClearMonitoringStatusEnumType,
    DataEnumType,
    EventNotificationEnumType,
    EventTriggerEnumType,
    MonitorBaseEnumType,
    MonitorEnumType,
    MonitoringCriterionEnumType,
    SetMonitoringStatusEnumType,
)

from ocpplab_desktop.model.device_variables import RO, RW, Component, D, Variable, Wire, var

M = MonitorEnumType
NUMERIC = frozenset({DataEnumType.integer, DataEnumType.decimal})
THRESHOLDS = frozenset({M.upper_threshold, M.lower_threshold})
PERIODIC = frozenset({M.periodic, M.periodic_clock_aligned})
MAX_SEVERITY = 9
CRITERION = {
    MonitoringCriterionEnumType.threshold_monitoring: THRESHOLDS,
    MonitoringCriterionEnumType.delta_monitoring: frozenset({M.delta}),
    MonitoringCriterionEnumType.periodic_monitoring: PERIODIC,
}

Lookup = Callable[[Wire], "tuple[Component, Variable] | str"]

ITEMS_PER_MESSAGE = 20
BYTES_PER_MESSAGE = 65_536
OFFLINE_QUEUING_SEVERITY = 2  # events this severe or worse wait in the outbox while offline


def monitoring_ctrlr() -> list[Variable]:
    """The MonitoringCtrlr's variables (part 2 appendix 3)."""
    return [
        var("Available", "true", D.boolean),
        var("Enabled", "true", D.boolean, RW),
        *(
            var(name, str(limit), D.integer, RO, instance=action, min_limit=0)
            for name, limit in (("ItemsPerMessage", ITEMS_PER_MESSAGE), ("BytesPerMessage", BYTES_PER_MESSAGE))
            for action in ("SetVariableMonitoring", "ClearVariableMonitoring")
        ),
        var(
            "OfflineQueuingSeverity", str(OFFLINE_QUEUING_SEVERITY), D.integer, RW, min_limit=0, max_limit=MAX_SEVERITY
        ),
        var(
            "ActiveMonitoringBase",
            MonitorBaseEnumType.all.value,
            D.option_list,
            RO,
            values_list=",".join(b.value for b in MonitorBaseEnumType),
        ),
        var("ActiveMonitoringLevel", str(MAX_SEVERITY), D.integer, RO, min_limit=0, max_limit=MAX_SEVERITY),
    ]


@dataclass(eq=False)
class Monitor:
    """VariableMonitoringType and what it remembers between events."""

    id: int
    component: Component
    variable: Variable
    type: MonitorEnumType
    value: float
    severity: int
    transaction: bool = False
    kind: EventNotificationEnumType = EventNotificationEnumType.custom_monitor
    reference: str | None = None
    """Delta: the value at the last event (or when the monitor was set)."""
    tripped: bool = False
    """Threshold: the value is beyond it now (an event was sent, the `cleared` one is due)."""

    def to_wire(self) -> Wire:
        return {
            "id": self.id,
            "transaction": self.transaction,
            "value": self.value,
            "type": self.type.value,
            "severity": self.severity,
        }

    @property
    def numeric(self) -> bool:
        return self.variable.characteristics.data_type in NUMERIC

    def actual(self) -> str:
        return self.variable.actual() or ""


@dataclass(frozen=True)
class MonitorEvent:
    """A monitor fired: the EventDataType it makes (N07, N08)."""

    monitor: Monitor
    trigger: EventTriggerEnumType
    actual_value: str
    cleared: bool = False


@dataclass
class Monitors:
    """The monitors installed on one device model."""

    lookup: Lookup
    level: int = MAX_SEVERITY
    """ActiveMonitoringLevel (N05): events of a higher severity number are not reported."""
    base: MonitorBaseEnumType = MonitorBaseEnumType.all
    _monitors: dict[int, Monitor] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __iter__(self) -> Iterator[Monitor]:
        return iter(list(self._monitors.values()))

    def __len__(self) -> int:
        return len(self._monitors)

    def get(self, monitor_id: int) -> Monitor | None:
        return self._monitors.get(monitor_id)

    # --- SetVariableMonitoring (N04) --------------------------------------------------------------
    def set(self, data: Wire) -> Wire:
        """One SetMonitoringResult for one SetMonitoringData (N04.FR.01/02: same component, variable, type)."""
        kind = M(data["type"])
        severity = int(data["severity"])
        result: Wire = {
            "type": kind.value,
            "severity": severity,
            "component": data["component"],
            "variable": data["variable"],
        }
        found = self.lookup(data)
        if isinstance(found, str):
            return {**result, "status": SetMonitoringStatusEnumType(found).value}
        component, variable = found
        value = float(data["value"])
        replaced = self._monitors.get(data["id"]) if "id" in data else None
        problem = self._problem(
            variable, kind, value=value, severity=severity, wanted_id=data.get("id"), replaced=replaced
        )
        if problem is not None:
            status, reason = problem
            return {**result, "status": status.value, "statusInfo": {"reasonCode": reason}}
        monitor = Monitor(
            id=replaced.id if replaced is not None else self._new_id(),
            component=component,
            variable=variable,
            type=kind,
            value=value,
            severity=severity,
            transaction=bool(data.get("transaction", False)),
        )
        monitor.reference = monitor.actual()  # a threshold starts untripped: a value already beyond is reported
        self._monitors[monitor.id] = monitor
        return {**result, "id": monitor.id, "status": SetMonitoringStatusEnumType.accepted.value}

    def _new_id(self) -> int:
        while True:
            candidate = next(self._ids)
            if candidate not in self._monitors:
                return candidate

    def _problem(
        self,
        variable: Variable,
        kind: MonitorEnumType,
        *,
        value: float,
        severity: int,
        wanted_id: int | None,
        replaced: Monitor | None,
    ) -> tuple[SetMonitoringStatusEnumType, str] | None:
        rejected = SetMonitoringStatusEnumType.rejected
        chars = variable.characteristics
        if not chars.supports_monitoring or (kind in THRESHOLDS and chars.data_type not in NUMERIC):
            return SetMonitoringStatusEnumType.unsupported_monitor_type, "UnsupportedParam"
        if wanted_id is not None and replaced is None:
            return rejected, "InvalidValue"  # N04: an id that names no monitor
        if replaced is not None and replaced.kind is not EventNotificationEnumType.custom_monitor:
            return rejected, "ReadOnly"
        if not 0 <= severity <= MAX_SEVERITY or (kind is M.delta and value < 0) or (kind in PERIODIC and value < 1):
            return rejected, "ValueOutOfRange"
        if kind in THRESHOLDS and (
            (chars.min_limit is not None and value < chars.min_limit)
            or (chars.max_limit is not None and value > chars.max_limit)
        ):
            return rejected, "ValueOutOfRange"
        for other in self._monitors.values():
            if (
                other is not replaced
                and other.variable is variable
                and other.type is kind
                and other.severity == severity
            ):
                return SetMonitoringStatusEnumType.duplicate, "DuplicateMonitor"
        return None

    # --- ClearVariableMonitoring (N06), SetMonitoringBase (N03), SetMonitoringLevel (N05) -----------
    def clear(self, ids: list[int]) -> list[Wire]:
        """One ClearMonitoringResult per id: NotFound for an unknown one, Rejected for one not custom."""
        results = []
        for monitor_id in ids:
            monitor = self._monitors.get(monitor_id)
            if monitor is None:
                status = ClearMonitoringStatusEnumType.not_found
            elif monitor.kind is not EventNotificationEnumType.custom_monitor:
                status = ClearMonitoringStatusEnumType.rejected
            else:
                del self._monitors[monitor_id]
                status = ClearMonitoringStatusEnumType.accepted
            results.append({"id": monitor_id, "status": status.value})
        return results

    def set_base(self, base: MonitorBaseEnumType) -> None:
        self.base = base
        if base is not MonitorBaseEnumType.all:
            for monitor_id in [
                m.id for m in self._monitors.values() if m.kind is EventNotificationEnumType.custom_monitor
            ]:
                del self._monitors[monitor_id]

    # --- GetMonitoringReport (N02) -------------------------------------------------------------------
    def report(self, component_variables: list[Wire] | None, criteria: list[str] | None) -> list[Wire]:
        """MonitoringDataType items: one per monitored variable, with its monitors (N02.FR.05-07)."""
        kinds = frozenset().union(*(CRITERION[MonitoringCriterionEnumType(c)] for c in criteria)) if criteria else None
        chosen = [
            m
            for m in self._monitors.values()
            if (kinds is None or m.type in kinds) and (not component_variables or _selected(m, component_variables))
        ]
        grouped: dict[tuple[Any, ...], list[Monitor]] = {}
        for m in chosen:
            grouped.setdefault((*m.component.key, *m.variable.key), []).append(m)
        return [
            {
                "component": group[0].component.to_wire(),
                "variable": group[0].variable.to_wire(),
                "variableMonitoring": [m.to_wire() for m in group],
            }
            for group in grouped.values()
        ]

    # --- evaluation (N07) --------------------------------------------------------------------------
    def changed(self, variable: Variable, in_transaction: bool) -> list[MonitorEvent]:
        """The events a new Actual value of `variable` fires."""
        return [e for m in self._monitors.values() if m.variable is variable for e in self._check(m, in_transaction)]

    def poll(self, in_transaction: Callable[[Monitor], bool]) -> list[MonitorEvent]:
        """Check every threshold and delta monitor of a live (sourced) value."""
        return [
            e
            for m in self._monitors.values()
            if m.type not in PERIODIC and m.variable.attributes[AttributeEnumType.actual].source is not None
            for e in self._check(m, in_transaction(m))
        ]

    def _check(self, m: Monitor, in_transaction: bool) -> list[MonitorEvent]:
        actual = m.actual()
        if m.type in THRESHOLDS:
            beyond = self._beyond(m)
            if beyond == m.tripped:
                return []
            m.tripped = beyond
            event = MonitorEvent(m, EventTriggerEnumType.alerting, actual, cleared=not beyond)
        elif m.type is M.delta:
            if actual == m.reference or (m.numeric and not _moved(m.reference, actual, m.value)):
                return []
            m.reference = actual
            event = MonitorEvent(m, EventTriggerEnumType.delta, actual)
        else:
            return []
        return [event] if self.reports(m, in_transaction) else []

    def periodic_event(self, m: Monitor, in_transaction: bool) -> MonitorEvent | None:
        """The event a periodic monitor's timer makes now, if it is to be reported."""
        if not self.reports(m, in_transaction):
            return None
        return MonitorEvent(m, EventTriggerEnumType.periodic, m.actual())

    def reports(self, m: Monitor, in_transaction: bool) -> bool:
        """N05: severity at most the level; a transaction monitor only while a transaction runs (N04)."""
        return m.severity <= self.level and (in_transaction or not m.transaction)

    @staticmethod
    def _beyond(m: Monitor) -> bool:
        if m.type not in THRESHOLDS:
            return False
        try:
            number = float(m.actual())
        except ValueError:
            return False
        return number > m.value if m.type is M.upper_threshold else number < m.value


def _moved(reference: str | None, actual: str, delta: float) -> bool:
    try:
        return reference is None or abs(float(actual) - float(reference)) >= delta
    except ValueError:
        return True


def _selected(m: Monitor, component_variables: list[Wire]) -> bool:
    """N02: a componentVariable without a variable selects every monitored variable of the component."""
    for cv in component_variables:
        if not m.component.matches(Component.from_wire(cv["component"])):
            continue
        wanted = cv.get("variable")
        if wanted is None or (
            wanted["name"].casefold() == m.variable.name.casefold()
            and (wanted.get("instance") is None or wanted.get("instance") == m.variable.instance)
        ):
            return True
    return False
