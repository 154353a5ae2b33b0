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
- No variable supports monitoring: the lab has no SetVariableMonitoring.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ocpp.v201.enums import (
    AttributeEnumType,
    ComponentCriterionEnumType,
    ConnectorStatusEnumType,
    DataEnumType,
    GetVariableStatusEnumType,
    MutabilityEnumType,
    ReportBaseEnumType,
    SetVariableStatusEnumType,
    StatusInfoReasonType,
)

from ocpplab_desktop.model import config_keys as lab
from ocpplab_desktop.model.config import (
    CONNECTOR_TYPES,
    ConfigError,
    ConnectorConfig,
    CurrentType,
    StationConfig,
    VariableSetting,
)
from ocpplab_desktop.model.meter import MEASURANDS_PROVIDED

A = AttributeEnumType
D = DataEnumType
RO = MutabilityEnumType.read_only
RW = MutabilityEnumType.read_write
WO = MutabilityEnumType.write_only

Wire = dict[str, Any]

# Items in one NotifyReportRequest we send: the specification leaves it to the station.
REPORT_ITEMS_PER_MESSAGE = 50
# DeviceDataCtrlr limits on requests we receive (ItemsPerMessage / BytesPerMessage).
REQUEST_ITEMS_PER_MESSAGE = 50
REQUEST_BYTES_PER_MESSAGE = 65_536

MEASURANDS = ",".join(MEASURANDS_PROVIDED)
AVAILABILITY_STATES = ",".join(s.value for s in ConnectorStatusEnumType)
TX_START_POINTS = "ParkingBayOccupancy,EVConnected,Authorized,DataSigned,PowerPathClosed,EnergyTransfer"
TX_STOP_POINTS = "ParkingBayOccupancy,EVConnected,Authorized,PowerPathClosed,EnergyTransfer"
TIME_SOURCES = "Heartbeat,NTP,GPS,RealTimeClock,MobileNetwork,RadioTimeTransmitter"
# Variables whose truth marks an abnormal condition (appendix 3, generic variables).
CONDITION_VARIABLES = frozenset({"problem", "tripped", "overload", "fallback"})

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


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


def _fold(name: str | None) -> str | None:
    return None if name is None else name.casefold()


@dataclass(frozen=True)
class Component:
    name: str
    instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None

    @classmethod
    def from_wire(cls, data: Wire) -> Component:
        evse = data.get("evse") or {}
        return cls(data["name"], data.get("instance"), evse.get("id"), evse.get("connectorId"))

    def to_wire(self) -> Wire:
        wire: Wire = {"name": self.name}
        if self.instance is not None:
            wire["instance"] = self.instance
        if self.evse_id is not None:
            wire["evse"] = {"id": self.evse_id}
            if self.connector_id is not None:
                wire["evse"]["connectorId"] = self.connector_id
        return wire

    @property
    def key(self) -> tuple[str | None, str | None, int | None, int | None]:
        return _fold(self.name), _fold(self.instance), self.evse_id, self.connector_id

    def matches(self, pattern: Component) -> bool:
        """GetReport matching: fields absent from the pattern match anything."""
        return (
            _fold(self.name) == _fold(pattern.name)
            and (pattern.instance is None or _fold(self.instance) == _fold(pattern.instance))
            and (pattern.evse_id is None or self.evse_id == pattern.evse_id)
            and (pattern.connector_id is None or self.connector_id == pattern.connector_id)
        )


