"""Shared pieces of the widget tests: offscreen Qt and realistic OCPP frames."""

from __future__ import annotations

import gc
import itertools
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_harness import LabHarness, temporary_settings

from ocpplab_desktop.model.events import MeterSample
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

# Before pytest-qt makes the QApplication: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_HERE = Path(__file__).parent
# Qt's offscreen platform warns each time a shown top-level widget passes its size limits to
# the window system, which it does not have; the warning says nothing about our code.
_OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints"

FrameFactory = Callable[..., Frame]


@pytest.fixture(autouse=True)
def _cycles_collected_in_the_gui_thread(qapp: Any) -> Any:
    """As the app does (gui/launch.py), collect cyclic garbage only in the GUI thread.

    An automatic collection set off in another thread (the store's writer, an import worker, a
    later test's `asyncio.to_thread`) would destroy a Qt object left in a cycle by a window test
    in that thread: Qt warns "Timers cannot be stopped from another thread", or crashes (seen
    once in CI as a segmentation fault in a later, Qt-free test). So automatic collection is off
    during a window test, and whatever the test left is collected here, before the next one.
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.enable()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(_OFFSCREEN_NOISE))


def _frame(
    seq: int,
    message: list[Any] | str,
    *,
    station: str = "CP-1",
    side: Side = Side.STATION,
    direction: Direction | None = None,
    action: str | None = None,
    error: str | None = None,
    rtt_ms: float | None = None,
    note: str | None = None,
) -> Frame:
    """A frame as a tap would record it; `message` is the OCPP-J array, or raw text that is not JSON."""
    if isinstance(message, str):
        raw, parsed, message_type, unique_id = message, None, MessageType.INVALID, None
    else:
        raw, parsed = json.dumps(message), message
        message_type, unique_id = MessageType(message[0]), message[1]
        if message_type is MessageType.CALL:
            action = message[2]
    if direction is None:
        direction = Direction.TO_CSMS if message_type is MessageType.CALL else Direction.TO_STATION
    return Frame(
        seq=seq,
        wall_time=1_750_000_000.0 + seq * 0.25,
        mono_time=1000.0 + seq * 0.25,
        station_id=station,
        side=side,
        direction=direction,
        message_type=message_type,
        unique_id=unique_id,
        action=action,
        raw=raw,
        message=parsed,
        error=error,
        rtt_ms=rtt_ms,
        note=note,
    )


@pytest.fixture
def make_frame() -> FrameFactory:
    """Build frames with increasing seq numbers: make_frame([2, "id", "Heartbeat", {}], station=...)."""
    seqs = itertools.count(1)
    return lambda message, **kwargs: _frame(next(seqs), message, **kwargs)


@pytest.fixture
def exchange(make_frame: FrameFactory) -> Callable[..., tuple[Frame, Frame]]:
    """A CALL from a station and the CSMS's CALLRESULT to it."""

    def build(
        action: str, request: dict[str, Any], response: dict[str, Any], *, uid: str, station: str = "CP-1"
    ) -> tuple[Frame, Frame]:
        call = make_frame([2, uid, action, request], station=station)
        result = make_frame([3, uid, response], station=station, action=action, rtt_ms=12.5)
        return call, result

    return build


@pytest.fixture
def sample() -> Callable[..., MeterSample]:
    """A meter reading of one connector; three-phase current split evenly."""

    def build(
        t: float,
        power_w: float,
        *,
        station: str = "CP-1",
        evse: int = 1,
        connector: int = 1,
        limit_w: float = 11_000.0,
        energy_wh: float = 0.0,
        soc: float | None = None,
    ) -> MeterSample:
        amps = power_w / 230.0 / 3
        return MeterSample(
            station_id=station,
            evse_id=evse,
            connector_id=connector,
            sim_time=t,
            energy_wh=energy_wh,
            power_w=power_w,
            limit_w=limit_w,
            voltage_v=230.0,
            current_a=(amps, amps, amps),
            soc=soc,
        )

    return build


@pytest.fixture
def settings_dir(tmp_path: Path) -> Iterator[Path]:
    """The window's QSettings in a folder of the test's own, so no test sees another's layout."""
    with temporary_settings(tmp_path / "settings") as folder:
        yield folder


@pytest.fixture
def in_lab(qapp: Any, qtbot: Any, tmp_path: Path, settings_dir: Path) -> LabHarness:
    """Runs an async scenario against a fresh lab and its window: `in_lab(scenario)`."""
    return LabHarness(qapp, qtbot, tmp_path)
