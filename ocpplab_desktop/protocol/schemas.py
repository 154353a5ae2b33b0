"""Validate payloads against the official OCPP JSON schemas shipped with the `ocpp` library.

Each schema is compiled once per (version, action, request/response) into Python code by
fastjsonschema and called inline: no thread pool, no re-walking of the schema per message.
That is the main reason a lab station costs less CPU per frame than the library's own
`ChargePoint`, which validates every message with jsonschema in an executor.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import fastjsonschema
from ocpp.v16.enums import Action as Action16
from ocpp.v201.enums import Action as Action201

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol.errors import Fault, RpcError

Validator = Callable[[Any], Any]

ACTIONS: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: frozenset(a.value for a in Action16),
    OcppVersion.V201: frozenset(a.value for a in Action201),
}

# The CALLs a station sends; the CSMS sends every other action of the version, except those
# both sides send. 1.6: section 4 (charge point initiated) and the Security Whitepaper (edition 3)
# section 4; 2.0.1: part 2, the messages of each use case sent "to the CSMS".
# fmt: off
STATION_SENDS: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: frozenset({
        "Authorize", "BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat",
        "LogStatusNotification", "MeterValues", "SecurityEventNotification", "SignCertificate",
        "SignedFirmwareStatusNotification", "StartTransaction", "StatusNotification", "StopTransaction",
    }),
    OcppVersion.V201: frozenset({
        "Authorize", "BootNotification", "ClearedChargingLimit", "FirmwareStatusNotification", "Get15118EVCertificate",
        "GetCertificateStatus", "Heartbeat", "LogStatusNotification", "MeterValues", "NotifyChargingLimit",
        "NotifyCustomerInformation", "NotifyDisplayMessages", "NotifyEVChargingNeeds", "NotifyEVChargingSchedule",
        "NotifyEvent", "NotifyMonitoringReport", "NotifyReport", "PublishFirmwareStatusNotification",
        "ReportChargingProfiles", "ReservationStatusUpdate", "SecurityEventNotification", "SignCertificate",
        "StatusNotification", "TransactionEvent",
    }),
}
# fmt: on
BOTH_SIDES = frozenset({"DataTransfer"})  # 1.6 section 4.3 and 5.6; 2.0.1 part 2 P01/P02


@functools.cache
def csms_actions(version: OcppVersion) -> tuple[str, ...]:
    """The actions a CSMS may send to a station of `version` (DataTransfer included), sorted."""
    return tuple(sorted(ACTIONS[version] - STATION_SENDS[version]))


_FAULT_OF_RULE = {
    "required": Fault.MISSING,
    "type": Fault.TYPE,
    "maxLength": Fault.TYPE,  # CiStringNType / string[0..N] are data types with a length
    "additionalProperties": Fault.STRUCTURE,
    "minItems": Fault.OCCURRENCE,
    "maxItems": Fault.OCCURRENCE,
}


# Where the `ocpp` library keeps each version's schemas: folder, request file suffix.
# 1.6 names a request file after its action; 2.0.1 appends "Request".
SCHEMA_FILES: dict[OcppVersion, tuple[str, str]] = {
    OcppVersion.V16: ("v16", ""),
    OcppVersion.V201: ("v201", "Request"),
}


def _schema_file(version: OcppVersion, action: str, response: bool) -> str:
    return f"{action}{'Response' if response else SCHEMA_FILES[version][1]}.json"


def schema(version: OcppVersion, action: str, *, response: bool = False) -> dict[str, Any]:
    """The official JSON schema of one message (a fresh copy); KeyError if the version has no such action."""
    if action not in ACTIONS[version]:
        raise KeyError(action)
    folder = SCHEMA_FILES[version][0]
    path = resources.files("ocpp").joinpath(folder, "schemas", _schema_file(version, action, response))
    # The 2.0.1 schema files start with a byte order mark.
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return loaded


@functools.cache
def validator(version: OcppVersion, action: str, response: bool) -> Validator:
    """The compiled validator for one message; KeyError if the version has no such action."""
    compiled_from = schema(version, action, response=response)
    compiled_from.pop("$schema", None)
    compiled_from.pop("$id", None)
    compiled: Validator = fastjsonschema.compile(compiled_from)
    return compiled


def check(version: OcppVersion, action: str, payload: Any, *, response: bool = False) -> None:
    """Raise RpcError with the code the specification names if `payload` is not valid."""
    if not isinstance(payload, dict):
        raise RpcError.of(version, Fault.STRUCTURE, f"{action} payload must be a JSON object")
    try:
        validator(version, action, response)(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        fault = _FAULT_OF_RULE.get(exc.rule or "", Fault.VALUE)
        name = exc.name or "data"
        where = name.replace("data.", "", 1).replace("data", "payload")
        message = (exc.message or "is invalid").replace(name, where)
        raise RpcError.of(version, fault, f"{action}: {message}", field=where) from None
