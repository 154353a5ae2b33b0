"""The main window: station tree, the selected station in the centre, log, graphs and the other tools in docks.

The fixed parts (menus, toolbar, the centre's empty state) come from the Designer form
`ui/main_window.ui`; everything that depends on the lab is built here. The window holds no
engine state of its own beyond which stations the user took offline: it re-reads the lab
when the bridge reports that something happened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QWidget,
)

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui import demo, theme, trace_import, window_layout
from ocpplab_desktop.gui.about import AboutDialog
from ocpplab_desktop.gui.bridge import EngineBridge, spawn_soon
from ocpplab_desktop.gui.csms_console import CsmsConsole
from ocpplab_desktop.gui.fault_panel import FaultPanel
from ocpplab_desktop.gui.generated.ui_main_window import Ui_MainWindow
from ocpplab_desktop.gui.graph_export import GraphExport
from ocpplab_desktop.gui.log_view import LogView
from ocpplab_desktop.gui.power_plot import PowerPlot, lab_schedules
from ocpplab_desktop.gui.sessions_dock import SessionsDock
from ocpplab_desktop.gui.sim_time import SimTimeControls
from ocpplab_desktop.gui.station_commands import StationCommands
from ocpplab_desktop.gui.station_tree import StationsPanel, StationTree, StationTreeModel, Target
from ocpplab_desktop.gui.station_view import StationView
from ocpplab_desktop.gui.workspace_ui import WorkspaceUi
from ocpplab_desktop.model.events import ConnectorStateChanged, MeterSample, StationEvent
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.protocol.tasks import TaskSet

log = logging.getLogger(__name__)

STATE_VERSION = 2
"""Bump when the docks change, so an old saved layout is not applied to a new set of docks."""
SETTINGS_GEOMETRY = "mainWindow/geometry"
SETTINGS_STATE = "mainWindow/state"
STATUS_MS = 250
QUIET_ACTIONS = frozenset({"MeterValues", "Heartbeat"})
"""Actions whose frames change no state the window shows outside the log and the graph."""


def _scrolling(content: QWidget) -> QScrollArea:
    """`content` in a scroll area, so a tall panel scrolls inside its dock instead of making the window taller."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    return area


