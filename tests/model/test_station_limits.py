"""How big a station may be, and what a configuration built without the schema is checked for.

Real stations have a handful of connectors; the limits leave a wide margin and refuse the rest
with one message, in templates, scenario files and the builder alike.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ocpplab_desktop.model.config import (
    MAX_CONNECTORS,
    MAX_CONNECTORS_PER_EVSE,
    MAX_EVSES,
    ConfigError,
    ConnectorConfig,
    EvseConfig,
    Field,
    StationConfig,
)
from ocpplab_desktop.model.station_form import form_problems
from ocpplab_desktop.model.templates import builtin_templates, load_template


def station(evses: int, connectors: int) -> StationConfig:
    return StationConfig(
        evses=tuple(
            EvseConfig(e, tuple(ConnectorConfig(c) for c in range(1, connectors + 1))) for e in range(1, evses + 1)
        )
    )


def test_the_limits_leave_room_above_real_stations() -> None:
    # A DC charger with 2 EVSEs of 3 connectors, a power cabinet with a dozen dispensers.
    assert station(2, 3).problems() == [] and station(12, 2).problems() == []
    assert all(len(c.connectors()) * 4 <= MAX_CONNECTORS for c in builtin_templates().values())


def test_a_station_at_every_limit_is_accepted() -> None:
    per_evse = MAX_CONNECTORS // MAX_EVSES
    assert station(MAX_EVSES, per_evse).problems() == []
    assert station(MAX_CONNECTORS // MAX_CONNECTORS_PER_EVSE, MAX_CONNECTORS_PER_EVSE).problems() == []


@pytest.mark.parametrize(
    ("evses", "connectors", "message"),
    [
        (10_000, 1, f"a station has at most {MAX_EVSES} EVSEs, this has 10,000"),
        (1, 10_000, f"EVSE 1: an EVSE has at most {MAX_CONNECTORS_PER_EVSE} connectors, this has 10,000"),
        (
            MAX_CONNECTORS // MAX_CONNECTORS_PER_EVSE + 1,
            MAX_CONNECTORS_PER_EVSE,
            f"a station has at most {MAX_CONNECTORS} connectors in all",
        ),
    ],
    ids=["evses", "connectors-of-an-evse", "connectors-in-all"],
)
def test_a_station_too_big_is_refused_in_one_message_the_builder_shows_under_the_connectors(
    evses: int, connectors: int, message: str
) -> None:
    config = station(evses, connectors)
    with pytest.raises(ConfigError, match=message):
        config.validate()
    (problem,) = [p for p in form_problems(config) if "at most" in p.message]
    assert problem.field is Field.EVSES and message in problem.message


def test_a_template_file_too_big_is_refused_with_its_line(tmp_path: Path) -> None:
    data = StationConfig().to_dict()
    data["evses"][0]["connectors"] = [{"id": i} for i in range(1, 10_001)]
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_template(str(path))
    line = _line_of(path, '"connectors"')
    assert f"huge.json:{line}: evses[0].connectors: an EVSE has at most" in str(error.value)


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"evses": []}, "a station needs at least one EVSE"),
        ({"evses": [{"connectors": [{"max_current_a": "abc"}]}]}, "max_current_a must be a finite number, got 'abc'"),
        ({"evses": [{"connectors": [{"max_power_w": math.inf}]}]}, "max_power_w must be a finite number, got inf"),
        ({"evses": [{"connectors": [{"voltage_v": math.nan}]}]}, "voltage_v must be a finite number, got nan"),
        ({"evses": [{"connectors": [{"max_power_w": True}]}]}, "max_power_w must be a finite number, got True"),
        ({"meter_interval_s": "60"}, "meter_interval_s must be a whole number of seconds, got '60'"),
    ],
    ids=["no-evses", "text-rating", "infinite-rating", "nan-rating", "boolean-rating", "text-interval"],
)
def test_a_configuration_built_without_the_schema_is_refused_not_repaired_nor_crashed(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        StationConfig.from_dict(data).validate()


def test_a_configuration_without_evses_gets_the_default_one() -> None:
    assert StationConfig.from_dict({"id": "CP-9"}).evses == StationConfig().evses


def test_the_csms_url_names_the_schemes_that_work() -> None:
    problems = replace(StationConfig(), csms_url="http://csms.example/ocpp").problems()
    assert problems == [
        "CSMS URL 'http://csms.example/ocpp': use ws://host:port/path or wss://host:port/path "
        "(OCPP-J runs over WebSocket)"
    ]
