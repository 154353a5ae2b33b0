"""Look and feel: Fusion with a light or dark palette that follows the desktop, and the lab's icons.

Fusion looks the same on every platform and takes a palette completely, so one pair of
palettes gives a consistent window whatever the desktop's own style. The icons are small
SVG files drawn in `currentColor`; they are tinted with the palette's text colour when
loaded, so they stay readable in both schemes.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QStyleFactory

from ocpplab_desktop.paths import ICONS

_ICON_SIZES = (16, 20, 24, 32, 48, 64)

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

# (active, disabled) colours of the dark palette; roles not listed derive from these.
_DARK: dict[QPalette.ColorRole, tuple[str, str]] = {
    Role.Window: ("#2b2d31", "#2b2d31"),
    Role.WindowText: ("#e6e6e6", "#7f8186"),
    Role.Base: ("#1e1f22", "#232428"),
    Role.AlternateBase: ("#26282c", "#26282c"),
    Role.ToolTipBase: ("#3a3d42", "#3a3d42"),
    Role.ToolTipText: ("#f0f0f0", "#9a9a9a"),
    Role.PlaceholderText: ("#8b8e94", "#6a6c70"),
    Role.Text: ("#e6e6e6", "#7f8186"),
    Role.Button: ("#35373c", "#2f3135"),
    Role.ButtonText: ("#e6e6e6", "#7f8186"),
    Role.BrightText: ("#ff6b6b", "#ff6b6b"),
    Role.Light: ("#4a4d53", "#4a4d53"),
    Role.Midlight: ("#3e4146", "#3e4146"),
    Role.Mid: ("#2a2c30", "#2a2c30"),
    Role.Dark: ("#1b1c1f", "#1b1c1f"),
    Role.Shadow: ("#0e0e10", "#0e0e10"),
    Role.Highlight: ("#3d7bd9", "#4a4d53"),
    Role.HighlightedText: ("#ffffff", "#9a9a9a"),
    Role.Link: ("#6ea8ff", "#5b7fb5"),
    Role.LinkVisited: ("#b48eff", "#8a72b5"),
    Role.Accent: ("#3d7bd9", "#4a4d53"),
}


def system_scheme() -> Qt.ColorScheme:
    """The desktop's colour scheme; Unknown (no desktop, offscreen) counts as light."""
    scheme = QGuiApplication.styleHints().colorScheme()
    return Qt.ColorScheme.Dark if scheme is Qt.ColorScheme.Dark else Qt.ColorScheme.Light


def palette_for(scheme: Qt.ColorScheme) -> QPalette:
    fusion = QStyleFactory.create("Fusion")
    palette = QPalette(fusion.standardPalette())
    if scheme is Qt.ColorScheme.Dark:
        for role, (active, disabled) in _DARK.items():
            palette.setColor(Group.All, role, QColor(active))
            palette.setColor(Group.Disabled, role, QColor(disabled))
    return palette


def is_dark(palette: QPalette) -> bool:
    return palette.color(Role.Window).lightness() < 128


def apply_theme(app: QApplication, scheme: Qt.ColorScheme | None = None) -> None:
    """Fusion with the palette of `scheme`, or of the desktop's scheme, following its later changes."""
    app.setStyle("Fusion")
    app.setPalette(palette_for(scheme or system_scheme()))
    if scheme is None:
        app.styleHints().colorSchemeChanged.connect(lambda new: app.setPalette(palette_for(new)))


@cache
def _svg(name: str) -> str:
    path = ICONS / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(f"no icon {name!r}: expected {path}")
    return path.read_text(encoding="utf-8")


def _render(svg: str, size: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


def icon(name: str, palette: QPalette | None = None) -> QIcon:
    """The icon `resources/icons/<name>.svg`, its `currentColor` taken from the palette's text colours."""
    palette = palette or QGuiApplication.palette()
    result = QIcon()
    for mode, group in ((QIcon.Mode.Normal, Group.Active), (QIcon.Mode.Disabled, Group.Disabled)):
        svg = _svg(name).replace("currentColor", palette.color(group, Role.WindowText).name())
        for size in _ICON_SIZES:
            result.addPixmap(_render(svg, size), mode)
    return result
