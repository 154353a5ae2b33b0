"""The console's charging-profile editor for SetChargingProfile, and the plot of a schedule.

A profile is easier to read as a table of periods and a line over time than as JSON: the
editor has the profile's fields, its periods in a table (start, limit, phases; rows added and
removed), and a preview of the schedule that follows every edit. `SchedulePlot` also draws
the schedule of a GetCompositeSchedule answer in the console's answer box.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyqtgraph as pg
from ocpp.v16.enums import ChargingProfileKindType, ChargingProfilePurposeType, RecurrencyKind
from ocpp.v201.enums import ChargingProfilePurposeEnumType
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.csms.state import StationState
from ocpplab_desktop.gui.console_forms import CommandForm, InputProblem, refill
from ocpplab_desktop.gui.schema_form import DateTimeEditor
from ocpplab_desktop.model.config import OcppVersion

PREVIEW_TAIL_S = 3600
"""A schedule without a duration is drawn this far past its last period's start."""
PURPOSES = {
    OcppVersion.V16: [p.value for p in ChargingProfilePurposeType],
    OcppVersion.V201: [p.value for p in ChargingProfilePurposeEnumType],
}
# The wire names that differ between the versions' ChargingProfileType (1.6 section 7.8, 2.0.1 part 2 2.10).
PROFILE_ID = {OcppVersion.V16: "chargingProfileId", OcppVersion.V201: "id"}
PERIOD_COLUMNS = ("Start (s)", "Limit", "Phases")


def schedule_steps(periods: list[tuple[float, float]], duration_s: float | None) -> tuple[list[float], list[float]]:
    """A step line of (start, limit) periods: each limit holds until the next start, the last until
    `duration_s` (or PREVIEW_TAIL_S past its start)."""
    ordered = sorted(periods)
    if not ordered:
        return [], []
    end = duration_s if duration_s else ordered[-1][0] + PREVIEW_TAIL_S
    xs: list[float] = []
    ys: list[float] = []
    for (start, limit), following in zip(ordered, [*ordered[1:], (end, 0.0)], strict=True):
        xs += [start, following[0]]
        ys += [limit, limit]
    return xs, ys


def composite_steps(answer: dict[str, Any]) -> tuple[list[float], list[float], str] | None:
    """The step line and unit of a GetCompositeSchedule answer's schedule (1.6 chargingSchedule, 2.0.1
    schedule); None when the answer carries none (Rejected)."""
    schedule = answer.get("chargingSchedule") or answer.get("schedule")
    if not isinstance(schedule, dict):
        return None
    periods = [(float(p["startPeriod"]), float(p["limit"])) for p in schedule.get("chargingSchedulePeriod", [])]
    xs, ys = schedule_steps(periods, schedule.get("duration"))
    return xs, ys, str(schedule.get("chargingRateUnit", ""))


