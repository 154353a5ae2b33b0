"""Power, limit, phase currents, energy and SoC of one connector or a whole station, over simulated time.

Samples land in numpy ring buffers, one per connector; nothing is drawn when they arrive, and an
EVSE's or a station's graph is made from its connectors' buffers when it is drawn (`plot_groups`). A 10 Hz
timer, running only while the widget is visible, hands the buffers to pyqtgraph when new data
came in, and pyqtgraph clips to the view and peak-downsamples long windows (GUIDE "Measured on
this machine").
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from enum import IntEnum
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPalette, QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.formatting import format_elapsed
from ocpplab_desktop.gui.plot_groups import group_rows
from ocpplab_desktop.model.events import MeterSample

REDRAW_MS = 100
DEFAULT_CAPACITY = 20_000
INITIAL_ROWS = 64

TargetKey = tuple[str, int | None, int | None]
"""(station id, EVSE id, connector id); None in a place sums over it."""


class Field(IntEnum):
    """Columns of a ring buffer row."""

    TIME = 0
    POWER_KW = 1
    LIMIT_KW = 2
    L1_A = 3
    L2_A = 4
    L3_A = 5
    ENERGY_KWH = 6
    SOC = 7


_ADDITIVE = (Field.POWER_KW, Field.L1_A, Field.L2_A, Field.L3_A, Field.ENERGY_KWH)

# Curve name -> (buffer field, plot, legend label, colour, dashed). Mid-tone colours that
# read on light and dark backgrounds alike.
_CURVES: dict[str, tuple[Field, int, str, str, bool]] = {
    "power": (Field.POWER_KW, 0, "Power (kW)", "#3a86ff", False),
    "limit": (Field.LIMIT_KW, 0, "Limit (kW)", "#f28c28", True),
    "current_L1": (Field.L1_A, 1, "L1 (A)", "#e4572e", False),
    "current_L2": (Field.L2_A, 1, "L2 (A)", "#2bb673", False),
    "current_L3": (Field.L3_A, 1, "L3 (A)", "#8e6cdf", False),
    "energy": (Field.ENERGY_KWH, 2, "Energy (kWh)", "#14a3b8", False),
    "soc": (Field.SOC, 2, "SoC (%)", "#d4a017", False),
}
CURVE_NAMES = tuple(_CURVES)
UPCOMING_STYLE = ("Upcoming limit (kW)", "#f28c28", Qt.PenStyle.DotLine)
"""The limit ahead of the last sample, from the charging profiles: the limit's colour, dotted."""
UPCOMING_MIN_S = 60.0
UPCOMING_MAX_S = 6 * 3600.0
UPCOMING_SHARE = 0.25
"""How far ahead the upcoming limit reaches: a quarter of the time shown, from one minute to six hours."""

UpcomingSource = Callable[[TargetKey, float], list[tuple[float, float]]]
"""(connector, EVSE or station key, horizon s) -> (simulated time, W) points of its limit ahead; [] for none."""


def lab_schedules(lab: Lab) -> UpcomingSource:
    """The upcoming composite limit of a lab station's connector, EVSE or whole station, from its
    smart-charging part (an EVSE's and a station's: their connectors' limits added, capped by the
    station maximum)."""

    def upcoming(key: TargetKey, horizon_s: float) -> list[tuple[float, float]]:
        station_id, evse_id, connector_id = key
        station = lab.stations.get(station_id)
        if station is None:
            return []
        if connector_id is None:
            chosen = [c for c in station.connectors if evse_id is None or c.evse_id == evse_id]
            return station.smart_charging.upcoming_total(chosen, horizon_s)
        connector = next(
            (c for c in station.connectors if (c.evse_id, c.connector_id) == (evse_id, connector_id)), None
        )
        return [] if connector is None else station.smart_charging.upcoming(connector, horizon_s)

    return upcoming


