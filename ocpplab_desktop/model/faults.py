"""The fault catalogue: what can go wrong at a station, once, for both OCPP versions.

The window offers this one list; each version reports a fault in its own form. OCPP 1.6 names
a fault by a ChargePointErrorCode in a StatusNotification (section 7.6, on the connector, or on
connectorId 0 for the Charge Point as a whole). OCPP 2.0.1 names it by the component and variable
that failed, in a NotifyEvent (part 2 N07; G05 for the cable lock), where the component sits
on the connector, on its EVSE or on the station itself. An entry also says whether the fault
takes the connector out of service (status Faulted) and whether it ends a running transaction,
with which stop reason in each version.

Component and variable names are those of part 2 appendix 3 (the `ocpp.v201.enums` tables);
every one is a boolean condition variable, true while the fault lasts. The station's device
model holds each of them (`device_catalogue.station_entries` adds them from this list).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ocpp.v16.enums import ChargePointErrorCode, Reason
from ocpp.v201.enums import PhysicalComponentName, ReasonEnumType

E = ChargePointErrorCode
P = PhysicalComponentName
PROBLEM, TRIPPED, OPERATED = "Problem", "Tripped", "Operated"  # appendix 3 generic variables


class FaultSite(StrEnum):
    """Where a fault sits: what the 2.0.1 component belongs to, and what 1.6 reports it on."""

    CONNECTOR = "connector"  # the connector's component (evse id and connectorId); 1.6: the connector
    EVSE = "evse"  # the EVSE's component (evse id); 1.6: the connector the fault was raised on
    STATION = "station"  # the station's component (no evse); 1.6: connectorId 0


@dataclass(frozen=True, slots=True)
class FaultEntry:
    """One kind of fault, as a person names it and as each version reports it."""

    id: str
    label: str
    error_code: ChargePointErrorCode  # 1.6 section 7.6
    component: str  # 2.0.1 appendix 3 physical component
    variable: str  # its boolean variable that is true while the fault lasts
    site: FaultSite
    faults_connector: bool  # the connector goes Faulted (1.6 section 4.9 A9-H9, 2.0.1 G01)
    stop_reason_16: Reason | None = None  # a running transaction ends with this reason (1.6 section 7.36)
    stop_reason_201: ReasonEnumType | None = None  # ... and this one (2.0.1 ReasonEnumType)
    monitored: bool = False  # 2.0.1: a threshold the firmware watches (HardWiredMonitor), not a failure it notices

    def __post_init__(self) -> None:
        if (self.stop_reason_16 is None) != (self.stop_reason_201 is None):
            raise ValueError(f"fault {self.id}: a stop reason for one version needs one for the other")
        if self.site is FaultSite.STATION and (self.faults_connector or self.ends_transaction):
            raise ValueError(
                f"fault {self.id}: a station-level fault neither faults a connector nor ends a transaction"
            )

    @property
    def ends_transaction(self) -> bool:
        return self.stop_reason_16 is not None

    @property
    def station_level(self) -> bool:
        """Reported for the station as a whole, not for the connector it was raised on."""
        return self.site is FaultSite.STATION

    def component_at(self, evse_id: int, connector_id: int) -> tuple[int | None, int | None]:
        """(evse id, connector id) of the 2.0.1 component that fails when the fault is raised at that connector."""
        if self.site is FaultSite.STATION:
            return None, None
        return evse_id, connector_id if self.site is FaultSite.CONNECTOR else None


def _entry(
    id: str,
    label: str,
    code: ChargePointErrorCode,
    component: str,
    variable: str,
    *,
    at: FaultSite,
    faults: bool = True,
    stop: tuple[Reason, ReasonEnumType] | None = None,
    monitored: bool = False,
) -> FaultEntry:
    reason16, reason201 = stop or (None, None)
    return FaultEntry(id, label, code, str(component), variable, at, faults, reason16, reason201, monitored)


CONNECTOR, EVSE, STATION = FaultSite.CONNECTOR, FaultSite.EVSE, FaultSite.STATION
OTHER = (Reason.other, ReasonEnumType.other)

# The first entry of each 1.6 error code is the one a bare error code means (`entry_for`).
FAULT_CATALOGUE: tuple[FaultEntry, ...] = (
    _entry("other", "Other error", E.other_error, P.connector, PROBLEM, at=CONNECTOR),
    # G05.FR.02: a lock failure is the ConnectorPlugRetentionLock's Problem.
    _entry("connector_lock", "Cable lock failed", E.connector_lock_failure, P.connector_plug_retention_lock,
           PROBLEM, at=CONNECTOR, stop=OTHER),
    # 1.6 section 7.6: not a real error, the connector does not go Faulted.
    _entry("ev_communication", "EV communication error", E.ev_communication_error, P.cppwm_controller,
           PROBLEM, at=EVSE, faults=False),
    _entry("ground_fault", "Ground fault (RCD tripped)", E.ground_failure, P.rcd, TRIPPED, at=EVSE,
           stop=(Reason.other, ReasonEnumType.ground_fault)),
    _entry("high_temperature", "Overheating", E.high_temperature, P.temperature_sensor, PROBLEM, at=EVSE,
           stop=OTHER, monitored=True),
    _entry("internal_error", "Internal error", E.internal_error, P.evse, PROBLEM, at=EVSE),
    _entry("local_list_conflict", "Local authorization list conflict", E.local_list_conflict,
           P.charging_station, PROBLEM, at=STATION, faults=False),
    _entry("over_current", "Over current (breaker tripped)", E.over_current_failure, P.over_current_protection,
           OPERATED, at=EVSE, stop=(Reason.other, ReasonEnumType.overcurrent_fault)),
    _entry("over_voltage", "Over voltage", E.over_voltage, P.electrical_feed, PROBLEM, at=EVSE,
           stop=(Reason.other, ReasonEnumType.power_quality), monitored=True),
    _entry("power_meter", "Power meter failure", E.power_meter_failure, P.fiscal_metering, PROBLEM, at=EVSE),
    _entry("power_switch", "Power switch (contactor) failure", E.power_switch_failure, P.power_contactor,
           PROBLEM, at=EVSE, stop=OTHER),
    _entry("reader_failure", "Card reader failure", E.reader_failure, P.token_reader, PROBLEM, at=STATION,
           faults=False),
    _entry("reset_failure", "Reset failed", E.reset_failure, P.controller, PROBLEM, at=STATION, faults=False),
    _entry("under_voltage", "Under voltage", E.under_voltage, P.electrical_feed, PROBLEM, at=EVSE,
           stop=(Reason.other, ReasonEnumType.power_quality), monitored=True),
    _entry("weak_signal", "Weak wireless signal", E.weak_signal, P.data_link, PROBLEM, at=STATION, faults=False),
    _entry("emergency_stop", "Emergency stop pressed", E.other_error, P.emergency_stop_sensor, TRIPPED, at=EVSE,
           stop=(Reason.emergency_stop, ReasonEnumType.emergency_stop)),
)  # fmt: skip

FAULTS: Mapping[str, FaultEntry] = {entry.id: entry for entry in FAULT_CATALOGUE}
_BY_ERROR_CODE = {entry.error_code.value: entry for entry in reversed(FAULT_CATALOGUE)}  # the first one wins


def catalogue_entry(fault_id: str) -> FaultEntry:
    """The entry with id `fault_id`; ValueError naming the known ids if there is none."""
    try:
        return FAULTS[fault_id]
    except KeyError:
        raise ValueError(f"unknown fault {fault_id!r}; the catalogue has {', '.join(FAULTS)}") from None


def entry_for(error_code: str) -> FaultEntry:
    """The entry a bare 1.6 error code stands for (the first with it); ValueError for NoError or an unknown code."""
    try:
        return _BY_ERROR_CODE[error_code]
    except KeyError:
        raise ValueError(
            f"no fault reports the error code {error_code!r}; use one of {', '.join(_BY_ERROR_CODE)}"
        ) from None
