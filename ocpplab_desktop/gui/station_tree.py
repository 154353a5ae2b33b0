"""The station tree: stations > EVSEs > connectors, each with its state in words and colour.

A `QStandardItemModel` kept in step with `lab.stations`: `sync()` adds and removes rows
when stations come and go, `refresh(ids)` re-reads the live state of a few stations and
only touches the items whose text changed, so a tick with frames from three stations
costs three small comparisons, not a repaint of the tree.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTreeView, QVBoxLayout, QWidget

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.station_view import Badge, summary_badge
from ocpplab_desktop.model.connector import Connector
from ocpplab_desktop.model.version_traits import traits

_LONG_STATE_WORDS = (*palette.STATE_COLOURS, "Not registered", "Disconnected", "Connecting…")
"""Every word the state column can show (connector states and station badges) that may be its longest."""

Target = tuple[str, int | None, int | None]
"""(station id, EVSE id or None, connector id or None): what a row stands for."""

TARGET_ROLE = Qt.ItemDataRole.UserRole + 1
EXPANDED_UP_TO = 4
"""Stations are shown with their EVSEs and connectors while there are at most this many; beyond,
the tree starts collapsed (one row a station) and the user opens the ones of interest."""
COLUMNS = ("Station", "State")
NAME, STATE = range(len(COLUMNS))


@cache
def dot_icon(colour: str) -> QIcon:
    """A filled circle of `colour`, the state marker of a row."""
    icon = QIcon()
    for size in (12, 16, 24, 32):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # A light rim keeps the dot visible on a selected row of the same colour.
        painter.setPen(QPen(QColor(255, 255, 255, 190), max(1.0, size / 16)))
        painter.setBrush(QColor(colour))
        inset = size * 0.2
        painter.drawEllipse(QRectF(inset, inset, size - 2 * inset, size - 2 * inset))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def connector_label(station: Station, connector: Connector) -> str:
    """`Connector 2 · CCS2`, numbered as the station's version numbers it (over the station or within the EVSE)."""
    return f"Connector {traits(station.version).connector_number(connector)} · {connector.config.type}"


def _item(text: str = "", target: Target | None = None) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    if target is not None:
        item.setData(target, TARGET_ROLE)
    return item


def _set_state(item: QStandardItem, text: str, colour: str, tooltip: str) -> None:
    if item.text() == text and item.toolTip() == tooltip:
        return
    item.setText(text)
    item.setToolTip(tooltip)
    item.setIcon(dot_icon(colour))


