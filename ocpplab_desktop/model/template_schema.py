"""The declared schema of a station template: `StationConfig.to_dict()` as it may be written in a file.

The schema checks what can be checked one field at a time, so that an error names the field
and its line: types, finite positive ratings, at least one EVSE and connector and not too many
(`MAX_EVSES`, `MAX_CONNECTORS_PER_EVSE`), known names.
What depends on several fields (ids numbered 1..n, phases of an AC connector, identity lengths
per OCPP version, the station's connectors in all) stays in `StationConfig.problems()`, which runs after it.

Defaults are read from the config dataclasses; the schema only gates the data that
`StationConfig.from_dict` then builds a configuration from.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic_core import PydanticCustomError

from ocpplab_desktop.model.config import (
    CONNECTOR_TYPES,
    MAX_CONNECTORS_PER_EVSE,
    MAX_EVSES,
    ConnectorConfig,
    CurrentType,
    EvseConfig,
    OcppVersion,
    StationConfig,
)
from ocpplab_desktop.model.document import Lines, Schema, describe_loc, first_problem, number, one_of, say


def _version_text(value: Any) -> Any:
    # YAML reads an unquoted 1.6 as a number.
    return str(value) if isinstance(value, float) else value


def _int_as_text(value: Any) -> Any:
    # Configuration values are text on the wire; an unquoted integer means its digits.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _at_most(limit: int, owner: str, things: str) -> AfterValidator:
    """A list no longer than `limit`, as `StationConfig.size_problems()` says it (the limits are its)."""

    def check(items: list[Any]) -> list[Any]:
        if len(items) > limit:
            raise PydanticCustomError(
                "too_many",
                "{owner} has at most {limit} {things}, this has {count}",
                {"owner": owner, "limit": limit, "things": things, "count": f"{len(items):,}"},
            )
        return items

    return AfterValidator(check)


Id = Annotated[int, Field(ge=1), number("an id (a whole number from 1)", whole=True)]
Text = Annotated[str, BeforeValidator(_int_as_text)]


# Ratings are finite and above zero: a connector rated 0 W or NaN A cannot charge.
Amperes = Annotated[float, Field(gt=0), number("a number of amperes")]
Watts = Annotated[float, Field(gt=0), number("a number of watts")]
Volts = Annotated[float, Field(gt=0), number("a number of volts")]
Interval = Annotated[int, Field(ge=1), number("a whole number of seconds", whole=True)]


class ConnectorSchema(Schema):
    id: Id = ConnectorConfig.id
    type: Annotated[str, one_of(CONNECTOR_TYPES)] = ConnectorConfig.type
    current_type: Annotated[str, one_of(CurrentType)] = ConnectorConfig.current_type
    phases: Annotated[int, Field(ge=0, le=3), number("a whole number of phases", whole=True)] = ConnectorConfig.phases
    max_current_a: Amperes = ConnectorConfig.max_current_a
    max_power_w: Watts = ConnectorConfig.max_power_w
    voltage_v: Volts = ConnectorConfig.voltage_v


class EvseSchema(Schema):
    id: Id = EvseConfig.id
    # 2.0.1 part 2 section 2.2: an EVSE has one or more connectors.
    connectors: Annotated[
        list[ConnectorSchema], Field(min_length=1), _at_most(MAX_CONNECTORS_PER_EVSE, "an EVSE", "connectors")
    ]


class VariableSchema(Schema):
    component: str
    variable: str
    value: Text
    evse_id: Id | None = None
    connector_id: Id | None = None
    instance: str | None = None


class TemplateSchema(Schema):
    id: str = StationConfig.id
    vendor: str = StationConfig.vendor
    model: str = StationConfig.model
    serial_number: str = StationConfig.serial_number
    firmware_version: str = StationConfig.firmware_version
    ocpp_version: Annotated[str, BeforeValidator(_version_text), one_of(OcppVersion)] = StationConfig.ocpp_version
    csms_url: str | None = None
    password: str | None = None
    # A station has at least one EVSE (2.0.1 part 2 section 2.2); an empty list is a mistake, not a default.
    evses: Annotated[list[EvseSchema], Field(min_length=1), _at_most(MAX_EVSES, "a station", "EVSEs")] = Field(
        default_factory=list
    )
    meter_interval_s: Interval = StationConfig.meter_interval_s
    heartbeat_interval_s: Interval = StationConfig.heartbeat_interval_s
    config_keys: dict[str, Text] = Field(default_factory=dict)
    variables: list[VariableSchema] = Field(default_factory=list)
    description: str = StationConfig.description


def template_problem(data: Any, source: str, lines: Lines | None = None) -> str | None:
    """The first thing wrong with a template document, as one line naming file, line and field; None if none."""
    try:
        TemplateSchema.model_validate(data)
    except ValidationError as error:
        lines = lines or Lines()
        loc, text = first_problem(error, lines, model=TemplateSchema)
        return say(source, lines.of(loc), describe_loc(loc), text)
    return None
