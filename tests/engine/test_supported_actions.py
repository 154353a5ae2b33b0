"""Which CSMS-initiated actions a lab station does not support, read through a real station's endpoint.

Every action a CSMS may send to a station of each version (from the official schemas) is offered to the
RPC core of a real `Station` as a CALL; the core answers NotSupported exactly for the actions the
station's dialect has no handler for. After issue #16 those are only the security extension of 1.6 and
the certificate management of 2.0.1 (security profiles 2 and 3 come in a later issue).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.clock import SimClock
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.schemas import csms_actions

TEMPLATE = {OcppVersion.V16: "ac-22kw-wallbox", OcppVersion.V201: "ac-22kw-wallbox-v201"}
NOT_YET = {
    # 1.6: the Security Whitepaper's extension (certificates, signed firmware, security logs).
    OcppVersion.V16: {
        "CertificateSigned",
        "DeleteCertificate",
        "ExtendedTriggerMessage",
        "GetInstalledCertificateIds",
        "GetLog",
        "InstallCertificate",
        "SignedUpdateFirmware",
    },
    # 2.0.1: certificate management (part 2 A02-A03, M).
    OcppVersion.V201: {"CertificateSigned", "DeleteCertificate", "GetInstalledCertificateIds", "InstallCertificate"},
}


@pytest.mark.parametrize("version", list(OcppVersion), ids=str)
async def test_a_station_answers_not_supported_only_to_the_security_actions(version: OcppVersion) -> None:
    config = replace(load_template(TEMPLATE[version]), id=f"SUPPORT-{version.value}", ocpp_version=version)
    station = Station(config, bus=EventBus(), clock=SimClock(), url="ws://127.0.0.1:9/ocpp")
    try:
        unsupported = set()
        for n, action in enumerate(csms_actions(version)):
            frame = station.endpoint.rpc.receive(json.dumps([2, f"call-{n}", action, {}]))
            if frame.error is not None and frame.error.startswith("NotSupported"):
                unsupported.add(action)
        assert unsupported == NOT_YET[version]
    finally:
        await station.stop()