class StationTreeModel(QStandardItemModel):
    """Rows for the lab's stations, EVSEs and connectors, with their states."""

    def __init__(self, lab: Lab, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self._lab = lab
        self._built: dict[str, Station] = {}
        self._station_rows: dict[str, QStandardItem] = {}
        self._connector_items: dict[str, list[tuple[Connector, QStandardItem]]] = {}

    # -- structure ------------------------------------------------------------------------

    def sync(self) -> None:
        """Make the rows match `lab.stations`, in its order: add new stations, drop removed ones,
        rebuild replaced ones in their place (an edited station keeps its row)."""
        live = self._lab.stations
        for station_id in [sid for sid, built in self._built.items() if live.get(sid) is not built]:
            self._remove(station_id)
        for row, (station_id, station) in enumerate(live.items()):
            if station_id not in self._built:
                self._add(station, row)
        self.refresh()

    def _add(self, station: Station, row: int) -> None:
        sid = station.id
        name = _item(f"{sid}  ·  {station.version.value}", (sid, None, None))
        name.setToolTip(f"{sid}: {station.config.vendor} {station.config.model}, OCPP {station.version.value}")
        connectors: list[tuple[Connector, QStandardItem]] = []
        for evse in station.config.evses:
            evse_power_kw = max(c.max_power_w for c in evse.connectors) / 1000
            evse_name = _item(f"EVSE {evse.id} · {evse_power_kw:g} kW", (sid, evse.id, None))
            for connector in (c for c in station.connectors if c.evse_id == evse.id):
                target: Target = (sid, evse.id, connector.connector_id)
                state = _item("", target)
                evse_name.appendRow([_item(connector_label(station, connector), target), state])
                connectors.append((connector, state))
            name.appendRow([evse_name, _item("", (sid, evse.id, None))])
        self.insertRow(row, [name, _item("", (sid, None, None))])
        self._built[sid] = station
        self._station_rows[sid] = name
        self._connector_items[sid] = connectors

    def _remove(self, station_id: str) -> None:
        row = self._station_rows.pop(station_id)
        del self._built[station_id]
        del self._connector_items[station_id]
        self.removeRow(row.row())

    # -- state ----------------------------------------------------------------------------

    def refresh(self, station_ids: Iterable[str] | None = None) -> None:
        """Re-read the state of the given stations (default: all) from the lab."""
        for station_id in self._built if station_ids is None else station_ids:
            station = self._built.get(station_id)
            if station is None:
                continue  # a late event of a station that was removed
            row = self._station_rows[station_id]
            badge: Badge = summary_badge(station)
            _set_state(self.item(row.row(), STATE), badge.text, badge.colour, badge.detail)
            for connector, item in self._connector_items[station_id]:
                status = connector.reported or connector.status()
                tooltip = status + (f": {connector.fault.error_code}" if connector.fault else "")
                _set_state(item, status, palette.state_colour(status).name(), tooltip)

    # -- lookup ---------------------------------------------------------------------------

    @staticmethod
    def target(index: QModelIndex | QPersistentModelIndex) -> Target | None:
        value = index.data(TARGET_ROLE) if index.isValid() else None
        return value if isinstance(value, tuple) else None

    def index_of(self, station_id: str, evse_id: int | None = None, connector_id: int | None = None) -> QModelIndex:
        """The name cell of a station, EVSE or connector row; invalid if there is none."""
        row = self._station_rows.get(station_id)
        if row is None:
            return QModelIndex()
        if evse_id is None:
            return row.index()
        for evse_row in range(row.rowCount()):
            evse = row.child(evse_row, NAME)
            if self.target(evse.index()) != (station_id, evse_id, None):
                continue
            if connector_id is None:
                return evse.index()
            for connector_row in range(evse.rowCount()):
                item = evse.child(connector_row, NAME)
                if self.target(item.index()) == (station_id, evse_id, connector_id):
                    return item.index()
        return QModelIndex()

    def station_ids(self) -> list[str]:
        return list(self._built)


class StationTree(QTreeView):
    """The tree view: whole rows selected, names stretch, state columns fit their contents.

    A few stations are shown expanded; beyond `EXPANDED_UP_TO` the stations are collapsed to one
    row each. `set_filter` hides the stations whose id, version and model do not match.
    """

    contextMenuWanted = Signal(QPoint)

    def __init__(self, model: StationTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stationTree")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setAnimated(True)
        self.setIndentation(14)
        self.setExpandsOnDoubleClick(True)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATE, QHeaderView.ResizeMode.ResizeToContents)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu_at)
        self._filter = ""
        model.rowsInserted.connect(self._new_stations)

    def _new_stations(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        model = self.model()
        stations = model.rowCount()
        if stations <= EXPANDED_UP_TO:
            for row in range(first, last + 1):
                self.expandRecursively(model.index(row, NAME))
        elif stations - (last - first + 1) <= EXPANDED_UP_TO:
            self.collapseAll()  # the tree just grew past a few stations: one row each from now on
        for row in range(first, last + 1):
            self._apply_filter_to(row)

    def readable_width(self) -> int:
        """The least width at which a station id and its state can be read (two levels in, an icon)."""
        return self.fontMetrics().horizontalAdvance("DEMO-CP-10 Unavailable") + 3 * self.indentation() + 20

    def wanted_width(self) -> int:
        """The width that shows the expanded rows' labels uncut, with room for the longest state word
        (the state column fits its contents, so a connector going SuspendedEVSE would squeeze the names)."""
        longest_state = max(self.fontMetrics().horizontalAdvance(word) for word in _LONG_STATE_WORDS)
        state = max(self.sizeHintForColumn(STATE), longest_state + self.iconSize().width() + 24)
        names = self.sizeHintForColumn(NAME)
        return names + state + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()

    def set_filter(self, text: str) -> None:
        """Show only the stations whose row (id, version) or tooltip (vendor, model) contains `text`."""
        self._filter = text.strip().casefold()
        for row in range(self.model().rowCount()):
            self._apply_filter_to(row)

    def _apply_filter_to(self, row: int) -> None:
        index = self.model().index(row, NAME)
        haystack = f"{index.data()} {index.data(Qt.ItemDataRole.ToolTipRole)}".casefold()
        self.setRowHidden(row, QModelIndex(), self._filter not in haystack)

    def shown_station_ids(self) -> list[str]:
        """The stations the filter lets through, in tree order."""
        model = self.model()
        shown = []
        for row in range(model.rowCount()):
            target = StationTreeModel.target(model.index(row, NAME))
            if target is not None and not self.isRowHidden(row, QModelIndex()):
                shown.append(target[0])
        return shown

    def _context_menu_at(self, position: QPoint) -> None:
        index = self.indexAt(position)
        if index.isValid():
            self.setCurrentIndex(index)
            self.contextMenuWanted.emit(self.viewport().mapToGlobal(position))


class StationsPanel(QWidget):
    """The stations dock's content: a filter box over the tree."""

    def __init__(self, tree: StationTree, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = tree
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("stationFilter")
        self.filter_edit.setPlaceholderText("Filter stations…")
        self.filter_edit.setToolTip("Show only the stations whose id, OCPP version, vendor or model contains this text")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(tree.set_filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.filter_edit)
        layout.addWidget(tree, 1)