@dataclass(frozen=True)
class Characteristics:
    """VariableCharacteristicsType: what values a variable can take."""

    data_type: DataEnumType
    unit: str | None = None
    min_limit: float | None = None  # for strings and lists: the minimum length
    max_limit: float | None = None  # for strings and lists: the maximum length
    values_list: str | None = None  # CSV of allowed values for OptionList/MemberList/SequenceList
    supports_monitoring: bool = False

    def to_wire(self) -> Wire:
        wire: Wire = {"dataType": self.data_type.value, "supportsMonitoring": self.supports_monitoring}
        for name, value in (
            ("unit", self.unit),
            ("minLimit", self.min_limit),
            ("maxLimit", self.max_limit),
            ("valuesList", self.values_list),
        ):
            if value is not None:
                wire[name] = value
        return wire

    def problem(self, value: str) -> tuple[StatusInfoReasonType, str] | None:
        """Why `value` does not fit (reason code, text), or None (B05.FR.07)."""
        invalid = StatusInfoReasonType.invalid_value
        kind = self.data_type
        if kind is D.boolean:
            return None if value.lower() in ("true", "false") else (invalid, f"expected true or false, got {value!r}")
        if kind in (D.integer, D.decimal):
            pattern = lab.INTEGER if kind is D.integer else _DECIMAL
            if not pattern.fullmatch(value.strip()) or not math.isfinite(float(value)):
                return invalid, f"expected {'an integer' if kind is D.integer else 'a decimal number'}, got {value!r}"
            return self._range_problem(float(value), "")
        if kind is D.date_time:
            try:
                datetime.fromisoformat(value)
            except ValueError:
                return invalid, f"expected an RFC 3339 date and time, got {value!r}"
            return None
        length_problem = self._range_problem(len(value), " characters")
        if length_problem:
            return invalid, length_problem[1]
        if kind is D.string or self.values_list is None:
            return None
        allowed = self.values_list.split(",")
        if kind is D.option_list:
            return None if value in allowed else (invalid, f"{value!r} is not one of {self.values_list}")
        items = lab.split_csl(value)
        bad = [item for item in items if item not in allowed]
        if bad:
            return invalid, f"{', '.join(bad)} not in {self.values_list}"
        if len(set(items)) != len(items):
            return invalid, "a list names an item twice"
        return None

    def _range_problem(self, number: float, unit: str) -> tuple[StatusInfoReasonType, str] | None:
        if self.min_limit is not None and number < self.min_limit:
            return StatusInfoReasonType.value_out_of_range, f"below the minimum {self.min_limit:g}{unit}"
        if self.max_limit is not None and number > self.max_limit:
            return StatusInfoReasonType.value_out_of_range, f"above the maximum {self.max_limit:g}{unit}"
        return None

    def canonical(self, value: str) -> str:
        if self.data_type is D.boolean:
            return value.lower()
        if self.data_type is D.integer:
            return str(int(value))
        if self.data_type in (D.member_list, D.sequence_list):
            return ",".join(lab.split_csl(value))
        return value


@dataclass
class Attribute:
    """VariableAttributeType. `source`, when set, supplies a live value (e.g. the clock)."""

    type: AttributeEnumType
    value: str | None
    mutability: MutabilityEnumType = RO
    persistent: bool = False
    constant: bool = False
    source: Callable[[], str] | None = None

    def current(self) -> str | None:
        return self.source() if self.source is not None else self.value

    def to_wire(self) -> Wire:
        wire: Wire = {"type": self.type.value, "mutability": self.mutability.value}
        if self.mutability is not WO:  # the value "may only be omitted when mutability is WriteOnly"
            wire["value"] = self.current() or ""
        if self.persistent:
            wire["persistent"] = True
        if self.constant:
            wire["constant"] = True
        return wire


@dataclass
class Variable:
    name: str
    characteristics: Characteristics
    attributes: dict[AttributeEnumType, Attribute]
    instance: str | None = None
    reboot_required: bool = False  # a SetVariables change takes effect after a reset (B05.FR.09)

    def to_wire(self) -> Wire:
        return {"name": self.name} if self.instance is None else {"name": self.name, "instance": self.instance}

    @property
    def key(self) -> tuple[str | None, str | None]:
        return _fold(self.name), _fold(self.instance)

    @property
    def settable(self) -> bool:
        return any(a.mutability is not RO for a in self.attributes.values())

    def actual(self) -> str | None:
        attribute = self.attributes.get(A.actual)
        return None if attribute is None else attribute.current()


