"""Station configuration: what a station is, saved and loaded as a JSON template.

A template is the `to_dict()` of a `StationConfig`. Validation lives here, once, so that
the builder dialog, the scenario loader and the CLI all reject the same things with
the same words.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


class OcppVersion(StrEnum):
    V16 = "1.6"
    V201 = "2.0.1"

    @property
    def subprotocol(self) -> str:
        """The WebSocket subprotocol that names this version (1.6J section 3.1.2, 2.0.1 part 4 3.1.2)."""
        return "ocpp" + self.value


class CurrentType(StrEnum):
    AC = "AC"
    DC = "DC"


# Connector types offered in the builder; the 2.0.1 ConnectorEnumType value for each (part 2,
# ConnectorEnumType: cG105 is CHAdeMO, JEVS G105; cChaoJi is the later ChaoJi; sCEE-7-7 is Schuko).
CONNECTOR_TYPES: dict[str, str] = {
    "Type2": "cType2",
    "Type2 socket": "sType2",
    "Type1": "cType1",
    "CCS2": "cCCS2",
    "CCS1": "cCCS1",
    "CHAdeMO": "cG105",
    "ChaoJi": "cChaoJi",
    "GB/T": "cGBT",
    "Schuko": "sCEE-7-7",
}


# How long the identity fields may be, as the BootNotification schemas say (1.6 BootNotification.req;
# 2.0.1 ChargingStationType): config field -> (wire field, max length). A longer one would make the
# station's first message invalid. vendor and model are required on the wire, so not empty either.
IDENTITY_LIMITS: dict[OcppVersion, dict[str, tuple[str, int]]] = {
    OcppVersion.V16: {
        "vendor": ("chargePointVendor", 20),
        "model": ("chargePointModel", 20),
        "serial_number": ("chargePointSerialNumber", 25),
        "firmware_version": ("firmwareVersion", 50),
    },
    OcppVersion.V201: {
        "vendor": ("vendorName", 50),
        "model": ("model", 20),
        "serial_number": ("serialNumber", 25),
        "firmware_version": ("firmwareVersion", 50),
    },
}
REQUIRED_IDENTITY = ("vendor", "model")

# How big a station may be. Real ones are small: an AC wallbox has 1 or 2 connectors; a DC charger
# 1 or 2 EVSEs with up to 3 connectors each (CCS, CHAdeMO, AC Type 2); a power cabinet with
# satellite dispensers a dozen EVSEs at most. OCPP sets no maximum, but every connector costs
# timers and samples on the shared clock, and 10,000 of them stall a lab at x100. These limits
# leave a wide margin above real stations and refuse the rest.
MAX_EVSES = 32
MAX_CONNECTORS_PER_EVSE = 8
MAX_CONNECTORS = 64

# OCPP-J runs over WebSocket (1.6J section 3, 2.0.1 part 4 section 3): plain or over TLS.
CSMS_URL_SCHEMES = ("ws", "wss")


def identity_label(name: str) -> str:
    """How problems name an identity field: 'serial_number' -> 'serial number'."""
    return name.replace("_", " ")


class ConfigError(ValueError):
    """A station configuration is invalid; the message says what to fix."""


class Field(StrEnum):
    """The fields of a `StationConfig` a problem can be about; each value is the attribute's name."""

    ID = "id"
    VENDOR = "vendor"
    MODEL = "model"
    SERIAL_NUMBER = "serial_number"
    FIRMWARE_VERSION = "firmware_version"
    CSMS_URL = "csms_url"
    PASSWORD = "password"
    EVSES = "evses"
    METER_INTERVAL = "meter_interval_s"
    HEARTBEAT_INTERVAL = "heartbeat_interval_s"
    CONFIG_KEYS = "config_keys"
    VARIABLES = "variables"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration: the field it concerns and what to fix.

    A connector's problem also says which connector, as (EVSE id, connector id), so that a form
    can mark the row without parsing the message.
    """

    field: Field
    message: str
    connector: tuple[int, int] | None = None


def connector_name(evse_id: int, connector_id: int) -> str:
    """How problems name a connector: 'EVSE 1 connector 2'."""
    return f"EVSE {evse_id} connector {connector_id}"


def csms_url_problem(url: str) -> str | None:
    """Why `url` cannot be a CSMS address (a scheme other than ws/wss, no host); None if it can."""
    parsed = urlparse(url)
    if parsed.scheme in CSMS_URL_SCHEMES and parsed.hostname:
        return None
    return f"CSMS URL {url!r}: use ws://host:port/path or wss://host:port/path (OCPP-J runs over WebSocket)"


def _finite_number(value: Any) -> bool:
    """A number that is not NaN or infinite (nor a boolean, nor text): what a rating or an interval must be."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class ConnectorConfig:
    id: int = 1
    type: str = "Type2"
    current_type: CurrentType = CurrentType.AC
    phases: int = 3
    max_current_a: float = 32.0
    max_power_w: float = 22_080.0
    voltage_v: float = 230.0

    def problems(self, where: str) -> list[str]:
        found = []
        if self.type not in CONNECTOR_TYPES:
            found.append(f"{where}: unknown connector type {self.type!r} (one of {', '.join(CONNECTOR_TYPES)})")
        if self.current_type is CurrentType.AC and self.phases not in (1, 3):
            found.append(f"{where}: an AC connector has 1 or 3 phases, not {self.phases}")
        for name in ("max_current_a", "max_power_w", "voltage_v"):
            value = getattr(self, name)
            if not _finite_number(value):
                found.append(f"{where}: {name} must be a finite number, got {value!r}")
            elif value <= 0:
                found.append(f"{where}: {name} must be positive, got {value}")
        return found


