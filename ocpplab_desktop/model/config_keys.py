"""OCPP 1.6 configuration keys: the one table of keys the lab supports, and a station's values.

The table follows 1.6 section 9 "Standard Configuration Key Names & Values" (9.1 Core, 9.2 Local
Auth List Management, 9.3 Reservation, 9.4 Smart Charging) plus AuthorizationKey from the 1.6
security whitepaper. `ConfigurationKeys16` answers GetConfiguration (5.8) and ChangeConfiguration
(5.3) without I/O; the protocol layer turns its results into PDUs.

Choices the specification leaves to the Charge Point, made here once:
- AuthorizeRemoteTxRequests is writable (9.1 allows R or RW).
- WebSocketPingInterval and ConnectorPhaseRotation answer RebootRequired: the ping interval is
  fixed when the WebSocket is opened, and phase wiring is hardware.
- A GetConfiguration asking for more keys than GetConfigurationMaxKeys raises `TooManyKeys`,
  which the protocol layer answers with CALLERROR OccurenceConstraintViolation.
- Template keys outside the table are vendor keys: readable and writable strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from ocpp.v16.enums import ConfigurationKey, ConfigurationStatus, Measurand

from ocpplab_desktop.model.config import ConfigError, CurrentType, StationConfig
from ocpplab_desktop.model.meter import MEASURANDS_PROVIDED

K = ConfigurationKey
M = Measurand

# 1.6 GetConfiguration.conf / ChangeConfiguration.req schemas: key <= 50, value <= 500 characters.
MAX_KEY_LENGTH = 50
MAX_VALUE_LENGTH = 500

MEASURANDS: frozenset[str] = frozenset(MEASURANDS_PROVIDED)
FEATURE_PROFILES = (
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "RemoteTrigger",
)
SUPPORTED_PROFILES = (
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "RemoteTrigger",
)
"""What the station implements and reports in SupportedFeatureProfiles (1.6 section 3.1): the keys
of the other profiles are left out, and their messages answer NotSupported."""
# 9.1 ConnectorPhaseRotation: "<connectorId>.<rotation>", rotation one of these.
PHASE_ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")
RATE_UNITS = ("Current", "Power")
ENERGY_REGISTER = M.energy_active_import_register.value
SAMPLED_MEASURANDS_AC = tuple(
    m.value for m in (M.energy_active_import_register, M.power_active_import, M.current_import, M.voltage)
)

# Capacities of the simulated station, shared with the 2.0.1 device model.
LOCAL_LIST_MAX_ENTRIES = 1000
SEND_LOCAL_LIST_MAX_ITEMS = 100
CHARGING_PROFILES_MAX = 20
PROFILE_MAX_STACK_LEVEL = 10
SCHEDULE_MAX_PERIODS = 24
MEASURAND_LIST_LENGTH = 10

INTEGER = re.compile(r"[+-]?\d+")


class KeyType(StrEnum):
    BOOL = "boolean"
    INT = "integer"
    CSL = "CSL"  # comma separated list
    STRING = "string"


class Access(StrEnum):
    """Accessibility column of section 9; W (write-only) comes from the security whitepaper."""

    R = "R"
    RW = "RW"
    W = "W"


class TooManyKeys(ValueError):
    """A GetConfiguration.req names more keys than GetConfigurationMaxKeys allows."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(
            f"GetConfiguration asked for {count} keys but GetConfigurationMaxKeys is {limit}; "
            "ask for fewer keys per request, or for all keys with an empty list"
        )
        self.count = count
        self.limit = limit


@dataclass(frozen=True)
class KeySpec:
    """One row of the table. `default` and `allowed` depend on the station being built."""

    key: str
    type: KeyType
    access: Access
    default: Callable[[StationConfig], str]
    reboot: bool = False
    allowed: Callable[[StationConfig], Collection[str]] | None = None  # CSL items; None: anything
    min_int: int | None = None
    max_items_key: str | None = None  # the ...MaxLength key that caps this CSL
    profile: str = "Core"  # the feature profile whose section of 9 lists the key

    @property
    def readonly(self) -> bool:
        return self.access is Access.R


