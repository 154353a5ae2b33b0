"""The simulated clock's controls on the toolbar: pause and speed, and how its time reads in the status bar."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar, QToolButton

from ocpplab_desktop.gui import theme
from ocpplab_desktop.gui.formatting import format_elapsed
from ocpplab_desktop.model.clock import SimClock

SPEEDS = (1, 2, 5, 10, 20, 50, 100)
TIMES = "\u00d7"  # the multiplication sign of "x10"


class SimTimeControls(QObject):
    """A pause button and a speed choice added to `bar`, applied to `clock`; `changed` after every change."""

    changed = Signal()

    def __init__(self, clock: SimClock, bar: QToolBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        bar.addSeparator()
        label = QLabel("Simulated time", bar)
        label.setContentsMargins(6, 0, 4, 0)
        bar.addWidget(label)
        self.pause_button = QToolButton(bar)
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self.set_paused)
        bar.addWidget(self.pause_button)
        self.speed_combo = QComboBox(bar)
        self.speed_combo.setToolTip("How fast simulated time runs: meter values, heartbeats, charging")
        for speed in SPEEDS:
            self.speed_combo.addItem(f"{TIMES}{speed}", speed)
        self.speed_combo.currentIndexChanged.connect(lambda _i: self._apply_speed())
        bar.addWidget(self.speed_combo)

    def set_paused(self, paused: bool) -> None:
        if self.pause_button.isChecked() != paused:
            self.pause_button.setChecked(paused)  # comes back here through toggled
            return
        self.show_pause_state()
        self._apply_speed()

    def show_pause_state(self) -> None:
        """The pause button's icon and tooltip for its state (again when the palette changes)."""
        paused = self.pause_button.isChecked()
        self.pause_button.setIcon(theme.icon("play" if paused else "pause"))
        self.pause_button.setToolTip(
            "Resume simulated time"
            if paused
            else "Pause simulated time: meters, heartbeats, transactions and timers stand still"
        )

    def set_speed(self, speed: int) -> None:
        """Choose one of `SPEEDS`."""
        index = self.speed_combo.findData(speed)
        if index < 0:
            raise ValueError(f"speed {TIMES}{speed} is not offered; choose one of {', '.join(map(str, SPEEDS))}")
        self.speed_combo.setCurrentIndex(index)
        self._apply_speed()

    def _apply_speed(self) -> None:
        self.clock.speed = 0 if self.pause_button.isChecked() else float(self.speed_combo.currentData())
        self.changed.emit()

    def status(self) -> tuple[str, str]:
        """The status bar's text for the clock, and its tooltip."""
        pace = "paused" if self.clock.paused else f"{TIMES}{self.clock.speed:g}"
        return f"Sim time {format_elapsed(self.clock.now)} ({pace})", f"Simulated clock: {self.clock.isoformat_z()}"