def _sample_row(sample: MeterSample) -> list[float]:
    phases = [*sample.current_a[:3], *[math.nan] * (3 - min(3, len(sample.current_a)))]
    limit = sample.limit_w / 1000 if math.isfinite(sample.limit_w) else math.nan
    return [
        sample.sim_time,
        sample.power_w / 1000,
        limit,
        *phases,
        sample.energy_wh / 1000,
        math.nan if sample.soc is None else sample.soc,
    ]


class RingBuffer:
    """The last `capacity` rows of `Field` values, oldest first on read.

    The storage grows as rows come (doubling from INITIAL_ROWS) and wraps only once it holds
    `capacity`: a window with 2,000 stations keeps a buffer per connector, EVSE and station, and
    allocating the full capacity for each at once took 11 GB before the first sample.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._data = np.full((min(INITIAL_ROWS, capacity), len(Field)), np.nan)
        self._next = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def allocated(self) -> int:
        """Rows of storage held now (at most the capacity)."""
        return len(self._data)

    def _make_room(self, extra: int) -> None:
        """Before the storage is full-sized, grow it so that `extra` more rows fit without wrapping."""
        size = len(self._data)
        needed = self._count + extra
        if size >= self._capacity or needed <= size:
            return
        rows = self.ordered()
        self._data = np.full((min(self._capacity, max(2 * size, needed)), len(Field)), np.nan)
        self._data[: len(rows)] = rows
        self._next = len(rows) % len(self._data)

    def extend(self, rows: np.ndarray) -> None:
        self._make_room(len(rows))
        capacity = len(self._data)
        if len(rows) >= capacity:
            self._data[:] = rows[-capacity:]
            self._next, self._count = 0, capacity
            return
        first = min(len(rows), capacity - self._next)
        self._data[self._next : self._next + first] = rows[:first]
        self._data[: len(rows) - first] = rows[first:]
        self._next = (self._next + len(rows)) % capacity
        self._count = min(capacity, self._count + len(rows))

    def put(self, row: list[float], replace_same_time: bool = False) -> None:
        """Append one row; or overwrite the newest if asked to and it has the same time."""
        capacity = len(self._data)
        newest = (self._next - 1) % capacity
        if replace_same_time and self._count and self._data[newest, Field.TIME] == row[Field.TIME]:
            self._data[newest] = row
            return
        self._make_room(1)
        capacity = len(self._data)
        self._data[self._next] = row
        self._next = (self._next + 1) % capacity
        self._count = min(capacity, self._count + 1)

    def ordered(self) -> np.ndarray:
        """A (len, fields) copy in time order."""
        if self._count < len(self._data):
            return self._data[: self._count].copy()
        return np.concatenate((self._data[self._next :], self._data[: self._next]))


TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400)
"""Tick spacings a clock reader expects; pyqtgraph's decimal steps (0.5 s, 2.5 min) read badly as M:SS."""
MIN_TICK_PX = 70
LEGEND_VEIL_ALPHA = 200
MIN_TIME_SPAN_S = 10.0
"""The narrowest time window shown: an empty plot or a session's first seconds still read as a clock."""


