"""OCPP 2.0.1 device model of a station: components, variables, and the provisioning operations.

Part 1 section 4 describes the model (components with variables, each variable with up to four
attributes and fixed characteristics); part 2 appendix 3 lists the standard components and
variables. `DeviceModel` answers GetVariables (B06), SetVariables (B05), GetBaseReport (B07) and
GetReport (B08) with wire-ready camelCase dicts; the protocol layer wraps them into PDUs.

Choices made here once:
- Names of components and variables are compared case-insensitively, as the schemas say.
- SummaryInventory (B07.FR.09, "availability and condition") = every AvailabilityState, plus
  every Problem/Tripped/Overload/Fallback variable that is currently true.
- GetReport: componentCriteria are ORed; a componentVariable without evse, instance or variable
  matches all of them.
- A request with more items than DeviceDataCtrlr.ItemsPerMessage raises `TooManyItems`, which
  the protocol layer answers with CALLERROR OccurrenceConstraintViolation (B06.FR.16, B08.FR.17;
  B05.FR.11 forbids the CSMS to send it).
- An empty report result needs no NotifyReport: the caller answers EmptyResultSet instead
  (GenericDeviceModelStatusEnumType; the OCTT case TC_B_18 expects exactly that).
- Template variables that the model does not know become vendor variables: ReadWrite strings.
- Only Actual attributes are writable, so the change hook does not carry an attribute type.
- Numbers, booleans and option lists that can be read support monitoring (`model.monitoring`);
  `watchers` hear of every change of an Actual value, from the CSMS or from the station.

The vocabulary (Component, Variable, Attribute, Characteristics) lives in `device_variables`,
the standard components a station has in `device_catalogue`; both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from ocpp.v201.enums import (
    AttributeEnumType,
    ComponentCriterionEnumType,
    GetVariableStatusEnumType,
    ReportBaseEnumType,
    SetVariableStatusEnumType,
    StatusInfoReasonType,
)

from ocpplab_desktop.model import config_keys as lab
from ocpplab_desktop.model.config import ConfigError, StationConfig, VariableSetting
from ocpplab_desktop.model.device_catalogue import (
    AVAILABILITY_STATES,
    MEASURANDS,
    REQUEST_BYTES_PER_MESSAGE,
    REQUEST_ITEMS_PER_MESSAGE,
    TIME_SOURCES,
    TX_START_POINTS,
    TX_STOP_POINTS,
    station_entries,
)
from ocpplab_desktop.model.device_variables import (
    RO,
    RW,
    WO,
    A,
    Attribute,
    Characteristics,
    Component,
    D,
    Variable,
    Wire,
    fold,
    var,
)

__all__ = [
    "AVAILABILITY_STATES",
    "CONDITION_VARIABLES",
    "MEASURANDS",
    "REPORT_ITEMS_PER_MESSAGE",
    "REQUEST_BYTES_PER_MESSAGE",
    "REQUEST_ITEMS_PER_MESSAGE",
    "RO",
    "RW",
    "TIME_SOURCES",
    "TX_START_POINTS",
    "TX_STOP_POINTS",
    "WO",
    "A",
    "Attribute",
    "Characteristics",
    "Component",
    "D",
    "DeviceModel",
    "TooManyItems",
    "Variable",
    "Wire",
    "chunk_report",
    "notify_report_requests",
    "var",
]

# Items in one NotifyReportRequest we send: the specification leaves it to the station.
REPORT_ITEMS_PER_MESSAGE = 50
# Variables whose truth marks an abnormal condition (appendix 3, generic variables).
CONDITION_VARIABLES = frozenset({"problem", "tripped", "overload", "fallback"})


class TooManyItems(ValueError):
    """A request lists more items than DeviceDataCtrlr.ItemsPerMessage allows for its action."""

    def __init__(self, action: str, count: int, limit: int) -> None:
        super().__init__(
            f"{action} lists {count} items but DeviceDataCtrlr.ItemsPerMessage[{action}] is {limit}; "
            "split the request into several messages"
        )
        self.action = action
        self.count = count
        self.limit = limit


class _Unknown(LookupError):
    """A request names a component or variable this station does not have."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status  # "UnknownComponent" or "UnknownVariable"


