"""OCPP 1.6 configuration keys: defaults from the station, GetConfiguration and ChangeConfiguration."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import ocpp
import pytest
from ocpp.v16.enums import ConfigurationStatus

from ocpplab_desktop.model.config import ConfigError, ConnectorConfig, CurrentType, EvseConfig, StationConfig
from ocpplab_desktop.model.config_keys import STANDARD_KEYS, SUPPORTED_PROFILES, ConfigurationKeys16, TooManyKeys

SCHEMAS = Path(ocpp.__file__).parent / "v16" / "schemas"

TWO_EVSES = StationConfig(
    evses=(
        EvseConfig(1, (ConnectorConfig(1), ConnectorConfig(2, type="Type1", phases=1))),
        EvseConfig(2, (ConnectorConfig(1),)),
    ),
    heartbeat_interval_s=120,
    meter_interval_s=15,
    password="a-password-of-16+chars",
)
DC = StationConfig(evses=(EvseConfig(1, (ConnectorConfig(1, type="CCS2", current_type=CurrentType.DC, phases=0),)),))


def assert_valid_get_configuration(entries: list[dict[str, object]], unknown: list[str]) -> None:
    schema = json.loads((SCHEMAS / "GetConfigurationResponse.json").read_text(encoding="utf-8-sig"))
    jsonschema.Draft4Validator(schema).validate({"configurationKey": entries, "unknownKey": unknown})


def test_defaults_come_from_the_station_config() -> None:
    keys = ConfigurationKeys16(TWO_EVSES)

    assert keys.get_int("NumberOfConnectors") == 3
    assert keys.get_int("HeartbeatInterval") == 120
    assert keys.get_int("MeterValueSampleInterval") == 15
    assert (
        keys.value("MeterValuesSampledData")
        == "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage"
    )
    # 9.1: single-phase connectors have no phase rotation.
    assert keys.value("ConnectorPhaseRotation") == "1.RST,2.NotApplicable,3.RST"


def test_only_the_profiles_the_station_implements_are_reported_and_have_keys() -> None:
    keys = ConfigurationKeys16(TWO_EVSES)

    assert keys.get_list("SupportedFeatureProfiles") == list(SUPPORTED_PROFILES)
    assert {"Core", "LocalAuthListManagement", "Reservation", "SmartCharging", "RemoteTrigger"} <= set(
        SUPPORTED_PROFILES
    )
    entries, unknown = keys.get(["LocalAuthListEnabled", "ReserveConnectorZeroSupported"])
    assert [e["key"] for e in entries] == ["LocalAuthListEnabled", "ReserveConnectorZeroSupported"]
    assert unknown == []
    assert keys.change("LocalAuthListEnabled", "false") == "Accepted"
    assert keys.change("ReserveConnectorZeroSupported", "true") == "Rejected", "9.3: read-only"


def test_the_smart_charging_keys_of_section_9_4_are_read_only_and_name_the_stations_capacity() -> None:
    entries, unknown = ConfigurationKeys16(TWO_EVSES).get(
        [
            "ChargeProfileMaxStackLevel",
            "ChargingScheduleAllowedChargingRateUnit",
            "ChargingScheduleMaxPeriods",
            "ConnectorSwitch3to1PhaseSupported",
            "MaxChargingProfilesInstalled",
        ]
    )
    assert unknown == []
    assert {e["key"]: (e["value"], e["readonly"]) for e in entries} == {
        "ChargeProfileMaxStackLevel": ("10", True),
        "ChargingScheduleAllowedChargingRateUnit": ("Current,Power", True),
        "ChargingScheduleMaxPeriods": ("24", True),
        "ConnectorSwitch3to1PhaseSupported": ("false", True),
        "MaxChargingProfilesInstalled": ("20", True),
    }


def test_dc_station_also_samples_state_of_charge() -> None:
    assert ConfigurationKeys16(DC).get_list("MeterValuesSampledData")[-1] == "SoC"


def test_every_default_passes_the_keys_own_validation() -> None:
    keys = ConfigurationKeys16(TWO_EVSES)

    assert {key: keys.problem(key, keys.value(key)) for key in keys.names()} == dict.fromkeys(keys.names())


def test_get_without_keys_reports_every_key_in_a_schema_valid_answer() -> None:
    entries, unknown = ConfigurationKeys16(TWO_EVSES).get(None)

    assert [e["key"] for e in entries] == [
        str(spec.key) for spec in STANDARD_KEYS if spec.profile in SUPPORTED_PROFILES
    ]
    assert unknown == []
    assert_valid_get_configuration(entries, unknown)
    assert ConfigurationKeys16(TWO_EVSES).get([]) == (entries, unknown)


def test_get_named_keys_lists_unknown_ones_separately() -> None:
    entries, unknown = ConfigurationKeys16(TWO_EVSES).get(["HeartbeatInterval", "NoSuchKey", "NumberOfConnectors"])

    assert entries == [
        {"key": "HeartbeatInterval", "readonly": False, "value": "120"},
        {"key": "NumberOfConnectors", "readonly": True, "value": "3"},
    ]
    assert unknown == ["NoSuchKey"]
    assert_valid_get_configuration(entries, unknown)


def test_authorization_key_is_write_only_and_never_reported() -> None:
    keys = ConfigurationKeys16(TWO_EVSES)

    entries, _ = keys.get(["AuthorizationKey"])

    assert entries == [{"key": "AuthorizationKey", "readonly": False}]
    assert TWO_EVSES.password not in json.dumps(keys.get()[0])
    assert keys.value("AuthorizationKey") == TWO_EVSES.password  # the engine still needs it


def test_asking_for_more_keys_than_get_configuration_max_keys_raises() -> None:
    keys = ConfigurationKeys16(StationConfig(config_keys={"GetConfigurationMaxKeys": "2"}))

    with pytest.raises(TooManyKeys, match="GetConfigurationMaxKeys is 2"):
        keys.get(["HeartbeatInterval", "ResetRetries", "ConnectionTimeOut"])
    assert len(keys.get(["HeartbeatInterval", "ResetRetries"])[0]) == 2


def test_accepted_change_is_stored_and_reported_to_the_listener() -> None:
    seen: list[tuple[str, str]] = []
    keys = ConfigurationKeys16(TWO_EVSES, on_change=lambda key, value: seen.append((key, value)))

    assert keys.change("HeartbeatInterval", "60") is ConfigurationStatus.accepted
    assert keys.change("LocalPreAuthorize", "TRUE") is ConfigurationStatus.accepted

    assert keys.get_int("HeartbeatInterval") == 60
    assert keys.get_bool("LocalPreAuthorize") is True
    assert seen == [("HeartbeatInterval", "60"), ("LocalPreAuthorize", "true")]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("HeartbeatInterval", "often"),
        ("HeartbeatInterval", "0"),
        ("MeterValueSampleInterval", "-5"),
        ("LocalAuthorizeOffline", "yes"),
        ("MeterValuesSampledData", "Energy.Active.Import.Register,Horsepower"),
        ("MeterValuesSampledData", "Energy.Active.Import.Register,Temperature"),  # OCPP names it; no sensor here
        ("MeterValuesSampledData", "Voltage,Voltage"),
        ("MeterValuesSampledData", ",".join(["Voltage", "Frequency", "SoC", "RPM", "Temperature", "Power.Factor"] * 2)),
        ("ConnectorPhaseRotation", "9.RST"),
        ("AuthorizationKey", ""),
    ],
)
def test_invalid_value_is_rejected_and_leaves_the_key_unchanged(key: str, value: str) -> None:
    seen: list[tuple[str, str]] = []
    keys = ConfigurationKeys16(TWO_EVSES, on_change=lambda k, v: seen.append((k, v)))
    before = keys.value(key)

    assert keys.change(key, value) is ConfigurationStatus.rejected
    assert keys.value(key) == before
    assert seen == []


def test_read_only_key_is_rejected() -> None:
    keys = ConfigurationKeys16(TWO_EVSES)

    assert keys.change("NumberOfConnectors", "5") is ConfigurationStatus.rejected
    assert keys.get_int("NumberOfConnectors") == 3


def test_reboot_key_is_stored_but_answers_reboot_required() -> None:
    seen: list[tuple[str, str]] = []
    keys = ConfigurationKeys16(TWO_EVSES, on_change=lambda k, v: seen.append((k, v)))

    assert keys.change("WebSocketPingInterval", "30") is ConfigurationStatus.reboot_required
    assert keys.change("ConnectorPhaseRotation", "0.RST,1.TSR") is ConfigurationStatus.reboot_required
    assert keys.get_int("WebSocketPingInterval") == 30
    assert seen == [("WebSocketPingInterval", "30"), ("ConnectorPhaseRotation", "0.RST,1.TSR")]


def test_unknown_key_is_not_supported() -> None:
    keys = ConfigurationKeys16(TWO_EVSES)

    assert keys.change("FluxCapacitorLevel", "1.21") is ConfigurationStatus.not_supported
    assert "FluxCapacitorLevel" not in keys.names()


def test_template_overrides_defaults_and_adds_vendor_keys() -> None:
    config = StationConfig(
        config_keys={"HeartbeatInterval": "42", "StopTransactionOnInvalidId": "FALSE", "Colour": "red"}
    )
    keys = ConfigurationKeys16(config)

    assert keys.get_int("HeartbeatInterval") == 42
    assert keys.value("StopTransactionOnInvalidId") == "false"
    assert keys.get(["Colour"]) == ([{"key": "Colour", "readonly": False, "value": "red"}], [])
    assert keys.change("Colour", "blue") is ConfigurationStatus.accepted
    assert keys.value("Colour") == "blue"


def test_invalid_template_override_names_the_key_and_the_problem() -> None:
    config = StationConfig(config_keys={"HeartbeatInterval": "soon", "MeterValuesAlignedData": "Flux"})

    with pytest.raises(ConfigError) as caught:
        ConfigurationKeys16(config)

    assert "HeartbeatInterval: expected an integer, got 'soon'" in str(caught.value)
    assert "MeterValuesAlignedData: unsupported item(s) Flux" in str(caught.value)


def test_max_length_override_caps_the_list_it_belongs_to() -> None:
    config = StationConfig(config_keys={"MeterValuesAlignedDataMaxLength": "1"})
    keys = ConfigurationKeys16(config)

    assert keys.change("MeterValuesAlignedData", "Voltage") is ConfigurationStatus.accepted
    assert keys.change("MeterValuesAlignedData", "Voltage,Frequency") is ConfigurationStatus.rejected


def test_reading_an_unknown_key_says_which() -> None:
    with pytest.raises(KeyError, match="NoSuchKey"):
        ConfigurationKeys16(TWO_EVSES).value("NoSuchKey")
