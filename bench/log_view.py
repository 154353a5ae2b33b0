"""How fast the message log takes a live feed: prints figures, asserts nothing.

    uv run python bench/log_view.py [--frames 100000] [--batch 500] [--runs 3]

Appends frames in batches into a shown LogView, letting Qt lay out and paint after every
batch as a UI tick would; then re-filters; then repeats the feed into a capped log, where
every batch also drops the oldest rows. Runs offscreen unless QT_QPA_PLATFORM says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from ocpplab_desktop.gui.log_view import LogView
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.protocol.logbook import LogFilter, search_text


def _quiet_offscreen_notice(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """The offscreen plugin says this once per shown window; it is not a finding of the bench."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def make_frames(count: int, stations: int = 50) -> list[Frame]:
    """A fleet's traffic: meter values and status with their answers, some errors, a few broken frames."""
    rng = random.Random(7)
    frames: list[Frame] = []
    seq = 0

    def add(
        station: str,
        direction: Direction,
        message: list | str,
        action: str | None,
        *,
        error: str | None = None,
        rtt_ms: float | None = None,
    ) -> None:
        nonlocal seq
        seq += 1
        is_text = isinstance(message, str)
        frames.append(
            Frame(
                seq=seq,
                wall_time=1_750_000_000.0 + seq * 0.01,
                mono_time=seq * 0.01,
                station_id=station,
                side=Side.STATION,
                direction=direction,
                message_type=MessageType.INVALID if is_text else MessageType(message[0]),
                unique_id=None if is_text else message[1],
                action=action,
                raw=message if is_text else json.dumps(message),
                message=None if is_text else message,
                error=error,
                rtt_ms=rtt_ms,
            )
        )

    while len(frames) < count:
        station = f"CP-{rng.randrange(stations):03d}"
        uid = f"{seq:08x}-{rng.getrandbits(32):08x}"
        roll = rng.random()
        if roll < 0.7:
            action = "MeterValues"
            energy = rng.randrange(10**6)
            sampled = [
                {"value": str(energy), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": str(rng.randrange(22000)), "measurand": "Power.Active.Import", "unit": "W"},
                {"value": "31.9", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
            ]
            payload = {
                "connectorId": 1,
                "transactionId": rng.randrange(1000),
                "meterValue": [{"timestamp": "2025-06-15T10:00:00Z", "sampledValue": sampled}],
            }
        elif roll < 0.9:
            action = "StatusNotification"
            payload = {"connectorId": 1, "errorCode": "NoError", "status": rng.choice(["Charging", "Available"])}
        else:
            action = "Heartbeat"
            payload = {}
        add(station, Direction.TO_CSMS, [2, uid, action, payload], action)
        answer = rng.random()
        if answer < 0.02:
            reply: list = [4, uid, "InternalError", "handler failed", {}]
            add(station, Direction.TO_STATION, reply, action, error="InternalError", rtt_ms=3.0)
        elif answer < 0.025:
            add(station, Direction.TO_STATION, f'[3, "{uid}", {{"curr', action, error="not JSON")
        else:
            add(station, Direction.TO_STATION, [3, uid, {}], action, rtt_ms=rng.uniform(1, 40))
    return frames[:count]


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def feed(app: QApplication, frames: list[Frame], batch: int, capacity: int) -> tuple[list[float], list[float]]:
    """Per-batch seconds of appending `frames` into a fresh, shown view: (append alone, append + paint)."""
    view = LogView(capacity=capacity)
    view.resize(1400, 900)
    view.show()
    app.processEvents()
    appends, ticks = [], []
    for start in range(0, len(frames), batch):
        chunk = frames[start : start + batch]
        began = time.perf_counter()
        view.append_frames(chunk)
        appended = time.perf_counter()
        app.processEvents()
        appends.append(appended - began)
        ticks.append(time.perf_counter() - began)
    view.close()
    view.deleteLater()
    app.processEvents()
    return appends, ticks


def refilter_times(app: QApplication, frames: list[Frame]) -> dict[str, float]:
    view = LogView()
    view.resize(1400, 900)
    view.show()
    for start in range(0, len(frames), 5000):
        view.append_frames(frames[start : start + 5000])
    app.processEvents()
    cases = {
        "text 'cp-017'": LogFilter(side=Side.STATION, text="cp-017"),
        "text 'charging'": LogFilter(side=Side.STATION, text="charging"),
        "station CP-017": LogFilter(side=Side.STATION, stations=frozenset({"CP-017"})),
        "errors only": LogFilter(side=Side.STATION, errors_only=True),
        "no filter": LogFilter(),
    }
    results = {}
    for name, log_filter in cases.items():

        def apply(log_filter: LogFilter = log_filter) -> None:
            view.model.set_filter(log_filter)
            app.processEvents()

        seconds = timed(apply)
        results[f"{name} → {view.model.rowCount():,} rows"] = seconds
    view.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = QApplication([])
    qInstallMessageHandler(_quiet_offscreen_notice)
    frames = make_frames(args.frames)
    mean_raw = statistics.fmean(len(frame.raw) for frame in frames)
    print(f"{len(frames):,} frames, mean raw length {mean_raw:.0f} chars, batches of {args.batch}")

    for label, capacity in (("uncapped", len(frames)), ("capped at 20,000", 20_000)):
        runs = [feed(app, frames, args.batch, capacity) for _ in range(args.runs)]
        totals = [sum(ticks) for _, ticks in runs]
        ticks = [t for _, run_ticks in runs for t in run_ticks]
        appends = [t for run_appends, _ in runs for t in run_appends]
        print(
            f"append + paint, {label}: median total {statistics.median(totals):.2f} s over {args.runs} runs; "
            f"batch median {statistics.median(ticks) * 1000:.1f} ms, slowest {max(ticks) * 1000:.1f} ms; "
            f"model append alone median {statistics.median(appends) * 1000:.2f} ms, "
            f"slowest {max(appends) * 1000:.1f} ms"
        )

    cost = timed(lambda: [search_text(frame) for frame in frames])
    print(
        f"search strings for all frames: {cost * 1000:.0f} ms "
        f"({cost / len(frames) * 1e6:.2f} us a frame; paid at append, or at once on first use if lazy)"
    )
    for name, seconds in refilter_times(app, frames).items():
        print(f"re-filter + repaint, {name}: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