def _const(value: str) -> Callable[[StationConfig], str]:
    return lambda _config: value


def _choices(values: Iterable[str]) -> Callable[[StationConfig], Collection[str]]:
    fixed = frozenset(values)
    return lambda _config: fixed


def default_sampled_measurands(config: StationConfig) -> str:
    """What a station samples during a transaction by default (both versions name these measurands
    alike); SoC only where a DC EV reports it."""
    dc = any(c.current_type is CurrentType.DC for _, c in config.connectors())
    return ",".join((*SAMPLED_MEASURANDS_AC, M.soc.value) if dc else SAMPLED_MEASURANDS_AC)


def _phase_rotation(config: StationConfig) -> str:
    # 9.1: NotApplicable for single phase or DC connectors.
    return ",".join(
        f"{n}.{'RST' if c.current_type is CurrentType.AC and c.phases == 3 else 'NotApplicable'}"
        for n, (_, c) in enumerate(config.connectors(), start=1)
    )


def _phase_rotation_items(config: StationConfig) -> Collection[str]:
    return frozenset(f"{n}.{r}" for n in range(len(config.connectors()) + 1) for r in PHASE_ROTATIONS)


def _bool(key: str, default: bool, access: Access = Access.RW, profile: str = "Core") -> KeySpec:
    return KeySpec(key, KeyType.BOOL, access, _const("true" if default else "false"), profile=profile)


def _int(
    key: str,
    default: int | Callable[[StationConfig], str],
    access: Access = Access.RW,
    min_int: int = 0,
    profile: str = "Core",
) -> KeySpec:
    fn = default if callable(default) else _const(str(default))
    return KeySpec(key, KeyType.INT, access, fn, min_int=min_int, profile=profile)


def _measurands(key: str, default: Callable[[StationConfig], str], max_items_key: str) -> KeySpec:
    return KeySpec(key, KeyType.CSL, Access.RW, default, allowed=_choices(MEASURANDS), max_items_key=max_items_key)


LOCAL_LIST, SMART = "LocalAuthListManagement", "SmartCharging"

