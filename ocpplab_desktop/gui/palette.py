"""Colours with a meaning: one per OCPP connector state, and the warning/error accents.

Every colour is a mid-tone, so that it stands out against a light window and a dark one
alike; text drawn on a state colour is black or white, whichever contrasts more.
"""

from __future__ import annotations

from ocpp.v16.enums import ChargePointStatus as S16
from ocpp.v201.enums import ChargingStateEnumType as Charging
from ocpp.v201.enums import ConnectorStatusEnumType as S201
from PySide6.QtGui import QColor

# One table for both versions: 1.6 and 2.0.1 share Available, Reserved, Unavailable and Faulted,
# and 2.0.1 Occupied takes the colour of 1.6 Charging (a connector in use). The 2.0.1 charging
# states Charging, SuspendedEV and SuspendedEVSE are spelled as the 1.6 states and share them;
# EVConnected is 1.6 Preparing's (cable in, no energy yet).
STATE_COLOURS: dict[str, str] = {
    S16.available: "#2e9d5b",
    S16.preparing: "#d9a21b",
    S16.charging: "#2f7fd8",
    S16.suspended_ev: "#8a63d2",
    S16.suspended_evse: "#c0569f",
    S16.finishing: "#159ea8",
    S16.reserved: "#e07a2e",
    S16.unavailable: "#808892",
    S16.faulted: "#d8443c",
    S201.occupied: "#2f7fd8",
    Charging.ev_connected: "#d9a21b",
    Charging.idle: "#6f8aa6",  # a transaction without an EV: quiet, but not Unavailable's grey
}
UNKNOWN_STATE = "#9aa0a6"  # a state string no table knows, e.g. before the first report

ERROR = "#dc3d3d"  # validation messages and failed actions
WARNING = "#d9480f"  # forced (out-of-order) actions
SUCCESS = "#2e9d5b"


def state_colour(state: str) -> QColor:
    return QColor(STATE_COLOURS.get(state, UNKNOWN_STATE))


def luminance(colour: QColor) -> float:
    """Relative luminance (WCAG 2.x)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(background: QColor) -> QColor:
    """Black or white, whichever contrasts more with `background`."""
    black, white = QColor("#000000"), QColor("#ffffff")
    return black if contrast_ratio(black, background) >= contrast_ratio(white, background) else white


def state_chip(object_name: str, state: str, radius_px: int, padding: str) -> str:
    """The style sheet of a QLabel named `object_name` that shows `state` as a chip in the state's colour."""
    colour = state_colour(state)
    return (
        f"QLabel#{object_name} {{ background: {colour.name()}; color: {text_on(colour).name()};"
        f" border-radius: {radius_px}px; padding: {padding}; }}"
    )
