"""The meter loop alone: energy on the simulated clock, clock-aligned timing, graph samples."""

from __future__ import annotations

from datetime import UTC, datetime

from rig import config_for

from ocpplab_desktop.engine.metering import Metering
from ocpplab_desktop.model.clock import SimClock
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import Connector
from ocpplab_desktop.model.events import EventBus, MeterSample

NOON_PLUS_7 = datetime(2027, 1, 15, 12, 0, 7, tzinfo=UTC).timestamp()


def setup(start: float = NOON_PLUS_7) -> tuple[Metering, Connector, SimClock, list[object]]:
    config = config_for(OcppVersion.V16)
    (evse_id, cc), *_ = config.connectors()
    c = Connector(OcppVersion.V16, evse_id, cc.id, 1, cc)
    clock = SimClock(speed=1.0, sim_start_wall=start)
    bus = EventBus()
    published: list[object] = []
    bus.subscribe(published.append)
    full: list[Connector] = []
    return Metering("M", [c], clock=clock, bus=bus, on_ev_full=full.append), c, clock, published


def charging(c: Connector) -> None:
    c.plugged, c.tx_started, c.token = True, True, "T"


def test_energy_follows_the_time_a_connector_was_drawing_whatever_the_reading_steps() -> None:
    one, c1, clock1, _ = setup()
    many, c2, clock2, _ = setup()
    for metering, c in ((one, c1), (many, c2)):
        metering.plug(c, None)
        charging(c)
    clock1.advance_sim(600)
    for _ in range(600):
        clock2.advance_sim(1)
        many.reading(c2)
    a, b = one.reading(c1), many.reading(c2)
    assert abs(a.energy_wh - b.energy_wh) < 1e-6 * max(1.0, a.energy_wh)
    assert 0 < a.energy_wh <= 22080 * 600 / 3600 + 1e-6, "never more than the rated power allows"


def test_nothing_is_metered_while_the_connector_is_not_drawing() -> None:
    metering, c, clock, _ = setup()
    metering.plug(c, None)
    clock.advance_sim(300)
    assert metering.reading(c).energy_wh == 0


def test_clock_aligned_samples_fall_on_multiples_of_the_interval_since_midnight() -> None:
    metering, _, clock, _ = setup()
    due: list[float] = []
    metering.arm_aligned(900, lambda: due.append(clock.now))
    clock.advance_sim(3600)
    # 12:00:07 -> the first aligned sample at 12:15:00, 893 s later, then every 900 s.
    assert due == [893.0, 1793.0, 2693.0, 3593.0]


def test_graph_samples_are_published_on_their_interval_and_stop_with_the_station() -> None:
    metering, _, clock, published = setup()
    metering.start_graph(5)
    clock.advance_sim(20)
    samples = [e for e in published if isinstance(e, MeterSample)]
    assert [s.sim_time for s in samples] == [5.0, 10.0, 15.0, 20.0]
    metering.stop()
    clock.advance_sim(20)
    assert len([e for e in published if isinstance(e, MeterSample)]) == 4


def test_a_connector_whose_meter_values_went_out_within_the_interval_gets_no_second_graph_sample() -> None:
    metering, c, clock, published = setup()
    metering.plug(c, None)
    charging(c)
    metering.start_graph(1.0)

    def meter_values_due(connector: Connector) -> None:
        metering.publish(connector, metering.reading(connector), on_wire=True)

    clock.advance_sim(0.3)  # the transaction's samples run 0.3 s out of phase with the graph's
    metering.start_sampling(c, 1, meter_values_due)
    clock.advance_sim(10)
    samples = [e for e in published if isinstance(e, MeterSample)]
    from_graph = [s for s in samples if not s.on_wire]
    assert [round(s.sim_time, 1) for s in from_graph] == [1.0], "only before the first MeterValues went out"
    assert len([s for s in samples if s.on_wire]) == 10
    metering.stop_sampling(c)
    clock.advance_sim(3)
    later = [e for e in published if isinstance(e, MeterSample) and not e.on_wire][1:]
    assert [round(s.sim_time, 1) for s in later] == [12.0, 13.0], "without MeterValues the graph samples again"
