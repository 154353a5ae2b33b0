"""The main window's default layout: its first size on the screen at hand, and where the docks go.

Two arrangements, chosen by the window's height. A tall window has the log across the bottom,
under the station, wide enough for all its columns. A laptop's window (1280 x 720, 1366 x 768,
1400 x 900) has no height to spare under a connector card whose buttons must all show, so the
log and the sessions join the graph, the CSMS console and the faults as tabs beside the station,
where they get the full height. Either way the tree runs down the left.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

DEFAULT_SIZE = QSize(1400, 900)
"""The window's first size where the screen has room for it."""
SCREEN_SHARE = 0.9
"""On a larger screen the first window takes this share of it."""
FRAME_ALLOWANCE = QSize(16, 48)
"""The window manager's frame and title bar, which the available geometry does not subtract."""
COMPACT_BELOW_PX = 940
"""Window heights below this put the log in the tabs beside the station instead of under it."""
CENTRE_HEIGHT_PX = 600
"""What the centre keeps of a tall window's height (chrome, station header, one connector card); the
log across the bottom gets the rest, up to `LOG_SHARE`."""
LOG_SHARE = 0.45
STATIONS_WIDTH_PX = 310
"""The tree's width where the window is narrow: "Connector 2 · CHAdeMO" and its state uncut."""
CENTRE_WIDTH_PX = 500
"""What the centre keeps of a compact window's width: one connector card with its buttons in rows."""


def first_size(available: QRect) -> QSize:
    """The window's size at first start: never larger than the available screen, frame included."""
    room = available.size() - FRAME_ALLOWANCE
    wanted = QSize(
        max(DEFAULT_SIZE.width(), round(available.width() * SCREEN_SHARE)),
        max(DEFAULT_SIZE.height(), round(available.height() * SCREEN_SHARE)),
    )
    return wanted.boundedTo(room)


def is_compact(height: int) -> bool:
    return height < COMPACT_BELOW_PX


def place_docks(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """Put every dock where it goes on first start, for the window's present height."""
    area = Qt.DockWidgetArea
    compact = is_compact(window.height())
    for dock in docks.values():
        dock.setFloating(False)
        dock.show()
    window.setCorner(Qt.Corner.TopLeftCorner, area.LeftDockWidgetArea)
    window.setCorner(Qt.Corner.BottomLeftCorner, area.LeftDockWidgetArea)
    window.setCorner(Qt.Corner.TopRightCorner, area.RightDockWidgetArea)
    window.setCorner(Qt.Corner.BottomRightCorner, area.RightDockWidgetArea if compact else area.BottomDockWidgetArea)
    window.addDockWidget(area.LeftDockWidgetArea, docks["stations"])
    window.addDockWidget(area.RightDockWidgetArea, docks["power"])
    window.tabifyDockWidget(docks["power"], docks["csms"])
    window.tabifyDockWidget(docks["csms"], docks["faults"])
    if compact:
        window.tabifyDockWidget(docks["faults"], docks["log"])
    else:
        window.addDockWidget(area.BottomDockWidgetArea, docks["log"])
    window.tabifyDockWidget(docks["log"], docks["sessions"])
    docks["power"].raise_()
    docks["log"].raise_()


def size_docks(window: QMainWindow, docks: dict[str, QDockWidget], tree_width: int = 0) -> None:
    """Default dock sizes from the window's size (only meaningful once the window has it); the tree
    gets `tree_width` if its labels need that much, up to 30 % of the window."""
    width, height = window.width(), window.height()
    stations = max(STATIONS_WIDTH_PX, width // 6, min(tree_width, width * 3 // 10))
    if is_compact(height):
        beside = max(360, width - stations - CENTRE_WIDTH_PX)
    else:
        beside = max(380, width * 3 // 10)
        log = max(240, min(round(height * LOG_SHARE), height - CENTRE_HEIGHT_PX))
        window.resizeDocks([docks["log"]], [log], Qt.Orientation.Vertical)
    window.resizeDocks([docks["stations"], docks["power"]], [stations, beside], Qt.Orientation.Horizontal)


def widen_squeezed(window: QMainWindow, dock: QDockWidget, others: list[QDockWidget], readable: int) -> bool:
    """Give a docked `dock` `readable` pixels if a restored layout left it narrower and the window has
    room beside the centre: from the centre while it has width to spare, else from the widest dock shown
    on the centre's other side; True if it was widened. A layout saved from a small or crowded
    window would otherwise come back as a sliver ("St…" over "Ac")."""
    if dock.isHidden() or dock.isFloating() or dock.width() >= readable:
        return False
    if window.width() < readable + CENTRE_WIDTH_PX:
        return False
    need = readable - dock.width()
    centre = window.centralWidget()
    spare = centre.width() - centre.minimumSizeHint().width() if centre is not None else 0
    area = window.dockWidgetArea(dock)
    shown = [d for d in others if d.isVisible() and not d.isFloating() and window.dockWidgetArea(d) != area]
    beside = max(shown, key=lambda d: d.width(), default=None)
    if spare >= need or beside is None:
        window.resizeDocks([dock], [readable], Qt.Orientation.Horizontal)  # the centre gives the room
    else:
        window.resizeDocks([dock, beside], [readable, max(0, beside.width() - need)], Qt.Orientation.Horizontal)
    return True
