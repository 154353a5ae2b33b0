"""Station templates are checked against the declared schema when read: file, line and field named."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ocpplab_desktop import paths
from ocpplab_desktop.model.config import ConfigError, ConnectorConfig, EvseConfig
from ocpplab_desktop.model.templates import load_template, save_user_template, user_templates_list

Edit = Callable[[dict[str, Any]], None]


def _connector(data: dict[str, Any]) -> dict[str, Any]:
    connector: dict[str, Any] = data["evses"][0]["connectors"][0]
    return connector


def _set_connector(**fields: Any) -> Edit:
    return lambda data: _connector(data).update(fields)


# (name, edit of the shipped wallbox, the key whose line is named, field, problem)
BAD_TEMPLATES: list[tuple[str, Edit, str, str, str]] = [
    ("no-evses", lambda d: d.update(evses=[]), "evses", "evses", "needs at least 1 entry, this has none"),
    (
        "no-connectors",
        lambda d: d["evses"][0].update(connectors=[]),
        "connectors",
        "evses[0].connectors",
        "needs at least 1 entry",
    ),
    (
        "current-as-text",
        _set_connector(max_current_a="abc"),
        "max_current_a",
        "evses[0].connectors[0].max_current_a",
        "'abc' is not a number of amperes",
    ),
    (
        "infinite-power",
        _set_connector(max_power_w=math.inf),
        "max_power_w",
        "evses[0].connectors[0].max_power_w",
        "inf is not a finite number",
    ),
    (
        "nan-power",
        _set_connector(max_power_w=math.nan),
        "max_power_w",
        "evses[0].connectors[0].max_power_w",
        "nan is not a finite number",
    ),
    (
        "zero-voltage",
        _set_connector(voltage_v=0),
        "voltage_v",
        "evses[0].connectors[0].voltage_v",
        "0 must be more than 0",
    ),
    (
        "negative-current",
        _set_connector(max_current_a=-16.0),
        "max_current_a",
        "evses[0].connectors[0].max_current_a",
        "-16 must be more than 0",
    ),
    (
        "phases-as-flag",
        _set_connector(phases=True),
        "phases",
        "evses[0].connectors[0].phases",
        "True is not a whole number of phases",
    ),
    (
        "unknown-connector-type",
        _set_connector(type="Type9"),
        '"type"',
        "evses[0].connectors[0].type",
        "'Type9' is not one of Type2",
    ),
    (
        "interval-as-text",
        lambda d: d.update(meter_interval_s="60"),
        "meter_interval_s",
        "meter_interval_s",
        "'60' is not a whole number of seconds",
    ),
    (
        "zero-heartbeat",
        lambda d: d.update(heartbeat_interval_s=0),
        "heartbeat_interval_s",
        "heartbeat_interval_s",
        "0 must be at least 1",
    ),
    (
        "unknown-version",
        lambda d: d.update(ocpp_version="3.0"),
        "ocpp_version",
        "ocpp_version",
        "'3.0' is not one of 1.6, 2.0.1",
    ),
    ("unknown-field", lambda d: d.update(colour="red"), "colour", "colour", "unknown field; known fields: id, vendor"),
]


def _wallbox() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((paths.TEMPLATES / "ac-22kw-wallbox.json").read_text(encoding="utf-8"))
    return data


def _line_of(text: str, key: str) -> int:
    """An independent oracle: the first line where `key` is written."""
    needle = key if key.startswith('"') else f'"{key}"'
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("edit", "key", "field", "problem"), [c[1:] for c in BAD_TEMPLATES], ids=[c[0] for c in BAD_TEMPLATES]
)
def test_a_bad_template_is_refused_naming_file_line_and_field(
    tmp_path: Path, edit: Edit, key: str, field: str, problem: str
) -> None:
    data = _wallbox()
    edit(data)
    path = tmp_path / "bad.json"
    text = json.dumps(data, indent=2)  # writes Infinity and NaN as Python's json reads them
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_template(str(path))
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"template {path}:{_line_of(text, key)}: {field}: "), message
    assert problem in message


def test_a_missing_field_is_named_at_the_line_where_its_mapping_starts(tmp_path: Path) -> None:
    data = _wallbox()
    data["variables"] = [{"component": "TxCtrlr", "variable": "EVConnectionTimeOut"}]
    path = tmp_path / "bad.json"
    text = json.dumps(data, indent=2)
    path.write_text(text, encoding="utf-8")
    item_line = _line_of(text, "variables") + 1  # indent=2 puts the item's "{" on the next line
    with pytest.raises(
        ConfigError, match=rf"^template {path}:{item_line}: variables\[0\]\.value: required, but missing$"
    ):
        load_template(str(path))


def test_a_template_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "id": "X",\n  "evses": [\n}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^template {path}:4: not valid JSON"):
        load_template(str(path))


def test_a_rule_across_fields_is_still_refused_after_the_schema(tmp_path: Path) -> None:
    data = _wallbox()
    data["evses"][0]["connectors"].append({**_connector(data), "id": 3})
    path = tmp_path / "gap.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"connector ids must be 1\.\.2, got \[1, 3\]"):
        load_template(str(path))


def test_a_bad_user_template_is_left_out_of_the_list_with_its_field(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = _wallbox()
    data["evses"] = []
    (tmp_path / "empty.json").write_text(json.dumps(data), encoding="utf-8")
    assert user_templates_list(tmp_path) == {}
    assert "evses: needs at least 1 entry" in caplog.text


def test_saving_a_template_with_an_infinite_rating_is_refused(tmp_path: Path) -> None:
    config = load_template("ac-22kw-wallbox")
    infinite = replace(config, evses=(EvseConfig(1, (ConnectorConfig(max_power_w=math.inf),)),))
    with pytest.raises(ConfigError, match=r"EVSE 1 connector 1: max_power_w must be a finite number, got inf"):
        save_user_template(infinite, "infinite", directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", sorted(paths.TEMPLATES.glob("*.json")), ids=lambda p: p.stem)
def test_shipped_template_passes_the_schema(path: Path) -> None:
    assert load_template(str(path)).problems() == []
