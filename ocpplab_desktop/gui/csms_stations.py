"""The CSMS console's table of stations: what the embedded mock CSMS knows of each, one row per station.

An explicit Qt adapter over the CSMS's station states; the words of its cells are
`csms.console_text.station_row`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Any

from ocpp.v16.enums import RegistrationStatus
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ocpplab_desktop.csms.console_text import NONE, StationRow, station_row
from ocpplab_desktop.csms.state import StationState
from ocpplab_desktop.gui import palette


class Column(IntEnum):
    STATION = 0
    VERSION = 1
    CONNECTED = 2
    REGISTRATION = 3
    HEARTBEAT = 4
    CONNECTORS = 5
    TRANSACTIONS = 6


HEADERS = ("Station", "OCPP", "Connected", "Registration", "Last heartbeat", "Connectors", "Transactions")


_REGISTRATION_COLOURS = {
    RegistrationStatus.accepted: palette.SUCCESS,
    RegistrationStatus.pending: palette.WARNING,
    RegistrationStatus.rejected: palette.ERROR,
}


class CsmsStationModel(QAbstractTableModel):
    """The stations the CSMS knows, one row each, sorted by id; `update` re-reads them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[StationRow] = []

    def update(self, states: Iterable[StationState]) -> None:
        """Show `states`; a new or gone station resets the model, a changed one emits dataChanged."""
        rows = sorted((station_row(s) for s in states), key=lambda r: r.station_id)
        if [r.station_id for r in rows] != [r.station_id for r in self._rows]:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
            return
        old, self._rows = self._rows, rows
        for number, (before, after) in enumerate(zip(old, rows, strict=True)):
            if before != after:
                self.dataChanged.emit(self.index(number, 0), self.index(number, len(Column) - 1))

    def row(self, number: int) -> StationRow:
        return self._rows[number]

    def row_of(self, station_id: str) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r.station_id == station_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.CONNECTORS:
            return row.connector_details or None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(row, column)
        return None

    @staticmethod
    def _text(row: StationRow, column: Column) -> str:
        if column is Column.STATION:
            return row.station_id
        if column is Column.VERSION:
            return row.version.value
        if column is Column.CONNECTED:
            return "yes" if row.connected else "no"
        if column is Column.REGISTRATION:
            return row.registration or NONE
        if column is Column.HEARTBEAT:
            return row.last_heartbeat
        if column is Column.CONNECTORS:
            return row.connectors
        return row.transactions

    @staticmethod
    def _colour(row: StationRow, column: Column) -> QColor | None:
        if not row.connected:
            return QColor(palette.UNKNOWN_STATE)  # what the CSMS last heard, not what is true now
        if column is Column.CONNECTED:
            return QColor(palette.SUCCESS)
        if column is Column.REGISTRATION and row.registration in _REGISTRATION_COLOURS:
            return QColor(_REGISTRATION_COLOURS[RegistrationStatus(row.registration)])
        return None
