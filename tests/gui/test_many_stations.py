"""Many stations in the window: several added from one template at once, a tree that starts collapsed
and filters, and a CSMS console whose station table shows several rows and follows the tree.

Runs the real window over a real lab (embedded CSMS on a free port, SQLite in tmp_path), offscreen.
"""

from __future__ import annotations

from lab_harness import LabHarness, until
from PySide6.QtCore import QModelIndex, QRect

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui import window_layout
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.station_tree import EXPANDED_UP_TO
from ocpplab_desktop.gui.template_dialog import TemplateDialog

IDS = [f"CP-AC22-{number:04d}" for number in range(1, 6)]


async def add_five_with_the_dialog(lab: Lab, window: MainWindow) -> None:
    window.ui.action_new_from_template.trigger()
    await until(lambda: bool(window.findChildren(TemplateDialog)), "the template dialog to open")
    dialog = window.findChildren(TemplateDialog)[0]
    dialog.template_combo.setCurrentIndex(dialog.template_combo.findData("ac-22kw-wallbox"))
    dialog.count.setValue(5)
    assert dialog.ids.text() == f"{IDS[0]} … {IDS[-1]}  (5 stations)", "the dialog says which ids it will use"
    dialog.accept()
    await until(lambda: len(lab.stations) == 5, "five stations in the lab")
    await until(
        lambda: all(station.registration == "Accepted" for station in lab.stations.values()),
        "all five to be accepted by the CSMS",
    )


def test_adding_five_stations_from_a_template_numbers_them_and_collapses_the_tree(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        await add_five_with_the_dialog(lab, window)
        assert sorted(lab.stations) == IDS
        assert window.tree_model.station_ids() == IDS
        tree = window.tree
        assert EXPANDED_UP_TO < 5
        rows = [window.tree_model.index(row, 0) for row in range(5)]
        assert not any(tree.isExpanded(index) for index in rows), "beyond a few stations, one row each"
        assert window.current_station() is lab.stations[IDS[0]], "the first new station is selected"

        # More stations from the dialog continue the numbering.
        window.new_stations_from_template("ac-22kw-wallbox", 2)
        assert sorted(lab.stations)[-2:] == ["CP-AC22-0006", "CP-AC22-0007"]

    in_lab(scenario)


def test_a_few_stations_stay_expanded(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        window.new_stations_from_template("ac-22kw-wallbox", EXPANDED_UP_TO)
        tree = window.tree
        assert all(tree.isExpanded(window.tree_model.index(row, 0)) for row in range(EXPANDED_UP_TO))

    in_lab(scenario)


def test_the_filter_box_hides_the_stations_that_do_not_match(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        window.new_stations_from_template("ac-22kw-wallbox", 5)
        window.new_station_from_template("ac-22kw-wallbox-v201")
        panel = window.docks["stations"].widget()
        edit = panel.filter_edit
        tree = window.tree
        edit.setText("0003")
        assert tree.shown_station_ids() == ["CP-AC22-0003"]
        assert tree.isRowHidden(0, QModelIndex()) and not tree.isRowHidden(2, QModelIndex())
        edit.setText("2.0.1")
        assert tree.shown_station_ids() == ["CS-AC22-0001"]
        window.new_station_from_template("ac-22kw-wallbox")  # a new station that does not match stays hidden
        assert tree.shown_station_ids() == ["CS-AC22-0001"]
        edit.clear()
        assert len(tree.shown_station_ids()) == 7

    in_lab(scenario)


def test_the_console_table_shows_five_rows_at_1920x1080_and_follows_the_tree(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        window.resize(window_layout.first_size(QRect(0, 0, 1920, 1080)))
        window.reset_layout()
        await add_five_with_the_dialog(lab, window)
        window.docks["csms"].raise_()
        console = window.csms_console
        table = console.table
        await until(lambda: console.model.rowCount() == 5, "five stations in the console")
        await until(table.isVisible, "the console to show")
        row_height = table.rowHeight(0)
        assert table.viewport().height() >= 5 * row_height, "five rows without scrolling"

        window.select_station(IDS[3], 1, 1)
        assert console.station_id == IDS[3]
        assert table.selectionModel().isRowSelected(console.model.row_of(IDS[3]), QModelIndex())

        table.selectRow(console.model.row_of(IDS[1]))  # the other way round: a row picked in the console
        current = window.current_station()
        assert current is not None and current.id == IDS[1]
        assert console.station_id == IDS[1]

        console.refresh()
        assert console.station_id == IDS[1], "a refresh keeps the followed station"

    in_lab(scenario)


def test_the_console_selects_a_station_chosen_before_it_booted_once_it_has(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        window.new_station_from_template("ac-22kw-wallbox")
        second = window.new_station_from_template("ac-22kw-wallbox-v201")  # selected on adding, not yet booted
        console = window.csms_console
        await until(lambda: second.registration == "Accepted", "the second station to boot")
        await until(lambda: console.station_id == second.id, "the console to select it once the CSMS knows it")

    in_lab(scenario)
