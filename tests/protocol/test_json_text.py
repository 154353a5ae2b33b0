"""JSON in and out of the RPC core: orjson's speed, the standard library's answers."""

from __future__ import annotations

import json
import math

import pytest

from ocpplab_desktop.protocol.rpc import dumps, loads

SAMPLES = [
    '[2,"a","Heartbeat",{}]',
    '[3,"b",{"currentTime":"2026-12-02T10:00:00.000Z","nested":{"x":[1,2.5,-3e-7,true,null]}}]',
    '[2,"\\u00e9t\\u00e9","DataTransfer",{"vendorId":"\u00e9","data":"\\n\\t\\"q\\""}]',
    '[2,"\\ud800","Heartbeat",{}]',  # a lone surrogate: orjson refuses, json reads it
    '[2,"big","DataTransfer",{"vendorId":"X","data":123456789012345678901234567890}]',  # past 64 bits
    '[2,"nan","DataTransfer",{"vendorId":"X","data":NaN}]',  # not JSON, but json reads it
]


@pytest.mark.parametrize("text", SAMPLES)
def test_loads_reads_what_the_standard_library_reads(text: str) -> None:
    ours, theirs = loads(text), json.loads(text)
    assert repr(ours) == repr(theirs)  # repr: NaN != NaN


@pytest.mark.parametrize("text", ['[2,"a"', "{", '[2,"x",]', "[" * 5000 + "]" * 5000, ""])
def test_loads_fails_as_the_standard_library_fails(text: str) -> None:
    with pytest.raises((ValueError, RecursionError)) as ours:
        loads(text)
    with pytest.raises((ValueError, RecursionError)) as theirs:
        json.loads(text)
    assert type(ours.value) is type(theirs.value)


@pytest.mark.parametrize(
    "message",
    [
        [2, "a", "Heartbeat", {}],
        [3, "b", {"value": "é", "n": 1.5, "deep": [[[{"k": None}]]]}],
        [2, "\ud800", "Heartbeat", {}],  # orjson cannot write a lone surrogate; json can
        [2, "big", "DataTransfer", {"data": 10**30}],
    ],
)
def test_dumps_is_compact_json_that_reads_back_the_same(message: list[object]) -> None:
    text = dumps(message)
    assert ", " not in text and ": " not in text
    assert json.loads(text) == message


def test_dumps_writes_a_non_finite_number_as_null_not_as_invalid_json() -> None:
    assert json.loads(dumps([3, "x", {"v": math.inf}])) == [3, "x", {"v": None}]
