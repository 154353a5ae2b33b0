"""The CSMS console's command forms: one per operator command, its inputs shaped by the selected station.

A form shows the choices of the station's OCPP version and names what it addresses the way
that version does; both come from `model.version_traits`, so a form has one code path for both
versions. `arguments()` reads the inputs into the keywords of the command's `MockCsms` method.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

from ocpp.v16.enums import AvailabilityType, ChargingProfilePurposeType
from ocpp.v201.enums import AttributeEnumType, ChargingProfilePurposeEnumType, ReportBaseEnumType
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QSpinBox, QWidget

from ocpplab_desktop.csms.commands import CommandIds
from ocpplab_desktop.csms.server import BUILDERS, COMMANDS
from ocpplab_desktop.csms.state import StationState
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.version_traits import VersionTraits, traits
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.errors import RpcError

_MAX_NUMBER = 99  # connector and EVSE inputs; the station answers for numbers it does not have


class InputProblem(ValueError):
    """A form field is empty or malformed; the message says which and what to enter."""


def _schema_accepts(version: OcppVersion, action: str, payload: dict[str, Any]) -> bool:
    try:
        schemas.check(version, action, payload)
    except RpcError:
        return False
    return True


@functools.cache
def trigger_messages(version: OcppVersion) -> tuple[str, ...]:
    """The MessageTrigger values a TriggerMessage of `version` may carry.

    The library's 1.6 enum also holds the security extension's values, which only
    ExtendedTriggerMessage takes, so the TriggerMessage schema has the last word.
    """
    action = COMMANDS["trigger_message"].actions[version]
    candidates = traits(version).trigger_messages
    return tuple(m for m in candidates if _schema_accepts(version, action, {"requestedMessage": m}))


def refill(combo: QComboBox, values: Iterable[str], default: str = "") -> None:
    """Offer `values`, keeping the current choice when it is still offered (else `default`, if offered);
    nothing happens if they are unchanged."""
    wanted = list(values)
    if [combo.itemText(i) for i in range(combo.count())] == wanted:
        return
    current = combo.currentText()
    combo.clear()
    combo.addItems(wanted)
    if current in wanted:
        combo.setCurrentText(current)
    elif default in wanted:
        combo.setCurrentText(default)


def _number_box(zero_means: str | None = None, minimum: int = 1) -> QSpinBox:
    """A connector or EVSE number; with `zero_means`, 0 is allowed and shown as that word."""
    box = QSpinBox()
    box.setRange(0 if zero_means else minimum, _MAX_NUMBER)
    if zero_means:
        box.setSpecialValueText(zero_means)
        box.setValue(0)
    return box


def _required(edit: QLineEdit, what: str) -> str:
    text = edit.text().strip()
    if not text:
        raise InputProblem(f"enter {what}")
    return text


class CommandForm(QWidget):
    """The inputs of one operator command; `arguments()` are the keywords of its `MockCsms` method."""

    def __init__(self, command: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.command = command
        self.traits: VersionTraits = traits(OcppVersion.V16)  # until a station is shown
        self.rows = QFormLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

    def show_station(self, state: StationState) -> None:
        """Adapt the inputs to a station: its version's labels and choices, its transactions."""
        self.traits = traits(state.version)

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments after the station id; InputProblem if a field is not usable."""
        raise NotImplementedError


class _PlaceRow:
    """The part of a station a command acts on, a 1.6 connector or a 2.0.1 EVSE, as its version names it.

    0 stands for `zero_means` (the whole station, any, none).
    """

    def __init__(self, form: CommandForm, zero_means: str) -> None:
        self.label = QLabel()
        self.box = _number_box(zero_means)
        form.rows.addRow(self.label, self.box)

    def show_version(self, facts: VersionTraits) -> None:
        self.label.setText(facts.place_label)

    def arguments(self, facts: VersionTraits) -> dict[str, int | None]:
        return {facts.place_argument: self.box.value() or None}


class RemoteStartForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("remote_start")
        self.token = QLineEdit("TAG-0001")
        self.rows.addRow("Id token", self.token)
        self.place = _PlaceRow(self, "any")

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        self.place.show_version(self.traits)

    def arguments(self) -> dict[str, Any]:
        return {"id_token": _required(self.token, "the id token to start with"), **self.place.arguments(self.traits)}


class RemoteStopForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("remote_stop")
        self.transaction = QComboBox()
        self.transaction.setEditable(True)
        edit = QLineEdit()
        edit.setPlaceholderText("no active transaction: type an id")
        self.transaction.setLineEdit(edit)
        self.rows.addRow("Transaction id", self.transaction)
        self._offered: list[str] = []

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        ids = [str(t.id) for t in state.active_transactions()]
        if ids == self._offered:
            return  # refilling would disturb someone typing an id
        typed = self.transaction.currentText() not in (*self._offered, "")
        kept = self.transaction.currentText()
        self._offered = ids
        self.transaction.clear()
        self.transaction.addItems(ids)
        if typed:
            self.transaction.setEditText(kept)

    def arguments(self) -> dict[str, Any]:
        text = self.transaction.currentText().strip()
        if not text:
            raise InputProblem("enter the id of the transaction to stop")
        if not self.traits.integer_transaction_ids:
            return {"transaction_id": text}
        if not text.lstrip("-").isdigit():
            raise InputProblem(f"OCPP {self.traits.version} transaction ids are integers, not {text!r}")
        return {"transaction_id": int(text)}


class ResetForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("reset")
        self.kind = QComboBox()
        self.rows.addRow("Type", self.kind)
        self.evse = _number_box("whole station")
        self.rows.addRow("EVSE id", self.evse)

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        refill(self.kind, self.traits.reset_kinds)
        self.rows.setRowVisible(self.evse, self.traits.reset_addresses_evse)

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {"kind": self.kind.currentText()}
        if self.traits.reset_addresses_evse:
            arguments["evse_id"] = self.evse.value() or None
        return arguments


class ChangeAvailabilityForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("change_availability")
        self.kind = QComboBox()
        self.kind.addItems([AvailabilityType.operative.value, AvailabilityType.inoperative.value])
        self.rows.addRow("Availability", self.kind)
        # 1.6 section 5.2 connectorId 0 / 2.0.1 G03 without evse: the whole station.
        self.place = _PlaceRow(self, "whole station")

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        self.place.show_version(self.traits)

    def arguments(self) -> dict[str, Any]:
        operative = self.kind.currentText() == AvailabilityType.operative
        return {"operative": operative, **self.place.arguments(self.traits)}


class TriggerMessageForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("trigger_message")
        self.message = QComboBox()
        self.rows.addRow("Message", self.message)
        self.place = _PlaceRow(self, "none")

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        refill(self.message, trigger_messages(state.version))
        self.place.show_version(self.traits)

    def arguments(self) -> dict[str, Any]:
        return {"message": self.message.currentText(), **self.place.arguments(self.traits)}


class UnlockConnectorForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("unlock_connector")
        self.evse = _number_box()
        self.rows.addRow("EVSE id", self.evse)
        self.connector = _number_box()
        self.rows.addRow("Connector id", self.connector)

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        self.rows.setRowVisible(self.evse, self.traits.unlock_addresses_evse)

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {"connector_id": self.connector.value()}
        if self.traits.unlock_addresses_evse:
            arguments["evse_id"] = self.evse.value()
        return arguments


class GetConfigurationForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("get_configuration")
        self.keys = QLineEdit()
        self.keys.setPlaceholderText("empty: every key")
        self.keys.setToolTip("Configuration keys, comma separated, e.g. HeartbeatInterval, MeterValueSampleInterval")
        self.rows.addRow("Keys", self.keys)

    def arguments(self) -> dict[str, Any]:
        keys = split_list(self.keys.text())
        return {"keys": keys or None}


class ChangeConfigurationForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("change_configuration")
        self.key = QLineEdit()
        self.key.setPlaceholderText("e.g. HeartbeatInterval")
        self.value = QLineEdit()
        self.rows.addRow("Key", self.key)
        self.rows.addRow("Value", self.value)

    def arguments(self) -> dict[str, Any]:
        return {"key": _required(self.key, "the configuration key to change"), "value": self.value.text()}


class VariablesForm(CommandForm):
    """GetVariables and SetVariables of one variable (2.0.1 B06/B05); SetVariables adds the value."""

    def __init__(self, command: str, with_value: bool) -> None:
        super().__init__(command)
        self.component = QLineEdit()
        self.component.setPlaceholderText("e.g. OCPPCommCtrlr")
        self.variable = QLineEdit()
        self.variable.setPlaceholderText("e.g. HeartbeatInterval")
        self.rows.addRow("Component", self.component)
        self.rows.addRow("Variable", self.variable)
        self.value: QLineEdit | None = None
        if with_value:
            self.value = QLineEdit()
            self.rows.addRow("Value", self.value)
        self.attribute = QComboBox()
        self.attribute.addItems([a.value for a in AttributeEnumType])
        self.rows.addRow("Attribute", self.attribute)

    def arguments(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "component": {"name": _required(self.component, "the component name")},
            "variable": {"name": _required(self.variable, "the variable name")},
            "attributeType": self.attribute.currentText(),
        }
        if self.value is not None:
            item["attributeValue"] = self.value.text()
        return {"items": [item]}


class GetBaseReportForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("get_base_report")
        self.base = QComboBox()
        self.base.addItems([r.value for r in ReportBaseEnumType])
        self.base.setCurrentText(ReportBaseEnumType.full_inventory.value)
        self.rows.addRow("Report", self.base)

    def arguments(self) -> dict[str, Any]:
        return {"report_base": self.base.currentText()}


# --- smart charging: plain forms until the profile editor comes -----------------------------------
PROFILE_PURPOSES = tuple(
    dict.fromkeys(
        [
            *(p.value for p in ChargingProfilePurposeType),
            *(p.value for p in ChargingProfilePurposeEnumType),
        ]
    )
)


@functools.cache
def profile_purposes(version: OcppVersion) -> tuple[str, ...]:
    """The purposes a ClearChargingProfile of `version` may name, as its schema says."""
    build = BUILDERS[version]("console", CommandIds()).clear_charging_profile
    return tuple(
        p
        for p in PROFILE_PURPOSES
        if _schema_accepts(
            version, *build(profile_id=None, connector_id=None, evse_id=None, purpose=p, stack_level=None)
        )
    )


class SetChargingProfileForm(CommandForm):
    """The profile as JSON in the station version's wire form (1.6 csChargingProfiles, 2.0.1 chargingProfile)."""

    def __init__(self) -> None:
        super().__init__("set_charging_profile")
        self.place = _PlaceRow(self, "whole station")
        self.profile = QPlainTextEdit()
        self.profile.setPlaceholderText('{"id": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", ...}')
        self.rows.addRow("Profile (JSON)", self.profile)

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        self.place.show_version(self.traits)

    def arguments(self) -> dict[str, Any]:
        try:
            profile = json.loads(self.profile.toPlainText())
        except json.JSONDecodeError as exc:
            raise InputProblem(f"the profile is not JSON: {exc}") from exc
        if not isinstance(profile, dict):
            raise InputProblem("the profile is a JSON object")
        return {"profile": profile, **self.place.arguments(self.traits)}


class ClearChargingProfileForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("clear_charging_profile")
        self.profile_id = _number_box("any", minimum=0)
        self.rows.addRow("Profile id", self.profile_id)
        self.place = _PlaceRow(self, "any")
        self.purpose = QComboBox()
        self.rows.addRow("Purpose", self.purpose)
        self.stack_level = QSpinBox()
        self.stack_level.setRange(-1, _MAX_NUMBER)
        self.stack_level.setSpecialValueText("any")
        self.stack_level.setValue(-1)
        self.rows.addRow("Stack level", self.stack_level)

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        self.place.show_version(self.traits)
        refill(self.purpose, ["any", *profile_purposes(state.version)], "any")

    def arguments(self) -> dict[str, Any]:
        purpose = self.purpose.currentText()
        return {
            "profile_id": self.profile_id.value() or None,
            **self.place.arguments(self.traits),
            "purpose": None if purpose in ("any", "") else purpose,
            "stack_level": None if self.stack_level.value() < 0 else self.stack_level.value(),
        }


class GetCompositeScheduleForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("get_composite_schedule")
        self.duration = QSpinBox()
        self.duration.setRange(1, 7 * 86_400)
        self.duration.setValue(3600)
        self.duration.setSuffix(" s")
        self.rows.addRow("Duration", self.duration)
        self.place = _PlaceRow(self, "whole station")
        self.unit = QComboBox()
        self.unit.addItems(["station's choice", "A", "W"])
        self.rows.addRow("Unit", self.unit)

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        self.place.show_version(self.traits)

    def arguments(self) -> dict[str, Any]:
        unit = self.unit.currentText()
        return {
            "duration_s": self.duration.value(),
            **self.place.arguments(self.traits),
            "unit": unit if unit in ("A", "W") else None,
        }


class GetChargingProfilesForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("get_charging_profiles")
        self.evse = QSpinBox()
        self.evse.setRange(-1, _MAX_NUMBER)
        self.evse.setSpecialValueText("every EVSE")
        self.evse.setValue(-1)
        self.rows.addRow("EVSE id", self.evse)

    def arguments(self) -> dict[str, Any]:
        return {"evse_id": None if self.evse.value() < 0 else self.evse.value()}


def command_forms() -> list[CommandForm]:
    """One form per operator command in `COMMANDS`."""
    return [
        RemoteStartForm(),
        RemoteStopForm(),
        ResetForm(),
        ChangeAvailabilityForm(),
        TriggerMessageForm(),
        UnlockConnectorForm(),
        GetConfigurationForm(),
        ChangeConfigurationForm(),
        VariablesForm("get_variables", with_value=False),
        VariablesForm("set_variables", with_value=True),
        GetBaseReportForm(),
        SetChargingProfileForm(),
        ClearChargingProfileForm(),
        GetCompositeScheduleForm(),
        GetChargingProfilesForm(),
    ]


def split_list(text: str) -> list[str]:
    """Comma-separated entries, stripped, empty ones left out."""
    return [part.strip() for part in text.split(",") if part.strip()]
