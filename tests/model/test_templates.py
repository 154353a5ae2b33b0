"""Shipped and user station templates."""

import json
import logging
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from ocpp.v201.enums import ConnectorEnumType

from ocpplab_desktop import paths
from ocpplab_desktop.model.config import (
    CONNECTOR_TYPES,
    IDENTITY_LIMITS,
    ConfigError,
    CurrentType,
    OcppVersion,
    StationConfig,
)
from ocpplab_desktop.model.templates import builtin_templates, load_template, save_user_template, user_templates_list

REQUIRED = {"ac-22kw-wallbox", "ac-dual-2x22kw", "dc-150kw-ccs2-chademo"}


def test_required_builtins_ship_and_validate() -> None:
    templates = builtin_templates()
    assert set(templates) >= REQUIRED
    for name, config in templates.items():
        assert config.problems() == [], name


def test_builtins_cover_both_ocpp_versions() -> None:
    versions = {config.ocpp_version for config in builtin_templates().values()}
    assert versions == {OcppVersion.V16, OcppVersion.V201}


@pytest.mark.parametrize("path", sorted(paths.TEMPLATES.glob("*.json")), ids=lambda p: p.stem)
def test_template_file_is_exactly_the_config_dict_and_round_trips(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    config = StationConfig.from_dict(data)
    assert json.loads(json.dumps(config.to_dict())) == data
    assert StationConfig.from_dict(config.to_dict()) == config


def test_boot_identity_fits_the_ocpp_16_field_lengths() -> None:
    # 1.6 section 6.2 BootNotification.req: vendor and model CiString20, serial CiString25, firmware CiString50.
    for name, c in builtin_templates().items():
        lengths = (len(c.vendor), len(c.model), len(c.serial_number), len(c.firmware_version))
        assert all(n <= limit for n, limit in zip(lengths, (20, 20, 25, 50), strict=True)), (name, lengths)


def test_ac_ratings_are_consistent_with_voltage_and_current() -> None:
    for name, config in builtin_templates().items():
        for _, c in config.connectors():
            if c.current_type is CurrentType.AC:
                assert c.max_power_w == pytest.approx(c.voltage_v * c.max_current_a * c.phases), name


def test_wallbox_is_one_type2_connector_at_22kw() -> None:
    config = load_template("ac-22kw-wallbox")
    [(evse_id, c)] = config.connectors()
    assert (evse_id, c.type, c.current_type, c.phases) == (1, "Type2", CurrentType.AC, 3)
    assert (c.max_current_a, c.voltage_v, c.max_power_w) == (32.0, 230.0, 22_080.0)


def test_dual_ac_has_two_evses_with_one_type2_each() -> None:
    config = load_template("ac-dual-2x22kw")
    assert [(e, c.id, c.type) for e, c in config.connectors()] == [(1, 1, "Type2"), (2, 1, "Type2")]
    assert config.max_power_w() == pytest.approx(44_160.0)


def test_dc_charger_has_ccs2_and_chademo_on_one_evse() -> None:
    config = load_template("dc-150kw-ccs2-chademo")
    ratings = [(e, c.type, c.current_type, c.max_power_w, c.max_current_a) for e, c in config.connectors()]
    assert ratings == [
        (1, "CCS2", CurrentType.DC, 150_000.0, 400.0),
        (1, "CHAdeMO", CurrentType.DC, 62_500.0, 125.0),
    ]
    assert config.max_power_w() == 150_000.0


def test_load_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    load_template("ac-22kw-wallbox").with_id("FROM-FILE").save(path)
    assert load_template(str(path)).id == "FROM-FILE"


def test_unknown_name_lists_what_exists(tmp_path: Path) -> None:
    save_user_template(load_template("ac-22kw-wallbox"), "my-box", directory=tmp_path)
    with pytest.raises(ConfigError, match="unknown template 'nope'") as raised:
        load_template("nope", user_dir=tmp_path)
    assert "ac-dual-2x22kw" in str(raised.value)
    assert "my-box" in str(raised.value)


def test_saved_user_template_loads_by_name_and_is_listed(tmp_path: Path) -> None:
    config = load_template("dc-150kw-ccs2-chademo").with_id("DEPOT-7")
    path = save_user_template(config, "depot", directory=tmp_path)
    assert path == tmp_path / "depot.json"
    assert load_template("depot", user_dir=tmp_path) == config
    assert user_templates_list(tmp_path) == {"depot": config}


def test_saving_under_a_builtin_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="built-in"):
        save_user_template(load_template("ac-22kw-wallbox"), "ac-22kw-wallbox", directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden"])
def test_saving_under_an_unsafe_name_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="template name"):
        save_user_template(load_template("ac-22kw-wallbox"), name, directory=tmp_path)


def test_an_invalid_config_is_not_saved(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="station id"):
        save_user_template(load_template("ac-22kw-wallbox").with_id("has space"), "bad", directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_broken_user_template_is_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    save_user_template(load_template("ac-22kw-wallbox"), "good", directory=tmp_path)
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="ocpplab_desktop.model.templates"):
        listed = user_templates_list(tmp_path)
    assert set(listed) == {"good"}
    assert "broken.json" in caplog.text
    with pytest.raises(ConfigError, match=r"broken\.json"):
        load_template("broken", user_dir=tmp_path)


def test_every_connector_type_maps_to_the_201_connector_enum_value_that_names_it() -> None:
    values = {e.value for e in ConnectorEnumType}
    assert set(CONNECTOR_TYPES.values()) <= values
    assert CONNECTOR_TYPES["CHAdeMO"] == ConnectorEnumType.c_g105  # JEVS G105, not ChaoJi
    assert CONNECTOR_TYPES["Schuko"] == ConnectorEnumType.s_cee_7_7


def _boot_identity_schema(version: OcppVersion) -> dict[str, Any]:
    v16 = version is OcppVersion.V16
    folder, name = ("v16", "BootNotification.json") if v16 else ("v201", "BootNotificationRequest.json")
    schema = json.loads(resources.files("ocpp").joinpath(folder, "schemas", name).read_text("utf-8-sig"))
    if v16:
        return dict(schema["properties"])
    return dict(schema["definitions"]["ChargingStationType"]["properties"])


@pytest.mark.parametrize("version", list(OcppVersion))
def test_identity_limits_are_the_ones_the_official_boot_schema_sets(version: OcppVersion) -> None:
    properties = _boot_identity_schema(version)
    for wire, limit in IDENTITY_LIMITS[version].values():
        assert properties[wire]["maxLength"] == limit, wire


def test_an_identity_too_long_for_the_version_is_refused_with_the_limit_and_the_field() -> None:
    config = StationConfig(vendor="A" * 21)
    assert config.problems() == ["vendor: OCPP 1.6 allows 20 characters (chargePointVendor), this has 21"]
    assert replace(config, ocpp_version=OcppVersion.V201).problems() == [], "2.0.1 vendorName allows 50"
    no_model = replace(config, model="").problems()
    assert "model: required (chargePointModel is sent in every BootNotification)" in no_model
