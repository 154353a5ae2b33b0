"""The pieces of the compare window: the aligned frames as a Qt model, and a frame's JSON pane.

A position where the runs differ carries a translucent tint (it blends with a light palette and
a dark one), a mark in the first column and an icon beside its verdict; a frame's pane lights
the lines of the paths that differ.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit, QStyle, QTextEdit, QVBoxLayout, QWidget

from ocpplab_desktop.gui.formatting import DIRECTION_NAMES, TYPE_LABELS, frame_heading, frame_metadata
from ocpplab_desktop.protocol.frame import Frame, MessageType
from ocpplab_desktop.replay.diff import Difference, DiffReport, FrameRef, Kind, difference_line

COLUMNS = ("", "Recorded", "New", "Station", "Tap", "Direction", "Action", "Type", "Verdict")
MARK, SEQ_A, SEQ_B, STATION, TAP, DIRECTION, ACTION, TYPE, VERDICT = range(len(COLUMNS))

# Translucent tints, like the log's error rows: they blend with a light palette and a dark one.
TINTS = {
    Kind.CHANGED: QColor(235, 160, 0, 80),
    Kind.ERROR_CODE: QColor(235, 160, 0, 80),
    Kind.MISSING: QColor(230, 40, 40, 80),
    Kind.EXTRA: QColor(40, 120, 230, 80),
}
MARKS = {Kind.CHANGED: "≠", Kind.ERROR_CODE: "≠", Kind.MISSING: "✕", Kind.EXTRA: "+"}
VERDICTS = {
    Kind.CHANGED: "differs",
    Kind.ERROR_CODE: "differs",
    Kind.MISSING: "missing in the new run",
    Kind.EXTRA: "only in the new run",
}
_ICONS = {
    Kind.CHANGED: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Kind.ERROR_CODE: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Kind.MISSING: QStyle.StandardPixmap.SP_DialogCancelButton,
    Kind.EXTRA: QStyle.StandardPixmap.SP_FileDialogNewFolder,
}
LIT_LINE = QColor(235, 160, 0, 110)


def verdict(differences: Sequence[Difference]) -> Kind | None:
    """What a position's differences amount to: None where the runs agree."""
    kinds = {d.kind for d in differences}
    for kind in (Kind.MISSING, Kind.EXTRA, Kind.ERROR_CODE, Kind.CHANGED):
        if kind in kinds:
            return kind
    return None


def pretty_lines(value: Any, root: str = "payload") -> tuple[str, dict[str, int]]:
    """`value` as indented JSON (as `json.dumps(indent=2)`), and the line each path starts on."""
    lines: list[str] = []
    where: dict[str, int] = {}

    def emit(item: Any, path: str, prefix: str, depth: int, comma: str) -> None:
        pad = "  " * depth
        where[path] = len(lines)
        if isinstance(item, dict) and item:
            lines.append(f"{pad}{prefix}{{")
            for i, (key, child) in enumerate(item.items()):
                name = json.dumps(key, ensure_ascii=False)
                emit(child, f"{path}.{key}", f"{name}: ", depth + 1, "," if i < len(item) - 1 else "")
            lines.append(f"{pad}}}{comma}")
        elif isinstance(item, list) and item:
            lines.append(f"{pad}{prefix}[")
            for i, child in enumerate(item):
                emit(child, f"{path}[{i}]", "", depth + 1, "," if i < len(item) - 1 else "")
            lines.append(f"{pad}]{comma}")
        else:
            lines.append(f"{pad}{prefix}{json.dumps(item, ensure_ascii=False, default=str)}{comma}")

    emit(value, root, "", 0, "")
    return "\n".join(lines), where


@dataclass(frozen=True)
class Row:
    ref: FrameRef
    differences: tuple[Difference, ...]
    kind: Kind | None


