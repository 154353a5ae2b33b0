"""The vocabulary of the OCPP 2.0.1 device model: components, variables, their attributes and characteristics.

Part 1 section 4: a component (optionally of an EVSE or connector, optionally an instance) has
variables; a variable has up to four attributes (Actual, Target, MinSet, MaxSet), each with a
mutability, and fixed characteristics that say which values it can take. Names compare
case-insensitively, as the schemas say. `Characteristics.problem` is where a value is checked
(B05.FR.07), for SetVariables and for template settings alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ocpp.v201.enums import AttributeEnumType, DataEnumType, MutabilityEnumType, StatusInfoReasonType

from ocpplab_desktop.model import config_keys as lab

A = AttributeEnumType
D = DataEnumType
RO = MutabilityEnumType.read_only
RW = MutabilityEnumType.read_write
WO = MutabilityEnumType.write_only

Wire = dict[str, Any]

MONITORABLE = frozenset({D.integer, D.decimal, D.boolean, D.option_list})
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def fold(name: str | None) -> str | None:
    """A name as it is compared: component and variable names are case-insensitive."""
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
        return fold(self.name), fold(self.instance), self.evse_id, self.connector_id

    def matches(self, pattern: Component) -> bool:
        """GetReport matching: fields absent from the pattern match anything."""
        return (
            fold(self.name) == fold(pattern.name)
            and (pattern.instance is None or fold(self.instance) == fold(pattern.instance))
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
        return fold(self.name), fold(self.instance)

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
    # Numbers, booleans and option lists that can be read can be monitored (part 2 N04, model.monitoring).
    monitorable = data_type in MONITORABLE and mutability is not WO
    chars = Characteristics(data_type, unit, min_limit, max_limit, values_list, supports_monitoring=monitorable)
    return Variable(name, chars, attributes, instance, reboot_required)
