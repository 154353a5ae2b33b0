"""A CALL's form built from its action's official request schema, with a raw JSON tab beside it.

The console needs a form for every action a CSMS may send, in both versions: some forty
actions, most with nested objects and lists. Writing each by hand would copy the schemas into
widgets and drift from them, so the form is read from the schema that the `ocpp` package
ships (`protocol.schemas.schema`): an object is a group of rows, required fields first and
optional ones behind a tick box; an enum is a choice; integers, numbers, booleans and
date-times get their own editors; a list has Add and Remove. Fields that name a part of the
station (connector, EVSE, transaction, token) start from what the CSMS knows of the selected
station, until the user changes them. The JSON tab takes any payload; both tabs are checked
against the same schema before anything is sent, and the schema's message is the error shown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.csms.state import StationState
from ocpplab_desktop.gui.console_forms import InputProblem
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.errors import RpcError

_INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int; OCPP integers are 32-bit too
_NUMBER_LIMIT = 1e9
DATE_TIME_AHEAD = timedelta(hours=1)
"""A date-time starts an hour from now: expiry dates and retrieve dates lie in the future."""
EXAMPLE_TOKEN = "TAG-0001"
FORM_MIN_HEIGHT = 220  # px: a nested form scrolls inside this rather than shrinking to one row


@dataclass(frozen=True)
class StationDefaults:
    """Values for the fields that name a part of the station, by field name (`parent.field` where ambiguous)."""

    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, state: StationState, request_id: int, more: Mapping[str, Any] | None = None) -> StationDefaults:
        """The defaults from what the CSMS knows of `state`; `more` adds values for fields these leave open."""
        running = state.active_transactions()
        connector = min(state.connectors, default=1) or 1
        evse, evse_connector = min(state.evse_connectors, default=(1, 1))
        token = next((t.id_token for t in running if t.id_token), None) or EXAMPLE_TOKEN
        values: dict[str, Any] = {
            "connectorId": evse_connector if state.version is OcppVersion.V201 else connector,
            "evseId": evse,
            "evse.id": evse,
            "idTag": token,
            "idToken.idToken": token,
            "remoteStartId": request_id,
            "requestId": request_id,
        }
        if running:
            values["transactionId"] = running[0].id
        for name, value in (more or {}).items():
            values.setdefault(name, value)
        return cls(values)

    def get(self, parent: str, name: str) -> Any:
        return self.values.get(f"{parent}.{name}", self.values.get(name))


class Editor:
    """One value of the payload: `widget` edits it, `value()` reads it (InputProblem if unusable)."""

    widget: QWidget

    def __init__(self, path: str) -> None:
        self.path = path  # where the value sits, as the schema's messages name it: chargingProfile.id
        self._offered: Any = None

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def offer(self, defaults: StationDefaults, parent: str, name: str) -> None:
        """Take the station's value for this field unless the user has changed what was offered before."""
        wanted = defaults.get(parent, name)
        if wanted is None:
            return
        try:
            if self._offered is None or self.value() == self._offered:
                self.set_value(wanted)
                self._offered = self.value()
        except (InputProblem, ValueError, TypeError):
            return


class EnumEditor(Editor):
    def __init__(self, path: str, choices: list[str]) -> None:
        super().__init__(path)
        self.widget = self.combo = QComboBox()
        self.combo.addItems(choices)

    def value(self) -> str:
        return self.combo.currentText()

    def set_value(self, value: Any) -> None:
        index = self.combo.findText(str(value))
        if index < 0:
            raise ValueError(f"{value!r} is not a choice of {self.path}")
        self.combo.setCurrentIndex(index)


class IntegerEditor(Editor):
    def __init__(self, path: str, node: dict[str, Any]) -> None:
        super().__init__(path)
        self.widget = self.box = QSpinBox()
        low = max(int(node.get("minimum", -_INT_LIMIT)), -_INT_LIMIT)
        self.box.setRange(low, min(int(node.get("maximum", _INT_LIMIT)), _INT_LIMIT))
        self.box.setValue(max(low, 0))

    def value(self) -> int:
        return self.box.value()

    def set_value(self, value: Any) -> None:
        self.box.setValue(int(value))


class NumberEditor(Editor):
    def __init__(self, path: str, node: dict[str, Any]) -> None:
        super().__init__(path)
        self.widget = self.box = QDoubleSpinBox()
        self.box.setDecimals(3)
        self.box.setRange(float(node.get("minimum", -_NUMBER_LIMIT)), float(node.get("maximum", _NUMBER_LIMIT)))
        self.box.setValue(max(self.box.minimum(), 0.0))

    def value(self) -> float:
        number = self.box.value()
        return int(number) if number.is_integer() else number

    def set_value(self, value: Any) -> None:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{self.path} is a finite number")
        self.box.setValue(number)


class BooleanEditor(Editor):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.widget = self.box = QCheckBox("true")

    def value(self) -> bool:
        return self.box.isChecked()

    def set_value(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"{self.path} is true or false")
        self.box.setChecked(value)


