"""File > Export graph: the power graph as it is shown now, as a PNG or SVG titled with what it shows.

A mixin `MainWindow` inherits, beside `StationCommands`: the export needs the power dock, the
plot and the lab's session, all the window's, which are declared below for the type checker.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.power_plot import PowerPlot

# A QMainWindow to the type checker, a plain mixin at run time (as in `station_commands`).
if TYPE_CHECKING:
    _Window = QMainWindow
else:
    _Window = object


class GraphExport(_Window):
    """Export of the power graph, for `MainWindow`."""

    # The window's, declared for the type checker.
    lab: Lab
    docks: dict[str, QDockWidget]
    power_plot: PowerPlot

    def export_graph(self, path: Path) -> None:
        """Save the power graph as it is shown now, as PNG or SVG by the file's suffix, titled with what
        it shows (station, connector, session). Its tab comes to the front first: a laptop's layout may
        have it behind the log, never laid out."""
        dock = self.docks["power"]
        dock.show()
        dock.raise_()
        self.power_plot.redraw()
        self.power_plot.export(path, self.graph_title())

    def graph_title(self) -> str:
        """What the power graph shows, for an exported image: station, connector and session."""
        target = self.power_plot.target
        if target is None:
            shown = "no station"
        else:
            station_id, evse_id, connector_id = target
            if evse_id is None:
                shown = f"{station_id}, all connectors"
            elif connector_id is None:
                shown = f"{station_id}, EVSE {evse_id}"
            else:
                shown = f"{station_id}, EVSE {evse_id} connector {connector_id}"
        session = self.lab.session_id
        if session is None or self.lab.store is None:
            return shown
        return f"{shown} · session {session}: {self.lab.store.session(session).name}"

    def _ask_export_graph(self) -> None:
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export graph", "ocpplab-graph.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() not in (".png", ".svg"):
            path = path.with_suffix(".svg" if "svg" in chosen else ".png")
        try:
            self.export_graph(path)
        except OSError as exc:
            QMessageBox.warning(self, "Graph not exported", str(exc))
            return
        self.statusBar().showMessage(f"Graph saved to {path}", 5000)
