"""An EVSE's or a station's graph made from its connectors' readings when drawn equals the sums
kept up to date reading by reading, as the window did before (the reference below)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpplab_desktop.gui.plot_groups import group_rows

TIME, POWER, LIMIT, L1, L2, L3, ENERGY, SOC = range(8)
ADDITIVE = (POWER, L1, L2, L3, ENERGY)
WIDTH = 8


def reference(members: list[tuple[int, np.ndarray]]) -> tuple[np.ndarray, int]:
    """Reading by reading in time order: the group's value from each connector's latest reading."""
    arrivals = sorted(
        ((row[TIME], index, row) for index, (_evse, rows) in enumerate(members) for row in rows),
        key=lambda item: item[0],
    )
    latest: dict[int, np.ndarray] = {}
    out: list[list[float]] = []
    cars: list[int] = []  # cars plugged in at each point kept (a point replaced at the same time counts once)
    for time, index, row in arrivals:
        latest[index] = row
        total = [math.nan] * WIDTH
        total[TIME] = time
        for field in ADDITIVE:
            total[field] = sum(reading[field] for reading in latest.values())
        socs = [reading[SOC] for reading in latest.values() if math.isfinite(reading[SOC])]
        if socs:
            total[SOC] = sum(socs) / len(socs)
        evse_limits: dict[int, float] = {}
        for member, reading in latest.items():
            evse, known = members[member][0], evse_limits.get(members[member][0], -math.inf)
            evse_limits[evse] = math.nan if math.isnan(reading[LIMIT]) else max(known, reading[LIMIT])
        total[LIMIT] = sum(evse_limits.values())
        if out and out[-1][TIME] == time:
            out[-1], cars[-1] = total, len(socs)
        else:
            out.append(total)
            cars.append(len(socs))
    return np.array(out).reshape(-1, WIDTH), max(cars, default=0)


values = st.one_of(st.floats(0, 50, allow_nan=False), st.just(math.nan))


@st.composite
def member(draw: st.DrawFn) -> tuple[int, np.ndarray]:
    evse = draw(st.integers(1, 3))
    times = sorted(draw(st.lists(st.integers(0, 30), max_size=12)))
    rows = [[float(t), *(draw(values) for _ in range(WIDTH - 1))] for t in times]
    return evse, np.array(rows, dtype=float).reshape(-1, WIDTH)


@settings(max_examples=300, deadline=None)
@given(st.lists(member(), min_size=1, max_size=5))
def test_the_group_made_when_drawn_equals_the_sums_kept_reading_by_reading(
    members: list[tuple[int, np.ndarray]],
) -> None:
    expected, expected_cars = reference(members)
    rows, cars = group_rows(members, time=TIME, additive=ADDITIVE, limit=LIMIT, soc=SOC, width=WIDTH)
    assert rows.shape == expected.shape
    np.testing.assert_allclose(rows, expected, equal_nan=True)
    assert cars == expected_cars


def test_two_wallboxes_one_charging_one_unlimited() -> None:
    a = np.array([[0, 7.0, 11.0, 10, 10, 10, 1.0, 40], [10, 11.0, 11.0, 16, 16, 16, 1.5, 42]])
    b = np.array([[5, 3.0, math.nan, 5, 5, 5, 0.2, math.nan]])
    rows, cars = group_rows([(1, a), (2, b)], time=TIME, additive=ADDITIVE, limit=LIMIT, soc=SOC, width=WIDTH)
    assert rows[:, TIME].tolist() == [0, 5, 10]
    assert rows[:, POWER].tolist() == [7.0, 10.0, 14.0]
    assert rows[0, LIMIT] == 11.0 and math.isnan(rows[1, LIMIT]), "the second EVSE reports no limit from t=5"
    assert rows[:, SOC].tolist() == [40, 40, 42] and cars == 1