class AlignedModel(QAbstractTableModel):
    """The aligned positions of a `DiffReport`, filtered inside the model (only differences, or all)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []
        self._visible: list[int] = []
        self._only_differences = False
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._bold = QFont()
        self._bold.setBold(True)

    def set_report(self, report: DiffReport) -> None:
        self.beginResetModel()
        found = report.by_frame()
        self.rows = [Row(ref, tuple(found[ref]), verdict(found[ref])) for ref in report.frames]
        self._refilter()
        self.endResetModel()

    def set_only_differences(self, on: bool) -> None:
        self.beginResetModel()
        self._only_differences = on
        self._refilter()
        self.endResetModel()

    def _refilter(self) -> None:
        show_all = not self._only_differences
        self._visible = [i for i, row in enumerate(self.rows) if show_all or row.kind is not None]

    def row_at(self, visible_row: int) -> Row:
        return self.rows[self._visible[visible_row]]

    def visible_row_of(self, ref: FrameRef) -> int | None:
        for visible, index in enumerate(self._visible):
            if self.rows[index].ref == ref:
                return visible
        return None

    def differing_rows(self) -> list[int]:
        """The visible rows that differ, in order."""
        return [visible for visible, index in enumerate(self._visible) if self.rows[index].kind is not None]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.BackgroundRole and row.kind is not None:
            return QBrush(TINTS[row.kind])
        if role == Qt.ItemDataRole.DecorationRole and column == VERDICT and row.kind is not None:
            return QApplication.style().standardIcon(_ICONS[row.kind])
        if role == Qt.ItemDataRole.FontRole:
            if column == MARK or (column == VERDICT and row.kind is not None):
                return self._bold
            if column in (SEQ_A, SEQ_B):
                return self._mono
        if role == Qt.ItemDataRole.ToolTipRole and row.differences:
            return "\n".join(_difference_text(d) for d in row.differences)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (MARK, SEQ_A, SEQ_B):
            return Qt.AlignmentFlag.AlignCenter if column == MARK else Qt.AlignmentFlag.AlignRight
        return None

    @staticmethod
    def _text(row: Row, column: int) -> str:
        ref = row.ref
        if column == MARK:
            return "" if row.kind is None else MARKS[row.kind]
        if column in (SEQ_A, SEQ_B):
            seq = ref.seq_a if column == SEQ_A else ref.seq_b
            return "—" if seq is None else str(seq)
        if column == VERDICT:
            if row.kind is None:
                return "same"
            count = len(row.differences)
            return VERDICTS[row.kind] if row.kind in (Kind.MISSING, Kind.EXTRA) else f"differs ({count})"
        return {
            STATION: ref.station_id,
            TAP: ref.side.value,
            DIRECTION: DIRECTION_NAMES[ref.direction],
            ACTION: ref.action or "",
            TYPE: f"{TYPE_LABELS[ref.message_type]} #{ref.occurrence}",
        }[column]


def _difference_text(difference: Difference) -> str:
    return difference_line(difference).strip()


def _shown(frame: Frame) -> tuple[str, dict[str, int]]:
    """What the JSON pane shows of a frame: the payload a CALL or CALLRESULT, the whole error of a CALLERROR."""
    if frame.message_type is MessageType.INVALID or frame.message is None:
        return frame.raw, {}
    if frame.message_type is MessageType.CALLERROR:
        msg = frame.message
        error = {
            "errorCode": frame.error_code,
            "errorDescription": msg[3] if len(msg) > 3 else "",
            "errorDetails": frame.payload,
        }
        return pretty_lines(error, "")
    return pretty_lines(frame.payload)


def _line_of(path: str, where: dict[str, int], root: str) -> int | None:
    """The line of `path`, or of its nearest ancestor shown; None for the whole frame."""
    while path and path != root:
        if path in where:
            return where[path]
        path = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", path)
    return None


class FramePane(QWidget):
    """One run's frame at the selected position, pretty-printed, the differing lines lit."""

    def __init__(self, run: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.heading = QLabel(self)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.text, 1)
        self.show_frame(None, ())

    def show_frame(self, frame: Frame | None, paths: Sequence[str]) -> None:
        if frame is None:
            self.heading.setText(f"<b>{self.run.capitalize()}</b>: —")
            self.heading.setToolTip("")
            self.text.setPlainText("")
            self.text.setPlaceholderText(f"no such frame in the {self.run} run")
            return
        self.heading.setText(f"<b>{self.run.capitalize()}</b>: {frame_heading(frame)} · seq {frame.seq}")
        self.heading.setToolTip(frame_metadata(frame))
        body, where = _shown(frame)
        self.text.setPlainText(body)
        root = "payload" if "payload" in where else ""
        lines = sorted({line for path in paths if (line := _line_of(path, where, root)) is not None})
        selections = []
        for line in lines:
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(LIT_LINE)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cursor = QTextCursor(self.text.document().findBlockByNumber(line))
            selection.cursor = cursor
            selections.append(selection)
        self.text.setExtraSelections(selections)

    def lit_lines(self) -> list[int]:
        """The numbers of the lines lit as differing."""
        return [selection.cursor.blockNumber() for selection in self.text.extraSelections()]