class DeviceModel:
    """All components and variables of one 2.0.1 station, in report order."""

    def __init__(
        self,
        entries: Iterable[tuple[Component, Variable]],
        on_change: Callable[[Component, str, str | None, str], None] | None = None,
    ) -> None:
        self.on_change = on_change
        self.watchers: list[Callable[[Component, Variable], None]] = []
        """Called after an Actual value changed (SetVariables or `update_actual`): monitors watch here."""
        self._entries: dict[tuple[Any, ...], tuple[Component, Variable]] = {}
        self._components: set[tuple[Any, ...]] = set()
        for component, variable in entries:
            self._add(component, variable)

    def _add(self, component: Component, variable: Variable) -> None:
        key = (*component.key, *variable.key)
        if key in self._entries:
            raise ValueError(f"{component} has {variable.name} (instance {variable.instance}) twice")
        self._entries[key] = (component, variable)
        self._components.add(component.key)

    @classmethod
    def for_station(cls, config: StationConfig, clock: Callable[[], datetime] | None = None) -> DeviceModel:
        """The model of a station built from its template, with template variables applied.

        `clock` supplies ClockCtrlr.DateTime (the engine passes its simulated clock).
        """
        now = clock or (lambda: datetime.now(UTC))
        model = cls(station_entries(config, lambda: now().isoformat(timespec="milliseconds").replace("+00:00", "Z")))
        problems = [p for setting in config.variables if (p := model._apply_setting(setting))]
        if problems:
            raise ConfigError("; ".join(problems))
        return model

    def _apply_setting(self, setting: VariableSetting) -> str | None:
        component = Component(setting.component, None, setting.evse_id, setting.connector_id)
        try:
            _, variable = self._find(component, setting.variable, setting.instance)
        except _Unknown:
            self._add(component, var(setting.variable, setting.value, D.string, RW, instance=setting.instance))
            return None
        problem = variable.characteristics.problem(setting.value)
        if problem:
            return f"variable {setting.component}.{setting.variable}: {problem[1]}"
        variable.attributes[A.actual].value = variable.characteristics.canonical(setting.value)
        return None

    # --- lookup ---------------------------------------------------------------------------
    def _find(self, component: Component, name: str, instance: str | None) -> tuple[Component, Variable]:
        if component.key not in self._components:
            raise _Unknown("UnknownComponent")
        entry = self._entries.get((*component.key, fold(name), fold(instance)))
        if entry is None:
            raise _Unknown("UnknownVariable")
        return entry

    def _find_wire(self, data: Wire) -> tuple[Component, Variable]:
        variable = data["variable"]
        return self._find(Component.from_wire(data["component"]), variable["name"], variable.get("instance"))

    def _check_count(self, action: str, count: int) -> None:
        limit = self.get_int("DeviceDataCtrlr", "ItemsPerMessage", instance=action)
        if count > limit:
            raise TooManyItems(action, count, limit)

    # --- GetVariables (B06) -----------------------------------------------------------------
    def get_variables(self, get_variable_data: list[Wire]) -> list[Wire]:
        """One GetVariableResult per GetVariableData, in order (B06.FR.01)."""
        self._check_count("GetVariables", len(get_variable_data))  # B06.FR.16
        return [self._get_one(data) for data in get_variable_data]

    def _get_one(self, data: Wire) -> Wire:
        attribute_type = A(data.get("attributeType", A.actual))
        # B06.FR.02: the requested attributeType comes back (Actual when absent).
        result: Wire = {
            "component": data["component"],
            "variable": data["variable"],
            "attributeType": attribute_type.value,
        }
        try:
            _, variable = self._find_wire(data)
        except _Unknown as unknown:
            return {**result, "attributeStatus": GetVariableStatusEnumType(unknown.status).value}  # B06.FR.06/07
        attribute = variable.attributes.get(attribute_type)
        if attribute is None:
            return {**result, "attributeStatus": GetVariableStatusEnumType.not_supported_attribute_type.value}
        if attribute.mutability is WO:  # B06.FR.09
            return {
                **result,
                "attributeStatus": GetVariableStatusEnumType.rejected.value,
                "attributeStatusInfo": {"reasonCode": StatusInfoReasonType.write_only.value},
            }
        return {
            **result,
            "attributeStatus": GetVariableStatusEnumType.accepted.value,
            "attributeValue": attribute.current() or "",
        }

    # --- SetVariables (B05) -----------------------------------------------------------------
    def set_variables(self, set_variable_data: list[Wire]) -> list[Wire]:
        """One SetVariableResult per SetVariableData, in order (B05.FR.01); accepted values are stored."""
        self._check_count("SetVariables", len(set_variable_data))
        return [self._set_one(data) for data in set_variable_data]

    def _set_one(self, data: Wire) -> Wire:
        attribute_type = A(data.get("attributeType", A.actual))
        # B05.FR.02/03/12: same component and variable, same attributeType or Actual when absent.
        result: Wire = {
            "component": data["component"],
            "variable": data["variable"],
            "attributeType": attribute_type.value,
        }
        try:
            component, variable = self._find_wire(data)
        except _Unknown as unknown:
            return {**result, "attributeStatus": SetVariableStatusEnumType(unknown.status).value}  # B05.FR.04/05
        attribute = variable.attributes.get(attribute_type)
        if attribute is None:  # B05.FR.06
            return {**result, "attributeStatus": SetVariableStatusEnumType.not_supported_attribute_type.value}
        value: str = data["attributeValue"]
        if attribute.mutability is RO:  # B05.FR.08
            problem: tuple[StatusInfoReasonType, str] | None = (StatusInfoReasonType.read_only, "read-only variable")
        else:
            problem = variable.characteristics.problem(value)
        if problem is not None:  # B05.FR.07
            reason, text = problem
            return {
                **result,
                "attributeStatus": SetVariableStatusEnumType.rejected.value,
                "attributeStatusInfo": {"reasonCode": reason.value, "additionalInfo": text[:512]},
            }
        before, attribute.value = attribute.value, variable.characteristics.canonical(value)
        if self.on_change is not None:
            self.on_change(component, variable.name, variable.instance, attribute.value)
        if attribute_type is A.actual and before != attribute.value:
            self._tell_watchers(component, variable)
        status = (
            SetVariableStatusEnumType.reboot_required
            if variable.reboot_required
            else SetVariableStatusEnumType.accepted
        )
        return {**result, "attributeStatus": status.value}  # B05.FR.09/10

    # --- reports (B07, B08) -----------------------------------------------------------------
    def base_report(self, report_base: str) -> list[Wire]:
        """ReportData for a GetBaseReport (B07.FR.07 configuration, .08 full, .09 summary)."""
        base = ReportBaseEnumType(report_base)
        chosen: Callable[[Variable], bool] = {
            ReportBaseEnumType.full_inventory: lambda _v: True,
            ReportBaseEnumType.configuration_inventory: lambda v: v.settable,
            ReportBaseEnumType.summary_inventory: _in_summary,
        }[base]
        return [_report_data(c, v) for c, v in self._entries.values() if chosen(v)]

    def report(
        self, component_variables: list[Wire] | None = None, component_criteria: list[str] | None = None
    ) -> list[Wire]:
        """ReportData for a GetReport; empty when nothing matches (the caller answers EmptyResultSet)."""
        if component_variables:
            self._check_count("GetReport", len(component_variables))  # B08.FR.17
        patterns = [(Component.from_wire(cv["component"]), cv.get("variable")) for cv in component_variables or []]
        criteria = [ComponentCriterionEnumType(c) for c in component_criteria or []]
        matching = {key for key in self._components if self._meets(key, criteria)}
        return [
            _report_data(c, v)
            for c, v in self._entries.values()
            if c.key in matching and (not patterns or any(_selects(p, c, v) for p in patterns))
        ]

    def _meets(self, component_key: tuple[Any, ...], criteria: list[ComponentCriterionEnumType]) -> bool:
        """B08.FR.07-09: Active/Available/Enabled true or absent; B08.FR.10: Problem true."""
        if not criteria:
            return True
        for criterion in criteria:
            entry = self._entries.get((*component_key, criterion.value.casefold(), None))
            value = None if entry is None else entry[1].actual()
            if value == "true" or (entry is None and criterion is not ComponentCriterionEnumType.problem):
                return True
        return False

    # --- engine access ----------------------------------------------------------------------
    def get_value(
        self,
        component: str,
        variable: str,
        instance: str | None = None,
        *,
        evse_id: int | None = None,
        connector_id: int | None = None,
        component_instance: str | None = None,
        attribute: AttributeEnumType = A.actual,
    ) -> str:
        """A value as the station itself sees it; WriteOnly values included (the engine needs them).

        `instance` is the variable's instance; unknown names raise KeyError.
        """
        where = Component(component, component_instance, evse_id, connector_id)
        found = self._find_or_raise(where, variable, instance)
        try:
            value = found.attributes[attribute].current()
        except KeyError:
            raise KeyError(f"{component}.{variable} has no {attribute.value} attribute") from None
        return value or ""

    def get_int(self, component: str, variable: str, instance: str | None = None, **where: Any) -> int:
        return int(self.get_value(component, variable, instance, **where))

    def get_bool(self, component: str, variable: str, instance: str | None = None, **where: Any) -> bool:
        return self.get_value(component, variable, instance, **where) == "true"

    def get_list(self, component: str, variable: str, instance: str | None = None, **where: Any) -> list[str]:
        return lab.split_csl(self.get_value(component, variable, instance, **where))

    def update_actual(
        self,
        component: str,
        variable: str,
        value: str,
        instance: str | None = None,
        *,
        evse_id: int | None = None,
        connector_id: int | None = None,
        component_instance: str | None = None,
    ) -> None:
        """Set an Actual value from the station's side, read-only or not; `on_change` is not called.

        For example a connector's AvailabilityState when its status changes.
        """
        where = Component(component, component_instance, evse_id, connector_id)
        found = self._find_or_raise(where, variable, instance)
        problem = found.characteristics.problem(value)
        if problem:
            raise ValueError(f"{component}.{variable} cannot be {value!r}: {problem[1]}")
        attribute = found.attributes[A.actual]
        before, attribute.value = attribute.value, found.characteristics.canonical(value)
        if before != attribute.value and self.watchers:
            self._tell_watchers(self._find(where, variable, instance)[0], found)

    def _tell_watchers(self, component: Component, variable: Variable) -> None:
        for watcher in self.watchers:
            watcher(component, variable)

    def set_source(
        self,
        component: str,
        variable: str,
        source: Callable[[], str],
        instance: str | None = None,
        *,
        evse_id: int | None = None,
        connector_id: int | None = None,
    ) -> None:
        """Let the station supply a variable's Actual value live (the number of charging profiles, say)."""
        where = Component(component, None, evse_id, connector_id)
        self._find_or_raise(where, variable, instance).attributes[A.actual].source = source

    def lookup(self, data: Wire) -> tuple[Component, Variable] | str:
        """The component and variable a wire item names ({"component": ..., "variable": ...}), or why there
        is none: "UnknownComponent" or "UnknownVariable"."""
        try:
            return self._find_wire(data)
        except _Unknown as unknown:
            return unknown.status

    def entries(self) -> list[tuple[Component, Variable]]:
        """Every component and variable, in report order."""
        return list(self._entries.values())

    def _find_or_raise(self, where: Component, variable: str, instance: str | None) -> Variable:
        try:
            return self._find(where, variable, instance)[1]
        except _Unknown as unknown:
            raise KeyError(f"{unknown.status}: {where} has no variable {variable!r} (instance {instance!r})") from None