def var(
    name: str,
    value: str | None,
    data_type: DataEnumType,
    mutability: MutabilityEnumType = RO,
    *,
    instance: str | None = None,
    unit: str | None = None,
    min_limit: float | None = None,
    max_limit: float | None = None,
    values_list: str | None = None,
    constant: bool = False,
    reboot_required: bool = False,
    max_set: str | None = None,
    source: Callable[[], str] | None = None,
) -> Variable:
    """A variable with an Actual attribute (and a read-only MaxSet when given); settings persist."""
    actual = Attribute(A.actual, value, mutability, persistent=mutability is not RO, constant=constant, source=source)
    attributes = {A.actual: actual}
    if max_set is not None:
        attributes[A.max_set] = Attribute(A.max_set, max_set, RO, constant=True)
    chars = Characteristics(data_type, unit, min_limit, max_limit, values_list)
    return Variable(name, chars, attributes, instance, reboot_required)


def _flag(name: str, value: bool, mutability: MutabilityEnumType = RW) -> Variable:
    return var(name, "true" if value else "false", D.boolean, mutability)


def _seconds(name: str, value: int, *, instance: str | None = None, min_limit: int = 0) -> Variable:
    return var(name, str(value), D.integer, RW, instance=instance, unit="s", min_limit=min_limit)


def _count(name: str, value: int, mutability: MutabilityEnumType = RW, **kw: Any) -> Variable:
    return var(name, str(value), D.integer, mutability, min_limit=0, **kw)


def _measurands(name: str, value: str) -> Variable:
    return var(name, value, D.member_list, RW, values_list=MEASURANDS)


