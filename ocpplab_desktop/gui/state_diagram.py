"""The connector state machine of one OCPP version, drawn with the current state lit.

States and arrows come from the transition tables in model/connector.py (one place for
that fact); only the placement of the boxes is chosen here. Where the version reports a
transaction's charging state apart from the connector status (2.0.1), a lane of those states
runs under the diagram, the current one lit too. Everything is laid out once in
a fixed logical canvas and the painter scales it to the widget, so the diagram stays
legible at any size. Arrows that would cut through another box are bent around it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from ocpp.v16.enums import ChargePointStatus as S16
from ocpp.v201.enums import ChargingStateEnumType as Charging
from ocpp.v201.enums import ConnectorStatusEnumType as S201
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from ocpplab_desktop.gui import palette
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import TRANSITIONS
from ocpplab_desktop.model.version_traits import traits

BOX_W = 144.0
BOX_H = 64.0
FONT_PX = 22  # in canvas units: 11 px at the size hint, larger as the widget grows
_CLEARANCE = 8.0  # how close a bent arrow may pass another box
_SAMPLES = 48
_MARGIN = 4.0  # around the canvas, so that the outer box borders are not cut
LANE_CAPTION = "Transaction chargingState"
_LANE_GAP = 30.0  # between the lowest route of the diagram and the lane's caption
_LANE_CAPTION_H = 26.0
_LANE_BOX_H = 46.0
_LANE_SPACING = 10.0
_LANE_FONT_PX = 16  # five boxes share the width of the diagram: "Suspended", bold, must fit one
# The lane's order: no EV yet, the cable in, then energy flowing or not and who paused it.
_LANE_ORDER = (Charging.idle, Charging.ev_connected, Charging.charging, Charging.suspended_ev, Charging.suspended_evse)


@dataclass(frozen=True)
class _Layout:
    """Box centres on a canvas of the given size."""

    width: float
    height: float
    centres: dict[str, tuple[float, float]]


# The charging flow left to right, the suspended states above and below Charging, and the states
# a connector can reach from (almost) anywhere - Reserved, Unavailable, Faulted - in a column at the side.
_LAYOUTS: dict[OcppVersion, _Layout] = {
    OcppVersion.V16: _Layout(
        840.0,
        360.0,
        {
            S16.available: (72.0, 180.0),
            S16.preparing: (246.0, 180.0),
            S16.charging: (420.0, 180.0),
            S16.suspended_ev: (420.0, 45.0),
            S16.suspended_evse: (420.0, 315.0),
            S16.finishing: (594.0, 180.0),
            S16.reserved: (768.0, 45.0),
            S16.unavailable: (768.0, 180.0),
            S16.faulted: (768.0, 315.0),
        },
    ),
    OcppVersion.V201: _Layout(
        600.0,
        260.0,
        {
            S201.available: (72.0, 130.0),
            S201.occupied: (290.0, 130.0),
            S201.reserved: (528.0, 35.0),
            S201.unavailable: (528.0, 130.0),
            S201.faulted: (528.0, 225.0),
        },
    ),
}
_LABELS = {
    S16.suspended_ev: "Suspended EV",
    S16.suspended_evse: "Suspended EVSE",
    Charging.ev_connected: "EV connected",
}


def _lane(version: OcppVersion, layout: _Layout) -> dict[str, QRectF]:
    """Boxes of the version's charging states in a row under the diagram; none if it has none."""
    states = [state for state in _LANE_ORDER if state in traits(version).charging_states]
    if not states:
        return {}
    width = (layout.width - _LANE_SPACING * (len(states) - 1)) / len(states)
    top = layout.height + _LANE_GAP + _LANE_CAPTION_H
    return {state: QRectF(i * (width + _LANE_SPACING), top, width, _LANE_BOX_H) for i, state in enumerate(states)}


@dataclass(frozen=True)
class _Route:
    """A drawn connection between two boxes: points from the border of one to the border of the other."""

    points: tuple[QPointF, ...]

    def reversed(self) -> _Route:
        return _Route(tuple(reversed(self.points)))


def _box(centre: tuple[float, float]) -> QRectF:
    x, y = centre
    return QRectF(x - BOX_W / 2, y - BOX_H / 2, BOX_W, BOX_H)


