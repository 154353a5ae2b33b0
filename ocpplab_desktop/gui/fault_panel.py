"""The Faults dock: break the selected station's link on purpose (issue #14) and see what is in force.

Every control builds an `engine.faults.FaultSpec` and hands it to `engine.faults.inject`, the
same call scenario files and the command line use, so the panel holds no fault logic of its
own: it offers the version's actions and error codes (`schemas.ACTIONS`, `errors.ERROR_CODES`)
and the malformed forms (`protocol.faults.KINDS`), says what the engine did, or the
`FaultError` that says why not, and lists `active()` faults. A control that cannot apply is
disabled with a tooltip that says why. On the CSMS side, All stations makes the network and
CALLERROR faults the mock CSMS's for every station (`FaultSpec.all_stations`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.engine import faults
from ocpplab_desktop.engine.faults import FaultError, FaultSpec
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.bridge import spawn_soon
from ocpplab_desktop.gui.console_forms import refill
from ocpplab_desktop.protocol.errors import ERROR_CODES
from ocpplab_desktop.protocol.faults import KINDS as MALFORMED_KINDS
from ocpplab_desktop.protocol.frame import Direction
from ocpplab_desktop.protocol.schemas import ACTIONS
from ocpplab_desktop.protocol.tasks import TaskSet

log = logging.getLogger(__name__)

REFRESH_MS = 1000  # the active list's refresh while the dock shows
NETWORK_KINDS = ("drop", "delay", "duplicate", "reorder", "corrupt", "silence")
_MAX_FRAMES = 9999
_MAX_SECONDS = 86_400.0
_NO_STATION = "Select a station in the Stations dock to inject faults on its link."

# Why a control is disabled, shown as its tooltip.
WHY_NO_CSMS = "This lab runs no embedded mock CSMS: only the station's end of the link can be faulted"
WHY_EXTERNAL = "This station talks to an external CSMS: only the station's end of the link can be faulted"
WHY_STATION_ONLY = "Power and clock faults happen to the station: choose the Station side"
WHY_NOT_CONNECTED = "Not connected: there is no connection to close"
WHY_PLAN = "The random plan decides each frame's fate: uncheck it to inject one kind"
WHY_ALL_CSMS = "Only the mock CSMS can fault every station's link at once: choose the Mock CSMS side"


def _row(*widgets: QWidget) -> QHBoxLayout:
    """`widgets` side by side, left-aligned."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row


def _page(form: QFormLayout, *buttons: QPushButton) -> QWidget:
    """A tab's page: its form, then its buttons."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addLayout(form)
    if buttons:
        layout.addLayout(_row(*buttons))
    layout.addStretch(1)
    return page


def _seconds_box(value: float, *, minimum: float = 0.0, decimals: int = 1) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(minimum, _MAX_SECONDS)
    box.setDecimals(decimals)
    box.setSuffix(" s")
    box.setValue(value)
    return box


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form


def _enable(widget: QWidget, why_not: str | None, tip: str = "") -> None:
    """Enable `widget`, or disable it with `why_not` as its tooltip."""
    widget.setEnabled(why_not is None)
    widget.setToolTip(why_not if why_not is not None else tip)


def parse_details(text: str) -> dict[str, Any]:
    """A CALLERROR's details from the JSON typed in; ValueError saying what is wrong."""
    if not text.strip():
        return {}
    try:
        details = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"details are not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(details, dict):
        raise ValueError('details must be a JSON object, e.g. {"reason": "test"}')
    return details


