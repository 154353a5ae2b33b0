"""The message log as a Qt table model over a `Logbook` of `Frame` records.

Built for a live feed of thousands of frames per second (GUIDE "Measured on this machine"):
frames arrive in batches and each batch is one `beginInsertRows`; the filter lives inside the
model as a list of visible row positions (no QSortFilterProxyModel, which re-walks every
column of every row); display strings are made only for rows a view asks for, and the
in-memory log is capped, the store keeping the rest. What is held, what a filter passes and
which frame answers which are the `protocol.logbook.Logbook`'s to say; this model keeps the
visible rows and turns them into what Qt asks for.

On `None`: PySide6 6.12.0 on CPython < 3.12 drops a reference to `None` each time a Python
`data()` returns it, until the interpreter aborts. Qt 6 delegates paint a cell through one
`multiData()` call, which this model overrides to fill only the roles it has a value for:
painting never hands `None` to Qt, and it makes one Python call per cell instead of seven
(a repaint of the shown rows measured 7.8 ms against 9.2 ms). `data()`, left to role-by-role
callers (tooltips, model testers), and `headerData()`, asked per column rather than per row,
still return `None` for roles that mean "nothing" here, as Qt requires (an empty string
would, for one, give every cell a check box).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from enum import IntEnum
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase

from ocpplab_desktop.gui import formatting
from ocpplab_desktop.protocol.frame import Frame, MessageType
from ocpplab_desktop.protocol.logbook import Logbook, LogFilter, is_error

ModelIndex = QModelIndex | QPersistentModelIndex

FrameRole = int(Qt.ItemDataRole.UserRole) + 1
"""Custom role: the row's `Frame`."""

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROLES = frozenset({_DISPLAY, _ALIGNMENT, _BACKGROUND, _FONT, _TOOLTIP, FrameRole})
"""Roles `_value` may have a value for; multiData skips the rest (check state, decoration...)."""

DEFAULT_CAPACITY = 200_000
_DISPLAY_CACHE_ROWS = 4096


class Column(IntEnum):
    TIME = 0
    STATION = 1
    SIDE = 2
    DIR = 3
    TYPE = 4
    ACTION = 5
    UNIQUE_ID = 6
    SUMMARY = 7
    RTT = 8


HEADERS = {
    Column.TIME: ("Time", "Wall-clock time the frame crossed the tap (local time)"),
    Column.STATION: ("Station", "Charging station identity"),
    Column.SIDE: ("Side", "Which endpoint recorded the frame: the station's tap or the mock CSMS's"),
    Column.DIR: ("Dir", "→ sent to the CSMS, ← sent to the station"),
    Column.TYPE: ("Type", "OCPP-J message type: CALL, RESULT (CALLRESULT), ERROR (CALLERROR) or INVALID"),
    Column.ACTION: ("Action", "The action of the CALL, or of the CALL a response answers"),
    Column.UNIQUE_ID: ("Unique id", "The message id that pairs a CALL with its response"),
    Column.SUMMARY: ("Summary", "Telling payload fields; error code and description; why a frame is invalid"),
    Column.RTT: ("RTT (ms)", "For a response: time since its CALL crossed the same tap"),
}

# Plain ints and precomputed flags: the paint path asks for these many times per cell.
_COLUMN_COUNT = len(Column)
_RTT_COLUMN = int(Column.RTT)
_TYPE_COLUMN = int(Column.TYPE)
_MONO_COLUMNS = frozenset({int(Column.UNIQUE_ID), int(Column.SUMMARY)})
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
# Translucent, so the tint blends with whatever base colour the palette has: pink on a light
# theme, dark red on a dark one. A fixed text colour would fight one of the two.
_ERROR_TINT = QBrush(QColor(230, 40, 40, 60))
_INVALID_TINT = QBrush(QColor(230, 40, 40, 110))