def _curve(a: QPointF, b: QPointF, bend: float) -> list[QPointF]:
    """A quadratic curve from a to b whose control point sits `bend` units off the straight line."""
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = math.hypot(dx, dy) or 1.0
    cx, cy = (a.x() + b.x()) / 2 - dy / length * bend, (a.y() + b.y()) / 2 + dx / length * bend
    points = []
    for i in range(_SAMPLES + 1):
        t = i / _SAMPLES
        u = 1 - t
        points.append(
            QPointF(u * u * a.x() + 2 * u * t * cx + t * t * b.x(), u * u * a.y() + 2 * u * t * cy + t * t * b.y())
        )
    return points


def _route(source: QRectF, target: QRectF, others: list[QRectF]) -> _Route:
    """The least bent curve between two boxes that keeps clear of the others."""
    blocked = [r.adjusted(-_CLEARANCE, -_CLEARANCE, _CLEARANCE, _CLEARANCE) for r in others]
    best: list[QPointF] = []
    fewest = math.inf
    for bend in (0.0, 40.0, -40.0, 80.0, -80.0, 120.0, -120.0, 170.0, -170.0):
        curve = _curve(source.center(), target.center(), bend)
        hits = sum(1 for p in curve for r in blocked if r.contains(p))
        if hits < fewest:
            best, fewest = curve, hits
        if hits == 0:
            break
    inside = [p for p in best if not source.contains(p) and not target.contains(p)]
    return _Route(tuple(inside or best))


@cache
def _routes(version: OcppVersion) -> dict[tuple[str, str], _Route]:
    """A route for every ordered pair of states, forced transitions included."""
    boxes = {state: _box(centre) for state, centre in _LAYOUTS[version].centres.items()}
    routes: dict[tuple[str, str], _Route] = {}
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            route = _route(boxes[a], boxes[b], [r for s, r in boxes.items() if s not in (a, b)])
            routes[a, b] = route
            routes[b, a] = route.reversed()
    return routes


def _arrowhead(painter: QPainter, tip: QPointF, before: QPointF, size: float, colour: QColor) -> None:
    angle = math.atan2(tip.y() - before.y(), tip.x() - before.x())
    wing = math.radians(26)
    left = QPointF(tip.x() - size * math.cos(angle - wing), tip.y() - size * math.sin(angle - wing))
    right = QPointF(tip.x() - size * math.cos(angle + wing), tip.y() - size * math.sin(angle + wing))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPolygon(QPolygonF([tip, left, right]))


