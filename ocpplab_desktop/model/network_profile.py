"""Network connection profiles of a 2.0.1 station (part 2, B09 SetNetworkProfile; appendix 3 NetworkConfiguration).

Each configuration slot that OCPPCommCtrlr.NetworkConfigurationPriority may name is a
NetworkConfiguration component instance in the device model; slot 0 holds the connection the
station was built with, a SetNetworkProfile fills a slot. Which profile to refuse is decided here.
"""

from __future__ import annotations

from typing import Any

from ocpp.v201.enums import OCPPTransportEnumType, OCPPVersionEnumType

from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.model.device_variables import RO, Component, D, Variable, Wire, var

COMPONENT = "NetworkConfiguration"
SLOTS = ("0", "1")  # the valuesList of OCPPCommCtrlr.NetworkConfigurationPriority
FIELDS = {  # connectionData field -> variable
    "ocppCsmsUrl": "OcppCsmsUrl",
    "ocppInterface": "OcppInterface",
    "ocppTransport": "OcppTransport",
    "ocppVersion": "OcppVersion",
    "messageTimeout": "MessageTimeout",
    "securityProfile": "SecurityProfile",
}


def network_configuration(config: StationConfig, security_profile: int) -> list[tuple[Component, Variable]]:
    """One NetworkConfiguration instance per slot; slot 0 is the station's own connection."""
    own = {
        "OcppCsmsUrl": config.csms_url or "",
        "OcppInterface": "Wired0",
        "OcppTransport": OCPPTransportEnumType.json.value,
        "OcppVersion": OCPPVersionEnumType.ocpp20.value,
        "MessageTimeout": "30",
        "SecurityProfile": str(security_profile),
    }
    entries = []
    for slot in SLOTS:
        component = Component(COMPONENT, slot)
        for name in FIELDS.values():
            value = own[name] if slot == "0" else ""
            kind = D.integer if name in ("MessageTimeout", "SecurityProfile") and value else D.string
            entries.append((component, var(name, value, kind, RO)))
    return entries


def profile_problem(slot: int, data: Wire, current_security_profile: int) -> str | None:
    """Why a SetNetworkProfile must be Rejected, or None (B09)."""
    if str(slot) not in SLOTS:
        return f"configuration slot {slot} is not one of {', '.join(SLOTS)} (NetworkConfigurationPriority)"
    if data["ocppVersion"] != OCPPVersionEnumType.ocpp20.value:
        return f"this station speaks OCPP 2.0.1 only, not {data['ocppVersion']}"
    if data["ocppTransport"] != OCPPTransportEnumType.json.value:
        return "this station speaks OCPP-J (JSON) only"
    profile = int(data["securityProfile"])
    if profile < current_security_profile:
        # B09.FR.04: a profile with a lower security profile than the one in use is refused.
        return f"security profile {profile} is lower than the {current_security_profile} in use"
    url = str(data["ocppCsmsUrl"])
    if not url.startswith(("ws://", "wss://")) or (profile >= 2 and not url.startswith("wss://")):
        return f"{url!r} is not a {'wss' if profile >= 2 else 'ws or wss'} URL"
    return None


def slot_values(data: dict[str, Any]) -> dict[str, str]:
    """The NetworkConfiguration variables a stored connectionData sets."""
    return {variable: str(data[key]) for key, variable in FIELDS.items() if key in data}
