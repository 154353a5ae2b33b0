"""A frame kept without its parsed message (`Frame.held`) gives back the same frame (`Frame.parsed`)."""

from __future__ import annotations

import gc

from hypothesis import given
from hypothesis import strategies as st

from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side, next_seq, parse_json


def frame(raw: str, message: object) -> Frame:
    return Frame(
        seq=next_seq(), wall_time=1.0, mono_time=1.0, station_id="CP-1", side=Side.STATION,
        direction=Direction.TO_CSMS, message_type=MessageType.CALL, unique_id="u-1", action="MeterValues",
        raw=raw, message=message,
    )  # fmt: skip


RAW = (
    '[2,"u-1","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-12-06T10:00:00Z",'
    '"sampledValue":[{"value":"7.2","measurand":"Power.Active.Import","unit":"kW"}]}]}]'
)


def test_a_held_frame_has_no_parsed_message_and_parsed_gives_the_original_back() -> None:
    original = frame(RAW, parse_json(RAW))
    held = original.held()
    assert held.message is None and held.raw == original.raw
    assert held.parsed() == original
    assert original.parsed() is original, "a frame that has its message is given back as it is"


def containers(obj: object) -> int:
    """The lists and dicts the cyclic collector walks from `obj` (the enums it names are shared)."""
    found = [r for r in gc.get_referents(obj) if isinstance(r, (list, dict))]
    return len(found) + sum(containers(r) for r in found)


def test_a_held_frame_leaves_the_collector_no_containers_to_walk_where_the_parsed_one_has_several() -> None:
    original = frame(RAW, parse_json(RAW))
    assert containers(original.held()) == 0
    assert containers(original) == 6, "message, payload, meterValue list and item, sampledValue list and item"


def test_text_that_is_not_json_stays_unparsed() -> None:
    for raw in ("[2,", "[" * 100_000, '[2,"\ud800","Heartbeat",{}'):
        broken = frame(raw, None)
        assert broken.held() is broken and broken.parsed() is broken


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_held_then_parsed_is_the_same_frame_for_any_json(value: object) -> None:
    import json

    raw = json.dumps([2, "u-1", "DataTransfer", {"data": value}])
    original = frame(raw, json.loads(raw))
    assert original.held().parsed() == original
