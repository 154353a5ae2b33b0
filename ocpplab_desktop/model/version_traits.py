"""What differs between OCPP 1.6 and 2.0.1 where the window shows or asks for things, in one table.

Views read these facts instead of testing the version, so a view has one code path for both
versions and a difference is stated once, with the section that sets it. The dialects own how
messages differ; this table owns what a person sees: how a connector is numbered and named,
what an operator command can address, which choices a form offers, which configuration surface
a station has.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ocpp.v16.enums import MessageTrigger, ResetType
from ocpp.v201.enums import ChargingStateEnumType, MessageTriggerEnumType, ResetEnumType

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import Connector


class ConfigSurface(StrEnum):
    """How a station is configured; each value names the `StationConfig` field that holds its overrides."""

    KEYS = "config_keys"  # 1.6 configuration keys (section 9)
    VARIABLES = "variables"  # 2.0.1 device model variables (part 2, section 3.2)


@dataclass(frozen=True)
class VersionTraits:
    """The facts of one OCPP version that views need."""

    version: OcppVersion
    config_surface: ConfigSurface
    station_wide_connector_ids: bool
    """1.6 connectorIds count over the whole charge point; 2.0.1 numbers connectors within their EVSE (part 2 2.2)."""
    place_label: str
    """What an operator command names when it acts on part of a station: a connector (1.6) or an EVSE (2.0.1)."""
    place_argument: str
    """The `MockCsms` keyword for that place."""
    reset_addresses_evse: bool
    """2.0.1 B11/B12 can reset one EVSE; 1.6 Reset (section 5.14) resets the charge point."""
    unlock_addresses_evse: bool
    """2.0.1 F05 names a connector of an EVSE; 1.6 UnlockConnector (section 5.18) a station-wide connector."""
    integer_transaction_ids: bool
    """1.6 transactionId is an integer (section 6.35); 2.0.1 leaves its format to the station (part 2 2.2)."""
    charging_states: tuple[str, ...]
    """2.0.1 reports a transaction's chargingState apart from the connector status (part 2 E01-E03,
    TransactionType); 1.6 folds it into the status (Charging, SuspendedEV... section 4.9), so none."""
    reset_kinds: tuple[str, ...]
    trigger_messages: tuple[str, ...]
    """The library's MessageTrigger values; the TriggerMessage schema of the version may accept fewer."""

    def connector_number(self, connector: Connector) -> int:
        """The number this version's messages give `connector`."""
        return connector.number16 if self.station_wide_connector_ids else connector.connector_id

    def charging_state(self, connector: Connector) -> str | None:
        """The chargingState a TransactionEvent would carry now, while a cable is plugged or a
        transaction runs; None where the version has none or the connector is idle."""
        if not self.charging_states or not (connector.plugged or connector.tx_started):
            return None
        return connector.charging_state()


TRAITS: dict[OcppVersion, VersionTraits] = {
    OcppVersion.V16: VersionTraits(
        version=OcppVersion.V16,
        config_surface=ConfigSurface.KEYS,
        station_wide_connector_ids=True,
        place_label="Connector id",
        place_argument="connector_id",
        reset_addresses_evse=False,
        unlock_addresses_evse=False,
        integer_transaction_ids=True,
        charging_states=(),
        reset_kinds=tuple(kind.value for kind in ResetType),
        trigger_messages=tuple(message.value for message in MessageTrigger),
    ),
    OcppVersion.V201: VersionTraits(
        version=OcppVersion.V201,
        config_surface=ConfigSurface.VARIABLES,
        station_wide_connector_ids=False,
        place_label="EVSE id",
        place_argument="evse_id",
        reset_addresses_evse=True,
        unlock_addresses_evse=True,
        integer_transaction_ids=False,
        charging_states=tuple(state.value for state in ChargingStateEnumType),
        reset_kinds=tuple(kind.value for kind in ResetEnumType),
        trigger_messages=tuple(message.value for message in MessageTriggerEnumType),
    ),
}


def traits(version: OcppVersion) -> VersionTraits:
    """The facts of `version`."""
    return TRAITS[version]