class MainWindow(StationCommands, GraphExport, QMainWindow):
    """The lab's window. Closing it emits `closed`; the caller then closes the lab.

    Its station commands and their dialogs are in `StationCommands`, the graph's export in `GraphExport`.
    """

    closed = Signal()

    def __init__(self, lab: Lab, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self.ui = Ui_MainWindow()
        self.ui.setupUi(self)
        self.frame_count = 0
        self.station_view: StationView | None = None
        self._size_docks_when_shown = True  # until a saved layout is restored
        self._placed_for_height = 0  # the window height the docks were last placed for
        self._tasks = TaskSet("main window")

        self.bridge = EngineBridge(lab.bus, self)
        self.tree_model = StationTreeModel(lab, self)
        self.tree = StationTree(self.tree_model, self)
        self.log_view = LogView(self)
        self.power_plot = PowerPlot(self)
        self.power_plot.upcoming_source = lab_schedules(lab)
        self.sessions = SessionsDock(lab, self)
        self.csms_console = CsmsConsole(lab, self)
        self.fault_panel = FaultPanel(lab, self)
        self.docks = {
            "stations": self._dock("stations_dock", "Stations", StationsPanel(self.tree)),
            "log": self._dock("log_dock", "Message log", self.log_view),
            "power": self._dock("power_dock", "Power", self.power_plot),
            "csms": self._dock("csms_dock", "Mock CSMS", _scrolling(self.csms_console)),
            "sessions": self._dock("sessions_dock", "Sessions", self.sessions),
            "faults": self._dock("faults_dock", "Faults", _scrolling(self.fault_panel)),
        }
        self._build_empty_state()
        self._build_view_menu()
        self.sim_time = SimTimeControls(lab.clock, self.ui.main_tool_bar, self)
        self.pause_button, self.speed_combo = self.sim_time.pause_button, self.sim_time.speed_combo
        self.sim_time.changed.connect(self._update_status)
        self._build_status_bar()
        self._connect_actions()
        self._apply_icons()
        self.resize(window_layout.first_size(self.screen().availableGeometry()))
        self._place_docks()
        self._restore_settings()

        bridge = self.bridge
        bridge.framesArrived.connect(self._on_frames)
        bridge.samplesArrived.connect(self._on_samples)
        bridge.statesChanged.connect(self._on_states)
        bridge.stationEvents.connect(self._on_station_events)
        self.tree.selectionModel().currentChanged.connect(self._on_current_changed)
        self.tree.contextMenuWanted.connect(self._show_tree_menu)
        self.csms_console.stationChosen.connect(self._console_chose)
        self.sessions.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.action_import_trace = trace_import.install(self.sessions, self)
        self.demo = demo.install(self)
        self.fault_panel.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.workspace_ui = WorkspaceUi(self, lab, self._stations_changed)
        self.ui.action_open_workspace.triggered.connect(self.workspace_ui.ask_open)
        self.ui.action_save_workspace_as.triggered.connect(self.workspace_ui.ask_save)

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_MS)
        self._status_timer.timeout.connect(self._update_status)
        self._status_timer.start()
        self._stations_changed()
        self._update_status()
        self.workspace_ui.report_restore()

    # -- building -------------------------------------------------------------------------

    def _dock(self, name: str, title: str, content: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(content)
        return dock

    def _place_docks(self) -> None:
        """The first-start layout for the window's height (see `window_layout`)."""
        window_layout.place_docks(self, self.docks)
        self._placed_for_height = self.height()

    def _size_docks(self) -> None:
        """Default dock sizes, from the window's size: only meaningful once the window has it."""
        window_layout.size_docks(self, self.docks, self.tree.wanted_width())

    def reset_layout(self) -> None:
        """View > Reset layout: every dock back where it is on first start, in the window's present size."""
        size = self.size()
        self._place_docks()
        self._size_docks()
        self.resize(size)  # the docks fit the window, not the window the docks

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._size_docks_when_shown:
            self._size_docks_when_shown = False
            # The window may have been resized since it was built: a laptop's arrangement or a tall one.
            if window_layout.is_compact(self.height()) != window_layout.is_compact(self._placed_for_height):
                self._place_docks()
            # After this event the layout has the window's real size; sizes given now would be scaled.
            QTimer.singleShot(0, self._size_docks)
        else:
            QTimer.singleShot(0, self._widen_squeezed_tree)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.isVisible() and event.size().width() > event.oldSize().width():
            QTimer.singleShot(0, self._widen_squeezed_tree)  # once the layout has the new width

    def _widen_squeezed_tree(self) -> None:
        """A tree too narrow to read (a layout saved from a small window) gets room when there is some."""
        others = [dock for name, dock in self.docks.items() if name != "stations"]
        window_layout.widen_squeezed(self, self.docks["stations"], others, self.tree.readable_width())

    def _build_empty_state(self) -> None:
        ui = self.ui
        title = QFont(ui.empty_title.font())
        title.setPointSizeF(title.pointSizeF() * 1.6)
        title.setWeight(QFont.Weight.DemiBold)
        ui.empty_title.setFont(title)
        ui.empty_new_button.clicked.connect(ui.action_new_from_template.trigger)
        ui.empty_build_button.clicked.connect(ui.action_new_station.trigger)

    def _build_view_menu(self) -> None:
        menu = self.ui.menu_view
        first = menu.actions()[0]
        for dock in self.docks.values():
            toggle = dock.toggleViewAction()
            menu.insertAction(first, toggle)
        menu.insertSeparator(first)
        for number, dock in enumerate(self.docks.values(), 1):  # Alt+1 stations ... Alt+6 faults
            dock.toggleViewAction().setShortcut(QKeySequence(f"Alt+{number}"))

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.csms_label = QLabel(self)
        self.csms_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stations_label = QLabel(self)
        self.sim_label = QLabel(self)
        self.frames_label = QLabel(self)
        for label in (self.csms_label, self.stations_label, self.sim_label, self.frames_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
        url = self.lab.csms_url
        self.csms_label.setText(f"Mock CSMS {url}" if url else "No embedded CSMS")
        self.csms_label.setToolTip(
            f"Point a station at {url}/<stationId>; the lab's own stations use it by default" if url else ""
        )

    def _connect_actions(self) -> None:
        ui = self.ui
        ui.action_new_from_template.triggered.connect(self._ask_template)
        ui.action_new_station.triggered.connect(self._ask_new_station)
        ui.action_connect.triggered.connect(lambda: self._on_current(self.connect_station))
        ui.action_disconnect.triggered.connect(lambda: self._on_current(self._disconnect))
        ui.action_reboot.triggered.connect(lambda: self._on_current(self._reboot))
        ui.action_edit_station.triggered.connect(lambda: self._on_current(self._ask_edit))
        ui.action_delete_station.triggered.connect(lambda: self._on_current(self._ask_delete))
        ui.action_quit.triggered.connect(self.close)
        ui.action_focus_log_filter.triggered.connect(self.focus_log_filter)
        ui.action_reset_layout.triggered.connect(self.reset_layout)
        ui.action_export_session.triggered.connect(self._export_current_session)
        ui.action_export_graph.triggered.connect(self._ask_export_graph)
        ui.action_open_sessions.triggered.connect(self.show_sessions)
        ui.action_about.triggered.connect(self.show_about)

    def _apply_icons(self) -> None:
        """Tint the icons for the current palette (again when it changes, e.g. light to dark)."""
        ui = self.ui
        for action, name in (
            (ui.action_new_from_template, "template"),
            (ui.action_new_station, "add-station"),
            (ui.action_connect, "connect"),
            (ui.action_disconnect, "disconnect"),
            (ui.action_reboot, "reboot"),
            (ui.action_edit_station, "edit"),
            (ui.action_delete_station, "delete"),
            (ui.action_export_session, "export"),
            (ui.action_open_sessions, "sessions"),
            (ui.action_about, "about"),
            (self.docks["stations"].toggleViewAction(), "plug"),
            (self.docks["log"].toggleViewAction(), "log"),
            (self.docks["power"].toggleViewAction(), "power"),
            (self.docks["csms"].toggleViewAction(), "console"),
            (self.docks["sessions"].toggleViewAction(), "sessions"),
        ):
            action.setIcon(theme.icon(name))
        self.sim_time.show_pause_state()
        self.ui.empty_icon.setPixmap(theme.icon("app").pixmap(96, 96))
        self.ui.empty_new_button.setIcon(theme.icon("template"))
        self.ui.empty_build_button.setIcon(theme.icon("add-station"))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_icons()

    # -- settings -------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        settings = QSettings()
        geometry = settings.value(SETTINGS_GEOMETRY)
        state = settings.value(SETTINGS_STATE)
        # Docks first: the window's minimum size depends on which docks are shown, and a
        # geometry restored under the default layout's minimum could not be smaller than it.
        if isinstance(state, QByteArray) and self.restoreState(state, STATE_VERSION):
            self._size_docks_when_shown = False
            layout = self.layout()  # QMainWindow always has one
            if layout is not None:
                layout.activate()  # the minimum size of the restored docks, not of the default ones
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def save_settings(self) -> None:
        settings = QSettings()
        settings.setValue(SETTINGS_GEOMETRY, self.saveGeometry())
        settings.setValue(SETTINGS_STATE, self.saveState(STATE_VERSION))
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.workspace_ui.may_close():  # transactions run: it asks, and closes the window once answered
            event.ignore()
            return
        self.save_settings()
        self.bridge.close()
        self._status_timer.stop()
        for viewer in list(self.sessions.viewers):
            viewer.close()
        super().closeEvent(event)
        self.closed.emit()

    # -- engine events --------------------------------------------------------------------

    def _on_frames(self, frames: list[Frame]) -> None:
        self.log_view.append_frames(frames)
        self.frame_count += len(frames)
        self.frames_label.setText(f"{self.frame_count:,} frames")
        # Meter values and heartbeats change nothing the tree or the actions show: with a fleet they
        # are nearly every frame, and re-reading every station for them was the tree's main cost.
        self._touched({frame.station_id for frame in frames if frame.action not in QUIET_ACTIONS})

    def _on_samples(self, samples: list[MeterSample]) -> None:
        self.power_plot.add_samples(samples)
        view = self.station_view
        if view is not None and any(sample.station_id == view.station.id for sample in samples):
            view.refresh()

    def _on_states(self, states: list[ConnectorStateChanged]) -> None:
        self._touched({state.station_id for state in states})

    def _on_station_events(self, events: list[StationEvent]) -> None:
        self._touched({event.station_id for event in events})

    def _touched(self, station_ids: set[str]) -> None:
        """Something happened at these stations: re-read them where they are shown."""
        self.tree_model.refresh(station_ids)
        view = self.station_view
        if view is not None and view.station.id in station_ids:
            view.refresh()
        current = self.current_station()
        if current is not None and current.id in station_ids:
            self._update_actions()

    def _update_status(self) -> None:
        stations = self.lab.stations.values()
        online = sum(1 for station in stations if station.connected)
        self.stations_label.setText(f"{online} of {len(stations)} stations connected")
        text, tooltip = self.sim_time.status()
        self.sim_label.setText(text)
        self.sim_label.setToolTip(tooltip)
        self.frames_label.setText(f"{self.frame_count:,} frames")

    # -- selection ------------------------------------------------------------------------

    def current_target(self) -> Target | None:
        return self.tree_model.target(self.tree.currentIndex())

    def current_station(self) -> Station | None:
        target = self.current_target()
        return None if target is None else self.lab.stations.get(target[0])

    def select_station(self, station_id: str, evse_id: int | None = None, connector_id: int | None = None) -> None:
        index = self.tree_model.index_of(station_id, evse_id, connector_id)
        if index.isValid():
            self.tree.setCurrentIndex(index)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        target = self.tree_model.target(current)
        if target is not None:
            self.power_plot.set_target(*target)
            self.csms_console.follow_station(target[0])
        self._show_station(None if target is None else self.lab.stations.get(target[0]))
        self._update_actions()

    def _show_station(self, station: Station | None) -> None:
        """Put the station's view in the centre (a new view only when the station changes)."""
        ui = self.ui
        if self.station_view is not None and self.station_view.station is not station:
            ui.station_page_layout.removeWidget(self.station_view)
            self.station_view.deleteLater()
            self.station_view = None
        if station is not None and self.station_view is None:
            view = StationView(station, ui.station_page)
            view.connectRequested.connect(self.connect_station)
            view.disconnectRequested.connect(self._disconnect)
            view.rebootRequested.connect(self._reboot)
            ui.station_page_layout.addWidget(view)
            self.station_view = view
        ui.central_stack.setCurrentWidget(ui.station_page if self.station_view is not None else ui.empty_page)
        self.fault_panel.set_station(station)

    def _update_actions(self) -> None:
        ui = self.ui
        station = self.current_station()
        held = station is not None and not station.link_up
        connected = station is not None and station.connected
        ui.action_connect.setEnabled(station is not None and held and not connected)
        ui.action_disconnect.setEnabled(station is not None and (connected or not held))
        ui.action_reboot.setEnabled(connected)
        ui.action_edit_station.setEnabled(station is not None)
        ui.action_delete_station.setEnabled(station is not None)
        ui.action_export_session.setEnabled(self.lab.session_id is not None)

    def _stations_changed(self) -> None:
        """Stations were added or removed: rebuild the tree rows, keep a sensible selection."""
        self.tree_model.sync()
        if self.current_station() is None and self.lab.stations:
            self.select_station(next(iter(self.lab.stations)))
        elif not self.lab.stations:
            self._show_station(None)
        self._update_actions()
        self._update_status()

    def _console_chose(self, station_id: str) -> None:
        """A station picked in the CSMS console's table: select it in the tree too, if it is one of the lab's."""
        current = self.current_station()
        if current is None or current.id != station_id:
            self.select_station(station_id)

    def _on_current(self, act: Callable[[str], object]) -> None:
        station = self.current_station()
        if station is not None:
            act(station.id)

    def station_menu(self) -> QMenu:
        """The tree's context menu: the Station menu's actions for the current station."""
        ui = self.ui
        menu = QMenu(self)
        for action in (ui.action_connect, ui.action_disconnect, ui.action_reboot):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(ui.action_edit_station)
        menu.addAction(ui.action_delete_station)
        return menu

    def _show_tree_menu(self, position: QPoint) -> None:
        menu = self.station_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(position)

    # -- engine work ----------------------------------------------------------------------

    def _spawn(self, what: str, work: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Run engine work on the loop as a task of the window; a failure is reported in the status bar."""
        spawn_soon(self._tasks, self._reported, what, work, *args)

    async def _reported(self, what: str, work: Callable[..., Awaitable[Any]], *args: Any) -> None:
        try:
            await work(*args)
        except Exception as exc:  # shown to the user and logged, not lost
            log.warning("%s failed: %s", what, exc, exc_info=exc)
            self.statusBar().showMessage(f"{what} failed: {exc}", 10000)

    async def close_tasks(self) -> None:
        """Cancel the engine work of the window, its CSMS console and its fault panel; wait until it has ended."""
        await asyncio.gather(
            self._tasks.close(),
            self.csms_console.close_tasks(),
            self.fault_panel.close_tasks(),
            self.demo.close_tasks(),
            self.workspace_ui.close_tasks(),
        )

    # -- dialogs and docks ----------------------------------------------------------------

    def _export_current_session(self) -> None:
        if self.lab.session_id is not None:
            self.sessions.ask_export(self.lab.session_id)

    def show_sessions(self) -> None:
        dock = self.docks["sessions"]
        dock.show()
        dock.raise_()
        self.sessions.refresh()

    def focus_log_filter(self) -> None:
        dock = self.docks["log"]
        dock.show()
        dock.raise_()
        self.log_view.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.log_view.text_edit.selectAll()

    def show_about(self) -> AboutDialog:
        dialog = AboutDialog(self, self.lab.db_path)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- simulated time -------------------------------------------------------------------

    def set_paused(self, paused: bool) -> None:
        self.sim_time.set_paused(paused)

    def set_speed(self, speed: int) -> None:
        """Choose one of `sim_time.SPEEDS`."""
        self.sim_time.set_speed(speed)
