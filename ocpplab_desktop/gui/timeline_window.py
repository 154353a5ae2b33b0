"""A stored session played back as if live: message log, connector states and power graph on a timeline.

No network and no engine: the window reads the session once and walks it with a `Timeline`.
While playing, a ~30 Hz timer advances the timeline by the real time that went by times the
chosen speed and hands what became due to the views in one batch. Going backwards (seek or
step back) empties the log and the graph and refills them up to the new position: the log
model only appends.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence, QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStyle,
    QTableView,
    QToolBar,
    QWidget,
)

from ocpplab_desktop.gui import palette, theme
from ocpplab_desktop.gui.log_view import LogView
from ocpplab_desktop.gui.power_plot import PowerPlot, graphs_with_chooser
from ocpplab_desktop.replay.timeline import SPEEDS, ConnectorKey, Timeline, clock_text
from ocpplab_desktop.store.store import Store

TICK_MS = 33
"""~30 Hz: one batch of due frames per tick."""
SLIDER_STEPS_PER_S = 1000
MAX_TICK_S = 0.25
"""A tick that came late (the window was dragged) plays at most this much real time."""
DEFAULT_SPEED = 1.0
PRESENT_SCALE = 1.6
"""Text size in presentation (F11) against the desktop's: readable from the back of a room."""
STATE_COLUMNS = ("Station", "Connector", "Status")
NOT_REPORTED = "not reported yet"


def connector_label(key: ConnectorKey) -> str:
    """`connector 1` for a 1.6 key, `EVSE 1 connector 1` for a 2.0.1 key."""
    if len(key) == 2:
        return "0 (station)" if key[1] == 0 else f"connector {key[1]}"
    return f"EVSE {key[1]} connector {key[2]}"


def _speed_text(speed: float) -> str:
    return f"x{speed:g}"


