"""The station builder's rules, without Qt: defaults, problems by field, overrides and EVSE edits.

The builder dialog (gui/builder.py) reads its widgets into a `StationConfig`, asks this module
what is wrong with it and shows each `Problem` under the widget of its `Field`. What a
configuration itself must satisfy is `StationConfig.field_problems()` (one place for that);
this adds what only a form knows: the ids already in the lab, URLs the parser chokes on, power a
connector cannot deliver, and the overrides the 1.6 key table or the 2.0.1 device model reject.
`Field` and `Problem` are defined beside that validation and offered from here too.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlparse

from ocpplab_desktop.model.config import (
    ConfigError,
    ConnectorConfig,
    CurrentType,
    EvseConfig,
    Field,
    Problem,
    StationConfig,
    VariableSetting,
    connector_name,
)
from ocpplab_desktop.model.config_keys import ConfigurationKeys16
from ocpplab_desktop.model.device_model import DeviceModel
from ocpplab_desktop.model.templates import builtin_templates, user_templates_list
from ocpplab_desktop.model.version_traits import ConfigSurface, traits

__all__ = [
    "Field",
    "Overrides",
    "Problem",
    "SettingRow",
    "VariableKey",
    "add_connector",
    "add_evse",
    "form_problems",
    "free_station_id",
    "new_station",
    "power_problem",
    "remove_connector",
    "settings_problems",
    "template_choices",
    "template_name_for",
    "url_problem",
    "with_free_id",
]

_TRAILING_NUMBER = re.compile(r"(.*?)(\d+)")
_SURFACE_FIELD = {ConfigSurface.KEYS: Field.CONFIG_KEYS, ConfigSurface.VARIABLES: Field.VARIABLES}


# --- ids and templates -------------------------------------------------------------------------
def free_station_id(wanted: str, taken: Iterable[str]) -> str:
    """`wanted` if free, else the next free id: its number counted up (CP-0001 -> CP-0002) or one added (CP -> CP-2)."""
    used = set(taken)
    if wanted not in used:
        return wanted
    match = _TRAILING_NUMBER.fullmatch(wanted)
    stem, number, width = (match[1], int(match[2]), len(match[2])) if match else (f"{wanted}-", 1, 1)
    while True:
        number += 1
        candidate = f"{stem}{number:0{width}d}"
        if candidate not in used:
            return candidate


def new_station(existing_ids: Iterable[str]) -> StationConfig:
    """What a blank form starts from: the default station under an id not yet in the lab."""
    return with_free_id(StationConfig(), existing_ids)


def with_free_id(config: StationConfig, existing_ids: Iterable[str]) -> StationConfig:
    """`config` (a template, say) under its own id, or the next free one if that is taken."""
    return config.with_id(free_station_id(config.id, existing_ids))


def numbered_copies(config: StationConfig, count: int, existing_ids: Iterable[str]) -> list[StationConfig]:
    """`count` stations of one configuration under consecutive free ids (CP-0001, CP-0002, ...)."""
    taken = set(existing_ids)
    copies = []
    for _ in range(count):
        copy = with_free_id(config, taken)
        taken.add(copy.id)
        copies.append(copy)
    return copies


def template_choices() -> dict[str, StationConfig]:
    """Built-in templates, then the user's own; a built-in name wins, as in `load_template`."""
    choices = builtin_templates()
    for name, config in user_templates_list().items():
        choices.setdefault(name, config)
    return choices


