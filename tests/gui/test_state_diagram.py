"""StateDiagram and the state colours: every state drawn and coloured, the current one lit, the last move shown."""

from __future__ import annotations

from typing import Any

import pytest
from ocpp.v16.enums import ChargePointStatus
from ocpp.v201.enums import ConnectorStatusEnumType
from PySide6.QtCore import QPoint, QRectF
from PySide6.QtGui import QColor, QImage, QPalette

from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.state_diagram import FONT_PX, StateDiagram
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import TRANSITIONS


@pytest.mark.parametrize("state", [*ChargePointStatus, *ConnectorStatusEnumType])
def test_every_state_of_both_versions_has_its_colour_and_readable_text(state: str) -> None:
    assert state in palette.STATE_COLOURS
    colour = palette.state_colour(state)
    assert palette.contrast_ratio(colour, palette.text_on(colour)) >= 3.0


@pytest.mark.parametrize("state", [*ChargePointStatus, *ConnectorStatusEnumType])
@pytest.mark.parametrize("window", ["#efefef", "#2b2d31"], ids=["light", "dark"])
def test_state_colours_stand_out_on_light_and_dark_windows(state: str, window: str) -> None:
    assert palette.contrast_ratio(palette.state_colour(state), QColor(window)) >= 1.5


def test_the_16_states_that_share_a_meaning_with_201_share_its_colour() -> None:
    assert palette.state_colour(ConnectorStatusEnumType.occupied) == palette.state_colour(ChargePointStatus.charging)
    distinct_16 = {palette.STATE_COLOURS[s] for s in ChargePointStatus}
    assert len(distinct_16) == len(ChargePointStatus), "each 1.6 state has a colour of its own"


def diagram(qtbot: Any, version: OcppVersion, width: int = 840, height: int = 360) -> StateDiagram:
    widget = StateDiagram(version)
    qtbot.addWidget(widget)
    widget.resize(width, height)
    return widget


def inside_near_left_edge(rect: QRectF) -> QPoint:
    """A point inside a box, clear of its border and of its (centred) label."""
    return QPoint(int(rect.left() + 10), int(rect.center().y()))


@pytest.mark.parametrize("version", list(OcppVersion))
def test_draws_every_state_of_its_version_inside_the_widget(qtbot: Any, version: OcppVersion) -> None:
    for width, height in ((420, 180), (300, 120), (1200, 400)):
        widget = diagram(qtbot, version, width, height)
        assert set(widget.states()) == set(TRANSITIONS[version])
        for state in widget.states():
            assert QRectF(widget.rect()).contains(widget.state_rect(state)), f"{state} clipped at {width}x{height}"


def test_boxes_and_labels_scale_with_the_widget(qtbot: Any) -> None:
    small = diagram(qtbot, OcppVersion.V16, 420, 180)
    large = diagram(qtbot, OcppVersion.V16, 840, 360)
    assert large.state_rect("Charging").width() == pytest.approx(2 * small.state_rect("Charging").width(), rel=0.02)
    scale = small.state_rect("Charging").width() / 144.0
    assert FONT_PX * scale >= 10, "labels stay legible at the size hint"
    assert small.sizeHint().width() == 420 and small.sizeHint().height() == 180


def test_the_current_state_is_filled_with_its_colour(qtbot: Any) -> None:
    widget = diagram(qtbot, OcppVersion.V16)
    widget.set_state("Charging")
    image = widget.grab().toImage()
    base = widget.palette().color(QPalette.ColorRole.Base)
    assert image.pixelColor(inside_near_left_edge(widget.state_rect("Charging"))) == palette.state_colour("Charging")
    assert image.pixelColor(inside_near_left_edge(widget.state_rect("Finishing"))) == base

    widget.set_state("Finishing")
    image = widget.grab().toImage()
    assert image.pixelColor(inside_near_left_edge(widget.state_rect("Charging"))) == base
    assert image.pixelColor(inside_near_left_edge(widget.state_rect("Finishing"))) == palette.state_colour("Finishing")
    assert widget.current_state() == "Finishing"


def test_remembers_the_previous_transition_and_ignores_repeats(qtbot: Any) -> None:
    widget = diagram(qtbot, OcppVersion.V16)
    widget.set_state("Available")
    assert widget.previous_transition() is None
    widget.set_state("Preparing")
    widget.set_state("Preparing")
    assert widget.previous_transition() == ("Available", "Preparing")
    assert "allowed next:" in widget.toolTip() and "Charging" in widget.toolTip()


def count(image: QImage, colour: QColor) -> int:
    rgb = colour.rgb()
    return sum(1 for y in range(image.height()) for x in range(image.width()) if image.pixel(x, y) == rgb)


def test_a_transition_outside_the_table_is_drawn_in_the_warning_colour(qtbot: Any) -> None:
    widget = diagram(qtbot, OcppVersion.V16)
    warning = QColor(palette.WARNING)
    widget.set_state("Available")
    widget.set_state("Preparing")  # allowed (1.6 section 4.9, A2)
    assert count(widget.grab().toImage(), warning) == 0
    widget.set_state("Reserved")  # Preparing -> Reserved is not in the table: only a forced action does it
    assert count(widget.grab().toImage(), warning) > 100
