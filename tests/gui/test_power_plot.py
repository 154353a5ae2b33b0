"""PowerPlot: ring buffers fed by MeterSample records, drawn on a timer while visible."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette

from ocpplab_desktop.gui.power_plot import CURVE_NAMES, PowerPlot, RingBuffer
from ocpplab_desktop.model.events import MeterSample

SampleFactory = Callable[..., MeterSample]


@pytest.fixture
def plot(qtbot) -> PowerPlot:
    widget = PowerPlot()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def wait_for_points(qtbot, plot: PowerPlot, count: int, name: str = "power") -> None:
    qtbot.waitUntil(lambda: len(plot.curve_data(name)[0]) == count)


def test_samples_appear_after_the_redraw_timer_not_on_arrival(qtbot, plot: PowerPlot, sample: SampleFactory) -> None:
    plot.set_target("CP-1", 1, 1)
    plot.add_samples([sample(100.0 + i, 7400.0 + i * 100, energy_wh=i * 500.0) for i in range(4)])
    assert len(plot.curve_data("power")[0]) == 0, "add_samples only stores"
    wait_for_points(qtbot, plot, 4)
    x, power = plot.curve_data("power")
    np.testing.assert_allclose(x, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(power, [7.4, 7.5, 7.6, 7.7])
    np.testing.assert_allclose(plot.curve_data("energy")[1], [0.0, 0.5, 1.0, 1.5])
    np.testing.assert_allclose(plot.curve_data("current_L2")[1], np.array([7400, 7500, 7600, 7700]) / 230 / 3)


def test_limit_line_follows_the_samples_limit_and_is_dashed(qtbot, plot: PowerPlot, sample: SampleFactory) -> None:
    plot.set_target("CP-1", 1, 1)
    plot.add_samples([sample(0.0, 11_000.0), sample(10.0, 6_000.0, limit_w=6_000.0), sample(20.0, 6_000.0)])
    wait_for_points(qtbot, plot, 3, "limit")
    np.testing.assert_allclose(plot.curve_data("limit")[1], [11.0, 6.0, 11.0])
    assert plot.curve("limit").opts["pen"].style() == Qt.PenStyle.DashLine


def test_unlimited_readings_leave_a_gap_in_the_limit_line(qtbot, plot: PowerPlot, sample: SampleFactory) -> None:
    plot.set_target("CP-1", 1, 1)
    plot.add_samples([sample(0.0, 1000.0), sample(1.0, 1000.0, limit_w=float("inf")), sample(2.0, 1000.0)])
    wait_for_points(qtbot, plot, 3)
    np.testing.assert_allclose(plot.curve_data("limit")[0], [0.0, 2.0])


def test_buffer_keeps_the_newest_points_in_order_past_capacity(qtbot, sample: SampleFactory) -> None:
    plot = PowerPlot(capacity=5)
    qtbot.addWidget(plot)
    plot.show()
    plot.set_target("CP-1", 1, 1)
    plot.add_samples([sample(float(t), t * 1000.0) for t in range(4)])
    plot.add_samples([sample(float(t), t * 1000.0) for t in range(4, 7)])
    wait_for_points(qtbot, plot, 5)
    np.testing.assert_allclose(plot.curve_data("power")[1], [2.0, 3.0, 4.0, 5.0, 6.0])
    plot.add_samples([sample(float(t), t * 1000.0) for t in range(7, 20)])
    qtbot.waitUntil(lambda: plot.curve_data("power")[1][0] == 15.0)
    np.testing.assert_allclose(plot.curve_data("power")[1], [15.0, 16.0, 17.0, 18.0, 19.0])


@pytest.mark.parametrize("batches", [[3, 3, 3], [2, 5], [7], [4, 1, 1, 1, 1, 1]])
def test_ring_buffer_wraps_across_its_end(batches: list[int]) -> None:
    ring = RingBuffer(capacity=4)
    values = np.arange(sum(batches), dtype=float)
    start = 0
    for size in batches:
        ring.extend(np.tile(values[start : start + size, np.newaxis], (1, 8)))
        start += size
    assert len(ring) == 4
    np.testing.assert_array_equal(ring.ordered()[:, 0], values[-4:])


@given(
    steps=st.lists(st.one_of(st.integers(min_value=1, max_value=180), st.just(0)), min_size=1, max_size=40),
    capacity=st.sampled_from([5, 64, 65, 300]),
)
def test_a_growing_ring_buffer_keeps_exactly_the_last_rows_it_was_given(steps: list[int], capacity: int) -> None:
    """A batch (n > 0 rows) or a single put (0): whatever the mix, the buffer holds the last `capacity`
    rows in order, and never more storage than its capacity."""
    ring = RingBuffer(capacity=capacity)
    given: list[float] = []
    for step in steps:
        start = float(len(given))
        if step == 0:
            ring.put([start] + [0.0] * 7)
            given.append(start)
        else:
            batch = np.arange(start, start + step, dtype=float)
            ring.extend(np.tile(batch[:, np.newaxis], (1, 8)))
            given.extend(batch.tolist())
    assert ring.allocated <= capacity
    assert len(ring) == min(capacity, len(given))
    np.testing.assert_array_equal(ring.ordered()[:, 0], given[-capacity:])


def test_a_ring_buffer_starts_small() -> None:
    ring = RingBuffer(capacity=20_000)
    assert ring.allocated <= 64
    ring.extend(np.zeros((100, 8)))
    assert 100 <= ring.allocated <= 200


def test_ring_buffer_put_wraps_and_can_replace_a_row_of_the_same_time() -> None:
    ring = RingBuffer(capacity=3)
    for t in (1.0, 2.0, 3.0, 4.0):
        ring.put([t, t * 10] + [0.0] * 6)
    ring.put([4.0, 99.0] + [0.0] * 6, replace_same_time=True)
    ring.put([5.0, 50.0] + [0.0] * 6, replace_same_time=True)
    np.testing.assert_array_equal(ring.ordered()[:, :2], [[3.0, 30.0], [4.0, 99.0], [5.0, 50.0]])


def test_station_target_sums_the_latest_reading_of_each_connector(
    qtbot, plot: PowerPlot, sample: SampleFactory
) -> None:
    plot.set_target("CP-1")
    plot.add_samples(
        [
            sample(0.0, 7000.0, connector=1, limit_w=11_000.0),
            sample(0.0, 3000.0, evse=2, connector=1, limit_w=11_000.0),
            sample(5.0, 5000.0, connector=1, limit_w=11_000.0),
            sample(5.0, 1000.0, station="CP-2"),
        ]
    )
    wait_for_points(qtbot, plot, 2)
    np.testing.assert_allclose(plot.curve_data("power")[1], [10.0, 8.0], err_msg="one point per instant")
    np.testing.assert_allclose(plot.curve_data("limit")[1], [22.0, 22.0])
    plot.set_target("CP-1", 2)
    np.testing.assert_allclose(plot.curve_data("power")[1], [3.0])
    assert plot.targets() == [("CP-1", 1, 1), ("CP-1", 2, 1), ("CP-2", 1, 1)]


def test_connectors_of_one_evse_share_its_limit_and_evses_add_up(qtbot, plot: PowerPlot, sample: SampleFactory) -> None:
    """A DC EVSE with CCS2 (150 kW) and CHAdeMO (62.5 kW) delivers at most 150 kW, not 212.5."""
    plot.set_target("CP-DC")
    plot.add_samples(
        [
            sample(0.0, 0.0, station="CP-DC", connector=1, limit_w=150_000.0),
            sample(0.0, 0.0, station="CP-DC", connector=2, limit_w=62_500.0),
            sample(0.0, 0.0, station="CP-DC", evse=2, connector=1, limit_w=50_000.0),
            sample(1.0, 0.0, station="CP-DC", evse=2, connector=1, limit_w=float("inf")),
        ]
    )
    wait_for_points(qtbot, plot, 2)
    x, limit = plot.curve_data("limit")
    np.testing.assert_allclose(x, [0.0], err_msg="no limit line while an EVSE is unlimited")
    np.testing.assert_allclose(limit, [200.0])
    plot.set_target("CP-DC", 1)
    np.testing.assert_allclose(plot.curve_data("limit")[1], [150.0])


def legend_labels(plot: PowerPlot, index: int) -> list[str]:
    return [label.text for _sample, label in plot.plots[index].legend.items]


def test_soc_is_drawn_for_a_dc_car_at_connector_and_station_level(
    qtbot, plot: PowerPlot, sample: SampleFactory
) -> None:
    plot.set_target("CP-DC", 1, 1)
    plot.add_samples([sample(t, 50_000.0, station="CP-DC", soc=20.0 + t) for t in (0.0, 60.0, 120.0)])
    wait_for_points(qtbot, plot, 3, "soc")
    np.testing.assert_allclose(plot.curve_data("soc")[1], [20.0, 80.0, 140.0])
    assert plot.plots[2].getAxis("right").isVisible()
    assert "SoC (%)" in legend_labels(plot, 2)
    plot.set_target("CP-DC")
    np.testing.assert_allclose(plot.curve_data("soc")[1], [20.0, 80.0, 140.0], err_msg="one car: its SoC")
    assert len(plot.curve_data("power")[0]) == 3
    assert plot.plots[2].getAxis("right").isVisible()
    assert "SoC (%)" in legend_labels(plot, 2)


def test_a_station_charging_two_cars_shows_their_mean_soc_and_says_so(
    qtbot, plot: PowerPlot, sample: SampleFactory
) -> None:
    plot.set_target("CP-DC")
    plot.add_samples(
        [
            sample(0.0, 50_000.0, station="CP-DC", connector=1, soc=20.0),
            sample(0.0, 50_000.0, station="CP-DC", evse=2, connector=1, soc=60.0),
        ]
    )
    wait_for_points(qtbot, plot, 1, "soc")
    np.testing.assert_allclose(plot.curve_data("soc")[1], [40.0], err_msg="not summed: the mean of the two cars")
    assert "Mean SoC (%) of 2 cars" in legend_labels(plot, 2)


def test_an_ac_station_lists_no_soc_in_the_legend(qtbot, plot: PowerPlot, sample: SampleFactory) -> None:
    plot.set_target("CP-1")
    plot.add_samples([sample(float(t), 11_000.0) for t in range(3)])
    wait_for_points(qtbot, plot, 3)
    assert len(plot.curve_data("soc")[0]) == 0
    assert not any("SoC" in label for label in legend_labels(plot, 2))
    assert not plot.plots[2].getAxis("right").isVisible()


def test_hidden_plot_does_not_redraw(qtbot, sample: SampleFactory) -> None:
    plot = PowerPlot()
    qtbot.addWidget(plot)
    plot.set_target("CP-1", 1, 1)
    plot.add_samples([sample(0.0, 1000.0)])
    qtbot.wait(250)
    assert len(plot.curve_data("power")[0]) == 0
    plot.show()
    wait_for_points(qtbot, plot, 1)


def test_export_png_writes_the_plot(plot: PowerPlot, sample: SampleFactory, tmp_path: Path) -> None:
    plot.set_target("CP-1", 1, 1)
    plot.add_samples([sample(float(t), 1000.0 * (t % 7)) for t in range(60)])
    path = tmp_path / "power.png"
    plot.export_png(path)
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    assert not image.isNull()
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.width() * image.height())
    assert len(np.unique(pixels)) > 10
    assert QColor("#3a86ff").rgb() in set(pixels.tolist()), "the power curve is in the picture"


def test_export_png_to_a_missing_folder_says_what_is_wrong(plot: PowerPlot, tmp_path: Path) -> None:
    with pytest.raises(OSError, match="could not write the plot image"):
        plot.export_png(tmp_path / "no-such-folder" / "power.png")


def test_background_and_axes_follow_the_palette(plot: PowerPlot) -> None:
    dark = QPalette(plot.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#202124"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e8eaed"))
    plot.setPalette(dark)
    assert plot.graphics.backgroundBrush().color() == QColor("#202124")
    assert plot.plots[0].getAxis("left").textPen().color() == QColor("#e8eaed")


def test_time_axis_reads_as_elapsed_minutes_and_hours(plot: PowerPlot) -> None:
    axis = plot.plots[2].getAxis("bottom")
    assert axis.tickStrings([0.0, 90.0, 3605.0], 1.0, 30.0) == ["0:00", "1:30", "1:00:05"]


def test_curve_data_names_the_curves_it_knows(plot: PowerPlot) -> None:
    assert set(CURVE_NAMES) >= {"power", "limit", "current_L1", "energy", "soc"}
    with pytest.raises(KeyError, match="current_L1"):
        plot.curve_data("current")


def test_a_dc_connector_lists_one_current_in_the_legend(qtbot, plot: PowerPlot) -> None:
    from dataclasses import replace as with_fields

    from ocpplab_desktop.model.events import MeterSample

    base = MeterSample("CP-DC", 1, 1, 0.0, 0.0, 100_000.0, 150_000.0, 400.0, (250.0,), 50.0)
    plot.set_target("CP-DC", 1, 1)
    plot.add_samples([with_fields(base, sim_time=float(t)) for t in range(3)])
    wait_for_points(qtbot, plot, 3)
    labels = [label.text for _sample, label in plot.plots[1].legend.items]
    assert labels == ["L1 (A)"]
    np.testing.assert_allclose(plot.curve_data("current_L1")[1], [250.0, 250.0, 250.0])


def test_an_idle_connector_is_drawn_on_a_readable_scale(qtbot, plot: PowerPlot, sample: SampleFactory) -> None:
    plot.set_target("CP-1", 1, 1)
    plot.add_samples([sample(float(t), 0.0) for t in range(5)])
    wait_for_points(qtbot, plot, 5)
    plot.plots[0].vb.autoRange()
    low, high = plot.plots[0].vb.viewRange()[1]
    assert high - low >= 1.0, "a flat zero line must not be scaled to milli-kW"
    assert plot.plots[0].getAxis("left").labelUnitPrefix == ""


@pytest.mark.parametrize(("span_s", "width_px"), [(1.0, 400), (2.2, 400), (140.0, 300), (5400.0, 600), (3.0, 2000)])
def test_time_axis_ticks_fall_on_distinct_whole_clock_steps(plot: PowerPlot, span_s: float, width_px: int) -> None:
    axis = plot.plots[-1].getAxis("bottom")
    levels = axis.tickValues(0.0, span_s, width_px)
    values = [value for _spacing, level in levels for value in level]
    labels = axis.tickStrings(values, 1.0, levels[0][0])
    assert values, "at least one tick"
    assert all(value == int(value) for value in values), f"ticks between whole seconds: {values}"
    assert len(set(labels)) == len(labels), f"two ticks read the same: {labels}"
    assert len(values) <= max(2, width_px // 70) + 1, "no more ticks than fit"


def test_an_empty_plot_shows_a_readable_time_window(qtbot, plot: PowerPlot) -> None:
    plot.redraw()
    low, high = plot.plots[-1].viewRange()[0]
    assert (low, high) == (0.0, 10.0)
    axis = plot.plots[-1].getAxis("bottom")
    levels = axis.tickValues(low, high, axis.width())
    assert len([value for _spacing, level in levels for value in level]) >= 2, "at least two labelled ticks"


def test_the_first_seconds_show_from_zero_and_a_longer_session_follows_its_data(
    qtbot, plot: PowerPlot, sample: SampleFactory
) -> None:
    plot.set_target("CP-1", 1, 1)
    plot.add_samples([sample(t, 1000.0) for t in (0.0, 1.0, 2.0)])
    plot.redraw()
    assert plot.plots[-1].viewRange()[0] == [0.0, 10.0]
    low, high = plot.plots[0].viewRange()[0]
    assert low == 0.0 and high >= 10.0, "the plots above share the time axis, pixel for pixel"

    plot.add_samples([sample(t, 1000.0) for t in (60.0, 120.0)])
    plot.redraw()
    qtbot.waitUntil(lambda: plot.plots[-1].viewRange()[0][1] >= 120.0)
    low, _high = plot.plots[-1].viewRange()[0]
    assert -10.0 < low <= 0.0


def test_a_steady_power_is_drawn_on_an_axis_from_zero(qtbot, plot: PowerPlot, sample: SampleFactory) -> None:
    plot.set_target("CP-1", 1, 1)
    plot.add_samples([sample(t, 22_080.0, limit_w=22_080.0, energy_wh=t * 6.0) for t in range(30)])
    plot.redraw()
    tops = {0: 22.08, 1: 32.0, 2: 29 * 6.0 / 1000}  # kW, A per phase, kWh
    for index, top in tops.items():
        qtbot.waitUntil(
            lambda i=index, t=top: plot.plots[i].viewRange()[1][0] <= 0.0 < t <= plot.plots[i].viewRange()[1][1]
        )


def test_export_svg_writes_a_titled_vector_drawing_and_png_gets_the_title_too(
    plot: PowerPlot, sample: SampleFactory, tmp_path: Path
) -> None:
    plot.set_target("CP-1", 1, 1)
    plot.add_samples([sample(float(t), 1000.0 * (t % 7)) for t in range(60)])
    svg = tmp_path / "power.svg"
    plot.export(svg, "CP-1, EVSE 1 connector 1 · session 3: Firmware test")
    root = ElementTree.parse(svg).getroot()
    assert root.tag.endswith("svg")
    texts = " ".join(t for element in root.iter() if (t := (element.text or "").strip()))
    assert "Firmware test" in texts and "Simulated time since the first sample" in texts
    assert not plot.plots[0].titleLabel.isVisible(), "the title is only on the exported drawing"

    untitled, titled = tmp_path / "a.png", tmp_path / "b.png"
    plot.export(untitled)
    plot.export(titled, "CP-1 · session 3")
    a, b = QImage(str(untitled)), QImage(str(titled))
    assert a.size() == b.size() and a != b, "the title is drawn into the picture"


def test_export_refuses_a_format_it_does_not_write(plot: PowerPlot, tmp_path: Path) -> None:
    with pytest.raises(OSError, match=r"exported as \.png or \.svg, not \.jpg"):
        plot.export(tmp_path / "power.jpg")
    with pytest.raises(OSError, match="does not exist"):
        plot.export(tmp_path / "no-such-folder" / "power.svg")


def test_an_empty_graph_shows_its_first_seconds_as_a_clock(qtbot) -> None:
    empty = PowerPlot()
    qtbot.addWidget(empty)
    low, high = empty.plots[-1].getViewBox().viewRange()[0]
    assert (low, high) == (0.0, 10.0)
