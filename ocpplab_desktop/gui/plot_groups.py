"""The power graph of an EVSE or a station, computed from its connectors' readings when it is shown.

A group's value at an instant is made of each connector's latest reading then (meter readings
hold until the next one): power, phase currents and energy are summed; SoC belongs to one car and
is the mean over the cars plugged in (with one car, its SoC); an EVSE powers one connector at a
time (2.0.1 part 1 section 3.1, the EVSE), so its limit is the largest of its connectors' and a
station's is the sum over its EVSEs. A connector that reports no limit (NaN) leaves its EVSE with
none to draw. A group has a point at every time any of its connectors has one; connectors that
have not reported yet take no part.

The window used to keep these sums up to date for every EVSE and station as each reading came in:
with 2,000 stations charging that was the largest cost of the window's thread, for graphs of which
one is shown. Computed here, from the connectors' buffers, only for the graph being drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Member = tuple[int, np.ndarray]
"""(EVSE id, the connector's rows ordered by time) of one connector of the group."""


def group_rows(
    members: Sequence[Member], *, time: int, additive: Sequence[int], limit: int, soc: int, width: int
) -> tuple[np.ndarray, int]:
    """The group's rows (one per time any member has a reading) and the most cars seen plugged in at once.

    `time`, `additive`, `limit` and `soc` are column numbers of the rows; `width` is their count.
    """
    present = [(evse, rows) for evse, rows in members if len(rows)]
    if not present:
        return np.empty((0, width)), 0
    times = np.unique(np.concatenate([rows[:, time] for _evse, rows in present]))
    out = np.full((len(times), width), np.nan)
    out[:, time] = times
    totals = np.zeros((len(times), len(additive)))
    soc_sum = np.zeros(len(times))
    cars = np.zeros(len(times), dtype=int)
    evse_limits: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for evse, rows in present:
        latest = np.searchsorted(rows[:, time], times, side="right") - 1
        seen = latest >= 0
        values = rows[np.maximum(latest, 0)]
        totals += np.where(seen[:, None], values[:, list(additive)], 0.0)
        has_car = seen & np.isfinite(values[:, soc])
        soc_sum += np.where(has_car, values[:, soc], 0.0)
        cars += has_car
        # Per EVSE: the largest limit of its connectors that have reported, NaN if any says none.
        best, unlimited, reported = evse_limits.get(
            evse, (np.full(len(times), -np.inf), np.zeros(len(times), dtype=bool), np.zeros(len(times), dtype=bool))
        )
        limits = values[:, limit]
        unlimited = unlimited | (seen & np.isnan(limits))
        best = np.where(seen & ~np.isnan(limits), np.maximum(best, np.nan_to_num(limits, nan=-np.inf)), best)
        evse_limits[evse] = (best, unlimited, reported | seen)
    out[:, list(additive)] = totals
    out[:, soc] = np.where(cars > 0, soc_sum / np.maximum(cars, 1), np.nan)
    limit_total = np.zeros(len(times))
    for best, unlimited, reported in evse_limits.values():
        limit_total += np.where(reported, np.where(unlimited, np.nan, best), 0.0)
    out[:, limit] = limit_total
    return out, int(cars.max())