@dataclass(frozen=True)
class EvseConfig:
    id: int = 1
    connectors: tuple[ConnectorConfig, ...] = (ConnectorConfig(),)


@dataclass(frozen=True)
class VariableSetting:
    """A 2.0.1 device-model variable value set by the template (part 2, section 3.2 'device model')."""

    component: str
    variable: str
    value: str
    evse_id: int | None = None
    connector_id: int | None = None
    instance: str | None = None


@dataclass(frozen=True)
class StationConfig:
    id: str = "CP001"
    vendor: str = "OCPPLab"
    model: str = "Virtual AC 22"
    serial_number: str = "OL-0001"
    firmware_version: str = "1.0.0"
    ocpp_version: OcppVersion = OcppVersion.V16
    csms_url: str | None = None  # None: the embedded mock CSMS
    password: str | None = None  # basic auth, security profile 1
    evses: tuple[EvseConfig, ...] = (EvseConfig(),)
    meter_interval_s: int = 60
    heartbeat_interval_s: int = 300
    config_keys: dict[str, str] = field(default_factory=dict)  # 1.6 overrides
    variables: tuple[VariableSetting, ...] = ()  # 2.0.1 overrides
    description: str = ""

    # --- derived -----------------------------------------------------------------
    def connectors(self) -> list[tuple[int, ConnectorConfig]]:
        """(evse id, connector) for every connector, in order."""
        return [(evse.id, c) for evse in self.evses for c in evse.connectors]

    def ocpp16_connector_id(self, evse_id: int, connector_id: int) -> int:
        """1.6 numbers connectors 1..N over the whole station; we number them in EVSE order."""
        for index, (e, c) in enumerate(self.connectors(), start=1):
            if e == evse_id and c.id == connector_id:
                return index
        raise KeyError((evse_id, connector_id))

    def max_power_w(self) -> float:
        return sum(max(c.max_power_w for c in evse.connectors) for evse in self.evses)

    # --- validation --------------------------------------------------------------
    def problems(self) -> list[str]:
        """Everything wrong with this configuration, each with what to fix. Empty if valid."""
        return [problem.message for problem in self.field_problems()]

    def field_problems(self) -> list[Problem]:
        """`problems()`, each with the field it concerns."""
        found: list[Problem] = []
        if not self.id or any(ch in self.id for ch in "/?# ") or len(self.id) > 48:
            found.append(Problem(Field.ID, "station id: 1 to 48 characters, without spaces, '/', '?' or '#'"))
        for name, (wire, limit) in IDENTITY_LIMITS[self.ocpp_version].items():
            value = getattr(self, name)
            if len(value) > limit:
                message = (
                    f"{identity_label(name)}: OCPP {self.ocpp_version.value} allows {limit} characters "
                    f"({wire}), this has {len(value)}"
                )
                found.append(Problem(Field(name), message))
            elif not value and name in REQUIRED_IDENTITY:
                message = f"{identity_label(name)}: required ({wire} is sent in every BootNotification)"
                found.append(Problem(Field(name), message))
        if self.csms_url is not None and (unusable := csms_url_problem(self.csms_url)) is not None:
            found.append(Problem(Field.CSMS_URL, unusable))
        if self.password is not None and not (16 <= len(self.password) <= 40) and self.ocpp_version is OcppVersion.V201:
            # 2.0.1 part 2 A00.FR.205: BasicAuthPassword is 16 to 40 characters.
            found.append(Problem(Field.PASSWORD, "password: OCPP 2.0.1 basic auth needs 16 to 40 characters"))
        if not self.evses:
            found.append(Problem(Field.EVSES, "a station needs at least one EVSE"))
        found.extend(Problem(Field.EVSES, message) for message in self.size_problems())
        evse_ids = [e.id for e in self.evses]
        if evse_ids != list(range(1, len(evse_ids) + 1)):
            # 2.0.1 part 2 section 2.2: EVSEs are numbered 1..n without gaps.
            found.append(Problem(Field.EVSES, f"EVSE ids must be 1..{len(evse_ids)} in order, got {evse_ids}"))
        for evse in self.evses:
            ids = [c.id for c in evse.connectors]
            if not ids:
                found.append(Problem(Field.EVSES, f"EVSE {evse.id}: needs at least one connector"))
            elif ids != list(range(1, len(ids) + 1)):
                found.append(Problem(Field.EVSES, f"EVSE {evse.id}: connector ids must be 1..{len(ids)}, got {ids}"))
            for c in evse.connectors:
                where = connector_name(evse.id, c.id)
                found.extend(Problem(Field.EVSES, message, (evse.id, c.id)) for message in c.problems(where))
        for name in (Field.METER_INTERVAL, Field.HEARTBEAT_INTERVAL):
            value = getattr(self, name)
            if not _finite_number(value):
                found.append(Problem(name, f"{name} must be a whole number of seconds, got {value!r}"))
            elif value <= 0:
                found.append(Problem(name, f"{name} must be positive"))
        return found

    def size_problems(self) -> list[str]:
        """A station larger than `MAX_EVSES`, `MAX_CONNECTORS_PER_EVSE` or `MAX_CONNECTORS` allow."""
        if len(self.evses) > MAX_EVSES:
            return [f"a station has at most {MAX_EVSES} EVSEs, this has {len(self.evses):,}"]
        limit = MAX_CONNECTORS_PER_EVSE
        found = [
            f"EVSE {evse.id}: an EVSE has at most {limit} connectors, this has {len(evse.connectors):,}"
            for evse in self.evses
            if len(evse.connectors) > limit
        ]
        total = sum(len(evse.connectors) for evse in self.evses)
        if total > MAX_CONNECTORS and not found:
            found.append(f"a station has at most {MAX_CONNECTORS} connectors in all, this has {total:,}")
        return found

    def validate(self) -> StationConfig:
        found = self.problems()
        if found:
            raise ConfigError("; ".join(found))
        return self

    # --- JSON templates ----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ocpp_version"] = self.ocpp_version.value
        for evse in data["evses"]:
            for c in evse["connectors"]:
                c["current_type"] = CurrentType(c["current_type"]).value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StationConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown station field(s): {', '.join(sorted(unknown))}")
        try:
            evses = tuple(
                EvseConfig(
                    id=int(e.get("id", i)),
                    connectors=tuple(
                        ConnectorConfig(**{**c, "current_type": CurrentType(c.get("current_type", "AC"))})
                        for c in e.get("connectors", [])
                    ),
                )
                for i, e in enumerate(data.get("evses", []), start=1)
            )
            variables = tuple(VariableSetting(**v) for v in data.get("variables", []))
            fields = {k: v for k, v in data.items() if k not in ("evses", "variables", "ocpp_version", "config_keys")}
            return cls(
                **fields,
                ocpp_version=OcppVersion(str(data.get("ocpp_version", "1.6"))),
                # Without evses, the default station's; an empty list stays empty, and `validate()` refuses it.
                evses=evses if "evses" in data else cls.evses,
                variables=variables,
                config_keys={str(k): str(v) for k, v in data.get("config_keys", {}).items()},
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid station template: {exc}") from exc

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> StationConfig:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read station template {path}: {exc}") from exc
        return cls.from_dict(data)

    def with_id(self, station_id: str) -> StationConfig:
        return replace(self, id=station_id)