class DeviceModel:
    """All components and variables of one 2.0.1 station, in report order."""

    def __init__(
        self,
        entries: Iterable[tuple[Component, Variable]],
        on_change: Callable[[Component, str, str | None, str], None] | None = None,
    ) -> None:
        self.on_change = on_change
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
        model = cls(_station_entries(config, lambda: now().isoformat(timespec="milliseconds").replace("+00:00", "Z")))
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
        entry = self._entries.get((*component.key, _fold(name), _fold(instance)))
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
        attribute.value = variable.characteristics.canonical(value)
        if self.on_change is not None:
            self.on_change(component, variable.name, variable.instance, attribute.value)
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
        found = self._find_or_raise(Component(component, component_instance, evse_id, connector_id), variable, instance)
        problem = found.characteristics.problem(value)
        if problem:
            raise ValueError(f"{component}.{variable} cannot be {value!r}: {problem[1]}")
        found.attributes[A.actual].value = found.characteristics.canonical(value)

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
    return _fold(wanted_variable["name"]) == _fold(variable.name) and (
        instance is None or _fold(instance) == _fold(variable.instance)
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


# --- the station's components ------------------------------------------------------------------
def _supply_phases(connectors: Iterable[ConnectorConfig]) -> str:
    """SupplyPhases: 0 for DC, else the most phases any connector has."""
    return str(max((c.phases for c in connectors if c.current_type is CurrentType.AC), default=0))


def _availability() -> list[Variable]:
    return [
        var(
            "AvailabilityState", ConnectorStatusEnumType.available.value, D.option_list, values_list=AVAILABILITY_STATES
        ),
        _flag("Available", True, RO),
    ]


def _power(max_power_w: float) -> Variable:
    return var("Power", "0", D.decimal, unit="W", min_limit=0, max_limit=max_power_w, max_set=f"{max_power_w:g}")


def _security_profile(config: StationConfig) -> int:
    """1 with basic auth, 2 with basic auth over TLS; 0 (no profile) when the lab runs unsecured."""
    if config.password is None:
        return 0
    return 2 if (config.csms_url or "").startswith("wss://") else 1


def _station_entries(config: StationConfig, now: Callable[[], str]) -> list[tuple[Component, Variable]]:
    entries: list[tuple[Component, Variable]] = []

    def add(component: Component, *variables: Variable) -> None:
        entries.extend((component, v) for v in variables)

    connectors = [c for _, c in config.connectors()]
    add(
        Component("ChargingStation"),
        *_availability(),
        var("Model", config.model, D.string, constant=True),
        var("VendorName", config.vendor, D.string, constant=True),
        var("SerialNumber", config.serial_number, D.string, constant=True),
        var("SupplyPhases", _supply_phases(connectors), D.integer, constant=True),
        _power(config.max_power_w()),
        _flag("Problem", False, RO),
    )
    for evse in config.evses:
        add(
            Component("EVSE", evse_id=evse.id),
            *_availability(),
            _power(max(c.max_power_w for c in evse.connectors)),
            var("SupplyPhases", _supply_phases(evse.connectors), D.integer, constant=True),
            _flag("Problem", False, RO),
        )
        for c in evse.connectors:
            add(
                Component("Connector", evse_id=evse.id, connector_id=c.id),
                *_availability(),
                var("ConnectorType", CONNECTOR_TYPES[c.type], D.string, constant=True),
                var("SupplyPhases", _supply_phases([c]), D.integer, constant=True),
                _flag("Problem", False, RO),
            )
    add(
        Component("OCPPCommCtrlr"),
        var("FileTransferProtocols", "HTTP,HTTPS", D.member_list, values_list="FTP,FTPS,HTTP,HTTPS,SFTP"),
        _seconds("HeartbeatInterval", config.heartbeat_interval_s, min_limit=1),
        _seconds("MessageTimeout", 30, instance="Default", min_limit=1),
        _count("MessageAttempts", 3, instance="TransactionEvent"),
        _seconds("MessageAttemptInterval", 60, instance="TransactionEvent"),
        # B10: a new priority order is taken into use at the next (re)connection.
        var("NetworkConfigurationPriority", "0", D.sequence_list, RW, values_list="0,1", reboot_required=True),
        _count("NetworkProfileConnectionAttempts", 3),
        _seconds("OfflineThreshold", 300),
        _flag("QueueAllMessages", False),
        _count("ResetRetries", 3),
        _seconds("RetryBackOffRandomRange", 10),
        _count("RetryBackOffRepeatTimes", 5),
        _seconds("RetryBackOffWaitMinimum", 5),
        _flag("UnlockOnEVSideDisconnect", True),
        # The ping interval is fixed when the WebSocket opens, as for 1.6 (config_keys).
        var("WebSocketPingInterval", "60", D.integer, RW, unit="s", min_limit=0, reboot_required=True),
    )
    add(
        Component("TxCtrlr"),
        _seconds("EVConnectionTimeOut", 60),
        _count("MaxEnergyOnInvalidId", 0, unit="Wh"),
        _flag("StopTxOnEVSideDisconnect", True),
        _flag("StopTxOnInvalidId", True),
        _flag("TxBeforeAcceptedEnabled", False),
        # A transaction starts when the power path closes (EV connected and authorized) and
        # stops when either the EV leaves or the authorization ends.
        var("TxStartPoint", "PowerPathClosed", D.member_list, RW, values_list=TX_START_POINTS),
        var("TxStopPoint", "EVConnected,Authorized", D.member_list, RW, values_list=TX_STOP_POINTS),
    )
    energy = lab.ENERGY_REGISTER
    add(
        Component("SampledDataCtrlr"),
        _flag("Available", True, RO),
        _flag("Enabled", True),
        _measurands("TxStartedMeasurands", energy),
        _measurands("TxUpdatedMeasurands", lab.default_sampled_measurands(config)),
        _seconds("TxUpdatedInterval", config.meter_interval_s),
        _measurands("TxEndedMeasurands", energy),
        _seconds("TxEndedInterval", 0),
    )
    add(
        Component("AlignedDataCtrlr"),
        _flag("Available", True, RO),
        _flag("Enabled", True),
        _seconds("Interval", 0),
        _measurands("Measurands", energy),
        _seconds("TxEndedInterval", 0),
        _measurands("TxEndedMeasurands", ""),
    )
    add(
        Component("AuthCtrlr"),
        _flag("Enabled", True),
        _flag("AuthorizeRemoteStart", True),
        _flag("LocalAuthorizeOffline", True),
        _flag("LocalPreAuthorize", False),
        _flag("OfflineTxForUnknownIdEnabled", False),
    )
    add(
        Component("AuthCacheCtrlr"),
        _flag("Available", True, RO),
        _flag("Enabled", True),
        _seconds("LifeTime", 86_400),
        var("Policy", "LRU", D.option_list, RW, values_list="LRU,LFU,FIFO,CUSTOM"),
    )
    # Local lists, reservations and charging profiles are not simulated yet: SendLocalList,
    # ReserveNow and SetChargingProfile answer NotSupported, and the controllers say so by
    # Available false (part 2, 2.5 "Available": the function is not present), not by a switch
    # that a SetVariables could turn on.
    add(
        Component("LocalAuthListCtrlr"),
        _flag("Available", False, RO),
        _flag("Enabled", False, RO),
        _count("Entries", 0, RO, max_limit=lab.LOCAL_LIST_MAX_ENTRIES),
        _count("ItemsPerMessage", lab.SEND_LOCAL_LIST_MAX_ITEMS, RO),
        _count("BytesPerMessage", REQUEST_BYTES_PER_MESSAGE, RO),
    )
    add(
        Component("DeviceDataCtrlr"),
        *(
            _count(name, limit, RO, instance=action)
            for name, limit in (
                ("ItemsPerMessage", REQUEST_ITEMS_PER_MESSAGE),
                ("BytesPerMessage", REQUEST_BYTES_PER_MESSAGE),
            )
            for action in ("GetReport", "GetVariables", "SetVariables")
        ),
    )
    add(
        Component("SecurityCtrlr"),
        # A00.FR.205: the basic-auth password has 16 to 40 characters.
        var("BasicAuthPassword", config.password, D.string, WO, min_limit=16, max_limit=40),
        _count("CertificateEntries", 0, RO),
        var("Identity", config.id, D.string, constant=True, max_limit=48),
        var("OrganizationName", config.vendor, D.string, RW),
        _count("SecurityProfile", _security_profile(config), RO, max_limit=3),
    )
    add(
        Component("ClockCtrlr"),
        var("DateTime", None, D.date_time, source=now),
        var("TimeSource", "Heartbeat", D.sequence_list, RW, values_list=TIME_SOURCES),
    )
    add(
        Component("ReservationCtrlr"),
        _flag("Available", False, RO),
        _flag("Enabled", False, RO),
        _flag("NonEvseSpecific", False, RO),
    )
    add(
        Component("SmartChargingCtrlr"),
        _flag("Available", False, RO),
        _flag("Enabled", False, RO),
        _count("Entries", 0, RO, instance="ChargingProfiles", max_limit=lab.CHARGING_PROFILES_MAX),
        var("LimitChangeSignificance", "10", D.decimal, RW, unit="Percent", min_limit=0, max_limit=100),
        _count("PeriodsPerSchedule", lab.SCHEDULE_MAX_PERIODS, RO),
        _count("ProfileStackLevel", lab.PROFILE_MAX_STACK_LEVEL, RO),
        var("RateUnit", "A,W", D.member_list, values_list="A,W"),
    )
    add(
        Component("CustomizationCtrlr"),
        var("CustomImplementationEnabled", "false", D.boolean, RW, instance=config.vendor),
    )
    return entries