class DateTimeEditor(Editor):
    """A UTC date-time, sent as RFC 3339 with a Z (1.6 section 3.1.2; 2.0.1 part 2 section 2.1.2)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.widget = self.edit = QDateTimeEdit()
        self.edit.setTimeZone(QTimeZone.utc())
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
        self.edit.setCalendarPopup(True)
        start = (datetime.now(UTC) + DATE_TIME_AHEAD).replace(microsecond=0)
        self.edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp()), QTimeZone.utc()))

    def value(self) -> str:
        moment = datetime.fromtimestamp(self.edit.dateTime().toSecsSinceEpoch(), UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def set_value(self, value: Any) -> None:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        self.edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc()))


class TextEditor(Editor):
    def __init__(self, path: str, node: dict[str, Any]) -> None:
        super().__init__(path)
        self.widget = self.edit = QLineEdit()
        if "maxLength" in node:
            self.edit.setMaxLength(int(node["maxLength"]))
            self.edit.setPlaceholderText(f"up to {node['maxLength']} characters")
        if node.get("format") == "uri":
            self.edit.setPlaceholderText("a URL, e.g. http://127.0.0.1:8080/files/")

    def value(self) -> str:
        return self.edit.text()

    def set_value(self, value: Any) -> None:
        self.edit.setText(str(value))


class AnyEditor(Editor):
    """A value the schema does not type (2.0.1 DataTransfer data): JSON in one line."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.widget = self.edit = QLineEdit()
        self.edit.setPlaceholderText('any JSON value, e.g. "text", 42 or {"key": 1}')

    def value(self) -> Any:
        try:
            return json.loads(self.edit.text())
        except json.JSONDecodeError as exc:
            raise InputProblem(f"{self.path} is not JSON: {exc}") from exc

    def set_value(self, value: Any) -> None:
        self.edit.setText(json.dumps(value))


class ObjectEditor(Editor):
    """An object's fields as rows: required ones first, optional ones sent only when ticked."""

    def __init__(self, path: str, node: dict[str, Any], root: dict[str, Any], *, framed: bool = True) -> None:
        super().__init__(path)
        self.widget = QFrame()
        if framed:
            self.widget.setFrameShape(QFrame.Shape.StyledPanel)
        self.rows = QFormLayout(self.widget)
        self.rows.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        if not framed:
            self.rows.setContentsMargins(0, 0, 0, 0)
        properties: dict[str, Any] = node.get("properties", {})
        required = [name for name in node.get("required", []) if name in properties]
        optional = [name for name in properties if name not in required]
        self.fields: dict[str, Editor] = {}
        self.ticks: dict[str, QCheckBox] = {}
        for name in [*required, *optional]:
            child_path = f"{path}.{name}" if path else name
            editor = build_editor(child_path, properties[name], root)
            self.fields[name] = editor
            described = _resolve(properties[name], root).get("description") or properties[name].get("description")
            if name in required:
                label = QLabel(f"{name} *")
                label.setToolTip(f"required{': ' + described if described else ''}")
                self.rows.addRow(label, editor.widget)
            else:
                tick = QCheckBox(name)
                tick.setToolTip(f"optional: tick to send it{': ' + described if described else ''}")
                tick.toggled.connect(editor.widget.setEnabled)
                editor.widget.setEnabled(False)
                self.ticks[name] = tick
                self.rows.addRow(tick, editor.widget)

    def include(self, name: str, included: bool = True) -> None:
        """Tick (or untick) an optional field."""
        self.ticks[name].setChecked(included)

    def value(self) -> dict[str, Any]:
        return {
            name: editor.value()
            for name, editor in self.fields.items()
            if name not in self.ticks or self.ticks[name].isChecked()
        }

    def set_value(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise TypeError(f"{self.path or 'the payload'} is a JSON object")
        unknown = set(value) - set(self.fields)
        if unknown:
            raise ValueError(f"{self.path or 'the payload'} has no field {', '.join(sorted(unknown))}")
        for name, editor in self.fields.items():
            if name in value:
                editor.set_value(value[name])
            if name in self.ticks:
                self.ticks[name].setChecked(name in value)

    def offer(self, defaults: StationDefaults, parent: str, name: str) -> None:
        for child, editor in self.fields.items():
            editor.offer(defaults, name, child)


class ArrayEditor(Editor):
    """A list: one editor per item, each with Remove, and Add below them."""

    def __init__(self, path: str, node: dict[str, Any], root: dict[str, Any]) -> None:
        super().__init__(path)
        self.item_node = node.get("items", {})
        self.root = root
        self.min_items = int(node.get("minItems", 0))
        self.max_items = int(node.get("maxItems", 1_000_000))
        self.items: list[Editor] = []
        self._rows: list[QWidget] = []
        self.widget = QWidget()
        self.box = QVBoxLayout(self.widget)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton("Add item")
        self.add_button.setToolTip(f"Add an item to {path}")
        self.add_button.clicked.connect(self.add)
        self.box.addWidget(self.add_button)
        for _ in range(max(self.min_items, 1)):
            self.add()

    def add(self) -> Editor:
        editor = build_editor(f"{self.path}[{len(self.items)}]", self.item_node, self.root)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(editor.widget, 1)
        remove = QPushButton("Remove")
        remove.setToolTip("Remove this item")
        remove.clicked.connect(lambda: self.remove(self._rows.index(row)))
        line.addWidget(remove)
        self.items.append(editor)
        self._rows.append(row)
        self.box.insertWidget(self.box.count() - 1, row)
        self._enable()
        return editor

    def remove(self, index: int) -> None:
        self.items.pop(index)
        row = self._rows.pop(index)
        row.hide()
        row.deleteLater()
        self._enable()

    def _enable(self) -> None:
        self.add_button.setEnabled(len(self.items) < self.max_items)

    def value(self) -> list[Any]:
        return [editor.value() for editor in self.items]

    def set_value(self, value: Any) -> None:
        if not isinstance(value, list):
            raise TypeError(f"{self.path} is a JSON array")
        while len(self.items) > len(value):
            self.remove(len(self.items) - 1)
        while len(self.items) < len(value):
            self.add()
        for editor, item in zip(self.items, value, strict=True):
            editor.set_value(item)

    def offer(self, defaults: StationDefaults, parent: str, name: str) -> None:
        for editor in self.items:
            editor.offer(defaults, parent, name)


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """The node a `$ref` (2.0.1: "#/definitions/X") points at; other nodes as they are."""
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part]
    return _resolve(target, root)


