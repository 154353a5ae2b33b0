"""The main window's station commands: add, connect, disconnect, reboot, edit and delete, and their dialogs.

A mixin `MainWindow` inherits, kept apart so the window module stays about the window (docks,
menus, selection, lab events). The operations take no dialog, so the tests and the workspace
call them directly; the `_ask_*` methods are what the menus and toolbar trigger. What the
commands need from the window is declared below for the type checker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui.builder import StationBuilderDialog
from ocpplab_desktop.gui.template_dialog import TemplateDialog
from ocpplab_desktop.gui.workspace_ui import WorkspaceUi
from ocpplab_desktop.model.config import ConfigError, StationConfig
from ocpplab_desktop.model.station_form import numbered_copies, template_choices, with_free_id
from ocpplab_desktop.model.templates import load_template

# A QMainWindow to the type checker (parent of the dialogs, owner of the status bar); a plain
# mixin at run time, so `MainWindow` stays a single QMainWindow.
if TYPE_CHECKING:
    _Window = QMainWindow
else:
    _Window = object


class StationCommands(_Window):
    """Station operations and their dialogs, for `MainWindow`."""

    # The window's, declared for the type checker.
    lab: Lab
    workspace_ui: WorkspaceUi

    if TYPE_CHECKING:

        def select_station(
            self, station_id: str, evse_id: int | None = None, connector_id: int | None = None
        ) -> None: ...
        def _stations_changed(self) -> None: ...
        def _touched(self, station_ids: set[str]) -> None: ...
        def _spawn(self, what: str, work: Callable[..., Awaitable[Any]], *args: Any) -> None: ...

    # -- station operations (no dialogs: the dialogs call these, and so do the tests) -----

    def add_station(self, config: StationConfig, *, connect: bool = True) -> Station:
        """Add a station to the lab, show it in the tree and select it; it connects unless told not to."""
        station = self.lab.add_station(config, connect=connect)
        self._stations_changed()
        self.select_station(station.id)
        self.statusBar().showMessage(f"Station {station.id} added (OCPP {station.version.value})", 5000)
        return station

    def add_stations(self, configs: list[StationConfig]) -> list[Station]:
        """Add several stations (they connect), rebuild the tree once and select the first of them."""
        stations = [self.lab.add_station(config) for config in configs]
        self._stations_changed()
        if stations:
            self.select_station(stations[0].id)
            self.statusBar().showMessage(f"{len(stations)} stations added: {stations[0].id} … {stations[-1].id}", 8000)
        return stations

    def new_stations_from_template(self, name: str, count: int) -> list[Station]:
        """Station > New from template with a count: `count` stations under consecutive free ids."""
        return self.add_stations(numbered_copies(load_template(name), count, self.lab.stations))

    def new_station_from_template(self, name: str) -> Station:
        """What Station > New from template does once a template is chosen: a free id, then add it."""
        return self.add_station(with_free_id(load_template(name), self.lab.stations))

    def connect_station(self, station_id: str) -> None:
        station = self.lab.stations[station_id]
        station.connect()
        self._touched({station_id})

    async def disconnect_station(self, station_id: str) -> None:
        """The station's network goes down; it runs on (meters, queued transaction messages)."""
        await self.lab.stations[station_id].disconnect()
        self._touched({station_id})

    async def reboot_station(self, station_id: str) -> None:
        await self.lab.stations[station_id].reboot()

    async def delete_station(self, station_id: str) -> None:
        """Stop and remove the station; its rows go at once, while it is still closing its connection."""
        if station_id not in self.lab.stations:
            return
        # remove_station takes the station out of lab.stations before its first await, so by
        # the time this callback runs the tree can drop it; the stop itself may take a moment.
        asyncio.get_running_loop().call_soon(self._stations_changed)
        await self.lab.remove_station(station_id)
        self._stations_changed()
        self.statusBar().showMessage(f"Station {station_id} deleted", 5000)

    async def replace_station(self, station_id: str, config: StationConfig) -> Station:
        """Edit: the station reboots into the new configuration in its place in the tree, online if it was."""
        online = self.lab.stations[station_id].link_up
        station = await self.lab.replace_station(station_id, config, connect=online)
        self._stations_changed()
        self.select_station(station.id)
        then = "rebooting with the new configuration" if online else "still disconnected: Connect brings it online"
        self.statusBar().showMessage(f"Station {station.id} edited; {then}", 8000)
        return station

    def _disconnect(self, station_id: str) -> None:
        self._spawn(f"Disconnect {station_id}", self.disconnect_station, station_id)

    def _reboot(self, station_id: str) -> None:
        self._spawn(f"Reboot {station_id}", self.reboot_station, station_id)

    # -- dialogs --------------------------------------------------------------------------

    def _ask_template(self) -> None:
        try:
            choices = template_choices()
        except ConfigError as exc:
            QMessageBox.warning(self, "Templates", f"The station templates could not be read: {exc}")
            return
        dialog = TemplateDialog(choices, self.lab.stations, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def add() -> None:
            configs = dialog.configs()
            self._add_guarded(lambda: self.add_station(configs[0]) if len(configs) == 1 else self.add_stations(configs))

        dialog.accepted.connect(add)
        dialog.open()

    def _add_guarded(self, add: Callable[[], object]) -> None:
        try:
            add()
        except (ConfigError, ValueError) as exc:
            QMessageBox.warning(self, "Station not added", str(exc))

    def _builder(self, config: StationConfig | None, existing: Iterable[str]) -> StationBuilderDialog:
        return StationBuilderDialog(
            self, existing_ids=set(existing), config=config, embedded_csms_url=self.lab.csms_url
        )

    def _ask_new_station(self) -> None:
        dialog = self._builder(None, self.lab.stations)
        dialog.accepted.connect(lambda: self._add_guarded(lambda: self.add_station(dialog.config())))
        dialog.open()

    def _ask_edit(self, station_id: str) -> None:
        station = self.lab.stations[station_id]
        dialog = self._builder(station.config, set(self.lab.stations) - {station_id})
        dialog.setWindowTitle(f"Edit station {station_id}")
        dialog.accepted.connect(lambda: self.workspace_ui.confirm_edit(station_id, dialog.config(), self._edit))
        dialog.open()

    def _edit(self, station_id: str, config: StationConfig) -> None:
        self._spawn(f"Edit {station_id}", self.replace_station, station_id, config)

    def _ask_delete(self, station_id: str) -> None:
        answer = QMessageBox.question(
            self,
            "Delete station",
            f"Stop station {station_id} and remove it from the lab?\nIts frames stay in the session database.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._spawn(f"Delete {station_id}", self.delete_station, station_id)