class TimelineWindow(QMainWindow):
    """Play, pause, step and seek through a stored session; the views follow as if it were live."""

    def __init__(self, store: Store, session_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if parent is not None:
            self.setWindowFlag(Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        info = store.session(session_id)
        self.session_id = session_id
        self.setWindowTitle(f"Play back session {session_id} — {info.name}")
        self.resize(1280, 720)
        self.timeline = Timeline(list(store.frames(session_id)), store.samples(session_id))
        self.speed = DEFAULT_SPEED
        self._samples_shown = 0
        self._clock = QElapsedTimer()
        self._normal_font = QFont(self.font())

        self.log = LogView(self)
        self.log.side_combo.setCurrentIndex(self.log.side_combo.findData(self.timeline.side.value))
        self.states = QStandardItemModel(0, len(STATE_COLUMNS), self)
        self.states.setHorizontalHeaderLabels(list(STATE_COLUMNS))
        self.state_table = self._build_state_table()
        self._state_rows: dict[ConnectorKey, int] = {}
        self.plot = PowerPlot(self)
        self.target_combo = QComboBox(self)
        self.target_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._splitters: tuple[QSplitter, ...] = ()
        self._build_toolbar()
        self._build_centre()
        self._fill_state_rows()
        self._fill_targets()
        self.target_combo.currentIndexChanged.connect(self._show_target)
        self._show_target(self.target_combo.currentIndex())

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._show_position()

    # -- building ------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar("Playback", self)
        bar.setObjectName("playbackToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        style = self.style()
        self.play_action = QAction(theme.icon("play"), "Play", self)
        self.play_action.setCheckable(True)
        self.play_action.setShortcut(QKeySequence("Ctrl+Space"))
        self.play_action.setToolTip("Play the session from here at the chosen speed (Ctrl+Space)")
        self.play_action.toggled.connect(self._play_toggled)
        self.back_action = QAction(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward), "Step back", self)
        # The plain arrows too, as a presenter's clicker sends them; a text field keeps its own.
        self.back_action.setShortcuts([QKeySequence("Alt+Left"), QKeySequence(Qt.Key.Key_Left)])
        self.back_action.setToolTip("Hide the last frame shown (Left, Alt+Left)")
        self.back_action.triggered.connect(self.step_back)
        self.forward_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward), "Step forward", self
        )
        self.forward_action.setShortcuts([QKeySequence("Alt+Right"), QKeySequence(Qt.Key.Key_Right)])
        self.forward_action.setToolTip("Show the next frame (Right, Alt+Right)")
        self.forward_action.triggered.connect(self.step_forward)
        self.present_action = QAction("Present", self)
        self.present_action.setCheckable(True)
        self.present_action.setShortcut(QKeySequence(Qt.Key.Key_F11))
        self.present_action.setToolTip("Full screen in large type, for a room; the arrow keys step (F11)")
        self.present_action.toggled.connect(self.present)
        for action in (self.play_action, self.back_action, self.forward_action, self.present_action):
            bar.addAction(action)

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("positionSlider")
        self.slider.setRange(0, round(self.timeline.duration * SLIDER_STEPS_PER_S))
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.setMinimumWidth(200)
        self.slider.setToolTip("Drag to any moment of the session")
        self.slider.valueChanged.connect(lambda value: self.seek(value / SLIDER_STEPS_PER_S))
        self.position_label = QLabel(self)
        self.position_label.setObjectName("positionLabel")
        self.position_label.setToolTip("Time since the session's first frame / the session's length")
        self.speed_combo = QComboBox(self)
        for speed in SPEEDS:
            self.speed_combo.addItem(_speed_text(speed), speed)
        self.speed_combo.setCurrentIndex(self.speed_combo.findData(DEFAULT_SPEED))
        self.speed_combo.setToolTip("Playback speed: seconds of the session per real second")
        self.speed_combo.currentIndexChanged.connect(lambda index: self.set_speed(self.speed_combo.itemData(index)))
        bar.addSeparator()
        bar.addWidget(self.slider)
        bar.addWidget(self.position_label)
        bar.addSeparator()
        bar.addWidget(QLabel(" Speed ", self))
        bar.addWidget(self.speed_combo)

    def _build_state_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("connectorStates")
        table.setModel(self.states)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        return table

    def _build_centre(self) -> None:
        graphs = graphs_with_chooser(self, self.target_combo, self.plot)
        # The log's filter bar needs the window's width, so the log spans it and the states and
        # graphs share the row below.
        below = QSplitter(Qt.Orientation.Horizontal, self)
        below.addWidget(self.state_table)
        below.addWidget(graphs)
        centre = QSplitter(Qt.Orientation.Vertical, self)
        centre.addWidget(self.log)
        centre.addWidget(below)
        self.setCentralWidget(centre)
        self._splitters = (centre, below)

    def _fill_state_rows(self) -> None:
        """One row per connector the session ever reports, so rows stay put while playing."""
        for row, key in enumerate(sorted(self.timeline.connector_states(len(self.timeline.frames)), key=str)):
            self._state_rows[key] = row
            items = [QStandardItem(str(key[0])), QStandardItem(connector_label(key)), QStandardItem()]
            for item in items:
                item.setEditable(False)
            self.states.appendRow(items)
        self._show_states()

    def _fill_targets(self) -> None:
        connectors = sorted({(s.station_id, s.evse_id, s.connector_id) for s in self.timeline.samples})
        for station_id in sorted({station for station, _evse, _connector in connectors}):
            self.target_combo.addItem(f"{station_id} (all connectors)", (station_id, None, None))
            for station, evse, connector in connectors:
                if station == station_id:
                    self.target_combo.addItem(
                        f"{station}  EVSE {evse} connector {connector}", (station, evse, connector)
                    )
        self.target_combo.setEnabled(bool(connectors))
        if not connectors:
            self.target_combo.addItem("no meter samples in this session")

    # -- playback ------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        self.play_action.setChecked(True)

    def pause(self) -> None:
        self.play_action.setChecked(False)

    def set_speed(self, speed: float) -> None:
        self.speed = speed
        index = self.speed_combo.findData(speed)
        if index >= 0 and index != self.speed_combo.currentIndex():
            self.speed_combo.setCurrentIndex(index)

    def tick(self, real_dt: float | None = None) -> None:
        """Advance by the real time since the last tick (or `real_dt`) at the chosen speed."""
        if real_dt is None:
            real_dt = min(self._clock.restart() / 1000, MAX_TICK_S)
        due = self.timeline.advance(real_dt, self.speed)
        if due:
            self.log.append_frames(due)
        self._after_move()
        if self.timeline.at_end:
            self.pause()

    def seek(self, seconds: float) -> None:
        before = self.timeline.index
        self.timeline.seek(seconds)
        if self.timeline.index >= before:
            self.log.append_frames(self.timeline.frames[before : self.timeline.index])
        else:
            self._refill_log()
        self._after_move()

    def step_forward(self) -> None:
        frame = self.timeline.step_forward()
        if frame is not None:
            self.log.append_frames([frame])
            self._after_move()

    def step_back(self) -> None:
        if self.timeline.step_back() is not None:
            self._refill_log()
            self._after_move()

    def present(self, on: bool) -> None:
        """Presentation: full screen, the text PRESENT_SCALE times larger; off restores the window."""
        font = QFont(self._normal_font)
        if on:
            font.setPointSizeF(font.pointSizeF() * PRESENT_SCALE)
            self.showFullScreen()
        else:
            self.showNormal()
        for widget in (self.log, self.state_table, self.position_label):
            widget.setFont(font)
        self.state_table.resizeColumnsToContents()

    def _play_toggled(self, on: bool) -> None:
        self.play_action.setIcon(theme.icon("pause" if on else "play"))
        self.play_action.setText("Pause" if on else "Play")
        if not on:
            self._timer.stop()
            return
        if self.timeline.at_end:
            self.seek(0.0)
        self._clock.start()
        self._timer.start()

    # -- views ---------------------------------------------------------------------------

    def _refill_log(self) -> None:
        """The log as it stood at the current index (the log keeps its capacity's worth)."""
        index = self.timeline.index
        self.log.clear()
        self.log.append_frames(self.timeline.frames[max(0, index - self.log.model.capacity) : index])

    def _after_move(self) -> None:
        self._sync_samples()
        self._show_states()
        self._show_position()

    def _sync_samples(self) -> None:
        count = self.timeline.sample_count(self.timeline.position)
        if count < self._samples_shown:
            self.plot.clear()
            self._samples_shown = 0
        self.plot.add_samples(self.timeline.samples[self._samples_shown : count])
        self._samples_shown = count

    def _show_states(self) -> None:
        states = self.timeline.connector_states()
        for key, row in self._state_rows.items():
            status = states.get(key)
            item = self.states.item(row, 2)
            text = NOT_REPORTED if status is None else status
            if item.text() == text:
                continue
            colour = palette.state_colour(status or "")
            item.setText(text)
            item.setBackground(colour)
            item.setForeground(palette.text_on(colour))

    def _show_position(self) -> None:
        timeline = self.timeline
        self.position_label.setText(f" {clock_text(timeline.position)} / {clock_text(timeline.duration)} ")
        self.slider.blockSignals(True)
        self.slider.setValue(round(timeline.position * SLIDER_STEPS_PER_S))
        self.slider.blockSignals(False)
        self.back_action.setEnabled(timeline.index > 0)
        self.forward_action.setEnabled(timeline.index < len(timeline.frames))
        self.statusBar().showMessage(
            f"Frame {timeline.index:,} of {len(timeline.frames):,}, as the {timeline.side.value} saw them"
        )

    def _show_target(self, index: int) -> None:
        target = self.target_combo.itemData(index)
        if target is not None:
            self.plot.set_target(*target)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._splitters:
            # Before the first show the splitters do not know their size; shares are set once, here.
            centre, below = self._splitters
            self._splitters = ()
            height, width = centre.height(), below.width()
            centre.setSizes([height * 5 // 9, height * 4 // 9])
            below.setSizes([width * 3 // 10, width * 7 // 10])

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()
        super().closeEvent(event)
