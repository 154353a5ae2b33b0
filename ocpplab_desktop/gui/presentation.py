"""Presentation mode (View → Present, F11): one station, large, for a room of people who are not engineers.

Full screen, the rest of the window hidden behind it: the station's name, the scenario's
caption as a banner, each connector's state in large type with its state diagram, and the
live power graph. The right arrow, the space bar or Page Down continue a paused scenario
(a presenter's clicker sends those); Escape or F11 leave.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.bridge import EngineBridge
from ocpplab_desktop.gui.formatting import format_kw
from ocpplab_desktop.gui.power_plot import PowerPlot
from ocpplab_desktop.gui.state_diagram import StateDiagram
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import ScenarioProgress

if TYPE_CHECKING:
    from ocpplab_desktop.gui.demo import Demo

SCALE = 1.9
"""Text is this many times the desktop's size: readable from the back of a meeting room."""
REFRESH_MS = 250
MAX_CONNECTORS = 3
"""Connectors shown side by side; a station with more shows its first ones (and says so)."""
CONTINUE_KEYS = {Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_PageDown, Qt.Key.Key_Return, Qt.Key.Key_Enter}
LEAVE_KEYS = {Qt.Key.Key_Escape, Qt.Key.Key_F11}


def _font(base: QFont, factor: float, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    font = QFont(base)
    font.setPointSizeF(base.pointSizeF() * factor)
    font.setWeight(weight)
    return font


class _ConnectorPanel(QWidget):
    """One connector: its name, its state in a coloured chip, power and energy, and its state diagram."""

    def __init__(self, station: Station, index: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.station = station
        self.connector = station.connectors[index]
        base = self.font()
        layout = QVBoxLayout(self)
        title = f"Connector {self.connector.connector_id}"
        if station.version is OcppVersion.V201:
            title = f"EVSE {self.connector.evse_id} · connector {self.connector.connector_id}"
        self.title = QLabel(title, self)
        self.title.setFont(_font(base, 1.0, QFont.Weight.DemiBold))
        self.state = QLabel(self)
        self.state.setObjectName("presentedState")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state.setFont(_font(base, 1.5, QFont.Weight.Bold))
        self.figures = QLabel(self)
        self.figures.setFont(_font(base, 1.15))
        self.diagram = StateDiagram(station.version, self)
        self.diagram.setMinimumHeight(220)
        layout.addWidget(self.title)
        layout.addWidget(self.state)
        layout.addWidget(self.figures)
        layout.addWidget(self.diagram, 1)
        self._shown = ""

    def refresh(self) -> None:
        c = self.connector
        state = c.reported or c.status()
        if state != self._shown:
            self._shown = state
            self.state.setText(state)
            self.state.setStyleSheet(palette.state_chip("presentedState", state, 14, "10px 24px"))
            self.diagram.set_state(state)
        reading = self.station.reading(c)
        parts = [format_kw(reading.power_w), f"{reading.energy_wh / 1000:.2f} kWh"]
        if reading.soc is not None:
            parts.append(f"SoC {reading.soc:.0f} %")
        self.figures.setText("   ·   ".join(parts))


class PresentationWindow(QWidget):
    """A top-level, full-screen view of one station; `closed` when it is left."""

    closed = Signal()

    def __init__(self, station: Station, bridge: EngineBridge, demo: Demo) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("presentation")
        self.setWindowTitle(f"{station.id} — OCPPLab presentation")
        self.station = station
        self.demo = demo
        self.bridge = bridge
        base = _font(self.font(), SCALE)
        self.setFont(base)

        self.heading = QLabel(self)
        self.heading.setFont(_font(base, 1.25, QFont.Weight.Bold))
        config = station.config
        self.heading.setText(f"{station.id}  ·  OCPP {station.version.value}")
        self.detail = QLabel(f"{config.vendor} {config.model}".strip(), self)
        self.caption = QLabel(self)
        self.caption.setObjectName("presentedCaption")
        self.caption.setWordWrap(True)
        self.caption.setFont(_font(base, 1.2, QFont.Weight.DemiBold))
        self.caption.setStyleSheet(
            f"QLabel#presentedCaption {{ background: {palette.SUCCESS}30; border-radius: 10px; padding: 14px; }}"
        )
        self.hint = QLabel(self)
        self.hint.setFont(_font(base, 0.6))
        self.hint.setAlignment(Qt.AlignmentFlag.AlignRight)

        shown = min(len(station.connectors), MAX_CONNECTORS)
        self.panels = [_ConnectorPanel(station, i, self) for i in range(shown)]
        self.plot = PowerPlot(self)
        self.plot.set_target(station.id)
        self.plot.setMinimumHeight(260)
        tick_font = _font(self.font(), 0.55)
        for plot in self.plot.plots:
            for side in ("left", "bottom", "right"):
                axis = plot.getAxis(side)
                axis.setStyle(tickFont=tick_font)
                axis.label.setFont(tick_font)

        head = QHBoxLayout()
        head.addWidget(self.heading)
        head.addWidget(self.detail, 1)
        head.addWidget(self.hint)
        connectors = QGridLayout()
        for column, panel in enumerate(self.panels):
            connectors.addWidget(panel, 0, column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(16)
        layout.addLayout(head)
        layout.addWidget(self.caption)
        body = QHBoxLayout()
        body.addLayout(connectors, 3)
        body.addWidget(self.plot, 2)
        layout.addLayout(body, 1)
        if len(station.connectors) > shown:
            more = QLabel(f"(showing {shown} of {len(station.connectors)} connectors)", self)
            more.setFont(_font(base, 0.6))
            layout.addWidget(more)

        bridge.samplesArrived.connect(self.plot.add_samples)
        demo.progressChanged.connect(self._on_progress)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._on_progress(demo.progress)
        self.refresh()

    def present(self) -> None:
        self.showFullScreen()  # a new top-level window: shown above the lab's window
        self.activateWindow()
        self.setFocus()

    def refresh(self) -> None:
        for panel in self.panels:
            panel.refresh()

    def _on_progress(self, progress: ScenarioProgress | None) -> None:
        ours = progress is not None and progress.station_id == self.station.id
        caption = progress.caption if ours and progress is not None else None
        self.caption.setText(caption or "")
        self.caption.setVisible(bool(caption))
        if ours and progress is not None and progress.waiting is not None:
            self.hint.setText(f"{progress.waiting} — → continues · Esc leaves")
        elif ours and progress is not None and not progress.finished:
            self.hint.setText(f"Step {progress.step} of {progress.steps} · Esc leaves")
        else:
            self.hint.setText("Esc leaves")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        if key in CONTINUE_KEYS:
            self.demo.resume()
            event.accept()
        elif key in LEAVE_KEYS:
            self.close()
            event.accept()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()
        for signal, slot in ((self.bridge.samplesArrived, self.plot.add_samples),):
            _disconnect(signal, slot)
        _disconnect(self.demo.progressChanged, self._on_progress)
        super().closeEvent(event)
        self.closed.emit()
        self.deleteLater()


def _disconnect(signal: Any, slot: Any) -> None:
    with contextlib.suppress(RuntimeError, TypeError):  # already gone with its sender
        signal.disconnect(slot)
