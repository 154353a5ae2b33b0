"""A stored session, read-only: its frames in a log above, its meter samples as graphs below."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from ocpplab_desktop.gui.formatting import format_elapsed, local_time
from ocpplab_desktop.gui.log_view import LogView
from ocpplab_desktop.gui.power_plot import PowerPlot, graphs_with_chooser
from ocpplab_desktop.model.events import MeterSample
from ocpplab_desktop.store.store import SessionInfo, Store

SAMPLE_BATCH = 5000
"""Meter samples handed to the graphs per pass of the event loop, so a long session loads without a freeze."""


class SessionViewer(QDialog):
    """A stored session, read-only: its frames in a log, its meter samples as graphs."""

    loaded = Signal()
    """Every frame and sample is in the views."""

    def __init__(self, store: Store, info: SessionInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Session {info.id} — {info.name} (read-only)")
        self.resize(1100, 760)
        self.store = store
        self.info = info
        self._frames_done = False
        self._released = False
        self._pending_samples: Sequence[MeterSample] = store.samples(info.id)
        self._sample_offset = 0

        summary = QLabel(
            f"Started {local_time(info.started_at)}  ·  "
            f"{format_elapsed(info.duration_s) if info.duration_s is not None else 'not ended'}  ·  "
            f"{info.frame_count:,} frames  ·  stations: {', '.join(info.stations) or '—'}",
            self,
        )
        self.status = QLabel("Loading…", self)
        self.log = LogView(self)
        self.plot = PowerPlot(self)
        self.target_combo = QComboBox(self)
        self.target_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.target_combo.currentIndexChanged.connect(self._show_target)

        plot_box = graphs_with_chooser(self, self.target_combo, self.plot)
        # The log above, the graphs below across the whole width: side by side, the log's filter
        # bar took the width and squeezed the graphs to a sliver at the window's edge.
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.log)
        splitter.addWidget(plot_box)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        plot_box.setMinimumHeight(240)
        splitter.setSizes([1, 1])  # half each: the graphs are half of what a stored session shows
        self.splitter = splitter
        top = QHBoxLayout()
        top.addWidget(summary, 1)
        top.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.log.stored_session_loaded.connect(self._frames_loaded)
        self.log.show_stored_session(store.frames(info.id))
        self._sample_timer = QTimer(self)
        self._sample_timer.setInterval(0)
        self._sample_timer.timeout.connect(self._add_sample_batch)
        self._sample_timer.start()

    @property
    def loading(self) -> bool:
        return not self._frames_done or self._sample_timer.isActive()

    def _add_sample_batch(self) -> None:
        batch = self._pending_samples[self._sample_offset : self._sample_offset + SAMPLE_BATCH]
        self._sample_offset += len(batch)
        self.plot.add_samples(batch)
        if len(batch) < SAMPLE_BATCH:
            self._sample_timer.stop()
            self._pending_samples = ()
            self._fill_targets()
            self._check_loaded()

    def _fill_targets(self) -> None:
        connectors = self.plot.targets()
        for station_id in sorted({station for station, _evse, _connector in connectors}):
            self.target_combo.addItem(f"{station_id} (all connectors)", (station_id, None, None))
            for station, evse, connector in connectors:
                if station == station_id:
                    self.target_combo.addItem(
                        f"{station_id}  EVSE {evse} connector {connector}", (station, evse, connector)
                    )
        self.target_combo.setEnabled(bool(connectors))
        if not connectors:
            self.target_combo.addItem("no meter samples in this session")

    def _show_target(self, index: int) -> None:
        target = self.target_combo.itemData(index)
        if target is not None:
            self.plot.set_target(*target)

    def _frames_loaded(self, count: int) -> None:
        self._frames_done = True
        self.status.setText(f"{count:,} frames loaded")
        self._check_loaded()

    def _check_loaded(self) -> None:
        if not self.loading:
            self.loaded.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._release()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self._release()
        super().done(result)

    def _release(self) -> None:
        if self._released:
            return
        self._released = True
        self._sample_timer.stop()
        self.log.clear()  # stops reading frames from the store
        self.store.close()
