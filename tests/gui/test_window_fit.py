"""The window on a laptop's screen: it opens no larger than the screen, and at 1280 x 720 one connector's
every button, its transaction id, the log's search box and the tree's labels show without scrolling sideways.

Runs the real window over a real lab (embedded CSMS on a free port, SQLite in tmp_path), offscreen.
"""

from __future__ import annotations

import pytest
from lab_harness import LabHarness, add_registered, until
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QWidget

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui import window_layout
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.model.connector import UserAction

LAPTOP = QRect(0, 0, 1280, 720)
DESKTOP = QRect(0, 0, 1920, 1080)


def fitted(window: MainWindow, screen: QRect) -> None:
    """The window as it opens on `screen` at first start, with the default layout for that size."""
    window.resize(window_layout.first_size(screen))
    window.reset_layout()


def shown_whole(widget: QWidget, within: QWidget) -> bool:
    """Whether all of `widget` lies inside `within` (a scroll area's viewport, say) and is not hidden."""
    if not widget.isVisible():
        return False
    top_left = widget.mapTo(within, QPoint(0, 0))
    return within.rect().contains(QRect(top_left, widget.size()))


@pytest.mark.parametrize("screen", [LAPTOP, DESKTOP], ids=["1280x720", "1920x1080"])
def test_the_first_window_is_no_larger_than_the_available_screen(screen: QRect) -> None:
    size = window_layout.first_size(screen)
    framed = size + window_layout.FRAME_ALLOWANCE
    assert framed.width() <= screen.width() and framed.height() <= screen.height()
    if screen == DESKTOP:
        assert size.width() > window_layout.DEFAULT_SIZE.width(), "a large screen gets a larger window"


