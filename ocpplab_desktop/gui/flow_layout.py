"""A layout that lines its widgets up left to right and wraps onto the next line when they do not fit.

A filter bar in a narrow dock keeps every control at its natural width instead of squeezing a
search box down to "Sear…". Widgets whose horizontal size policy expands share the room left
at the end of their line, so a wide dock still gets one line with a long search box.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    """Items in lines, wrapping as the width requires; the height follows (height-for-width)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing

    # -- QLayout interface ---------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), place=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, place=True)

    def sizeHint(self) -> QSize:
        """One line of everything: what the layout would like."""
        margins = self.contentsMargins()
        shown = self._shown()
        width = sum(item.sizeHint().width() for item in shown) + self._spacing * max(0, len(shown) - 1)
        height = max((item.sizeHint().height() for item in shown), default=0)
        return QSize(width, height) + _extent(margins)

    def minimumSize(self) -> QSize:
        """As narrow as the widest single item."""
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        return size + _extent(self.contentsMargins())

    # -- placing -------------------------------------------------------------------------

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _arrange(self, rect: QRect, *, place: bool) -> int:
        """Break the items into lines that fit `rect`'s width; place them if asked. Returns the height used."""
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        lines: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._shown():
            width = item.sizeHint().width()
            if lines[-1] and used + self._spacing + width > area.width():
                lines.append([])
                used = 0
            used += (self._spacing if lines[-1] else 0) + width
            lines[-1].append(item)
        y = area.y()
        for line in lines:
            if not line:
                continue
            height = max(item.sizeHint().height() for item in line)
            if place:
                self._place_line(line, QPoint(area.x(), y), area.width(), height)
            y += height + self._spacing
        return y - self._spacing - rect.y() + margins.bottom()

    def _place_line(self, line: list[QLayoutItem], origin: QPoint, width: int, height: int) -> None:
        natural = sum(item.sizeHint().width() for item in line) + self._spacing * (len(line) - 1)
        growing = [_expands(item) for item in line]
        share = max(0, width - natural) // max(1, sum(growing))
        x = origin.x()
        for item, grows in zip(line, growing, strict=True):
            item_width = item.sizeHint().width() + (share if grows else 0)
            item_height = min(height, item.sizeHint().height())
            top = origin.y() + (height - item_height) // 2
            item.setGeometry(QRect(x, top, min(item_width, width), item_height))
            x += item_width + self._spacing


def _expands(item: QLayoutItem) -> bool:
    widget = item.widget()
    return widget is not None and bool(widget.sizePolicy().expandingDirections() & Qt.Orientation.Horizontal)


def _extent(margins: QMargins) -> QSize:
    return QSize(margins.left() + margins.right(), margins.top() + margins.bottom())