def _in_summary(variable: Variable) -> bool:
    name = variable.name.casefold()
    return name == "availabilitystate" or (name in CONDITION_VARIABLES and variable.actual() == "true")


def _selects(pattern: tuple[Component, Wire | None], component: Component, variable: Variable) -> bool:
    wanted, wanted_variable = pattern
    if not component.matches(wanted):
        return False
    if wanted_variable is None:
        return True
    instance = wanted_variable.get("instance")
    return fold(wanted_variable["name"]) == fold(variable.name) and (
        instance is None or fold(instance) == fold(variable.instance)
    )


def _report_data(component: Component, variable: Variable) -> Wire:
    """ReportDataType with every attribute the variable supports (B07.FR.11)."""
    return {
        "component": component.to_wire(),
        "variable": variable.to_wire(),
        "variableAttribute": [a.to_wire() for a in variable.attributes.values()],
        "variableCharacteristics": variable.characteristics.to_wire(),
    }


def chunk_report(report_data: list[Wire], items_per_message: int = REPORT_ITEMS_PER_MESSAGE) -> list[list[Wire]]:
    """Split report data into NotifyReport-sized pieces; no pieces for no data."""
    if items_per_message < 1:
        raise ValueError(f"items_per_message must be at least 1, got {items_per_message}")
    return [report_data[i : i + items_per_message] for i in range(0, len(report_data), items_per_message)]


def notify_report_requests(
    request_id: int,
    report_data: list[Wire],
    generated_at: str,
    items_per_message: int = REPORT_ITEMS_PER_MESSAGE,
) -> list[Wire]:
    """NotifyReportRequest payloads: seqNo from 0, tbc true on all but the last (B07/B08)."""
    pieces = chunk_report(report_data, items_per_message)
    return [
        {
            "requestId": request_id,
            "generatedAt": generated_at,
            "seqNo": seq_no,
            "tbc": seq_no < len(pieces) - 1,
            "reportData": piece,
        }
        for seq_no, piece in enumerate(pieces)
    ]