class FrameLogModel(QAbstractTableModel):
    """Frames in arrival order, filtered, capped at `capacity` (oldest dropped first)."""

    counts_changed = Signal(int, int)
    """(visible rows, frames held) after every append, drop, filter change and clear."""
    stations_added = Signal(list)
    """Station ids seen for the first time, sorted."""
    actions_added = Signal(list)
    """Actions seen for the first time, sorted."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._book = Logbook(capacity)
        # Absolute indices (see Logbook) of the frames shown, ascending.
        self._visible: list[int] = []
        self._filter = LogFilter()
        self._display_cache: dict[int, tuple[str, ...]] = {}
        self._mono_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._bold_font = QFont()
        self._bold_font.setBold(True)

    # -- feeding -------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        return self._book.capacity

    @property
    def total_count(self) -> int:
        """Frames held in memory, shown or not."""
        return len(self._book)

    @property
    def log_filter(self) -> LogFilter:
        return self._filter

    @property
    def stations(self) -> list[str]:
        return self._book.stations

    @property
    def actions(self) -> list[str]:
        return self._book.actions

    def append_frames(self, frames: Sequence[Frame]) -> None:
        """Add a batch: at most one row removal (the cap) and one row insertion, whatever its size."""
        if not frames:
            return
        book = self._book
        self._drop_oldest(book.overflow(len(frames)))
        start = book.end
        # Held without their parsed messages (see Frame.held): rows parse again what they show.
        stations, actions = book.extend([frame.held() for frame in frames])
        if stations:
            self.stations_added.emit(stations)
        if actions:
            self.actions_added.emit(actions)
        new_rows = book.matching(self._filter, start)
        if new_rows:
            first = len(self._visible)
            self.beginInsertRows(QModelIndex(), first, first + len(new_rows) - 1)
            self._visible.extend(new_rows)
            self.endInsertRows()
        self._emit_counts()

    def clear(self) -> None:
        """Forget every frame held (the store keeps them); the filter and known stations stay."""
        self.beginResetModel()
        self._book.clear()
        self._visible.clear()
        self._display_cache.clear()
        self.endResetModel()
        self._emit_counts()

    def set_filter(self, log_filter: LogFilter) -> None:
        """Apply a filter to every frame held and to those still to come (one model reset)."""
        if log_filter == self._filter:
            return
        self.beginResetModel()
        self._filter = log_filter
        self._visible = self._book.matching(log_filter)
        self.endResetModel()
        self._emit_counts()

    def _drop_oldest(self, count: int) -> None:
        if count <= 0:
            return
        hidden = bisect.bisect_left(self._visible, self._book.start + count)
        if hidden:
            self.beginRemoveRows(QModelIndex(), 0, hidden - 1)
            del self._visible[:hidden]
        self._book.drop_oldest(count)
        if hidden:
            self.endRemoveRows()

    def _emit_counts(self) -> None:
        self.counts_changed.emit(len(self._visible), len(self._book))

    # -- rows and partners ----------------------------------------------------------------

    def frame_at(self, row: int) -> Frame:
        """The frame shown in `row` (IndexError outside 0..rowCount()-1)."""
        if not 0 <= row < len(self._visible):
            raise IndexError(f"log row {row} does not exist; the log shows {len(self._visible)} rows")
        return self._book.frame(self._visible[row]).parsed()

    def absolute_index(self, row: int) -> int:
        """A key for the frame in `row` that survives filter changes and the cap (see `row_of`)."""
        return self._visible[row]

    def row_of(self, absolute: int) -> int | None:
        """The row now showing the frame with this `absolute_index`, or None if filtered out or dropped."""
        row = bisect.bisect_left(self._visible, absolute)
        if row < len(self._visible) and self._visible[row] == absolute:
            return row
        return None

    def partner_frame(self, row: int) -> Frame | None:
        """The request a response answers, or the response to a request, shown or not."""
        absolute = self._book.partner(self._visible[row])
        return None if absolute is None else self._book.frame(absolute).parsed()

    def find_partner(self, row: int) -> int | None:
        """The row of the partner frame (see `partner_frame`), or None if absent or filtered out."""
        absolute = self._book.partner(self._visible[row])
        return None if absolute is None else self.row_of(absolute)

    # -- Qt model interface ---------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else _COLUMN_COUNT

    def data(self, index: ModelIndex, role: int = _DISPLAY) -> Any:
        if not self._valid(index):
            return None
        absolute = self._visible[index.row()]
        return self._value(absolute, self._book.frame(absolute), index.column(), role)

    def multiData(self, index: ModelIndex, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """All roles of one cell in one call: how Qt 6 item delegates ask while painting."""
        if not self._valid(index):
            return
        absolute = self._visible[index.row()]
        frame = self._book.frame(absolute)
        column = index.column()
        # A span is a sequence at run time, though the type stubs do not say so.
        items = (
            [roleDataSpan] if isinstance(roleDataSpan, QModelRoleData) else cast(Sequence[QModelRoleData], roleDataSpan)
        )
        for i in range(len(items)):
            role_data = items[i]
            role = role_data.role()
            if role in _ROLES:
                value = self._value(absolute, frame, column, role)
                if value is not None:
                    role_data.setData(value)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation is Qt.Orientation.Horizontal and 0 <= section < _COLUMN_COUNT:
            if role == _DISPLAY:
                return HEADERS[Column(section)][0]
            if role == _TOOLTIP:
                return HEADERS[Column(section)][1]
            if role == _ALIGNMENT:
                return _RIGHT if section == _RTT_COLUMN else _LEFT
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        return _ROW_FLAGS if self._valid(index) else _NO_FLAGS

    def _valid(self, index: ModelIndex) -> bool:
        """An index of this table (a valid one has no parent and non-negative row and column)."""
        return index.isValid() and index.row() < len(self._visible) and index.column() < _COLUMN_COUNT

    def _value(self, absolute: int, frame: Frame, column: int, role: int) -> Any:
        """The one place that decides what a cell shows for a role; None means "no value"."""
        if role == _DISPLAY:
            return self._texts(absolute, frame)[column]
        if role == _ALIGNMENT:
            return _RIGHT if column == _RTT_COLUMN else _LEFT
        if role == _BACKGROUND:
            if frame.message_type is MessageType.INVALID:
                return _INVALID_TINT
            return _ERROR_TINT if is_error(frame) else None
        if role == _FONT:
            if column in _MONO_COLUMNS:
                return self._mono_font
            return self._bold_font if column == _TYPE_COLUMN and is_error(frame) else None
        if role == _TOOLTIP:
            return self._tooltip(frame.parsed())
        if role == FrameRole:
            return frame.parsed()
        return None

    def _texts(self, absolute: int, frame: Frame) -> tuple[str, ...]:
        """All display strings of one row, made on first paint and kept for the next few thousand rows."""
        texts = self._display_cache.get(absolute)
        if texts is None:
            if len(self._display_cache) >= _DISPLAY_CACHE_ROWS:
                self._display_cache.clear()
            texts = (
                formatting.format_clock(frame.wall_time),
                frame.station_id,
                frame.side.value,
                formatting.ARROWS[frame.direction],
                formatting.TYPE_LABELS[frame.message_type],
                frame.action or "",
                frame.unique_id or "",
                formatting.frame_summary(frame.parsed()),
                formatting.format_rtt(frame.rtt_ms),
            )
            self._display_cache[absolute] = texts
        return texts

    @staticmethod
    def _tooltip(frame: Frame) -> str:
        lines = [formatting.frame_heading(frame), formatting.frame_summary(frame, limit=600)]
        if frame.error and frame.message_type is not MessageType.INVALID:
            lines.append(f"Validation error: {frame.error}")
        if frame.note:
            lines.append(f"Note: {frame.note}")
        return "\n".join(lines)
