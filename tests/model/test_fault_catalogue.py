"""The fault catalogue: one list for both versions, each entry in each version's own vocabulary."""

from __future__ import annotations

import pytest
from ocpp.v16.enums import ChargePointErrorCode, Reason
from ocpp.v201 import enums as v201
from ocpp.v201.enums import ReasonEnumType

from ocpplab_desktop.model.config import ConnectorConfig, EvseConfig, OcppVersion, StationConfig
from ocpplab_desktop.model.connector import FaultInfo
from ocpplab_desktop.model.device_model import DeviceModel
from ocpplab_desktop.model.faults import (
    FAULT_CATALOGUE,
    FAULTS,
    FaultEntry,
    FaultSite,
    catalogue_entry,
    entry_for,
)
from ocpplab_desktop.model.templates import builtin_templates

TWO_EVSES = StationConfig(
    ocpp_version=OcppVersion.V201,
    evses=(
        EvseConfig(1, (ConnectorConfig(1), ConnectorConfig(2, type="Type1", phases=1, max_power_w=7_360.0))),
        EvseConfig(2, (ConnectorConfig(1),)),
    ),
)


def test_the_catalogue_names_every_16_error_code_but_no_error() -> None:
    codes = {entry.error_code for entry in FAULT_CATALOGUE}
    assert codes == set(ChargePointErrorCode) - {ChargePointErrorCode.no_error}


def test_ids_and_labels_are_unique() -> None:
    assert len({e.id for e in FAULT_CATALOGUE}) == len({e.label for e in FAULT_CATALOGUE}) == len(FAULT_CATALOGUE)
    assert FAULTS["ground_fault"] is catalogue_entry("ground_fault")


@pytest.mark.parametrize("entry", FAULT_CATALOGUE, ids=lambda e: e.id)
def test_each_201_component_and_variable_is_a_standardized_one(entry: FaultEntry) -> None:
    # Part 2 appendix 3, as the ocpp library tabulates it: the component and its variables.
    assert entry.component in set(v201.PhysicalComponentName)
    assert entry.variable in set(getattr(v201, f"{entry.component}VariableName"))


@pytest.mark.parametrize("config", [TWO_EVSES, *(t for t in builtin_templates().values())], ids=lambda c: c.id)
def test_each_station_device_model_holds_every_faults_variable_where_it_sits(config: StationConfig) -> None:
    model = DeviceModel.for_station(config)
    places = {
        FaultSite.STATION: [{}],
        FaultSite.EVSE: [{"evse_id": evse.id} for evse in config.evses],
        FaultSite.CONNECTOR: [{"evse_id": e.id, "connector_id": c.id} for e in config.evses for c in e.connectors],
    }
    for entry in FAULT_CATALOGUE:
        for where in places[entry.site]:
            assert model.get_value(entry.component, entry.variable, **where) == "false", (entry.id, where)


def test_station_level_faults_leave_connectors_and_transactions_alone() -> None:
    station_level = {e.id for e in FAULT_CATALOGUE if e.station_level}
    assert station_level == {"local_list_conflict", "reader_failure", "reset_failure", "weak_signal"}
    assert not any(FAULTS[i].faults_connector or FAULTS[i].ends_transaction for i in station_level)
    with pytest.raises(ValueError, match="station-level"):
        FaultEntry("x", "X", ChargePointErrorCode.weak_signal, "DataLink", "Problem", FaultSite.STATION, True)


def test_an_ev_communication_error_does_not_fault_the_connector() -> None:
    # 1.6 section 7.6: "not a real error in the sense that the Charge Point doesn't need to go to the faulted state".
    entry = entry_for("EVCommunicationError")
    assert not entry.faults_connector and not entry.station_level


def test_stop_reasons_come_in_pairs_in_each_versions_words() -> None:
    assert (FAULTS["ground_fault"].stop_reason_16, FAULTS["ground_fault"].stop_reason_201) == (
        Reason.other,  # 1.6 section 7.36 has no ground-fault reason
        ReasonEnumType.ground_fault,
    )
    assert FAULTS["emergency_stop"].stop_reason_16 == Reason.emergency_stop
    assert FAULTS["over_current"].stop_reason_201 == ReasonEnumType.overcurrent_fault
    assert not FAULTS["power_meter"].ends_transaction
    with pytest.raises(ValueError, match="needs one for the other"):
        FaultEntry("x", "X", ChargePointErrorCode.other_error, "EVSE", "Problem", FaultSite.EVSE, True, Reason.other)


def test_a_bare_error_code_stands_for_the_first_entry_with_it() -> None:
    assert FaultInfo("GroundFailure").entry is FAULTS["ground_fault"]
    assert FaultInfo().entry is FAULTS["other"] and FaultInfo().error_code == "OtherError"
    assert FaultInfo("OtherError").entry is FAULTS["other"], "not the emergency stop, which reports OtherError too"


def test_a_fault_id_brings_its_error_code_and_a_contradicting_code_is_refused() -> None:
    assert FaultInfo(fault_id="emergency_stop").error_code == "OtherError"
    assert FaultInfo(fault_id="weak_signal", info="RSSI low").error_code == "WeakSignal"
    with pytest.raises(ValueError, match="reports the error code WeakSignal, not GroundFailure"):
        FaultInfo("GroundFailure", fault_id="weak_signal")
    with pytest.raises(ValueError, match="unknown fault 'melted'; the catalogue has other, connector_lock"):
        FaultInfo(fault_id="melted")


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        (FaultInfo("NoError"), "no fault reports the error code 'NoError'"),
        (FaultInfo(info="x" * 51), "info has 51 characters; at most 50 fit"),  # 1.6 CiString50Type
        (FaultInfo(vendor_error_code="x" * 51), "vendor_error_code has 51 characters"),
        (FaultInfo(tech_code="x" * 51), "tech_code has 51 characters"),  # 2.0.1 EventDataType
        (FaultInfo(tech_info="x" * 501), "tech_info has 501 characters; at most 500 fit"),
    ],
)
def test_a_fault_that_cannot_be_reported_says_why(fault: FaultInfo, problem: str) -> None:
    assert problem in str(fault.problem())
    assert FaultInfo(info="x" * 50, vendor_error_code="x" * 50, tech_info="x" * 500).problem() is None