def test_at_1280x720_every_button_of_a_charging_201_connector_shows_without_scrolling(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        fitted(window, LAPTOP)
        station = await add_registered(window, "ac-22kw-wallbox-v201")
        window.select_station(station.id, 1, 1)
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-LAPTOP")
        await until(lambda: station.connectors[0].tx_id is not None, "a transaction")
        view = window.station_view
        assert view is not None
        card = view.cards[0]
        await until(lambda: card.transaction.text() == station.connectors[0].tx_id, "the card to show the id")

        assert window.frameGeometry().width() <= LAPTOP.width(), "the window fits the screen's width"
        assert window.minimumSizeHint().width() <= LAPTOP.width()
        scroll = view.findChild(QWidget, "connectorCards")
        viewport = scroll.viewport()
        assert scroll.horizontalScrollBar().maximum() == 0, "no scrolling sideways"
        for action in UserAction:
            button = card.button(action)
            assert shown_whole(button, viewport), f"{button.text()} is cut off or below the fold"
            assert not button.visibleRegion().isEmpty()
        assert shown_whole(card.transaction, viewport), "the 2.0.1 transaction id is cut off"
        assert card.transaction.width() >= card.transaction.sizeHint().width()

        search = window.log_view.text_edit
        assert search.width() > search.fontMetrics().horizontalAdvance(search.placeholderText())

        await add_registered(window, "dc-150kw-ccs2-chademo")  # the longest connector label: "Connector 2 · CHAdeMO"
        window.reset_layout()
        tree = window.tree
        # The docks are laid out again on the next passes of the event loop, not at once.
        await until(lambda: tree.header().sectionSize(0) >= tree.sizeHintForColumn(0), "tree labels not cut")

    in_lab(scenario)


def test_at_1280x720_a_display_message_and_a_cost_leave_every_button_of_the_card_in_view(
    in_lab: LabHarness,
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        fitted(window, LAPTOP)
        station = await add_registered(window, "ac-22kw-wallbox-v201")
        window.select_station(station.id, 1, 1)
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-LAPTOP")
        connector = station.connectors[0]
        await until(lambda: connector.tx_id is not None, "a transaction")
        assert lab.csms is not None
        text = "Charging at the reduced tariff until 22:00; thank you for charging with us"
        message = {"id": 1, "priority": "AlwaysFront", "message": {"format": "UTF8", "content": text}}
        message["display"] = {"name": "DisplayMessageCtrlr", "evse": {"id": 1}}
        await lab.csms.send(station.id, "SetDisplayMessage", {"message": message})
        await lab.csms.send(station.id, "CostUpdated", {"totalCost": 12.75, "transactionId": connector.tx_id})
        view = window.station_view
        assert view is not None
        card = view.cards[0]
        await until(lambda: card.display.isVisible() and card.cost.isVisible(), "the message and the cost")

        viewport = view.findChild(QWidget, "connectorCards").viewport()
        for widget in (card.display, card.cost, card.transaction, *(card.button(a) for a in UserAction)):
            assert shown_whole(widget, viewport), f"{widget.objectName() or widget} is cut off or below the fold"

    in_lab(scenario)


# A floating dock is a window of its own, which the offscreen platform cannot raise.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
@pytest.mark.parametrize("screen", [LAPTOP, DESKTOP], ids=["1280x720", "1920x1080"])
def test_reset_layout_keeps_the_window_size(in_lab: LabHarness, screen: QRect) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        fitted(window, screen)
        await add_registered(window, "dc-150kw-ccs2-chademo")
        size = window.size()
        window.docks["log"].setFloating(True)
        window.docks["power"].hide()
        window.reset_layout()
        await until(window.docks["power"].isVisible, "the docks to be back")
        assert window.size() == size
        assert not window.docks["log"].isFloating()

    in_lab(scenario)


def test_a_layout_that_squeezed_the_station_tree_comes_back_with_the_tree_readable(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        fitted(window, LAPTOP)
        await add_registered(window, "ac-22kw-wallbox")
        docks = window.docks
        window.resizeDocks([docks["stations"]], [40], Qt.Orientation.Horizontal)  # dragged as far as it goes
        window.save_settings()
        window.close()

        second = in_lab.open_window(lab, resize=False)
        try:
            # The offscreen screen is 800 x 600: the restored window is held at its minimum width there,
            # with no room for the tree until it is made larger, as on a laptop.
            second.resize(LAPTOP.size())
            await until(lambda: second.tree.width() >= second.tree.readable_width(), "the tree to be readable")
            wanted = second.tree.fontMetrics().horizontalAdvance("DEMO-CP-10 Unavailable")
            assert second.tree.width() >= wanted, "a station id and its state fit"
            assert second.tree.width() < LAPTOP.width() // 3, "no wider than it needs to be"
        finally:
            in_lab.close_window(second)

    in_lab(scenario)


def test_a_tall_window_puts_the_log_under_the_station_and_a_laptop_beside_it(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        fitted(window, DESKTOP)
        area = window.dockWidgetArea
        docks = window.docks
        assert area(docks["log"]) is area(docks["stations"]).BottomDockWidgetArea
        fitted(window, LAPTOP)
        assert area(docks["log"]) == area(docks["power"]), "a laptop's log is a tab beside the station"
        assert docks["log"] in window.tabifiedDockWidgets(docks["power"])

    in_lab(scenario)


def test_the_current_legend_of_a_3_phase_station_fits_its_plot_at_1280x720(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        fitted(window, LAPTOP)
        window.docks["power"].raise_()
        station = await add_registered(window, "ac-22kw-wallbox")
        window.set_speed(100)
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-L3")
        plot = window.power_plot
        await until(lambda: len(plot.curve_data("current_L3")[0]) > 0, "L3 in the graph")
        legend = plot.plots[1].legend
        labels = {label.text: label for _sample, label in legend.items}
        assert set(labels) == {"L1 (A)", "L2 (A)", "L3 (A)"}
        box = plot.plots[1].sceneBoundingRect()
        for label in labels.values():
            assert box.contains(label.sceneBoundingRect()), f"{label.text} is cut off"

    in_lab(scenario)