def template_name_for(model: str) -> str:
    """A template name to offer for a station model: 'Virtual AC 22' -> 'virtual-ac-22'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", model.strip()).strip("-.").lower()


# --- problems ----------------------------------------------------------------------------------
def url_problem(url: str) -> Problem | None:
    """What the URL parser (and so the WebSocket client) cannot use in `url`, beyond the scheme rule."""
    if not url.strip():
        return Problem(
            Field.CSMS_URL, "CSMS URL: enter the address of the external CSMS, e.g. ws://csms.example:9000/ocpp"
        )
    if any(ch.isspace() for ch in url):
        return Problem(Field.CSMS_URL, f"CSMS URL {url!r}: remove the spaces")
    try:
        urlparse(url).port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        message = f"CSMS URL {url!r}: {exc}; use ws://host:port/path with a port from 1 to 65535"
        return Problem(Field.CSMS_URL, message)
    return None


def power_problem(evse_id: int, c: ConnectorConfig) -> Problem | None:
    """A connector that promises more power than its current and voltage can carry."""
    if min(c.max_current_a, c.max_power_w, c.voltage_v) <= 0:
        return None  # StationConfig.field_problems() already says which one must be positive
    phases = c.phases if c.current_type is CurrentType.AC else 1
    deliverable = phases * c.voltage_v * c.max_current_a
    if c.max_power_w <= deliverable * 1.001:
        return None
    formula = (
        f"{phases} x {c.voltage_v:g} V x {c.max_current_a:g} A"
        if phases > 1
        else f"{c.voltage_v:g} V x {c.max_current_a:g} A"
    )
    message = (
        f"{connector_name(evse_id, c.id)}: max power {c.max_power_w / 1000:g} kW is more than {formula} = "
        f"{deliverable / 1000:g} kW; lower the power or raise the current or voltage"
    )
    return Problem(Field.EVSES, message, (evse_id, c.id))


def _device_model_buildable(config: StationConfig) -> bool:
    """The 2.0.1 device model describes every EVSE by its connectors, so each needs one first."""
    return all(evse.connectors for evse in config.evses)


def settings_problems(config: StationConfig) -> list[Problem]:
    """What the 1.6 key table or the 2.0.1 device model rejects among the overrides of `config`."""
    surface = traits(config.ocpp_version).config_surface
    try:
        if surface is ConfigSurface.KEYS:
            ConfigurationKeys16(config)
        elif _device_model_buildable(config):
            DeviceModel.for_station(config)
    except ConfigError as exc:
        return [Problem(_SURFACE_FIELD[surface], str(exc))]
    return []


def form_problems(config: StationConfig, existing_ids: Iterable[str] = ()) -> list[Problem]:
    """Everything that keeps the builder from accepting `config`, each naming its field."""
    taken = set(existing_ids)
    found = config.field_problems()
    if config.id in taken:
        suggestion = free_station_id(config.id, taken)
        found.insert(
            0, Problem(Field.ID, f"station id {config.id!r} is already in the lab; choose another, e.g. {suggestion}")
        )
    if config.csms_url is not None:
        unusable = url_problem(config.csms_url)
        if unusable is not None:
            # The parser's complaint says more than the generic scheme rule for the same URL.
            found = [p for p in found if p.field is not Field.CSMS_URL] + [unusable]
    found.extend(p for evse_id, c in config.connectors() if (p := power_problem(evse_id, c)))
    found.extend(settings_problems(config))
    return found


# --- EVSEs and connectors ----------------------------------------------------------------------
def _numbered(groups: Iterable[Sequence[ConnectorConfig]]) -> tuple[EvseConfig, ...]:
    """EVSEs 1..n, each with connectors 1..m, as 2.0.1 part 2 section 2.2 wants; empty EVSEs go."""
    return tuple(
        EvseConfig(e, tuple(replace(c, id=i) for i, c in enumerate(connectors, start=1)))
        for e, connectors in enumerate((group for group in groups if group), start=1)
    )


def _groups(evses: Sequence[EvseConfig]) -> list[list[ConnectorConfig]]:
    return [list(evse.connectors) for evse in evses]


def add_evse(evses: Sequence[EvseConfig], template: ConnectorConfig) -> tuple[tuple[EvseConfig, ...], int]:
    """A new last EVSE with one connector like `template`; the EVSEs and the row of the new connector."""
    groups = [*_groups(evses), [template]]
    return _numbered(groups), sum(len(group) for group in groups) - 1


def add_connector(
    evses: Sequence[EvseConfig], evse_id: int, template: ConnectorConfig
) -> tuple[tuple[EvseConfig, ...], int]:
    """A connector like `template` at the end of EVSE `evse_id`; the EVSEs and the row of the new connector."""
    groups = _groups(evses)
    groups[evse_id - 1].append(template)
    return _numbered(groups), sum(len(group) for group in groups[:evse_id]) - 1


def remove_connector(evses: Sequence[EvseConfig], evse_id: int, connector_id: int) -> tuple[EvseConfig, ...]:
    """The EVSEs without that connector, renumbered; an EVSE left without connectors goes."""
    groups = _groups(evses)
    del groups[evse_id - 1][connector_id - 1]
    return _numbered(groups)


# --- configuration keys and variables ------------------------------------------------------
VariableKey = tuple[str, int | None, int | None, str, str | None]
"""(component, EVSE id, connector id, variable, instance): one 2.0.1 variable of a station."""


def _variable_key(setting: VariableSetting) -> VariableKey:
    return setting.component, setting.evse_id, setting.connector_id, setting.variable, setting.instance


def _variable_cells(setting: VariableSetting) -> tuple[str, str]:
    """(component, variable) as a person reads them: `Connector EVSE 1 connector 2`, `Name [instance]`."""
    where = "".join(
        f" {name} {number}"
        for name, number in (("EVSE", setting.evse_id), ("connector", setting.connector_id))
        if number is not None
    )
    variable = setting.variable if setting.instance is None else f"{setting.variable} [{setting.instance}]"
    return setting.component + where, variable


@dataclass(frozen=True)
class SettingRow:
    """One row of a settings table: cells before the value, the value, cells after it."""

    key: Hashable  # a 1.6 key name, or a 2.0.1 `VariableKey`
    before: tuple[str, ...]
    value: str
    default: str  # the value without an override; editing back to it drops the override
    editable: bool
    after: tuple[str, ...] = ()
    tip: str = ""

    @property
    def overridden(self) -> bool:
        return self.value != self.default


@dataclass
class Overrides:
    """The 1.6 keys and 2.0.1 variables a person changed; both are kept, so switching version loses neither."""

    keys: dict[str, str] = field(default_factory=dict)
    variables: dict[VariableKey, VariableSetting] = field(default_factory=dict)

    @classmethod
    def of(cls, config: StationConfig) -> Overrides:
        return cls(dict(config.config_keys), {_variable_key(v): v for v in config.variables})

    def apply(self, config: StationConfig) -> StationConfig:
        """`config` with the overrides of its version's configuration surface, and none of the other."""
        surface = traits(config.ocpp_version).config_surface
        return replace(
            config,
            config_keys=dict(self.keys) if surface is ConfigSurface.KEYS else {},
            variables=tuple(self.variables.values()) if surface is ConfigSurface.VARIABLES else (),
        )

    def set_key(self, row: SettingRow, text: str) -> None:
        """A key's value edited to `text`: an override, or none when it is the default again."""
        assert isinstance(row.key, str)
        if text == row.default:
            self.keys.pop(row.key, None)
        else:
            self.keys[row.key] = text

    def set_variable(self, row: SettingRow, text: str) -> None:
        """A variable's value edited to `text`: an override, or none when it is the default again."""
        assert isinstance(row.key, tuple)
        key: VariableKey = row.key
        if text == row.default:
            self.variables.pop(key, None)
        else:
            component, evse_id, connector_id, variable, instance = key
            self.variables[key] = VariableSetting(component, variable, text, evse_id, connector_id, instance)

    def rows(self, config: StationConfig) -> list[SettingRow] | None:
        """The settings of `config`'s surface with their defaults (they follow the form) and these overrides.

        None while the device model cannot be built (an EVSE without connectors).
        """
        if traits(config.ocpp_version).config_surface is ConfigSurface.KEYS:
            return self._key_rows(config)
        return self._variable_rows(config) if _device_model_buildable(config) else None

    def _key_rows(self, config: StationConfig) -> list[SettingRow]:
        entries, _ = ConfigurationKeys16(replace(config, config_keys={})).get()
        rows = []
        for entry in entries:
            if "value" not in entry:
                continue  # write-only (AuthorizationKey): the password field sets it
            key, default, readonly = str(entry["key"]), str(entry["value"]), bool(entry["readonly"])
            access = ("R",) if readonly else ("RW",)
            tip = "read-only (1.6 section 9)" if readonly else f"default: {default or '(empty)'}"
            rows.append(SettingRow(key, (key,), self.keys.get(key, default), default, not readonly, access, tip))
        known = {row.key for row in rows}
        rows.extend(
            SettingRow(key, (key,), value, "", True, ("RW",), "vendor key")
            for key, value in self.keys.items()
            if key not in known
        )
        return rows

    def _variable_rows(self, config: StationConfig) -> list[SettingRow]:
        rows = []
        for data in DeviceModel.for_station(replace(config, variables=())).base_report("ConfigurationInventory"):
            actual = next(a for a in data["variableAttribute"] if a["type"] == "Actual")
            if actual["mutability"] != "ReadWrite":
                continue  # write-only (BasicAuthPassword): the password field sets it
            component, variable = data["component"], data["variable"]
            evse = component.get("evse", {})
            setting = VariableSetting(
                component["name"], variable["name"], actual["value"], evse.get("id"), evse.get("connectorId"),
                variable.get("instance"),
            )  # fmt: skip
            key = _variable_key(setting)
            override = self.variables.get(key)
            value = setting.value if override is None else override.value
            chars = data["variableCharacteristics"]
            kind = " ".join(str(part) for part in (chars["dataType"], chars.get("unit")) if part)
            tip = (
                f"allowed: {chars['valuesList']}" if "valuesList" in chars else f"default: {setting.value or '(empty)'}"
            )
            rows.append(SettingRow(key, _variable_cells(setting), value, setting.value, True, (kind,), tip))
        known = {row.key for row in rows}
        rows.extend(
            SettingRow(key, _variable_cells(setting), setting.value, "", True, ("string",), "vendor variable")
            for key, setting in self.variables.items()
            if key not in known
        )
        return rows
