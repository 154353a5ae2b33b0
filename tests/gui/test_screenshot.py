"""The main window rendered offscreen with a station charging, saved as a PNG.

The README's screenshot is made by this test:

    OCPPLAB_SCREENSHOT=docs/screenshot.png uv run pytest tests/gui/test_screenshot.py
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from lab_harness import LabHarness, add_registered, until
from PySide6.QtGui import QImage

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.station_tree import STATE
from ocpplab_desktop.model.connector import UserAction

SCREENSHOT_ENV = "OCPPLAB_SCREENSHOT"
SAMPLES_SHOWN = 1200
"""Meter samples (one per simulated second): 20 minutes, into the DC taper, before the car is full at 80 %."""
FAST = 500.0
"""Simulated seconds per real second while the graphs fill (more than the toolbar offers, to keep the test short)."""


SHOT_SIZE = (1600, 1000)


def distinct_colours(image: QImage) -> int:
    pixels = image.convertToFormat(QImage.Format.Format_RGB32)
    data = np.frombuffer(pixels.constBits(), dtype=np.uint32, count=pixels.width() * pixels.height())
    return len(np.unique(data))


def test_the_main_window_with_a_dc_station_charging_renders_to_a_png(in_lab: LabHarness, tmp_path: Path) -> None:
    target = tmp_path / "main-window.png"

    async def scenario(lab: Lab, window: MainWindow) -> None:
        # A desktop monitor's window: tall enough for the log under the station and the graphs beside it.
        window.resize(*SHOT_SIZE)
        window.reset_layout()
        await add_registered(window, "ac-22kw-wallbox-v201")
        station = await add_registered(window, "dc-150kw-ccs2-chademo")
        lab.clock.speed = FAST
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="04A1B2C3D4E5F6")
        window.select_station(station.id, 1, 1)
        await until(lambda: len(window.power_plot.curve_data("power")[0]) >= SAMPLES_SHOWN, "the graphs to fill")
        window.set_speed(1)
        state = window.tree_model.index_of(station.id, 1, 1).siblingAtColumn(STATE)
        await until(lambda: state.data() == "Charging", "the connector to be charging")
        # The log's detail pane with a request and its answer makes a more telling picture.
        log = window.log_view
        rows = [row for row in range(log.model.rowCount()) if log.model.frame_at(row).action == "StartTransaction"]
        assert rows, "the transaction was started with a StartTransaction"
        log.select_row(rows[0])
        assert window.grab().save(str(target), "PNG")

    in_lab(scenario)

    image = QImage(str(target))
    assert (image.width(), image.height()) == SHOT_SIZE
    assert distinct_colours(image) > 200, "a blank or single-colour picture is not a screenshot"
    if copy_to := os.environ.get(SCREENSHOT_ENV):
        Path(copy_to).parent.mkdir(parents=True, exist_ok=True)
        assert image.save(copy_to, "PNG"), f"could not write the screenshot to {copy_to}"
