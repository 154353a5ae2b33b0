"""The console's charging-profile editor, the plotted composite schedule and the power graph's limit lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_harness import LabHarness, add_registered, until
from PySide6.QtWidgets import QApplication

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.profile_editor import ProfileEditor
from ocpplab_desktop.gui.schema_form import SchemaForm
from ocpplab_desktop.model.connector import UserAction

LIMIT_A = 10
VOLTS, PHASES = 230, 3  # the ac-22kw-wallbox template's connector
LIMIT_KW = LIMIT_A * VOLTS * PHASES / 1000


@pytest.fixture
def in_lab(qapp: QApplication, qtbot: Any, tmp_path: Path) -> Iterator[LabHarness]:
    yield LabHarness(qapp, qtbot, tmp_path)


def test_the_preview_follows_the_period_table(qtbot: Any) -> None:
    editor = ProfileEditor()
    qtbot.addWidget(editor)
    editor.set_periods([(0, 16, None), (1800, 10, 1)])
    editor.duration.tick.setChecked(True)
    assert editor.preview.steps() == ([0.0, 1800.0, 1800.0, 3600.0], [16.0, 16.0, 10.0, 10.0])
    editor.periods.selectRow(1)
    editor.remove_period()
    assert editor.preview.steps() == ([0.0, 3600.0], [16.0, 16.0])
    editor.add_row_button.click()
    assert editor.period_list() == [{"startPeriod": 0, "limit": 16.0}, {"startPeriod": 3600, "limit": 16.0}]


def test_a_profile_from_the_editor_makes_the_graphs_limit_follow_and_the_composite_schedule_is_plotted(
    in_lab: LabHarness,
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "ac-22kw-wallbox")
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-SC")
        window.select_station(station.id, 1, 1)
        plot = window.power_plot
        window.docks["power"].raise_()
        await until(lambda: len(plot.curve_data("power")[1]) > 2, "the graph to show the charging power")
        assert plot.curve_data("limit")[1][-1] > LIMIT_KW

        console = window.csms_console
        console.refresh()
        console.select_station(station.id)
        editor = console.choose_command("SetChargingProfile")
        assert isinstance(editor, ProfileEditor)
        editor.place.setValue(1)
        editor.purpose.setCurrentText("TxDefaultProfile")
        editor.kind.setCurrentText("Relative")
        editor.unit.setCurrentText("A")
        editor.set_periods([(0, LIMIT_A, None)])
        console.send_button.click()
        await until(lambda: console.outcome_ok is not None, "the SetChargingProfile answer")
        assert console.outcome_ok and json.loads(console.answer.toPlainText()) == {"status": "Accepted"}

        def limit_followed() -> bool:
            plot.redraw()
            return plot.curve_data("limit")[1][-1] == pytest.approx(LIMIT_KW)

        await until(limit_followed, f"the graph's limit line to come down to {LIMIT_KW} kW")
        # The upcoming limit, ahead of the last sample, is the profile's too.
        x, _y = plot.curve_data("limit")
        ahead_x, ahead_y = plot.upcoming_curve.getData()
        assert ahead_x is not None and len(ahead_x) >= 2 and ahead_x[-1] > x[-1]
        assert list(ahead_y) == pytest.approx([LIMIT_KW] * len(ahead_y))
        # The whole station's graph has its limit ahead too: its one connector's.
        window.select_station(station.id)
        assert plot.target == (station.id, None, None)
        plot.redraw()
        station_x, station_y = plot.upcoming_curve.getData()
        assert station_x is not None and len(station_x) >= 2
        assert list(station_y) == pytest.approx([LIMIT_KW] * len(station_y))
        window.select_station(station.id, 1, 1)

        asker = console.choose_command("GetCompositeSchedule")
        assert isinstance(asker, SchemaForm)
        assert asker.fields.fields["connectorId"].value() == 1  # the station's connector
        asker.fields.fields["duration"].set_value(600)
        asker.fields.include("chargingRateUnit")
        asker.fields.fields["chargingRateUnit"].set_value("A")
        console.send_button.click()
        await until(lambda: console.outcome_ok is not None, "the GetCompositeSchedule answer")
        assert console.outcome_ok, console.outcome.text()
        assert console.schedule_plot.isVisible()
        assert console.schedule_plot.steps() == ([0.0, 600.0], [float(LIMIT_A), float(LIMIT_A)])

    in_lab(scenario)