def graphs_with_chooser(parent: QWidget, chooser: QComboBox, plot: PowerPlot) -> QWidget:
    """A stored session's graphs under a "Graphs of [station / EVSE / connector]" chooser (the session
    viewer's and the timeline's)."""
    box = QWidget(parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    row = QHBoxLayout()
    row.addWidget(QLabel("Graphs of", box))
    row.addWidget(chooser)
    row.addStretch(1)
    layout.addLayout(row)
    layout.addWidget(plot, 1)
    return box


class _ElapsedAxis(pg.AxisItem):
    """Ticks as M:SS / H:MM:SS since the first sample, on whole seconds, minutes or hours."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        span = maxVal - minVal
        most = max(2.0, size / MIN_TICK_PX)
        step = next((step for step in TICK_STEPS_S if span / step <= most), TICK_STEPS_S[-1])
        return [(float(step), 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [format_elapsed(value) for value in values]


class PowerPlot(QWidget):
    """Stacked plots for one target: power and limit, phase currents, energy with SoC."""

    def __init__(self, parent: QWidget | None = None, capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        self._capacity = capacity
        self._rings: dict[TargetKey, RingBuffer] = {}
        self._connectors: set[tuple[str, int, int]] = set()
        # Each station's connectors, in the order they reported: the members of its EVSE and station graphs.
        self._station_connectors: dict[str, list[tuple[str, int, int]]] = {}
        # The most cars the shown target has charged at once (its SoC curve is their mean), as last drawn.
        self._cars = 0
        self._t0: float | None = None
        self._target: TargetKey | None = None
        self._dirty = False
        self._time_pinned = False
        """True once the user zoomed or panned the time axis: the range is theirs until auto range."""

        self.graphics = pg.GraphicsLayoutWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        # The smallest y span each plot shows: an idle connector's flat zero line then reads
        # as 0 on a sensible scale instead of being blown up to +-0.4 milli-units.
        spans = (("kW", 1.0), ("A", 1.0), ("kWh", 0.1))
        self.plots = [self._add_plot(row, label, span) for row, (label, span) in enumerate(spans)]
        """Power and limit; phase currents; energy with SoC on the right axis. They share the x axis."""
        for plot in self.plots[:-1]:
            plot.getAxis("bottom").setStyle(showValues=False)
            plot.setXLink(self.plots[-1])
        self.plots[-1].setLabel("bottom", "Simulated time since the first sample")
        self._soc_box = self._add_soc_axis(self.plots[2])
        for plot in self.plots:
            plot.getViewBox().sigRangeChangedManually.connect(self._user_moved_time)
        self._curves = {name: self._add_curve(name) for name in _CURVES}
        label, colour, style = UPCOMING_STYLE
        self.upcoming_curve = pg.PlotDataItem(name=label, pen=pg.mkPen(colour, width=1, style=style))
        self.plots[0].addItem(self.upcoming_curve)
        self.upcoming_source: UpcomingSource | None = None
        """Where the upcoming limit of what is shown comes from (`lab_schedules`); None: not drawn."""

        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw_if_dirty)
        self._apply_palette()
        self._fit_time_window(0.0)  # an empty graph reads as a clock from its first moment

    # -- public API -----------------------------------------------------------------------

    def add_samples(self, samples: Sequence[MeterSample]) -> None:
        """Store readings; the redraw timer shows them. Cheap enough to call on every UI tick.

        Only each connector's readings are kept: an EVSE's or a station's graph is made from them
        when it is drawn (`plot_groups`)."""
        if not samples:
            return
        if self._t0 is None:
            self._t0 = min(sample.sim_time for sample in samples)
        by_connector: dict[tuple[str, int, int], list[list[float]]] = {}
        for sample in samples:
            key = (sample.station_id, sample.evse_id, sample.connector_id)
            by_connector.setdefault(key, []).append(_sample_row(sample))
        for key, rows in by_connector.items():
            self._ring(key).extend(np.asarray(rows, dtype=float))
            if key not in self._connectors:
                self._connectors.add(key)
                self._station_connectors.setdefault(key[0], []).append(key)
        if self._target is not None and any(sample.station_id == self._target[0] for sample in samples):
            self._dirty = True

    def set_target(self, station_id: str, evse_id: int | None = None, connector_id: int | None = None) -> None:
        """Show one connector, or (None) the sum over an EVSE's or a station's connectors."""
        self._target = (station_id, evse_id, None if evse_id is None else connector_id)
        self._dirty = True
        if self.isVisible():
            self._redraw_if_dirty()

    @property
    def target(self) -> TargetKey | None:
        return self._target

    def targets(self) -> list[tuple[str, int, int]]:
        """Connectors seen so far, sorted."""
        return sorted(self._connectors)

    def clear(self) -> None:
        """Forget every sample (the store keeps them); the target stays."""
        self._rings.clear()
        self._connectors.clear()
        self._station_connectors.clear()
        self._cars = 0
        self._t0 = None
        self._dirty = True
        self.redraw()

    def curve(self, name: str) -> pg.PlotDataItem:
        """One of `CURVE_NAMES`."""
        if name not in self._curves:
            raise KeyError(f"no curve named {name!r}; the curves are {', '.join(CURVE_NAMES)}")
        return self._curves[name]

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The (x seconds since the first sample, y) a curve was last given; for tests and exports."""
        x, y = self.curve(name).getOriginalDataset()
        empty = np.empty(0)
        return (empty if x is None else x, empty if y is None else y)

    def export_png(self, path: str | Path, title: str | None = None) -> None:
        """Write the plots as they look now, with current data, to a PNG file (with `title` above them)."""
        with self._titled(title):
            image = self.graphics.grab().toImage()
        if image.isNull() or not image.save(str(path), "PNG"):
            raise OSError(f"could not write the plot image to {path}: check the folder exists and is writable")

    def export_svg(self, path: str | Path, title: str | None = None) -> None:
        """Write the plots as an SVG drawing (vector: it scales for a report), with `title` above them.

        Painted through Qt's SVG generator: pyqtgraph 0.14's SVG exporter fails on the paths that
        Qt 6 writes ("not enough values to unpack" in correctCoordinates, pyqtgraph issue 3485).
        """
        from PySide6.QtSvg import QSvgGenerator

        target = Path(path)
        if not target.parent.is_dir():
            raise OSError(f"could not write the plot drawing to {path}: the folder {target.parent} does not exist")
        with self._titled(title):
            size = self.graphics.size()
            generator = QSvgGenerator()
            generator.setFileName(str(target))
            generator.setSize(size)
            generator.setViewBox(QRect(QPoint(0, 0), size))
            # The screen's resolution, not the generator's 72 dpi: pyqtgraph's axes size their ticks
            # and text by the device's resolution and would come out smaller than the curves.
            generator.setResolution(self.logicalDpiX())
            generator.setTitle(title or "OCPPLab power graph")
            generator.setDescription("Power, current and energy over simulated time, drawn by OCPPLab Desktop")
            painter = QPainter()
            if not painter.begin(generator):
                raise OSError(f"could not write the plot drawing to {path}: check the folder is writable")
            try:
                # The scene, not the widget: the view's own rendering put the curves off their axes.
                scene = self.graphics.scene()
                scene.render(painter, QRectF(0, 0, size.width(), size.height()), self.graphics.sceneRect())
            finally:
                painter.end()

    def export(self, path: str | Path, title: str | None = None) -> None:
        """PNG or SVG, by the file's suffix."""
        suffix = Path(path).suffix.lower()
        if suffix == ".svg":
            self.export_svg(path, title)
        elif suffix == ".png":
            self.export_png(path, title)
        else:
            raise OSError(f"{path}: a graph is exported as .png or .svg, not {suffix or 'a file without a suffix'}")

    @contextlib.contextmanager
    def _titled(self, title: str | None) -> Iterator[None]:
        """The current data drawn, with `title` over the top plot for as long as the export takes."""
        self._redraw_if_dirty()
        top = self.plots[0]
        if title:
            top.setTitle(title, bold=True)
            self.graphics.ci.layout.activate()
        try:
            yield
        finally:
            if title:
                top.setTitle(None)

    def redraw(self) -> None:
        """Hand the target's buffer to the curves now (the timer does this while visible)."""
        self._dirty = False
        rows = self._target_rows()
        x = rows[:, Field.TIME] - (self._t0 or 0.0)
        for name, (field, plot_index, label, *_rest) in _CURVES.items():
            y = rows[:, field]
            shown = np.isfinite(y)
            # Gaps (no limit, no SoC on an AC car) are left out rather than drawn as NaN.
            curve = self._curves[name]
            curve.setData(x[shown], y[shown])
            if name.startswith("current_"):
                # A DC connector has one current: L2/L3 leave the legend rather than sit in it empty.
                self._show_in_legend(curve, plot_index, label, bool(shown.any()) or name == "current_L1")
        has_soc = bool(np.isfinite(rows[:, Field.SOC]).any())
        self.plots[2].showAxis("right", has_soc)
        self._show_in_legend(self._curves["soc"], 2, self.soc_label(), has_soc)
        span = float(x[-1]) if len(x) else 0.0
        self._fit_time_window(self._draw_upcoming(span))

    def _draw_upcoming(self, span_s: float) -> float:
        """Draw the shown connector's, EVSE's or station's limit ahead of now; the time up to which there
        is something to show."""
        points: list[tuple[float, float]] = []
        target = self._target
        if self.upcoming_source is not None and target is not None and self._t0 is not None:
            horizon = min(max(UPCOMING_MIN_S, span_s * UPCOMING_SHARE), UPCOMING_MAX_S)
            points = [(t, w) for t, w in self.upcoming_source(target, horizon) if math.isfinite(w)]
        x = [t - (self._t0 or 0.0) for t, _w in points]
        y = [w / 1000 for _t, w in points]
        # A step line: each limit holds until the next change.
        steps_x = [v for pair in itertools.pairwise(x) for v in pair]
        steps_y = [v for v in y[:-1] for _ in range(2)]
        self.upcoming_curve.setData(steps_x, steps_y)
        self._show_in_legend(self.upcoming_curve, 0, UPCOMING_STYLE[0], bool(steps_x))
        return max(span_s, steps_x[-1]) if steps_x else span_s

    def soc_label(self) -> str:
        """The SoC curve's legend label for the current target: one car's SoC, or a mean over several."""
        cars = self._cars
        return _CURVES["soc"][2] if cars <= 1 else f"Mean SoC (%) of {cars} cars"

    def _fit_time_window(self, span_s: float) -> None:
        """Show the whole time from zero (at least MIN_TIME_SPAN_S) until the user zooms or pans.

        The range is set here rather than left to pyqtgraph's auto range: with clip-to-view on,
        auto range only sees the points inside the view, so samples added in bulk (a stored
        session) grew it by one point a redraw and the graph looked flat at 0:00. A few seconds
        still read as a clock, not blown up to the full width with sub-second ticks. Auto range
        (pyqtgraph's "A" button) hands the range back to this method.
        """
        view = self.plots[-1].getViewBox()
        if view.autoRangeEnabled()[0]:
            self._time_pinned = False
        if self._time_pinned:
            return
        padding = 0.0 if span_s < MIN_TIME_SPAN_S else 0.01
        view.setXRange(0.0, max(span_s, MIN_TIME_SPAN_S), padding=padding)  # turns auto range off

    def _user_moved_time(self, *_args: object) -> None:
        self._time_pinned = True

    # -- Qt events ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()
        self._redraw_if_dirty()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    # -- internals ------------------------------------------------------------------------

    def _ring(self, key: TargetKey) -> RingBuffer:
        ring = self._rings.get(key)
        if ring is None:
            ring = self._rings[key] = RingBuffer(self._capacity)
        return ring

    def _target_rows(self) -> np.ndarray:
        """The shown target's rows: a connector's own, or its group's made from its connectors' now."""
        target = self._target
        if target is None:
            self._cars = 0
            return np.empty((0, len(Field)))
        station_id, evse_id, connector_id = target
        if connector_id is not None:
            ring = self._rings.get((station_id, evse_id, connector_id))
            rows = np.empty((0, len(Field))) if ring is None else ring.ordered()
            self._cars = int(np.isfinite(rows[:, Field.SOC]).any())
            return rows
        members = [
            (key[1], self._rings[key].ordered())
            for key in self._station_connectors.get(station_id, [])
            if evse_id is None or key[1] == evse_id
        ]
        rows, self._cars = group_rows(
            members, time=Field.TIME, additive=_ADDITIVE, limit=Field.LIMIT_KW, soc=Field.SOC, width=len(Field)
        )
        return rows[-self._capacity :]

    def _show_in_legend(self, curve: pg.PlotDataItem, plot_index: int, label: str, show: bool) -> None:
        legend = self.plots[plot_index].legend
        listed = next((text.text for sample, text in legend.items if sample.item is curve), None)
        if listed is not None and (not show or listed != label):
            legend.removeItem(curve)
            listed = None
        if show and listed is None:
            legend.addItem(curve, label)

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self.redraw()

    def _add_plot(self, row: int, unit: str, min_span: float) -> pg.PlotItem:
        plot: pg.PlotItem = self.graphics.addPlot(row=row, col=0, axisItems={"bottom": _ElapsedAxis("bottom")})
        plot.setLabel("left", unit)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.setLimits(minYRange=min_span)
        plot.setClipToView(True)
        # Power, current and energy are read from zero: an invisible point at (0, 0) keeps zero in the
        # auto range, so a steady 22 kW shows as a level line at 22, not as noise around it.
        # (A transparent pen, not none: an item without a pen does not count for the auto range.)
        plot.addItem(pg.PlotDataItem([0.0, 0.0], [0.0, 0.0], pen=pg.mkPen(0, 0, 0, 0)))
        plot.setDownsampling(auto=True, mode="peak")
        # One row of entries: a legend in columns stays readable in a short plot (three currents).
        plot.addLegend(offset=(8, 4), colCount=3)
        return plot

    def _add_soc_axis(self, plot: pg.PlotItem) -> pg.ViewBox:
        """A second y axis (%) on the energy plot, sharing its x range."""
        box = pg.ViewBox()
        plot.showAxis("right")
        plot.scene().addItem(box)
        axis = plot.getAxis("right")
        axis.linkToView(box)
        axis.setLabel("SoC %")
        box.setXLink(plot)
        box.setYRange(0, 100)

        def follow_geometry() -> None:
            box.setGeometry(plot.vb.sceneBoundingRect())

        plot.vb.sigResized.connect(follow_geometry)
        return box

    def _add_curve(self, name: str) -> pg.PlotDataItem:
        _field, plot_index, label, colour, dashed = _CURVES[name]
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        # One-pixel pens: wider ones and a background grid each cost more than the rest of a
        # redraw put together in Qt's raster engine (about 60 ms against 6 ms for 10,000 points).
        curve = pg.PlotDataItem(name=label, pen=pg.mkPen(colour, width=1, style=style))
        plot = self.plots[plot_index]
        if name == "soc":
            # Lives in the SoC axis' own view box, so it does not get the plot's settings by itself.
            self._soc_box.addItem(curve)  # listed in the legend once there is a SoC to show
            curve.setDownsampling(*plot.downsampleMode())
            curve.setClipToView(plot.clipToViewMode())
        else:
            plot.addItem(curve)
        return curve

    def _apply_palette(self) -> None:
        """Follow the application palette, so the plots match a light or dark theme."""
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        self.graphics.setBackground(background)
        for plot in self.plots:
            for side in ("left", "bottom", "right"):
                axis = plot.getAxis(side)
                axis.setPen(foreground)
                axis.setTextPen(foreground)
            plot.legend.setLabelTextColor(foreground)
            # A veil of the background behind the legend: a curve that runs under it stays visible
            # but no longer crosses the labels.
            veil = QColor(background)
            veil.setAlpha(LEGEND_VEIL_ALPHA)
            plot.legend.setBrush(veil)
            for _sample, label in plot.legend.items:
                label.setText(label.text)  # existing labels render the new colour only when re-set