class SchedulePlot(pg.PlotWidget):
    """A schedule's limit over time (seconds from its start)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(120)
        self.setLabel("bottom", "seconds from the schedule's start")
        self.setMouseEnabled(x=True, y=False)
        self.line = self.plot([], [], pen=pg.mkPen("#f28c28", width=2))

    def show_steps(self, xs: list[float], ys: list[float], unit: str) -> None:
        self.line.setData(xs, ys)
        self.setLabel("left", f"limit ({unit})" if unit else "limit")
        if xs:
            self.setYRange(0, max(ys) * 1.1 or 1)
            self.setXRange(xs[0], xs[-1])

    def steps(self) -> tuple[list[float], list[float]]:
        """The (x, y) drawn; for tests."""
        x, y = self.line.getData()
        return ([] if x is None else list(x), [] if y is None else list(y))


class _Optional:
    """An optional field: a tick box that enables its editor."""

    def __init__(self, form: ProfileEditor, label: str, editor: QWidget) -> None:
        self.tick = QCheckBox(label)
        self.editor = editor
        self.tick.toggled.connect(editor.setEnabled)
        self.tick.toggled.connect(form.update_preview)
        editor.setEnabled(False)
        form.rows.addRow(self.tick, editor)

    @property
    def on(self) -> bool:
        return self.tick.isChecked()


class ProfileEditor(CommandForm):
    """SetChargingProfile as a profile's fields, a table of periods and a preview of the schedule."""

    def __init__(self) -> None:
        super().__init__("set_charging_profile")
        self.version = OcppVersion.V16
        self.place_label = QLabel("Connector id")
        self.place = QSpinBox()
        self.place.setRange(0, 99)
        self.place.setSpecialValueText("whole station")
        self.place.setValue(1)
        self.rows.addRow(self.place_label, self.place)
        self.profile_id = self._spin(1, 1)
        self.rows.addRow("Profile id", self.profile_id)
        self.stack_level = self._spin(0, 0)
        self.rows.addRow("Stack level", self.stack_level)
        self.purpose = QComboBox()
        self.rows.addRow("Purpose", self.purpose)
        self.kind = QComboBox()
        self.kind.addItems([k.value for k in ChargingProfileKindType])
        self.kind.setCurrentText(ChargingProfileKindType.relative.value)
        self.rows.addRow("Kind", self.kind)
        self.recurrency = QComboBox()
        self.recurrency.addItems([r.value for r in RecurrencyKind])
        self.rows.addRow("Recurrency", self.recurrency)
        self.unit = QComboBox()
        self.unit.addItems(["A", "W"])
        self.rows.addRow("Unit", self.unit)
        self.duration = _Optional(self, "Duration", self._spin(3600, 1, suffix=" s"))
        self.start_schedule = _Optional(self, "Start schedule", DateTimeEditor("startSchedule").widget)
        self.valid_from = _Optional(self, "Valid from", DateTimeEditor("validFrom").widget)
        self.valid_to = _Optional(self, "Valid to", DateTimeEditor("validTo").widget)
        self.transaction = _Optional(self, "Transaction id", QComboBox())
        transaction_box = self.transaction.editor
        assert isinstance(transaction_box, QComboBox)
        transaction_box.setEditable(True)
        self.transaction_box = transaction_box

        self.periods = QTableWidget(0, len(PERIOD_COLUMNS))
        self.periods.setHorizontalHeaderLabels(PERIOD_COLUMNS)
        self.periods.verticalHeader().hide()
        self.periods.setMinimumHeight(110)
        self.periods.itemChanged.connect(self.update_preview)
        self.add_row_button = QPushButton("Add period")
        self.add_row_button.clicked.connect(self._add_next_period)
        self.remove_row_button = QPushButton("Remove period")
        self.remove_row_button.clicked.connect(self.remove_period)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_row_button)
        buttons.addWidget(self.remove_row_button)
        buttons.addStretch(1)
        table = QWidget()
        column = QVBoxLayout(table)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.periods)
        column.addLayout(buttons)
        self.rows.addRow("Periods", table)
        self.preview = SchedulePlot()
        self.rows.addRow("Preview", self.preview)
        for combo in (self.kind, self.unit):
            combo.currentTextChanged.connect(self.update_preview)
        self.kind.currentTextChanged.connect(self._kind_changed)
        self.add_period(0, 16.0)
        self._kind_changed()

    @staticmethod
    def _spin(value: int, minimum: int, suffix: str = "") -> QSpinBox:
        box = QSpinBox()
        box.setRange(minimum, 2**31 - 1)
        box.setValue(value)
        box.setSuffix(suffix)
        return box

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        self.version = state.version
        self.place_label.setText(self.traits.place_label)
        refill(self.purpose, PURPOSES[state.version], ChargingProfilePurposeType.tx_default_profile.value)
        ids = [str(t.id) for t in state.active_transactions()]
        if [self.transaction_box.itemText(i) for i in range(self.transaction_box.count())] != ids:
            self.transaction_box.clear()
            self.transaction_box.addItems(ids)

    def _kind_changed(self) -> None:
        self.recurrency.setEnabled(self.kind.currentText() == ChargingProfileKindType.recurring.value)

    # --- periods ------------------------------------------------------------------------------
    def add_period(self, start_s: int | None = None, limit: float | None = None, phases: int | None = None) -> None:
        """A row after the last one (by default an hour later, with the same limit)."""
        count = self.periods.rowCount()
        if start_s is None:
            start_s = int(self._cell(count - 1, 0) or 0) + 3600 if count else 0
        if limit is None:
            limit = float(self._cell(count - 1, 1) or 16) if count else 16.0
        self.periods.blockSignals(True)
        self.periods.insertRow(count)
        for column, value in enumerate((start_s, limit, phases)):
            self.periods.setItem(count, column, QTableWidgetItem("" if value is None else f"{value:g}"))
        self.periods.blockSignals(False)
        self.update_preview()

    def _add_next_period(self) -> None:
        self.add_period()

    def remove_period(self) -> None:
        """Remove the selected row, else the last."""
        row = self.periods.currentRow() if self.periods.currentRow() >= 0 else self.periods.rowCount() - 1
        if row >= 0:
            self.periods.removeRow(row)
        self.update_preview()

    def set_periods(self, periods: list[tuple[int, float, int | None]]) -> None:
        self.periods.setRowCount(0)
        for start, limit, phases in periods:
            self.add_period(start, limit, phases)

    def _cell(self, row: int, column: int) -> str:
        item = self.periods.item(row, column)
        return "" if item is None else item.text().strip()

    def period_list(self) -> list[dict[str, Any]]:
        """The table as chargingSchedulePeriod entries; InputProblem names a bad cell."""
        periods = []
        for row in range(self.periods.rowCount()):
            try:
                period: dict[str, Any] = {"startPeriod": int(self._cell(row, 0)), "limit": float(self._cell(row, 1))}
                if self._cell(row, 2):
                    period["numberPhases"] = int(self._cell(row, 2))
            except ValueError:
                raise InputProblem(
                    f"period {row + 1}: the start is whole seconds, the limit a number, the phases 1 to 3"
                ) from None
            periods.append(period)
        if not periods:
            raise InputProblem("add at least one period")
        return periods

    def update_preview(self) -> None:
        try:
            periods = [(float(p["startPeriod"]), float(p["limit"])) for p in self.period_list()]
        except InputProblem:
            periods = []
        duration = self.duration.editor.value() if self.duration.on else None  # type: ignore[attr-defined]
        xs, ys = schedule_steps(periods, duration)
        self.preview.show_steps(xs, ys, self.unit.currentText())

    # --- the profile --------------------------------------------------------------------------
    def profile(self) -> dict[str, Any]:
        """The profile in the station version's wire form (1.6 csChargingProfiles, 2.0.1 chargingProfile)."""
        schedule: dict[str, Any] = {"chargingRateUnit": self.unit.currentText(), "chargingSchedulePeriod": []}
        schedule["chargingSchedulePeriod"] = self.period_list()
        if self.duration.on:
            schedule["duration"] = self.duration.editor.value()  # type: ignore[attr-defined]
        if self.start_schedule.on:
            schedule["startSchedule"] = _utc(self.start_schedule.editor)
        profile: dict[str, Any] = {
            PROFILE_ID[self.version]: self.profile_id.value(),
            "stackLevel": self.stack_level.value(),
            "chargingProfilePurpose": self.purpose.currentText(),
            "chargingProfileKind": self.kind.currentText(),
        }
        if self.kind.currentText() == ChargingProfileKindType.recurring.value:
            profile["recurrencyKind"] = self.recurrency.currentText()
        for key, optional in (("validFrom", self.valid_from), ("validTo", self.valid_to)):
            if optional.on:
                profile[key] = _utc(optional.editor)
        if self.transaction.on:
            text = self.transaction_box.currentText().strip()
            if self.traits.integer_transaction_ids and not text.lstrip("-").isdigit():
                raise InputProblem(f"OCPP {self.version.value} transaction ids are integers, not {text!r}")
            profile["transactionId"] = int(text) if self.traits.integer_transaction_ids else text
        if self.version is OcppVersion.V201:
            profile["chargingSchedule"] = [{"id": self.profile_id.value(), **schedule}]
        else:
            profile["chargingSchedule"] = schedule
        return profile

    def arguments(self) -> dict[str, Any]:
        return {"profile": self.profile(), self.traits.place_argument: self.place.value() or None}


def _utc(widget: QWidget) -> str:
    stamp = widget.dateTime().toSecsSinceEpoch()  # type: ignore[attr-defined]
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
