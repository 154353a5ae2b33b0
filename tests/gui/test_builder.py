"""StationBuilderDialog: templates in, StationConfig out, every problem shown under its field until fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDoubleSpinBox, QInputDialog, QLabel

from ocpplab_desktop.gui.builder import Column, StationBuilderDialog
from ocpplab_desktop.model.config import StationConfig, VariableSetting
from ocpplab_desktop.model.station_form import free_station_id
from ocpplab_desktop.model.templates import builtin_templates

EMBEDDED = "ws://127.0.0.1:9000"


def make_dialog(qtbot: Any, tmp_path: Path, **kwargs: Any) -> StationBuilderDialog:
    dialog = StationBuilderDialog(embedded_csms_url=EMBEDDED, templates_dir=tmp_path, **kwargs)
    qtbot.addWidget(dialog)
    return dialog


def choose_template(dialog: StationBuilderDialog, name: str) -> None:
    combo = dialog.ui.template_combo
    index = combo.findText(name)
    assert index >= 0, f"{name} not offered: {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)


def shown(label: QLabel) -> str:
    """The label's text if it would be visible on screen, else ''."""
    return label.text() if label.isVisibleTo(label.window()) else ""


def power_editor(dialog: StationBuilderDialog, row: int = 0) -> QDoubleSpinBox:
    editor = dialog.connector_editor(row, Column.MAX_POWER)
    assert isinstance(editor, QDoubleSpinBox)
    return editor


@pytest.mark.parametrize("name", sorted(builtin_templates()))
def test_choosing_a_template_and_accepting_gives_that_config(qtbot: Any, tmp_path: Path, name: str) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    choose_template(dialog, name)
    assert dialog.ok_button().isEnabled(), dialog.problems()
    qtbot.mouseClick(dialog.ok_button(), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.config() == builtin_templates()[name]


def test_a_template_whose_id_is_taken_gets_the_next_free_id(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path, existing_ids={"CP-AC22-0001", "CP-AC22-0002"})
    choose_template(dialog, "ac-22kw-wallbox")
    assert dialog.config() == builtin_templates()["ac-22kw-wallbox"].with_id("CP-AC22-0003")
    assert dialog.ok_button().isEnabled()
    assert free_station_id("CP", {"CP", "CP-2"}) == "CP-3"


def test_the_target_radio_names_the_embedded_csms_and_an_url_selects_external(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    assert dialog.ui.builtin_radio.text() == f"Built-in mock CSMS ({EMBEDDED})"
    assert dialog.config().csms_url is None
    qtbot.keyClicks(dialog.ui.csms_url, "ws://csms.example:9000/ocpp")
    assert dialog.ui.external_radio.isChecked()
    assert dialog.config().csms_url == "ws://csms.example:9000/ocpp"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://csms.example", "use ws://host:port/path"),
        ("ws://csms.example:99999/ocpp", "port from 1 to 65535"),
        ("ws://csms example/ocpp", "remove the spaces"),
        ("", "enter the address of the external CSMS"),
    ],
)
def test_a_bad_csms_url_is_explained_under_the_field_and_blocks_ok(
    qtbot: Any, tmp_path: Path, url: str, message: str
) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    dialog.ui.external_radio.setChecked(True)
    dialog.ui.csms_url.setText(url)
    assert message in shown(dialog.ui.csms_url_error)
    assert not dialog.ok_button().isEnabled()
    dialog.ui.csms_url.setText("wss://csms.example:443/ocpp")
    assert shown(dialog.ui.csms_url_error) == ""
    assert dialog.ok_button().isEnabled()


def test_a_station_id_already_in_the_lab_is_refused_until_changed(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path, existing_ids={"CP-7"})
    dialog.ui.station_id.setText("CP-7")
    assert shown(dialog.ui.station_id_error) == "station id 'CP-7' is already in the lab; choose another, e.g. CP-8"
    assert not dialog.ok_button().isEnabled()
    dialog.ui.station_id.setText("CP-8")
    assert shown(dialog.ui.station_id_error) == ""
    assert dialog.ok_button().isEnabled()