def build_editor(path: str, node: dict[str, Any], root: dict[str, Any]) -> Editor:
    """The editor of one schema node."""
    node = _resolve(node, root)
    kind = node.get("type")
    if "enum" in node:
        return EnumEditor(path, [str(choice) for choice in node["enum"]])
    if kind == "object":
        return ObjectEditor(path, node, root)
    if kind == "array":
        return ArrayEditor(path, node, root)
    if kind == "integer":
        return IntegerEditor(path, node)
    if kind == "number":
        return NumberEditor(path, node)
    if kind == "boolean":
        return BooleanEditor(path)
    if kind == "string" and node.get("format") == "date-time":
        return DateTimeEditor(path)
    if kind == "string":
        return TextEditor(path, node)
    return AnyEditor(path)


class SchemaForm(QWidget):
    """The payload of one CALL of one version: a form from the request schema, and a raw JSON tab."""

    def __init__(self, version: OcppVersion, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.version = version
        self.action = action
        self.schema = schemas.schema(version, action)
        self.fields = ObjectEditor("", self.schema, self.schema, framed=False)
        self._request_ids = iter(range(1, _INT_LIMIT))
        self._defaults_of: str | None = None
        self._request_id = 0

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.fields.widget)
        scroll.setMinimumHeight(FORM_MIN_HEIGHT)
        if not self.fields.fields:
            self.fields.rows.addRow(QLabel(f"{action} has no fields: its payload is {{}}."))
        self.raw = QPlainTextEdit()
        self.raw.setPlaceholderText(f"The {action} payload as JSON; it is checked against the official schema")
        self.tabs = QTabWidget()
        self.tabs.addTab(scroll, "Form")
        self.tabs.addTab(self.raw, "JSON")
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def show_station(self, state: StationState, more: Mapping[str, Any] | None = None) -> None:
        """Fill the fields that name a part of the station from what the CSMS knows of it, and those that
        `more` names (by field name, `parent.field` where ambiguous) from what else the console knows."""
        if self._defaults_of != state.station_id:
            self._defaults_of = state.station_id
            self._request_id = next(self._request_ids)
        self.fields.offer(StationDefaults.of(state, self._request_id, more), "", "")

    def editor(self, path: str) -> Editor | None:
        """The editor of the field at `path` (`firmware.location`), None if the form has no such field."""
        found: Editor = self.fields
        for name in path.split("."):
            if not isinstance(found, ObjectEditor) or name not in found.fields:
                return None
            found = found.fields[name]
        return found

    def editing_json(self) -> bool:
        return self.tabs.currentIndex() == 1

    def show_json(self, text: str) -> None:
        """Switch to the JSON tab with `text` in it."""
        self.tabs.setCurrentIndex(1)
        self.raw.setPlainText(text)

    def payload(self) -> dict[str, Any]:
        """The payload to send, valid against the request schema; InputProblem says what is wrong."""
        if self.editing_json():
            try:
                payload = json.loads(self.raw.toPlainText() or "{}")
            except json.JSONDecodeError as exc:
                raise InputProblem(f"the JSON is not valid: {exc}") from exc
        else:
            payload = self.fields.value()
        try:
            schemas.check(self.version, self.action, payload)
        except RpcError as exc:
            raise InputProblem(exc.description) from None
        assert isinstance(payload, dict)  # check() refuses anything else
        return payload

    def _tab_changed(self, index: int) -> None:
        """Carry the payload across: the form's into the JSON tab, the JSON back into the form when it fits."""
        if index == 1:
            try:
                self.raw.setPlainText(json.dumps(self.fields.value(), indent=2))
            except InputProblem:
                return
            return
        try:
            self.fields.set_value(json.loads(self.raw.toPlainText() or "{}"))
        except (ValueError, TypeError, KeyError):
            return  # the JSON does not fit the form (it may be a negative test): the form keeps its values
