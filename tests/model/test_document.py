"""Reading YAML and JSON with the line of every value, the way schema errors find their line."""

from __future__ import annotations

import math

import pytest

from ocpplab_desktop.model.document import DocumentError, Lines, describe_loc, read_json, read_yaml

YAML = """\
name: x
station:
  template: wallbox
steps:
  - wait: 3
  - plug_in:
      connector: 2
  - {expect_state: {state: Charging}}
"""


def test_yaml_values_and_the_line_each_starts_on() -> None:
    data, lines = read_yaml(YAML)
    assert data["steps"][1] == {"plug_in": {"connector": 2}}
    expected = {
        ("name",): 1,
        ("station",): 2,
        ("station", "template"): 3,
        ("steps", 0): 5,
        ("steps", 0, "wait"): 5,
        ("steps", 1, "plug_in"): 6,
        ("steps", 1, "plug_in", "connector"): 7,
        ("steps", 2, "expect_state", "state"): 8,
    }
    assert {loc: lines.of(loc) for loc in expected} == expected


def test_a_location_not_written_takes_the_line_of_what_encloses_it() -> None:
    _, lines = read_yaml(YAML)
    assert lines.of(("steps", 1, "plug_in", "evse")) == 6
    assert lines.of(("nothing", "here")) == 1
    assert Lines().of(("steps", 0)) is None


def test_a_key_written_twice_is_an_error_at_its_second_line() -> None:
    with pytest.raises(DocumentError) as raised:
        read_yaml("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert (raised.value.line, raised.value.loc, raised.value.problem) == (4, ("b", "c"), "written twice")


def test_bad_yaml_names_its_line() -> None:
    with pytest.raises(DocumentError, match="not valid YAML") as raised:
        read_yaml("a: [1, 2\nb: 3\n")
    assert raised.value.line == 2


def test_json_values_come_from_json_and_lines_from_the_node_tree() -> None:
    data, lines = read_json('{\n  "a": {\n    "b": Infinity\n  },\n  "c": [1,\n    2]\n}\n')
    assert math.isinf(data["a"]["b"])  # read, so that the schema says what is wrong with it
    assert (lines.of(("a", "b")), lines.of(("c", 1))) == (3, 6)


def test_bad_json_names_its_line() -> None:
    with pytest.raises(DocumentError, match="not valid JSON") as raised:
        read_json('{\n  "a": 1,\n}\n')
    assert raised.value.line == 3


def test_a_location_reads_like_a_path() -> None:
    assert describe_loc(("evses", 0, "connectors", 1, "phases")) == "evses[0].connectors[1].phases"
    assert describe_loc(()) == ""