# The one table. Order is the order GetConfiguration reports them in.
STANDARD_KEYS: tuple[KeySpec, ...] = (
    # 9.1 Core profile
    _bool(K.allow_offline_tx_for_unknown_id, False),
    _bool(K.authorization_cache_enabled, True),
    _bool(K.authorize_remote_tx_requests, True),
    _int(K.clock_aligned_data_interval, 0),
    _int(K.connection_time_out, 60, min_int=1),
    KeySpec(
        K.connector_phase_rotation,
        KeyType.CSL,
        Access.RW,
        _phase_rotation,
        reboot=True,
        allowed=_phase_rotation_items,
        max_items_key=K.connector_phase_rotation_max_length,
    ),
    _int(K.connector_phase_rotation_max_length, lambda c: str(len(c.connectors()) + 1), Access.R),
    _int(K.get_configuration_max_keys, 100, Access.R, min_int=1),
    _int(K.heartbeat_interval, lambda c: str(c.heartbeat_interval_s), min_int=1),
    _bool(K.local_authorize_offline, True),
    _bool(K.local_pre_authorize, False),
    _int(K.max_energy_on_invalid_id, 0),
    _measurands(K.meter_values_aligned_data, _const(ENERGY_REGISTER), K.meter_values_aligned_data_max_length),
    _int(K.meter_values_aligned_data_max_length, MEASURAND_LIST_LENGTH, Access.R),
    _measurands(K.meter_values_sampled_data, default_sampled_measurands, K.meter_values_sampled_data_max_length),
    _int(K.meter_values_sampled_data_max_length, MEASURAND_LIST_LENGTH, Access.R),
    _int(K.meter_value_sample_interval, lambda c: str(c.meter_interval_s)),
    _int(K.minimum_status_duration, 0),
    _int(K.number_of_connectors, lambda c: str(len(c.connectors())), Access.R),
    _int(K.reset_retries, 3),
    _bool(K.stop_transaction_on_ev_side_disconnect, True),
    _bool(K.stop_transaction_on_invalid_id, True),
    _measurands(K.stop_txn_aligned_data, _const(""), K.stop_txn_aligned_data_max_length),
    _int(K.stop_txn_aligned_data_max_length, MEASURAND_LIST_LENGTH, Access.R),
    _measurands(K.stop_txn_sampled_data, _const(ENERGY_REGISTER), K.stop_txn_sampled_data_max_length),
    _int(K.stop_txn_sampled_data_max_length, MEASURAND_LIST_LENGTH, Access.R),
    KeySpec(
        K.supported_feature_profiles,
        KeyType.CSL,
        Access.R,
        _const(",".join(SUPPORTED_PROFILES)),
        allowed=_choices(FEATURE_PROFILES),
        max_items_key=K.supported_feature_profiles_max_length,
    ),
    _int(K.supported_feature_profiles_max_length, len(FEATURE_PROFILES), Access.R),
    _int(K.transaction_message_attempts, 3),
    _int(K.transaction_message_retry_interval, 60),
    _bool(K.unlock_connector_on_ev_side_disconnect, True),
    KeySpec(K.web_socket_ping_interval, KeyType.INT, Access.RW, _const("60"), reboot=True, min_int=0),
    # 9.2 Local Auth List Management profile
    _bool(K.local_auth_list_enabled, True, profile=LOCAL_LIST),
    _int(K.local_auth_list_max_length, LOCAL_LIST_MAX_ENTRIES, Access.R, profile=LOCAL_LIST),
    _int(K.send_local_list_max_length, SEND_LOCAL_LIST_MAX_ITEMS, Access.R, profile=LOCAL_LIST),
    # 9.3 Reservation profile
    _bool(K.reserve_connector_zero_supported, False, Access.R, profile="Reservation"),
    # 9.4 Smart Charging profile
    _int(K.charge_profile_max_stack_level, PROFILE_MAX_STACK_LEVEL, Access.R, profile=SMART),
    KeySpec(
        K.charging_schedule_allowed_charging_rate_unit,
        KeyType.CSL,
        Access.R,
        _const(",".join(RATE_UNITS)),
        allowed=_choices(RATE_UNITS),
        profile=SMART,
    ),
    _int(K.charging_schedule_max_periods, SCHEDULE_MAX_PERIODS, Access.R, profile=SMART),
    _bool(K.connector_switch_3to1_phase_supported, False, Access.R, profile=SMART),
    _int(K.max_charging_profiles_installed, CHARGING_PROFILES_MAX, Access.R, profile=SMART),
    # Security whitepaper: the basic-auth password; never reported back.
    KeySpec(K.authorization_key, KeyType.STRING, Access.W, lambda c: c.password or ""),
)

SPECS: dict[str, KeySpec] = {str(spec.key): spec for spec in STANDARD_KEYS if spec.profile in SUPPORTED_PROFILES}
"""The keys a station has: those of the profiles it supports."""


def _vendor_spec(key: str) -> KeySpec:
    return KeySpec(key, KeyType.STRING, Access.RW, _const(""))


def split_csl(value: str) -> list[str]:
    """The items of a comma separated list (1.6 CSL, 2.0.1 member/sequence list); "" is []."""
    return [item.strip() for item in value.split(",")] if value.strip() else []