def _pen(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    return QPen(colour, width, style, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)


class StateDiagram(QWidget):
    """Boxes for a version's connector states, arrows for its transitions, the current state lit."""

    def __init__(self, version: OcppVersion, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._version = version
        self._transitions = TRANSITIONS[version]
        self._layout = _LAYOUTS[version]
        self._boxes = {state: _box(centre) for state, centre in _LAYOUTS[version].centres.items()}
        self._routes = _routes(version)
        self._lane = _lane(version, self._layout)
        self._canvas_height = self._layout.height + (_LANE_GAP + _LANE_CAPTION_H + _LANE_BOX_H if self._lane else 0.0)
        self._state = ""
        self._charging_state: str | None = None
        self._previous: tuple[str, str] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    # --- state -----------------------------------------------------------------------------
    def set_state(self, state: str) -> None:
        """Light `state`; the move from the previous one becomes the emphasised arrow."""
        if state == self._state:
            return
        if self._state:
            self._previous = (self._state, state)
        self._state = state
        self.setToolTip(self._tooltip())
        self.update()

    def set_charging_state(self, state: str | None) -> None:
        """Light `state` in the charging-state lane (None: no transaction or EV, nothing lit)."""
        if state == self._charging_state:
            return
        self._charging_state = state
        self.setToolTip(self._tooltip())
        self.update()

    def current_state(self) -> str:
        return self._state

    def current_charging_state(self) -> str | None:
        return self._charging_state

    def charging_states(self) -> list[str]:
        """The states of the charging-state lane, left to right; empty for a version without one."""
        return list(self._lane)

    def previous_transition(self) -> tuple[str, str] | None:
        return self._previous

    def states(self) -> list[str]:
        return list(self._boxes)

    def state_rect(self, state: str) -> QRectF:
        """Where the box of `state` is drawn, in widget coordinates."""
        scale, dx, dy = self._fit()
        r = self._boxes[state] if state in self._boxes else self._lane[state]
        return QRectF(dx + r.x() * scale, dy + r.y() * scale, r.width() * scale, r.height() * scale)

    def _tooltip(self) -> str:
        allowed = sorted(self._transitions.get(self._state, ()))
        where = f"OCPP {self._version.value}: {self._state or 'no state yet'}"
        if self._charging_state:
            where += f", transaction {self._charging_state}"
        return f"{where}\nallowed next: {', '.join(allowed)}" if allowed else where

    # --- geometry ----------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(420, 180)

    def minimumSizeHint(self) -> QSize:
        # Below this the 1.6 diagram's nine boxes ("Suspended EVSE") no longer read across a room.
        return QSize(340, 170)

    def _fit(self) -> tuple[float, float, float]:
        """Scale and offset that fit the canvas into the widget, centred."""
        w, h = self._layout.width + 2 * _MARGIN, self._canvas_height + 2 * _MARGIN
        scale = min(self.width() / w, self.height() / h)
        return scale, (self.width() - (w - 2 * _MARGIN) * scale) / 2, (self.height() - (h - 2 * _MARGIN) * scale) / 2

    # --- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        scale, dx, dy = self._fit()
        painter.translate(dx, dy)
        painter.scale(scale, scale)
        ink = self.palette().color(QPalette.ColorRole.WindowText)
        self._paint_transitions(painter, ink)
        self._paint_previous(painter)
        self._paint_states(painter, ink, self._boxes, self._state, FONT_PX)
        self._paint_lane(painter, ink)
        painter.end()

    def _paint_route(
        self,
        painter: QPainter,
        route: _Route,
        pen: QPen,
        head: float,
        *,
        both: bool = False,
    ) -> None:
        points = route.points
        path = QPainterPath(points[0])
        for p in points[1:]:
            path.lineTo(p)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(pen)
        painter.drawPath(path)
        back = min(len(points) - 1, 3)
        colour = pen.color()
        _arrowhead(painter, points[-1], points[-1 - back], head, colour)
        if both:
            _arrowhead(painter, points[0], points[back], head, colour)

    def _paint_transitions(self, painter: QPainter, ink: QColor) -> None:
        """Every allowed transition faint (one line per pair), those leaving the current state stronger."""
        faint = QColor(ink)
        faint.setAlphaF(0.16)
        strong = QColor(ink)
        strong.setAlphaF(0.6)
        leaving = self._transitions.get(self._state, frozenset())
        drawn: set[frozenset[str]] = set()
        for source, targets in self._transitions.items():
            for target in targets:
                pair = frozenset((source, target))
                if pair in drawn or (self._state in pair and pair - {self._state} <= leaving):
                    continue
                drawn.add(pair)
                both = source in self._transitions.get(target, frozenset())
                self._paint_route(painter, self._routes[source, target], _pen(faint, 1.6), 7.0, both=both)
        for target in leaving:
            self._paint_route(painter, self._routes[self._state, target], _pen(strong, 2.4), 12.0)

    def _paint_previous(self, painter: QPainter) -> None:
        if self._previous is None or self._previous not in self._routes:
            return
        old, new = self._previous
        if new in self._transitions.get(old, frozenset()):
            pen = _pen(palette.state_colour(new), 5.0)
        else:
            # A move outside the table (forced, a negative test): dashed, in the warning colour.
            pen = _pen(QColor(palette.WARNING), 5.0, Qt.PenStyle.DashLine)
        self._paint_route(painter, self._routes[old, new], pen, 18.0)

    def _paint_lane(self, painter: QPainter, ink: QColor) -> None:
        if not self._lane:
            return
        first = next(iter(self._lane.values()))
        caption = QRectF(0.0, first.top() - _LANE_CAPTION_H, self._layout.width, _LANE_CAPTION_H)
        font = QFont(self.font())
        font.setPixelSize(_LANE_FONT_PX)
        painter.setFont(font)
        quiet = QColor(ink)
        quiet.setAlphaF(0.7)
        painter.setPen(quiet)
        painter.drawText(caption, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, LANE_CAPTION)
        self._paint_states(painter, ink, self._lane, self._charging_state, _LANE_FONT_PX)

    def _paint_states(
        self, painter: QPainter, ink: QColor, boxes: dict[str, QRectF], lit: str | None, font_px: int
    ) -> None:
        font = QFont(self.font())
        font.setPixelSize(font_px)
        base = self.palette().color(QPalette.ColorRole.Base)
        for state, rect in boxes.items():
            colour = palette.state_colour(state)
            current = state == lit
            font.setBold(current)
            painter.setFont(font)
            painter.setBrush(colour if current else base)
            painter.setPen(QPen(colour.darker(130) if current else colour, 4.0 if current else 2.0))
            painter.drawRoundedRect(rect, 14.0, 14.0)
            painter.setPen(palette.text_on(colour) if current else ink)
            painter.drawText(
                rect.adjusted(6, 2, -6, -2),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                _LABELS.get(state, state),
            )
