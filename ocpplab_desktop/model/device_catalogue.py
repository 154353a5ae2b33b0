"""The standard components and variables of a lab station's 2.0.1 device model, built from its template.

Part 2 appendix 3 lists them; these are the ones the lab's behaviour reads or reports, with
the values its template gives. Controllers of functions the lab does not simulate are
present with Available false.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ocpp.v201.enums import ConnectorStatusEnumType, MutabilityEnumType

from ocpplab_desktop.model import config_keys as lab
from ocpplab_desktop.model.config import CONNECTOR_TYPES, ConnectorConfig, CurrentType, StationConfig
from ocpplab_desktop.model.device_variables import RO, RW, WO, Component, D, Variable, fold, var
from ocpplab_desktop.model.display_messages import display_message_ctrlr
from ocpplab_desktop.model.faults import FAULT_CATALOGUE
from ocpplab_desktop.model.meter import MEASURANDS_PROVIDED
from ocpplab_desktop.model.monitoring import monitoring_ctrlr
from ocpplab_desktop.model.network_profile import network_configuration

# DeviceDataCtrlr limits on requests we receive (ItemsPerMessage / BytesPerMessage).
REQUEST_ITEMS_PER_MESSAGE = 50
REQUEST_BYTES_PER_MESSAGE = 65_536
LOCAL_LIST_MAX_BYTES = 1_000_000  # LocalAuthListCtrlr.Storage maxLimit: what the list may take up

MEASURANDS = ",".join(MEASURANDS_PROVIDED)
AVAILABILITY_STATES = ",".join(s.value for s in ConnectorStatusEnumType)
TX_START_POINTS = "ParkingBayOccupancy,EVConnected,Authorized,DataSigned,PowerPathClosed,EnergyTransfer"
TX_STOP_POINTS = "ParkingBayOccupancy,EVConnected,Authorized,PowerPathClosed,EnergyTransfer"
TIME_SOURCES = "Heartbeat,NTP,GPS,RealTimeClock,MobileNetwork,RadioTimeTransmitter"


def _flag(name: str, value: bool, mutability: MutabilityEnumType = RW) -> Variable:
    return var(name, "true" if value else "false", D.boolean, mutability)


def _seconds(name: str, value: int, *, instance: str | None = None, min_limit: int = 0) -> Variable:
    return var(name, str(value), D.integer, RW, instance=instance, unit="s", min_limit=min_limit)


def _count(name: str, value: int, mutability: MutabilityEnumType = RW, **kw: Any) -> Variable:
    return var(name, str(value), D.integer, mutability, min_limit=0, **kw)


def _measurands(name: str, value: str) -> Variable:
    return var(name, value, D.member_list, RW, values_list=MEASURANDS)


def _supply_phases(connectors: Iterable[ConnectorConfig]) -> str:
    """SupplyPhases: 0 for DC, else the most phases any connector has."""
    return str(max((c.phases for c in connectors if c.current_type is CurrentType.AC), default=0))


def _availability() -> list[Variable]:
    return [
        var(
            "AvailabilityState", ConnectorStatusEnumType.available.value, D.option_list, values_list=AVAILABILITY_STATES
        ),
        _flag("Available", True, RO),
    ]


def _power(max_power_w: float) -> Variable:
    return var("Power", "0", D.decimal, unit="W", min_limit=0, max_limit=max_power_w, max_set=f"{max_power_w:g}")


def _security_profile(config: StationConfig) -> int:
    """1 with basic auth, 2 with basic auth over TLS; 0 (no profile) when the lab runs unsecured."""
    if config.password is None:
        return 0
    return 2 if (config.csms_url or "").startswith("wss://") else 1


def station_entries(config: StationConfig, now: Callable[[], str]) -> list[tuple[Component, Variable]]:
    entries: list[tuple[Component, Variable]] = []

    def add(component: Component, *variables: Variable) -> None:
        entries.extend((component, v) for v in variables)

    connectors = [c for _, c in config.connectors()]
    add(
        Component("ChargingStation"),
        *_availability(),
        var("Model", config.model, D.string, constant=True),
        var("VendorName", config.vendor, D.string, constant=True),
        var("SerialNumber", config.serial_number, D.string, constant=True),
        var("SupplyPhases", _supply_phases(connectors), D.integer, constant=True),
        _power(config.max_power_w()),
        _flag("Problem", False, RO),
    )
    for evse in config.evses:
        add(
            Component("EVSE", evse_id=evse.id),
            *_availability(),
            _power(max(c.max_power_w for c in evse.connectors)),
            var("SupplyPhases", _supply_phases(evse.connectors), D.integer, constant=True),
            _flag("Problem", False, RO),
        )
        for c in evse.connectors:
            add(
                Component("Connector", evse_id=evse.id, connector_id=c.id),
                *_availability(),
                var("ConnectorType", CONNECTOR_TYPES[c.type], D.string, constant=True),
                var("SupplyPhases", _supply_phases([c]), D.integer, constant=True),
                _flag("Problem", False, RO),
            )
    add(
        Component("OCPPCommCtrlr"),
        var("FileTransferProtocols", "HTTP,HTTPS", D.member_list, values_list="FTP,FTPS,HTTP,HTTPS,SFTP"),
        _seconds("HeartbeatInterval", config.heartbeat_interval_s, min_limit=1),
        _seconds("MessageTimeout", 30, instance="Default", min_limit=1),
        _count("MessageAttempts", 3, instance="TransactionEvent"),
        _seconds("MessageAttemptInterval", 60, instance="TransactionEvent"),
        # B10: a new priority order is taken into use at the next (re)connection.
        var("NetworkConfigurationPriority", "0", D.sequence_list, RW, values_list="0,1", reboot_required=True),
        _count("NetworkProfileConnectionAttempts", 3),
        _seconds("OfflineThreshold", 300),
        _flag("QueueAllMessages", False),
        _count("ResetRetries", 3),
        _seconds("RetryBackOffRandomRange", 10),
        _count("RetryBackOffRepeatTimes", 5),
        _seconds("RetryBackOffWaitMinimum", 5),
        _flag("UnlockOnEVSideDisconnect", True),
        # The ping interval is fixed when the WebSocket opens, as for 1.6 (config_keys).
        var("WebSocketPingInterval", "60", D.integer, RW, unit="s", min_limit=0, reboot_required=True),
    )
    add(
        Component("TxCtrlr"),
        _seconds("EVConnectionTimeOut", 60),
        _count("MaxEnergyOnInvalidId", 0, unit="Wh"),
        _flag("StopTxOnEVSideDisconnect", True),
        _flag("StopTxOnInvalidId", True),
        _flag("TxBeforeAcceptedEnabled", False),
        # A transaction starts when the power path closes (EV connected and authorized) and
        # stops when either the EV leaves or the authorization ends.
        var("TxStartPoint", "PowerPathClosed", D.member_list, RW, values_list=TX_START_POINTS),
        var("TxStopPoint", "EVConnected,Authorized", D.member_list, RW, values_list=TX_STOP_POINTS),
    )
    energy = lab.ENERGY_REGISTER
    add(
        Component("SampledDataCtrlr"),
        _flag("Available", True, RO),
        _flag("Enabled", True),
        _measurands("TxStartedMeasurands", energy),
        _measurands("TxUpdatedMeasurands", lab.default_sampled_measurands(config)),
        _seconds("TxUpdatedInterval", config.meter_interval_s),
        _measurands("TxEndedMeasurands", energy),
        _seconds("TxEndedInterval", 0),
    )
    add(
        Component("AlignedDataCtrlr"),
        _flag("Available", True, RO),
        _flag("Enabled", True),
        _seconds("Interval", 0),
        _measurands("Measurands", energy),
        _seconds("TxEndedInterval", 0),
        _measurands("TxEndedMeasurands", ""),
    )
    add(
        Component("AuthCtrlr"),
        _flag("Enabled", True),
        _flag("AuthorizeRemoteStart", True),
        _flag("LocalAuthorizeOffline", True),
        _flag("LocalPreAuthorize", False),
        _flag("OfflineTxForUnknownIdEnabled", False),
    )
    add(
        Component("AuthCacheCtrlr"),
        _flag("Available", True, RO),
        _flag("Enabled", True),
        _seconds("LifeTime", 86_400),
        var("Policy", "LRU", D.option_list, RW, values_list="LRU,LFU,FIFO,CUSTOM"),
    )
    # The Local Authorization List (D01-D04, engine/authorization.py); the dialect makes Entries and
    # Storage follow the list. Enabled false: the list is not used, SendLocalList is Failed.
    add(
        Component("LocalAuthListCtrlr"),
        _flag("Available", True, RO),
        _flag("Enabled", True),
        _count("Entries", 0, RO, max_limit=lab.LOCAL_LIST_MAX_ENTRIES),
        _count("ItemsPerMessage", lab.SEND_LOCAL_LIST_MAX_ITEMS, RO),
        _count("BytesPerMessage", REQUEST_BYTES_PER_MESSAGE, RO),
        _count("Storage", 0, RO, max_limit=LOCAL_LIST_MAX_BYTES),
    )
    add(
        Component("DeviceDataCtrlr"),
        *(
            _count(name, limit, RO, instance=action)
            for name, limit in (
                ("ItemsPerMessage", REQUEST_ITEMS_PER_MESSAGE),
                ("BytesPerMessage", REQUEST_BYTES_PER_MESSAGE),
            )
            for action in ("GetReport", "GetVariables", "SetVariables")
        ),
    )
    add(
        Component("SecurityCtrlr"),
        # A00.FR.205: the basic-auth password has 16 to 40 characters.
        var("BasicAuthPassword", config.password, D.string, WO, min_limit=16, max_limit=40),
        _count("CertificateEntries", 0, RO),
        var("Identity", config.id, D.string, constant=True, max_limit=48),
        var("OrganizationName", config.vendor, D.string, RW),
        _count("SecurityProfile", _security_profile(config), RO, max_limit=3),
    )
    add(
        Component("ClockCtrlr"),
        var("DateTime", None, D.date_time, source=now),
        var("TimeSource", "Heartbeat", D.sequence_list, RW, values_list=TIME_SOURCES),
    )
    # Reservations (H01-H04, engine/reservations.py). NonEvseSpecific: a ReserveNow without evseId is taken.
    add(
        Component("ReservationCtrlr"),
        _flag("Available", True, RO),
        _flag("Enabled", True),
        _flag("NonEvseSpecific", False),
    )
    # Charging profiles are simulated (K01-K10, engine/smart_charging.py); the dialect makes Entries
    # count the profiles installed. Always enabled: a CSMS cannot switch smart charging off.
    add(
        Component("SmartChargingCtrlr"),
        _flag("Available", True, RO),
        _flag("Enabled", True, RO),
        _count("Entries", 0, RO, instance="ChargingProfiles", max_limit=lab.CHARGING_PROFILES_MAX),
        _flag("Phases3to1", False, RO),
        var("LimitChangeSignificance", "10", D.decimal, RW, unit="Percent", min_limit=0, max_limit=100),
        _flag("NotifyChargingLimitWithSchedules", False),  # K12 (protocol/cp201_external_limits.py)
        _count("PeriodsPerSchedule", lab.SCHEDULE_MAX_PERIODS, RO),
        _count("ProfileStackLevel", lab.PROFILE_MAX_STACK_LEVEL, RO),
        var("RateUnit", "A,W", D.member_list, values_list="A,W"),
    )
    add(Component("MonitoringCtrlr"), *monitoring_ctrlr())  # N02-N08 (protocol/cp201_monitoring.py)
    add(Component("DisplayMessageCtrlr"), *display_message_ctrlr())  # O01-O06 (protocol/cp201_display.py)
    entries.extend(network_configuration(config, _security_profile(config)))  # B09 (protocol/cp201_services.py)
    add(
        Component("CustomizationCtrlr"),
        var("CustomImplementationEnabled", "false", D.boolean, RW, instance=config.vendor),
    )
    return entries + _fault_entries(config, entries)


def _fault_entries(
    config: StationConfig, present: list[tuple[Component, Variable]]
) -> list[tuple[Component, Variable]]:
    """The components and variables the fault catalogue reports on (part 2 N07), wherever a fault can
    be raised, unless the station has them already (a Connector's Problem)."""
    seen = {(*component.key, *variable.key) for component, variable in present}
    added: list[tuple[Component, Variable]] = []
    for evse in config.evses:
        for c in evse.connectors:
            for fault in FAULT_CATALOGUE:
                component = Component(fault.component, None, *fault.component_at(evse.id, c.id))
                key = (*component.key, fold(fault.variable), None)
                if key not in seen:
                    seen.add(key)
                    added.append((component, _flag(fault.variable, False, RO)))
    return added