class ConfigurationKeys16:
    """A 1.6 station's configuration keys: defaults from its StationConfig, then its config_keys."""

    def __init__(self, config: StationConfig, on_change: Callable[[str, str], None] | None = None) -> None:
        self.on_change = on_change
        self._config = config
        self._specs: dict[str, KeySpec] = dict(SPECS)
        self._values: dict[str, str] = {key: spec.default(config) for key, spec in SPECS.items()}
        problems: list[str] = []
        overrides = {}
        for key, value in config.config_keys.items():
            if not key or len(key) > MAX_KEY_LENGTH:
                problems.append(f"config key {key!r}: a key name has 1 to {MAX_KEY_LENGTH} characters")
                continue
            self._specs.setdefault(key, _vendor_spec(key))
            self._values[key] = overrides[key] = value
        # Checked after all overrides are in, so that a ...MaxLength override applies to its list.
        for key, value in overrides.items():
            problem = self.problem(key, value)
            if problem:
                problems.append(f"config key {key}: {problem}")
            else:
                self._values[key] = self._canonical(self._specs[key], value)
        if problems:
            raise ConfigError("; ".join(problems))

    # --- GetConfiguration (1.6 section 5.8) -----------------------------------------------
    def get(self, keys: list[str] | None = None) -> tuple[list[dict[str, object]], list[str]]:
        """(configurationKey entries, unknownKey) for GetConfiguration.conf.

        No keys (None or empty) means all keys (5.8). Keys this station does not know go to
        unknownKey, in request order.
        """
        if not keys:
            return [self._entry(key) for key in self._specs], []
        limit = self.get_int(K.get_configuration_max_keys)
        if len(keys) > limit:
            raise TooManyKeys(len(keys), limit)
        known = [key for key in dict.fromkeys(keys) if key in self._specs]
        unknown = [key for key in dict.fromkeys(keys) if key not in self._specs]
        return [self._entry(key) for key in known], unknown

    def _entry(self, key: str) -> dict[str, object]:
        spec = self._specs[key]
        entry: dict[str, object] = {"key": key, "readonly": spec.readonly}
        if spec.access is not Access.W:
            entry["value"] = self._values[key]
        return entry

    # --- ChangeConfiguration (1.6 section 5.3) --------------------------------------------
    def change(self, key: str, value: str) -> ConfigurationStatus:
        """Apply a ChangeConfiguration.req and return the status for its .conf."""
        spec = self._specs.get(key)
        if spec is None:
            return ConfigurationStatus.not_supported  # 5.3: key not supported by this Charge Point
        if spec.readonly or self.problem(key, value) is not None:
            return ConfigurationStatus.rejected
        self._values[key] = self._canonical(spec, value)
        if self.on_change is not None:
            self.on_change(key, self._values[key])
        return ConfigurationStatus.reboot_required if spec.reboot else ConfigurationStatus.accepted

    def problem(self, key: str, value: str) -> str | None:
        """What is wrong with `value` for a known `key`, or None if acceptable (read-only aside)."""
        spec = self._specs[key]
        if len(value) > MAX_VALUE_LENGTH:
            return f"a value has at most {MAX_VALUE_LENGTH} characters, got {len(value)}"
        if spec.type is KeyType.BOOL:
            return None if value.lower() in ("true", "false") else f"expected true or false, got {value!r}"
        if spec.type is KeyType.INT:
            if not INTEGER.fullmatch(value.strip()):
                return f"expected an integer, got {value!r}"
            if spec.min_int is not None and int(value) < spec.min_int:
                return f"must be at least {spec.min_int}, got {int(value)}"
            return None
        if spec.type is KeyType.CSL:
            return self._list_problem(spec, split_csl(value))
        if spec.access is Access.W and not value:
            return "must not be empty"
        return None

    def _list_problem(self, spec: KeySpec, items: list[str]) -> str | None:
        if len(set(items)) != len(items):
            return "lists an item twice"
        if spec.allowed is not None:
            allowed = spec.allowed(self._config)
            bad = [item for item in items if item not in allowed]
            if bad:
                return f"unsupported item(s) {', '.join(bad)}"
        if spec.max_items_key is not None:
            limit = self.get_int(spec.max_items_key)
            if len(items) > limit:
                return f"at most {limit} items ({spec.max_items_key}), got {len(items)}"
        return None

    @staticmethod
    def _canonical(spec: KeySpec, value: str) -> str:
        if spec.type is KeyType.BOOL:
            return value.lower()
        if spec.type is KeyType.INT:
            return str(int(value))
        if spec.type is KeyType.CSL:
            return ",".join(split_csl(value))
        return value

    # --- typed reads for the engine ---------------------------------------------------------
    def value(self, key: str) -> str:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(f"no configuration key {key!r} on this station; see config_keys.STANDARD_KEYS") from None

    def get_int(self, key: str) -> int:
        return int(self.value(key))

    def get_bool(self, key: str) -> bool:
        return self.value(key) == "true"

    def get_list(self, key: str) -> list[str]:
        return split_csl(self.value(key))

    def names(self) -> list[str]:
        """Every key this station has, standard ones first, in GetConfiguration order."""
        return list(self._specs)