class WheelGuard(QObject):
    """The wheel over a spin box or combo without focus scrolls the dock instead of changing the value."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()  # ignored and filtered: Qt offers it to the parent, the scroll area
            return True
        return False


class FittingTabs(QTabWidget):
    """Tabs as tall as the page shown, not as the tallest page (QTabWidget's way): the dock is short."""

    def _fitted(self, hint: QSize, page_hint: Callable[[QWidget], QSize]) -> QSize:
        page = self.currentWidget()
        if page is None:
            return hint
        return QSize(hint.width(), self.tabBar().sizeHint().height() + page_hint(page).height())

    def sizeHint(self) -> QSize:
        return self._fitted(super().sizeHint(), QWidget.sizeHint)

    def minimumSizeHint(self) -> QSize:
        return self._fitted(super().minimumSizeHint(), QWidget.minimumSizeHint)

    def hasHeightForWidth(self) -> bool:
        return False  # QTabWidget's height for width is the tallest page's


class FaultPanel(QWidget):
    """Fault injection for one station (`set_station`); `statusMessage` carries each outcome for the status bar."""

    statusMessage = Signal(str)

    def __init__(self, lab: Lab, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self.station: Station | None = None
        self.outcome_ok: bool | None = None
        self.active_faults: list[tuple[str, str]] = []
        self._tasks = TaskSet("fault panel")

        self.pages = QStackedWidget()
        self.no_station = QLabel(_NO_STATION)
        self.no_station.setWordWrap(True)
        self.no_station.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_station.setMargin(24)
        self.content = QWidget()
        self.pages.addWidget(self.no_station)
        self.pages.addWidget(self.content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)

        self.title = QLabel()
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.side_station = QRadioButton("Station")
        self.side_csms = QRadioButton("Mock CSMS")
        self.side_station.setChecked(True)
        self._sides = QButtonGroup(self)
        self._sides.addButton(self.side_station)
        self._sides.addButton(self.side_csms)
        self._sides.buttonToggled.connect(lambda _b, _on: self.refresh())
        self.all_stations = QCheckBox("All stations")
        self.tabs = FittingTabs()
        self.tabs.setDocumentMode(True)
        self._tab_pages = [
            self._build_network(),
            self._build_callerror(),
            self._build_malformed(),
            self._build_station(),
        ]
        for page, title in zip(self._tab_pages, ("Network", "CALLERROR", "Malformed", "Station"), strict=True):
            self.tabs.addTab(page, title)
        self.tabs.currentChanged.connect(lambda _i: self.tabs.updateGeometry())
        self.tabs.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)  # room left: the list
        self.outcome = QLabel("Choose a fault and inject it.")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # The dock is short at 1280x720: what is in force and Clear all stay in the top row, the
        # list itself scrolls into view below the forms.
        self.active_count = QLabel()
        self.clear_button = QPushButton("Clear all")
        self.clear_button.setToolTip(
            "Clear every fault on this station's link, at both ends, and the CSMS's faults for all stations"
        )
        self.clear_button.clicked.connect(self.clear_all)
        header = _row(self.title)
        header.addWidget(self.active_count)
        header.addWidget(self.clear_button)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addLayout(_row(QLabel("Side"), self.side_station, self.side_csms, self.all_stations))
        layout.addWidget(self.tabs)
        layout.addWidget(self.outcome)
        layout.addWidget(self._build_active(), 1)

        self._wheel_guard = WheelGuard(self)
        for field in (*self.findChildren(QAbstractSpinBox), *self.findChildren(QComboBox)):
            field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not WheelFocus: the wheel scrolls past
            field.installEventFilter(self._wheel_guard)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.set_station(None)

    # --- building ------------------------------------------------------------------------
    def _build_network(self) -> QWidget:
        self.direction = QComboBox()
        self.direction.addItem("to the CSMS", Direction.TO_CSMS.value)
        self.direction.addItem("to the station", Direction.TO_STATION.value)
        self.direction.setToolTip("The frames the fault acts on, whichever side applies it")
        self.kind = QComboBox()
        self.kind.addItems(NETWORK_KINDS)
        self.kind.currentTextChanged.connect(lambda _t: self.refresh())
        self.pings = QCheckBox("stop answering pings")
        self.count = QSpinBox()
        self.count.setRange(0, _MAX_FRAMES)
        self.count.setValue(1)
        self.count.setPrefix("next ")
        self.count.setSuffix(" frame(s)")
        self.count.setSpecialValueText("until cleared")
        self.delay = _seconds_box(2.0)
        self.jitter = _seconds_box(0.0)
        self.plan = QCheckBox("Random plan (soak test)")
        self.plan.setToolTip("A seeded plan for every frame until cleared: the same seed makes the same decisions")
        self.plan.toggled.connect(lambda _on: self.refresh())
        self.loss = QDoubleSpinBox()
        self.loss.setRange(0.0, 100.0)
        self.loss.setDecimals(1)
        self.loss.setSuffix(" %")
        self.loss.setValue(10.0)
        self.loss.setToolTip("The share of frames lost")
        self.plan_delay = _seconds_box(0.0, decimals=2)
        self.plan_jitter = _seconds_box(0.0, decimals=2)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(1)
        self.inject_button = QPushButton("Inject")
        self.inject_button.clicked.connect(self.inject_network)

        form = _form()
        form.addRow("Fault", _row(self.kind, self.direction))
        form.addRow("Frames", _row(self.count, self.pings))
        form.addRow("Delay", _row(self.delay, QLabel("±"), self.jitter))
        form.addRow(self.plan)
        plan_rows = (
            _row(self.loss, QLabel("seed"), self.seed),
            _row(self.plan_delay, QLabel("±"), self.plan_jitter),
        )
        form.addRow("Loss", plan_rows[0])
        form.addRow("Plan delay", plan_rows[1])
        for row in plan_rows:  # only while the plan is chosen: the dock has little height to spare
            form.setRowVisible(row, False)
            self.plan.toggled.connect(lambda on, row=row: form.setRowVisible(row, on))
        return _page(form, self.inject_button)

    def _build_callerror(self) -> QWidget:
        self.error_action = QComboBox()
        self.error_action.setEditable(True)
        self.error_action.setToolTip("The CALL the chosen side answers with a CALLERROR instead of handling it")
        self.error_code = QComboBox()
        self.error_code.setToolTip("The RPC error codes of the station's OCPP version")
        self.error_description = QLineEdit()
        self.error_description.setPlaceholderText("optional")
        self.error_details = QLineEdit()
        self.error_details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.error_details.setPlaceholderText('{"reason": "test"}')
        self.error_details.setToolTip("The CALLERROR's details: a JSON object; empty for {}")
        self.error_details.textChanged.connect(self._check_details)
        self.details_problem = QLabel()
        self.details_problem.setWordWrap(True)
        self.details_problem.setStyleSheet(f"color: {palette.ERROR};")
        self.times_once = QRadioButton("once")
        self.times_n = QRadioButton("")
        self.times_always = QRadioButton("always")
        self.times_once.setChecked(True)
        self.times = QSpinBox()
        self.times.setRange(2, _MAX_FRAMES)
        self.times.setValue(3)
        self.times.setSuffix(" times")
        self.times_n.toggled.connect(self.times.setEnabled)
        self.times.setEnabled(False)
        self._times = QButtonGroup(self)
        for button in (self.times_once, self.times_n, self.times_always):
            self._times.addButton(button)
        self.callerror_button = QPushButton("Inject")
        self.callerror_button.clicked.connect(self.inject_callerror)

        form = _form()
        form.addRow("Action", self.error_action)
        form.addRow("Code", self.error_code)
        form.addRow("Description", self.error_description)
        form.addRow("Details", self.error_details)
        form.addRow("", self.details_problem)
        self._callerror_form = form
        form.setRowVisible(self.details_problem, False)
        form.addRow("Answer", _row(self.times_once, self.times_n, self.times, self.times_always))
        return _page(form, self.callerror_button)

    def _build_malformed(self) -> QWidget:
        self.form_kind = QComboBox()
        for kind in MALFORMED_KINDS:
            self.form_kind.addItem(kind.replace("_", " "), kind)
        self.form_kind.setToolTip("What is wrong with the frame the chosen side sends")
        self.form_action = QComboBox()
        self.form_action.setEditable(True)
        line = self.form_action.lineEdit()
        if line is not None:
            line.setPlaceholderText("the form's default")
        self.form_id = QLineEdit()
        self.form_id.setPlaceholderText("a fresh one")
        self.form_id.setToolTip("The MessageId; reused id needs one the link already carried")
        self.malformed_button = QPushButton("Send")
        self.malformed_button.clicked.connect(self.send_malformed)
        form = _form()
        form.addRow("Form", self.form_kind)
        form.addRow("Action", self.form_action)
        form.addRow("Message id", self.form_id)
        return _page(form, self.malformed_button)

    def _build_station(self) -> QWidget:
        self.power_off = _seconds_box(5.0)
        self.power_off.setMinimum(0.1)
        self.power_button = QPushButton("Cut power")
        self.power_button.clicked.connect(self.cut_power)
        self.restore_button = QPushButton("Restore now")
        self.restore_button.clicked.connect(self.restore_power)
        self.skew = _seconds_box(0.0, minimum=-_MAX_SECONDS, decimals=0)
        self.skew_button = QPushButton("Apply")
        self.skew_button.clicked.connect(self.apply_clock_skew)
        self.close_button = QPushButton("Close cleanly")
        self.close_button.clicked.connect(lambda: self.close_connection(abrupt=False))
        self.abort_button = QPushButton("Close abruptly")
        self.abort_button.clicked.connect(lambda: self.close_connection(abrupt=True))
        form = _form()
        form.addRow("Power loss", _row(self.power_off, self.power_button, self.restore_button))
        form.addRow("Clock skew", _row(self.skew, self.skew_button))
        form.addRow("Connection", _row(self.close_button, self.abort_button))
        return _page(form)

    def _build_active(self) -> QWidget:
        box = QGroupBox("Active faults")
        self.active_list = QListWidget()
        self.active_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.active_list.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 8)
        # As tall as its rows (above the minimum), so a short list does not make the dock scroll far.
        self.active_list.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(self.active_list, 1)
        return box

    # --- state ---------------------------------------------------------------------------
    @property
    def side(self) -> str:
        return "csms" if self.side_csms.isChecked() else "station"

    def set_station(self, station: Station | None) -> None:
        """Follow the window's selection: the panel acts on `station` (None: none selected)."""
        if station is not self.station:
            self.station = station
            if station is not None:
                version = station.version
                self.title.setText(f"<b>{station.id}</b> · OCPP {version.value}")
                actions = sorted(ACTIONS[version])
                refill(self.error_action, actions, "Heartbeat")
                refill(self.form_action, ["", *actions])
                refill(self.error_code, ERROR_CODES[version], "InternalError")
        self.refresh()

    def refresh(self) -> None:
        """Re-read the station: which controls apply, and the faults in force."""
        station = self.station
        if station is not None and self.lab.stations.get(station.id) is not station:
            station = self.station = None  # removed from the lab
        self.pages.setCurrentWidget(self.content if station is not None else self.no_station)
        if station is None:
            self.active_faults = []
            self.active_list.clear()
            return
        csms_why = self._why_no_csms(station)
        _enable(self.side_csms, csms_why, "The mock CSMS's end of this station's link")
        if csms_why is not None and self.side_csms.isChecked():
            self.side_station.setChecked(True)
        all_why = None if self.side == "csms" else WHY_ALL_CSMS
        _enable(self.all_stations, all_why, "Network and CALLERROR faults on every station's link, later ones too")
        if all_why is not None:
            self.all_stations.setChecked(False)
        self._enable_network()
        station_side = None if self.side == "station" else WHY_STATION_ONLY
        powered = station.power.on
        _enable(self.power_off, station_side, "How long the power stays off (simulated seconds)")
        _enable(self.power_button, station_side or (None if powered else "The power is off already"))
        _enable(self.restore_button, station_side or ("The station has power" if powered else None))
        _enable(self.skew, station_side, "How far the station's clock is off; negative: behind. 0 puts it back in step")
        _enable(self.skew_button, station_side)
        connected = None if station.connected else WHY_NOT_CONNECTED
        _enable(self.close_button, connected, "Close with a close frame (code 1000)")
        _enable(self.abort_button, connected, "Drop the TCP connection without a close frame")
        self._show_active(faults.active(self.lab, station.id))

    def _why_no_csms(self, station: Station) -> str | None:
        url = self.lab.csms_url
        if url is None:
            return WHY_NO_CSMS
        return None if station.url.rstrip("/") == url or station.url.startswith(f"{url}/") else WHY_EXTERNAL

    def _enable_network(self) -> None:
        plan = self.plan.isChecked()
        kind = self.kind.currentText()
        _enable(self.kind, WHY_PLAN if plan else None)
        _enable(self.count, WHY_PLAN if plan else None, "How many frames the fault takes; 0: every one until cleared")
        pings = None if kind == "silence" and not plan else "Only for silence"
        _enable(self.pings, pings, "Silence the WebSocket pings instead of the CALLs (until cleared or reconnected)")
        delay = None if kind == "delay" and not plan else "Only for delay"
        _enable(self.delay, delay, "How long each frame is held")
        _enable(self.jitter, delay, "Each delay varies by up to this much either way")

    def _show_active(self, active: list[tuple[str, str]]) -> None:
        self.clear_button.setEnabled(bool(active))
        self.active_count.setText(f"{len(active)} active" if active else "none active")
        if active == self.active_faults:
            return
        self.active_faults = active
        self.active_list.clear()
        for side, description in active:
            self.active_list.addItem(f"{side}: {description}")
            self.active_list.item(self.active_list.count() - 1).setToolTip(description)
        if not active:
            self.active_list.addItem("none")
            self.active_list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)

    def _check_details(self) -> bool:
        try:
            parse_details(self.error_details.text())
        except ValueError as exc:
            self.details_problem.setText(str(exc))
            self._callerror_form.setRowVisible(self.details_problem, True)
            return False
        self._callerror_form.setRowVisible(self.details_problem, False)
        return True

    # --- actions -------------------------------------------------------------------------
    def inject_network(self) -> None:
        """Inject the Network tab's fault (or its random plan)."""
        side, direction = self.side, self.direction.currentData()
        if self.plan.isChecked():
            rate, seed = self.loss.value() / 100, self.seed.value()
            hold, spread = self.plan_delay.value(), self.plan_jitter.value()
            # With a rate, the kind only names the plan's worst outcome: the plan decides per frame.
            self._inject(lambda: FaultSpec("drop", side, direction, rate=rate, seconds=hold, jitter=spread, seed=seed))
            return
        kind, count = self.kind.currentText(), self.count.value() or None
        delay = kind == "delay"
        seconds, jitter = (self.delay.value(), self.jitter.value()) if delay else (None, 0.0)
        pings = kind == "silence" and self.pings.isChecked()
        self._inject(lambda: FaultSpec(kind, side, direction, count=count, seconds=seconds, jitter=jitter, pings=pings))

    def inject_callerror(self) -> None:
        """The chosen side answers the next CALL(s) of the action with a CALLERROR."""
        try:
            details = parse_details(self.error_details.text())
        except ValueError as exc:
            self._check_details()
            self._show_outcome(f"Not injected: {exc}", ok=False)
            return
        times = 1 if self.times_once.isChecked() else self.times.value() if self.times_n.isChecked() else None
        action, code = self.error_action.currentText().strip(), self.error_code.currentText()
        description = self.error_description.text()
        self._inject(
            lambda: FaultSpec(
                "callerror", self.side, action=action, code=code, description=description, details=details, count=times
            )
        )

    def send_malformed(self) -> None:
        action = self.form_action.currentText().strip() or None
        unique_id = self.form_id.text().strip() or None
        form = self.form_kind.currentData()
        self._inject(lambda: FaultSpec("malformed", self.side, form=form, action=action, code=unique_id))

    def cut_power(self) -> None:
        self._inject(lambda: FaultSpec("power_loss", "station", seconds=self.power_off.value()))

    def apply_clock_skew(self) -> None:
        self._inject(lambda: FaultSpec("clock_skew", "station", seconds=self.skew.value()))

    def close_connection(self, *, abrupt: bool) -> None:
        self._inject(lambda: FaultSpec("close", self.side, abrupt=abrupt))

    def restore_power(self) -> None:
        station = self.station
        if station is not None:

            async def restore() -> str:
                await station.restore_power()
                return "power restored: the station boots again (PowerUp)"

            self._run(station, restore)

    def clear_all(self) -> None:
        station = self.station
        if station is None:
            return
        try:
            cleared = faults.clear(self.lab, station.id)
        except FaultError as exc:
            self._show_outcome(f"{station.id}: not cleared: {exc}", ok=False)
        else:
            self._show_outcome(f"{station.id}: {cleared} fault(s) cleared", ok=True)
        self.refresh()

    def _inject(self, spec: Callable[[], FaultSpec]) -> None:
        """Build the spec (its own checks may refuse it at once), then inject it on the loop."""
        station = self.station
        if station is None:
            return
        try:
            built = spec()
            if self.all_stations.isChecked() and built.kind in faults.ALL_STATIONS_KINDS:
                built = replace(built, all_stations=True)  # close and malformed act on this station only
        except FaultError as exc:
            self._show_outcome(f"Not injected: {exc}", ok=False)
            return
        self._run(station, lambda: faults.inject(self.lab, station.id, built))

    def _run(self, station: Station, work: Callable[[], Awaitable[str]]) -> None:
        spawn_soon(self._tasks, self._reported, station.id, work)

    async def _reported(self, station_id: str, work: Callable[[], Awaitable[str]]) -> None:
        try:
            outcome, ok = await work(), True
        except FaultError as exc:
            outcome, ok = f"not done: {exc}", False
        except Exception as exc:  # shown to the user and logged, not lost
            log.warning("a fault on %s failed: %s", station_id, exc, exc_info=exc)
            outcome, ok = f"failed: {type(exc).__name__}: {exc}", False
        if shiboken6.isValid(self):  # the window may have closed meanwhile
            self._show_outcome(f"{station_id}: {outcome}", ok=ok)
            self.refresh()

    def _show_outcome(self, text: str, ok: bool) -> None:
        self.outcome.setStyleSheet(f"color: {palette.SUCCESS if ok else palette.ERROR};")
        self.outcome.setText(text)
        self.outcome_ok = ok
        self.statusMessage.emit(f"Faults: {text}")

    async def close_tasks(self) -> None:
        """Cancel injections still running, and wait until they have ended."""
        await self._tasks.close()

    # --- visibility ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)
