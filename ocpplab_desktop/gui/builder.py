"""The station builder: a form over StationConfig, validated as you type.

The fixed layout is the Designer form ui/station_builder.ui; this module fills it, reads it
back into a StationConfig on every edit and shows each problem under the widget of its field.
What is wrong, what a new form starts from and how overrides and EVSE edits work are decided
by `model.station_form`, without Qt; this module only moves values between it and the widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Set
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.generated.ui_station_builder import Ui_StationBuilder
from ocpplab_desktop.model import station_form
from ocpplab_desktop.model.config import (
    CONNECTOR_TYPES,
    ConfigError,
    ConnectorConfig,
    CurrentType,
    EvseConfig,
    OcppVersion,
    StationConfig,
)
from ocpplab_desktop.model.station_form import Field, Overrides, Problem, SettingRow
from ocpplab_desktop.model.templates import builtin_templates, save_user_template, user_templates_list
from ocpplab_desktop.model.version_traits import ConfigSurface, traits

_SETTINGS_HINTS = {
    ConfigSurface.KEYS: "OCPP 1.6 configuration keys (section 9). Double-click a value to override it; "
    "greyed keys are read-only.",
    ConfigSurface.VARIABLES: "OCPP 2.0.1 device model: the ReadWrite variables a GetBaseReport(ConfigurationInventory) "
    "lists. Double-click a value to set it.",
}


class Column:
    """Columns of the connectors table."""

    EVSE, CONNECTOR, TYPE, CURRENT_TYPE, PHASES, MAX_CURRENT, MAX_POWER, VOLTAGE = range(8)
    HEADERS = ("EVSE", "Connector", "Type", "AC/DC", "Phases", "Max A", "Max kW", "Volts")
    TOOLTIPS = ("", "", "", "", "", "Maximum current per phase (A)", "Maximum power (kW)", "Nominal voltage (V)")


class _SettingsTable:
    """A QTableWidget of settings; an edit of a value cell calls `on_edit(row, text)`."""

    def __init__(self, table: QTableWidget, headers: tuple[str, ...], on_edit: Callable[[SettingRow, str], None]):
        self.table = table
        self._value_column = headers.index("Value")
        self._rows: list[SettingRow] = []
        self._on_edit = on_edit
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.setWordWrap(False)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = table.horizontalHeader()
        for column in range(len(headers)):
            stretch = column == self._value_column
            header.setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch if stretch else QHeaderView.ResizeMode.ResizeToContents
            )
        table.itemChanged.connect(self._item_changed)

    def show(self, rows: list[SettingRow]) -> None:
        """Show `rows`; nothing happens when they are what the table shows already (it is called per edit)."""
        if rows == self._rows:
            return
        self._rows = rows
        greyed = self.table.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        bold = QFont(self.table.font())
        bold.setBold(True)
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate((*row.before, row.value, *row.after)):
                item = QTableWidgetItem(text)
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                if c == self._value_column and row.editable:
                    flags |= Qt.ItemFlag.ItemIsEditable
                item.setFlags(flags)
                if not row.editable:
                    item.setForeground(greyed)
                if c == self._value_column and row.overridden:
                    item.setFont(bold)  # what this station changes from the default
                item.setToolTip(row.tip)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)

    def value_item(self, key: Hashable) -> QTableWidgetItem:
        """The value cell of the row with `key`."""
        for r, row in enumerate(self._rows):
            if row.key == key:
                item = self.table.item(r, self._value_column)
                assert item is not None
                return item
        raise KeyError(f"no setting {key!r} in the table")

    def rows(self) -> list[SettingRow]:
        return list(self._rows)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == self._value_column and 0 <= item.row() < len(self._rows):
            self._on_edit(self._rows[item.row()], item.text())


class StationBuilderDialog(QDialog):
    """Build a station's configuration, from a template or from scratch; `config()` after accept."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        existing_ids: Set[str] = frozenset(),
        config: StationConfig | None = None,
        embedded_csms_url: str | None = None,
        templates_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = Ui_StationBuilder()
        self.ui.setupUi(self)
        self._existing_ids = frozenset(existing_ids)
        self._templates_dir = templates_dir
        self._overrides = Overrides()
        self._description = ""
        self._loading = False
        self._problems: list[Problem] = []
        self._templates: list[StationConfig | None] = []  # by combo index; None for the separator

        ui = self.ui
        ui.builtin_radio.setText(
            f"Built-in mock CSMS ({embedded_csms_url})" if embedded_csms_url else "Built-in mock CSMS"
        )
        ui.ocpp_version.addItems([version.value for version in OcppVersion])
        self._error_labels: dict[Field, QLabel] = {
            Field.ID: ui.station_id_error,
            Field.VENDOR: ui.identity_error,
            Field.MODEL: ui.identity_error,
            Field.SERIAL_NUMBER: ui.identity_error,
            Field.FIRMWARE_VERSION: ui.identity_error,
            Field.CSMS_URL: ui.csms_url_error,
            Field.PASSWORD: ui.password_error,
            Field.METER_INTERVAL: ui.intervals_error,
            Field.HEARTBEAT_INTERVAL: ui.intervals_error,
            Field.EVSES: ui.connectors_error,
            Field.CONFIG_KEYS: ui.settings_error,
            Field.VARIABLES: ui.settings_error,
        }
        for label in set(self._error_labels.values()):
            label.setStyleSheet(f"QLabel {{ color: {palette.ERROR}; }}")
            label.hide()
        ui.template_description.setEnabled(False)  # quiet text in either theme
        self._set_up_connectors_table()
        self.keys = _SettingsTable(ui.keys_table, ("Key", "Value", "Access"), self._key_edited)
        self.variables = _SettingsTable(
            ui.variables_table, ("Component", "Variable", "Value", "Type"), self._variable_edited
        )
        self._settings_pages = {
            ConfigSurface.KEYS: (ui.keys_page, self.keys),
            ConfigSurface.VARIABLES: (ui.variables_page, self.variables),
        }
        self._fill_template_combo()

        for edit in (ui.station_id, ui.vendor, ui.model, ui.serial_number, ui.firmware_version, ui.password):
            edit.textChanged.connect(self._changed)
        ui.csms_url.textChanged.connect(self._url_typed)
        ui.external_radio.toggled.connect(self._changed)
        ui.meter_interval.valueChanged.connect(self._changed)
        ui.heartbeat_interval.valueChanged.connect(self._changed)
        ui.ocpp_version.currentIndexChanged.connect(self._changed)
        ui.template_combo.currentIndexChanged.connect(self._template_chosen)
        ui.add_evse_button.clicked.connect(self._add_evse)
        ui.add_connector_button.clicked.connect(self._add_connector)
        ui.remove_button.clicked.connect(self._remove_connector)
        ui.save_template_button.clicked.connect(self._ask_template_name)
        ui.button_box.accepted.connect(self.accept)
        ui.button_box.rejected.connect(self.reject)

        self.load(station_form.new_station(self._existing_ids) if config is None else config)

    # --- public ----------------------------------------------------------------------------
    def config(self) -> StationConfig:
        """The configuration the form describes; valid once the dialog was accepted."""
        ui = self.ui
        typed = StationConfig(
            id=ui.station_id.text().strip(),
            vendor=ui.vendor.text().strip(),
            model=ui.model.text().strip(),
            serial_number=ui.serial_number.text().strip(),
            firmware_version=ui.firmware_version.text().strip(),
            ocpp_version=OcppVersion(ui.ocpp_version.currentText()),
            csms_url=ui.csms_url.text().strip() if ui.external_radio.isChecked() else None,
            password=ui.password.text() or None,
            evses=self._evses(),
            meter_interval_s=ui.meter_interval.value(),
            heartbeat_interval_s=ui.heartbeat_interval.value(),
            description=self._description,
        )
        return self._overrides.apply(typed)

    def problems(self) -> list[str]:
        """What keeps OK disabled, as shown in red on the form."""
        return [problem.message for problem in self._problems]

    def ok_button(self) -> QPushButton:
        button = self.ui.button_box.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def load(self, config: StationConfig) -> None:
        """Fill the form from `config`; its overrides become the table's edited values."""
        ui = self.ui
        self._loading = True
        try:
            ui.station_id.setText(config.id)
            ui.vendor.setText(config.vendor)
            ui.model.setText(config.model)
            ui.serial_number.setText(config.serial_number)
            ui.firmware_version.setText(config.firmware_version)
            ui.ocpp_version.setCurrentText(config.ocpp_version.value)
            ui.external_radio.setChecked(config.csms_url is not None)
            ui.builtin_radio.setChecked(config.csms_url is None)
            ui.csms_url.setText(config.csms_url or "")
            ui.password.setText(config.password or "")
            ui.meter_interval.setValue(config.meter_interval_s)
            ui.heartbeat_interval.setValue(config.heartbeat_interval_s)
            self._overrides = Overrides.of(config)
            self._description = config.description
            ui.template_description.setText(config.description)
            ui.template_description.setVisible(bool(config.description))
            self._show_connectors(config.evses)
        finally:
            self._loading = False
        self._changed()

    # --- templates -------------------------------------------------------------------------
    def _fill_template_combo(self, select: str | None = None) -> None:
        combo = self.ui.template_combo
        combo.blockSignals(True)
        combo.clear()
        self._templates = []
        for name, template in builtin_templates().items():
            combo.addItem(name)
            self._templates.append(template)
        user = user_templates_list(self._templates_dir)
        if user:
            combo.insertSeparator(combo.count())
            self._templates.append(None)
        for name, template in user.items():
            combo.addItem(f"{name} (yours)", name)
            self._templates.append(template)
        for index, offered in enumerate(self._templates):
            if offered is not None and offered.description:
                combo.setItemData(index, offered.description, Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(combo.findData(select) if select else -1)
        combo.blockSignals(False)

    def _template_chosen(self, index: int) -> None:
        template = self._templates[index] if 0 <= index < len(self._templates) else None
        if template is not None:
            self.load(station_form.with_free_id(template, self._existing_ids))

    def _ask_template_name(self) -> None:
        dialog = QInputDialog(self)
        dialog.setObjectName("templateNameDialog")
        dialog.setWindowTitle("Save as template")
        dialog.setLabelText("Template name (letters, digits, '.', '-' or '_'):")
        dialog.setTextValue(station_form.template_name_for(self.ui.model.text()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self._save_template)
        dialog.open()  # not exec(): a nested event loop would stall the asyncio loop qasync runs on Qt's

    def _save_template(self, name: str) -> None:
        name = name.strip()
        try:
            path = save_user_template(self.config(), name, self._templates_dir)
        except ConfigError as exc:
            self._set_save_status(f"Not saved: {exc}", palette.ERROR)
            return
        except OSError as exc:
            self._set_save_status(f"Not saved: cannot write the template file: {exc}", palette.ERROR)
            return
        self._set_save_status(f"Saved template “{name}” to {path}", palette.SUCCESS)
        self._fill_template_combo(select=name)

    def _set_save_status(self, text: str, colour: str) -> None:
        self.ui.save_status.setText(text)
        self.ui.save_status.setStyleSheet(f"QLabel {{ color: {colour}; }}")

    # --- connectors ------------------------------------------------------------------------
    def _set_up_connectors_table(self) -> None:
        table = self.ui.connectors_table
        table.setColumnCount(len(Column.HEADERS))
        table.setHorizontalHeaderLabels(Column.HEADERS)
        for column, tip in enumerate(Column.TOOLTIPS):
            header_item = table.horizontalHeaderItem(column)
            if header_item is not None and tip:
                header_item.setToolTip(tip)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.TYPE, QHeaderView.ResizeMode.Stretch)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

    def _show_connectors(self, evses: tuple[EvseConfig, ...], select: int | None = None) -> None:
        table = self.ui.connectors_table
        rows = [(evse.id, c) for evse in evses for c in evse.connectors]
        table.setRowCount(0)
        table.setRowCount(len(rows))
        for row, (evse_id, c) in enumerate(rows):
            for column, number in ((Column.EVSE, evse_id), (Column.CONNECTOR, c.id)):
                item = QTableWidgetItem(str(number))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                table.setItem(row, column, item)
            table.setCellWidget(row, Column.TYPE, self._combo(list(CONNECTOR_TYPES), c.type))
            table.setCellWidget(
                row, Column.CURRENT_TYPE, self._combo([t.value for t in CurrentType], c.current_type.value)
            )
            phases = ["1", "3"] if c.phases in (1, 3) else ["1", "3", str(c.phases)]
            table.setCellWidget(row, Column.PHASES, self._combo(phases, str(c.phases)))
            table.setCellWidget(row, Column.MAX_CURRENT, self._spin(c.max_current_a, 2000.0, 1))
            table.setCellWidget(row, Column.MAX_POWER, self._spin(c.max_power_w / 1000, 1000.0, 2))
            table.setCellWidget(row, Column.VOLTAGE, self._spin(c.voltage_v, 1500.0, 0))
            self._phases_follow_current_type(row)
        if rows:
            table.selectRow(min(select if select is not None else 0, len(rows) - 1))
        self.ui.remove_button.setEnabled(bool(rows))
        self.ui.add_connector_button.setEnabled(bool(rows))

    def _combo(self, items: list[str], current: str) -> QComboBox:
        combo = QComboBox()
        combo.addItems(items)
        combo.setCurrentText(current)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def _spin(self, value: float, maximum: float, decimals: int) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(decimals)
        spin.setRange(0.0, maximum)
        spin.setValue(value)
        spin.setFrame(False)
        spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
        spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        spin.valueChanged.connect(self._changed)
        return spin

    def _widget(self, row: int, column: int) -> Any:
        return self.ui.connectors_table.cellWidget(row, column)

    def connector_editor(self, row: int, column: int) -> QWidget:
        """The editor widget in a cell of the connectors table (see `Column`)."""
        widget = self._widget(row, column)
        if widget is None:
            raise IndexError(f"no editor at row {row}, column {column}")
        assert isinstance(widget, QWidget)
        return widget

    def _phases_follow_current_type(self, row: int) -> None:
        dc = self._widget(row, Column.CURRENT_TYPE).currentText() == CurrentType.DC.value
        phases = self._widget(row, Column.PHASES)
        phases.setEnabled(not dc)
        phases.setToolTip("Phases do not apply to a DC connector" if dc else "")

    def _row_config(self, row: int) -> tuple[int, ConnectorConfig]:
        table = self.ui.connectors_table
        evse_item, connector_item = table.item(row, Column.EVSE), table.item(row, Column.CONNECTOR)
        assert evse_item is not None and connector_item is not None
        config = ConnectorConfig(
            id=int(connector_item.text()),
            type=self._widget(row, Column.TYPE).currentText(),
            current_type=CurrentType(self._widget(row, Column.CURRENT_TYPE).currentText()),
            phases=int(self._widget(row, Column.PHASES).currentText()),
            max_current_a=self._widget(row, Column.MAX_CURRENT).value(),
            max_power_w=round(self._widget(row, Column.MAX_POWER).value() * 1000, 3),
            voltage_v=self._widget(row, Column.VOLTAGE).value(),
        )
        return int(evse_item.text()), config

    def _evses(self) -> tuple[EvseConfig, ...]:
        grouped: dict[int, list[ConnectorConfig]] = {}
        for row in range(self.ui.connectors_table.rowCount()):
            evse_id, connector = self._row_config(row)
            grouped.setdefault(evse_id, []).append(connector)
        return tuple(EvseConfig(evse_id, tuple(connectors)) for evse_id, connectors in grouped.items())

    def _selected_row(self) -> int:
        rows = self.ui.connectors_table.selectionModel().selectedRows()
        return rows[0].row() if rows else self.ui.connectors_table.rowCount() - 1

    def _restructure(self, evses: tuple[EvseConfig, ...], select: int) -> None:
        self._show_connectors(evses, select)
        self._changed()

    def _add_evse(self) -> None:
        row = self._selected_row()
        template = self._row_config(row)[1] if row >= 0 else ConnectorConfig()
        self._restructure(*station_form.add_evse(self._evses(), template))

    def _add_connector(self) -> None:
        evse_id, template = self._row_config(self._selected_row())
        self._restructure(*station_form.add_connector(self._evses(), evse_id, template))

    def _remove_connector(self) -> None:
        row = self._selected_row()
        if row < 0:
            return
        evse_id, connector = self._row_config(row)
        self._restructure(station_form.remove_connector(self._evses(), evse_id, connector.id), select=row)

    # --- configuration keys / variables ------------------------------------------------------
    def _key_edited(self, row: SettingRow, text: str) -> None:
        self._overrides.set_key(row, text)
        self._changed()

    def _variable_edited(self, row: SettingRow, text: str) -> None:
        self._overrides.set_variable(row, text)
        self._changed()

    def _show_settings(self, config: StationConfig) -> None:
        """The page of the version's configuration surface, with the current defaults (they follow the form)."""
        surface = traits(config.ocpp_version).config_surface
        page, table = self._settings_pages[surface]
        self.ui.settings_stack.setCurrentWidget(page)
        self.ui.settings_hint.setText(_SETTINGS_HINTS[surface])
        rows = self._overrides.rows(config)
        if rows is not None:
            table.show(rows)

    # --- validation ----------------------------------------------------------------------------
    def _url_typed(self, text: str) -> None:
        if text.strip() and not self.ui.external_radio.isChecked():
            self.ui.external_radio.setChecked(True)  # typing a URL means using it
        self._changed()

    def _changed(self) -> None:
        """Re-read the form, show every problem under its field, enable OK only without problems."""
        if self._loading:
            return
        config = self.config()
        for row in range(self.ui.connectors_table.rowCount()):
            self._phases_follow_current_type(row)
        self._show_settings(config)
        self._problems = station_form.form_problems(config, self._existing_ids)
        routed: dict[QLabel, list[str]] = {label: [] for label in self._error_labels.values()}
        for problem in self._problems:
            routed[self._error_labels[problem.field]].append(problem.message)
        for label, found in routed.items():
            label.setText("\n".join(found))
            label.setVisible(bool(found))
        self._mark_connector_rows(config)
        ok = self.ok_button()
        ok.setEnabled(not self._problems)
        ok.setToolTip("" if not self._problems else "Fix the problems shown in red first")

    def _mark_connector_rows(self, config: StationConfig) -> None:
        """Colour the EVSE and connector cells of rows with a problem, the problems as their tooltip."""
        table = self.ui.connectors_table
        ink = table.palette().color(QPalette.ColorRole.Text)
        for row, (evse_id, c) in enumerate(config.connectors()):
            found = [p.message for p in self._problems if p.connector == (evse_id, c.id)]
            for column in (Column.EVSE, Column.CONNECTOR):
                item = table.item(row, column)
                if item is not None:
                    item.setForeground(QColor(palette.ERROR) if found else ink)
                    item.setToolTip("\n".join(found))

    def accept(self) -> None:
        if self._problems:
            return  # OK is disabled; Enter in a field must not get past the checks either
        super().accept()