def test_zero_power_is_shown_under_the_connectors_and_blocks_ok(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    power_editor(dialog).setValue(0)
    assert "EVSE 1 connector 1: max_power_w must be positive" in shown(dialog.ui.connectors_error)
    assert not dialog.ok_button().isEnabled()
    power_editor(dialog).setValue(11)
    assert shown(dialog.ui.connectors_error) == ""
    assert dialog.ok_button().isEnabled()
    assert dialog.config().evses[0].connectors[0].max_power_w == 11_000


def test_power_beyond_what_current_and_voltage_deliver_is_refused(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    power_editor(dialog).setValue(30)
    assert "max power 30 kW is more than 3 x 230 V x 32 A = 22.08 kW" in shown(dialog.ui.connectors_error)
    assert not dialog.ok_button().isEnabled()


def test_a_vendor_too_long_for_16_is_shown_under_the_identity_and_fits_once_201_is_chosen(
    qtbot: Any, tmp_path: Path
) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    dialog.ui.vendor.setText("Very Long Vendor Name GmbH")
    assert shown(dialog.ui.identity_error) == "vendor: OCPP 1.6 allows 20 characters (chargePointVendor), this has 26"
    assert not dialog.ok_button().isEnabled()
    dialog.ui.ocpp_version.setCurrentIndex(dialog.ui.ocpp_version.findText("2.0.1", Qt.MatchFlag.MatchContains))
    assert shown(dialog.ui.identity_error) == ""
    assert dialog.ok_button().isEnabled(), dialog.problems()


def test_an_interval_of_zero_is_refused(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    dialog.ui.heartbeat_interval.setValue(0)
    assert shown(dialog.ui.intervals_error) == "heartbeat_interval_s must be positive"
    assert not dialog.ok_button().isEnabled()


def test_evses_and_connectors_are_added_and_removed_with_ids_renumbered(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    ui = dialog.ui
    qtbot.mouseClick(ui.add_connector_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(ui.add_evse_button, Qt.MouseButton.LeftButton)
    assert [(e.id, [c.id for c in e.connectors]) for e in dialog.config().evses] == [(1, [1, 2]), (2, [1])]
    ui.connectors_table.selectRow(0)
    qtbot.mouseClick(ui.remove_button, Qt.MouseButton.LeftButton)
    assert [(e.id, [c.id for c in e.connectors]) for e in dialog.config().evses] == [(1, [1]), (2, [1])]
    ui.connectors_table.selectRow(0)
    qtbot.mouseClick(ui.remove_button, Qt.MouseButton.LeftButton)
    assert [(e.id, [c.id for c in e.connectors]) for e in dialog.config().evses] == [(1, [1])]
    assert dialog.ok_button().isEnabled()


def test_16_keys_are_listed_with_read_only_ones_locked_and_edits_become_overrides(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    assert dialog.ui.settings_stack.currentWidget() is dialog.ui.keys_page
    assert not dialog.keys.value_item("NumberOfConnectors").flags() & Qt.ItemFlag.ItemIsEditable
    item = dialog.keys.value_item("HeartbeatInterval")
    assert item.flags() & Qt.ItemFlag.ItemIsEditable and item.text() == "300"

    item.setText("soon")
    assert "config key HeartbeatInterval: expected an integer, got 'soon'" in shown(dialog.ui.settings_error)
    assert not dialog.ok_button().isEnabled()
    dialog.keys.value_item("HeartbeatInterval").setText("120")
    assert dialog.config().config_keys == {"HeartbeatInterval": "120"}
    assert dialog.ok_button().isEnabled()
    dialog.keys.value_item("HeartbeatInterval").setText("300")
    assert dialog.config().config_keys == {}, "back to the default is no override"


def test_switching_to_201_shows_the_read_write_variables(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    dialog.ui.ocpp_version.setCurrentText("2.0.1")
    assert dialog.ui.settings_stack.currentWidget() is dialog.ui.variables_page
    heartbeat = ("OCPPCommCtrlr", None, None, "HeartbeatInterval", None)
    assert dialog.variables.value_item(heartbeat).text() == "300"
    assert ("SecurityCtrlr", None, None, "BasicAuthPassword", None) not in [r.key for r in dialog.variables.rows()]
    dialog.variables.value_item(heartbeat).setText("90")
    config = dialog.config()
    assert config.variables == (VariableSetting("OCPPCommCtrlr", "HeartbeatInterval", "90"),)
    assert config.config_keys == {}
    dialog.variables.value_item(heartbeat).setText("-5")
    assert "variable OCPPCommCtrlr.HeartbeatInterval: below the minimum 1" in shown(dialog.ui.settings_error)
    assert not dialog.ok_button().isEnabled()


def test_a_201_password_must_have_16_to_40_characters(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    dialog.ui.password.setText("short")
    assert dialog.ok_button().isEnabled(), "1.6 sets no length"
    dialog.ui.ocpp_version.setCurrentText("2.0.1")
    assert "16 to 40 characters" in shown(dialog.ui.password_error)
    assert not dialog.ok_button().isEnabled()


def save_as(qtbot: Any, dialog: StationBuilderDialog, name: str) -> None:
    qtbot.mouseClick(dialog.ui.save_template_button, Qt.MouseButton.LeftButton)
    prompt = dialog.findChild(QInputDialog, "templateNameDialog")
    assert prompt is not None and prompt.isVisible()
    prompt.setTextValue(name)
    prompt.accept()


def test_save_as_template_writes_a_user_template_and_offers_it(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    dialog.ui.station_id.setText("MY-BOX-1")
    dialog.ui.vendor.setText("Acme")
    save_as(qtbot, dialog, "acme-box")
    saved = tmp_path / "acme-box.json"
    assert StationConfig.load(saved) == dialog.config()
    assert dialog.ui.save_status.text() == f"Saved template “acme-box” to {saved}"
    assert dialog.ui.template_combo.findText("acme-box (yours)") >= 0


def test_save_as_template_under_a_built_in_name_says_why_not(qtbot: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    save_as(qtbot, dialog, "ac-22kw-wallbox")
    assert dialog.ui.save_status.text().startswith("Not saved: template name 'ac-22kw-wallbox' is a built-in")
    assert list(tmp_path.iterdir()) == []
