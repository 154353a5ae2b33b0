"""The per-version facts the window reads, checked against the official schemas and the station's numbering."""

from __future__ import annotations

import json
from dataclasses import fields
from functools import cache
from importlib import resources
from typing import Any

import pytest

from ocpplab_desktop.model.config import ConnectorConfig, EvseConfig, OcppVersion, StationConfig
from ocpplab_desktop.model.connector import Connector
from ocpplab_desktop.model.version_traits import TRAITS, ConfigSurface, traits

VERSIONS = list(OcppVersion)


@cache
def request_schema(version: OcppVersion, action: str) -> dict[str, Any]:
    """The official JSON schema of a request, as the `ocpp` library ships it."""
    folder, suffix = ("v16", "") if version is OcppVersion.V16 else ("v201", "Request")
    text = resources.files("ocpp").joinpath(folder, "schemas", f"{action}{suffix}.json").read_text("utf-8-sig")
    return dict(json.loads(text))


def enum_of(schema: dict[str, Any], *path: str) -> set[str]:
    """The enum at `path` under the schema's properties, following a $ref into its definitions."""
    node: dict[str, Any] = schema["properties"]
    for step in path:
        node = node[step]
        if "$ref" in node:
            node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    return set(node["enum"])


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_every_version_has_its_facts_filed_under_itself() -> None:
    assert set(TRAITS) == set(OcppVersion)
    for version in VERSIONS:
        assert traits(version).version is version


@pytest.mark.parametrize("version", VERSIONS)
def test_reset_kinds_are_the_ones_the_reset_schema_allows(version: OcppVersion) -> None:
    action = "Reset"
    assert set(traits(version).reset_kinds) == enum_of(request_schema(version, action), "type")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_trigger_choices_cover_every_message_the_trigger_schema_allows(version: OcppVersion) -> None:
    allowed = enum_of(request_schema(version, "TriggerMessage"), "requestedMessage")
    assert allowed <= set(traits(version).trigger_messages)


@pytest.mark.parametrize("version", VERSIONS)
def test_reset_and_unlock_name_an_evse_exactly_where_their_schema_has_evse_id(version: OcppVersion) -> None:
    facts = traits(version)
    assert facts.reset_addresses_evse == ("evseId" in request_schema(version, "Reset")["properties"])
    assert facts.unlock_addresses_evse == ("evseId" in request_schema(version, "UnlockConnector")["properties"])


@pytest.mark.parametrize("version", VERSIONS)
def test_a_remote_start_addresses_the_place_the_version_names(version: OcppVersion) -> None:
    start = "RemoteStartTransaction" if version is OcppVersion.V16 else "RequestStartTransaction"
    assert camel(traits(version).place_argument) in request_schema(version, start)["properties"]


@pytest.mark.parametrize("version", VERSIONS)
def test_transaction_ids_are_integers_where_the_stop_schema_says_so(version: OcppVersion) -> None:
    stop = "RemoteStopTransaction" if version is OcppVersion.V16 else "RequestStopTransaction"
    wire_type = request_schema(version, stop)["properties"]["transactionId"]["type"]
    assert traits(version).integer_transaction_ids == (wire_type == "integer")


def test_each_configuration_surface_names_the_station_config_field_that_holds_its_overrides() -> None:
    names = {f.name for f in fields(StationConfig)}
    assert {surface.value for surface in ConfigSurface} <= names
    assert [traits(v).config_surface for v in VERSIONS] == [ConfigSurface.KEYS, ConfigSurface.VARIABLES]


@pytest.mark.parametrize(
    ("version", "expected"),
    [(OcppVersion.V16, [1, 2, 3]), (OcppVersion.V201, [1, 2, 1])],
    ids=["1.6 counts over the charge point", "2.0.1 counts within each EVSE"],
)
def test_connector_numbers_follow_the_versions_numbering(version: OcppVersion, expected: list[int]) -> None:
    config = StationConfig(
        ocpp_version=version,
        evses=(EvseConfig(1, (ConnectorConfig(1), ConnectorConfig(2))), EvseConfig(2, (ConnectorConfig(1),))),
    )
    connectors = [
        Connector(version, evse_id, c.id, config.ocpp16_connector_id(evse_id, c.id), c)
        for evse_id, c in config.connectors()
    ]
    assert [traits(version).connector_number(c) for c in connectors] == expected
