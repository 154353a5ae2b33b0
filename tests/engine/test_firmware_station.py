"""Firmware updates end to end: the mock CSMS sends UpdateFirmware over a loopback websocket, the lab
station downloads the image from the mock's HTTP file service, installs it on a fast simulated clock,
reboots and boots with the new version; a chosen failure stops the update at its status.

The times checked are simulated: each status is stamped with the lab clock when its frame crossed
the station's tap. Every frame the stations sent is checked against the official schemas.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from station_lab import TEMPLATE, V16, V201, Seen, boot, csms, seen_by, seen_lab

from ocpplab_desktop.engine import faults
from ocpplab_desktop.engine.faults import FaultSpec
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.scenario import ScenarioRunner, parse_scenario
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import MessageType

SIGNATURE = "c2lnbmVkIGJ5IHRoZSBsYWI="  # any base64: the check's outcome is the lab's choice


class FirmwareSeen(Seen):
    """The frames stamped with the lab's simulated UTC time, which the update's dates are in."""

    def stamp(self) -> float:
        return sim_utc(self.lab)

    def statuses(self, station_id: str) -> list[str]:
        return [p["status"] for _, p in self.calls(station_id, "FirmwareStatusNotification")]

    def order(self, station_id: str) -> list[str]:
        """The actions of the station's CALLs, in order."""
        return [
            str(f.action) for _, f in self.frames if f.station_id == station_id and f.message_type is MessageType.CALL
        ]


@pytest.fixture
async def lab(schema_errors: Any) -> AsyncIterator[Lab]:
    async with seen_lab(schema_errors, FirmwareSeen, csms_port=0, speed=500) as lab:
        yield lab


async def station(lab: Lab, version: OcppVersion, station_id: str) -> Station:
    config = replace(load_template(TEMPLATE[version]), id=station_id, ocpp_version=version, firmware_version="1.0.0")
    return await boot(lab, config)


def iso(utc: float) -> str:
    return datetime.fromtimestamp(utc, tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def sim_utc(lab: Lab) -> float:
    return lab.clock.sim_start_wall + lab.clock.now


async def until_status(lab: Lab, s: Station, status: str) -> None:
    await csms(lab).wait_for(lambda: status in seen_by(lab).statuses(s.id), timeout=20, what=f"status {status}")


def firmware_version_booted(payload: dict[str, Any]) -> str:
    return str(payload.get("chargingStation", payload)["firmwareVersion"])


# --- a whole update ------------------------------------------------------------------------------
async def test_a_201_update_walks_every_status_on_the_simulated_clock_and_boots_the_new_version(lab: Lab) -> None:
    s = await station(lab, V201, "FW-201")
    seen = seen_by(lab)
    retrieve, install = sim_utc(lab) + 120, sim_utc(lab) + 600
    answer = await csms(lab).update_firmware(
        s.id, retrieve_date=iso(retrieve), install_date=iso(install), signature=SIGNATURE, request_id=41
    )
    assert answer == {"status": "Accepted"}
    await until_status(lab, s, "Installed")
    await csms(lab).wait_for(
        lambda: bool(seen.calls(s.id, "SecurityEventNotification")), timeout=20, what="FirmwareUpdated"
    )

    calls = seen.calls(s.id, "FirmwareStatusNotification")
    assert [p["status"] for _, p in calls] == [
        "Downloading",
        "Downloaded",
        "SignatureVerified",
        "InstallScheduled",
        "Installing",
        "InstallRebooting",
        "Installed",
    ]
    assert {p["requestId"] for _, p in calls} == {41}
    times = {p["status"]: t for t, p in calls}
    assert times["Downloading"] >= retrieve - 1  # the answer's dateTime is to the second
    assert times["Installing"] >= install - 1
    # The image came from the mock's file service: the version after the one the station booted with.
    boots = seen.calls(s.id, "BootNotification")
    assert [firmware_version_booted(p) for _, p in boots] == ["1.0.0", "1.0.1"]
    assert boots[-1][1]["reason"] == "FirmwareUpdate"
    order = seen.order(s.id)
    last_boot = len(order) - 1 - order[::-1].index("BootNotification")
    assert order[last_boot:].count("FirmwareStatusNotification") == 1  # Installed, after the boot
    events = [p for _, p in seen.calls(s.id, "SecurityEventNotification")]
    assert [e["type"] for e in events] == ["FirmwareUpdated"]
    assert s.config.firmware_version == "1.0.1"
    assert csms(lab).stations[s.id].firmware_status == "Installed"


async def test_a_16_update_downloads_the_named_image_and_its_version_appears_in_the_next_boot(lab: Lab) -> None:
    s = await station(lab, V16, "FW-16")
    seen = seen_by(lab)
    url = csms(lab).files.add_firmware("vendor-image-5.2.0.bin", b"\x7fELF not really an image")
    retrieve = sim_utc(lab) + 300
    assert await csms(lab).update_firmware(s.id, url, retrieve_date=iso(retrieve)) == {}
    await until_status(lab, s, "Installed")

    calls = seen.calls(s.id, "FirmwareStatusNotification")
    # 1.6 has no status for the reboot: Installing, the reboot, the boot on the new firmware, Installed.
    assert [p["status"] for _, p in calls] == ["Downloading", "Downloaded", "Installing", "Installed"]
    assert calls[0][0] >= retrieve - 1
    boots = seen.calls(s.id, "BootNotification")
    assert [p["firmwareVersion"] for _, p in boots] == ["1.0.0", "5.2.0"]
    order = seen.order(s.id)
    last_boot = len(order) - 1 - order[::-1].index("BootNotification")
    assert order[last_boot:].count("FirmwareStatusNotification") == 1  # Installed, after the boot
    assert s.config.firmware_version == "5.2.0"


async def test_the_16_station_advertises_the_firmware_management_profile(lab: Lab) -> None:
    s = await station(lab, V16, "FW-16-PROFILES")
    answer = await csms(lab).get_configuration(s.id, ["SupportedFeatureProfiles"])
    profiles = answer["configurationKey"][0]["value"].split(",")
    assert "FirmwareManagement" in profiles


# --- chosen failures -----------------------------------------------------------------------------
FAILURES = [
    (V16, "download", ["Downloading", "DownloadFailed"], []),
    (V201, "download", ["Downloading", "DownloadFailed"], []),
    (V16, "signature", ["Downloading", "Downloaded", "InstallationFailed"], []),
    (V201, "signature", ["Downloading", "Downloaded", "InvalidSignature"], ["InvalidFirmwareSignature"]),
    (V16, "install", ["Downloading", "Downloaded", "Installing", "InstallationFailed"], []),
    (V201, "install", ["Downloading", "Downloaded", "SignatureVerified", "Installing", "InstallationFailed"], []),
]


@pytest.mark.parametrize(("version", "stage", "expected", "security"), FAILURES, ids=str)
async def test_a_chosen_failure_stops_the_update_at_its_status_on_the_old_firmware(
    lab: Lab, version: OcppVersion, stage: str, expected: list[str], security: list[str]
) -> None:
    s = await station(lab, version, f"FAIL-{stage}-{version.name}")
    seen = seen_by(lab)
    said = await faults.inject(lab, s.id, FaultSpec("firmware_failure", stage=stage))
    assert stage in said
    assert ("station", f"firmware updates fail at the {stage}") in faults.active(lab, s.id)
    extra = {"signature": SIGNATURE} if version is V201 else {}
    await csms(lab).update_firmware(s.id, retries=2, retry_interval=60, **extra)
    await until_status(lab, s, expected[-1])
    await lab.sleep_sim(600)  # long enough for any further step (retries, installation, reboot) to show

    assert seen.statuses(s.id) == expected
    assert len(seen.calls(s.id, "BootNotification")) == 1
    assert s.config.firmware_version == "1.0.0"
    assert [p["type"] for _, p in seen.calls(s.id, "SecurityEventNotification")] == security
    if stage == "download":
        attempts = [e for e in seen.events if e.station_id == s.id and "download attempt" in e.detail]
        assert len(attempts) == 3  # the first try and two retries
        failed_at = seen.calls(s.id, "FirmwareStatusNotification")[-1][0]
        assert failed_at - seen.calls(s.id, "FirmwareStatusNotification")[0][0] >= 2 * 60 - 1
    # Cleared, the next update succeeds.
    faults.clear(lab, s.id)
    await csms(lab).update_firmware(s.id, **extra)
    await until_status(lab, s, "Installed")
    assert s.config.firmware_version == "1.0.1"


async def test_a_location_with_nothing_there_fails_the_download_after_the_retries(lab: Lab) -> None:
    s = await station(lab, V201, "FW-404")
    await csms(lab).update_firmware(s.id, f"{csms(lab).files.url}/firmware/missing.bin", retries=1, retry_interval=30)
    await until_status(lab, s, "DownloadFailed")
    assert seen_by(lab).statuses(s.id) == ["Downloading", "DownloadFailed"]
    attempts = [e for e in seen_by(lab).events if e.station_id == s.id and "download attempt" in e.detail]
    assert len(attempts) == 2 and "HTTP 404" in attempts[0].detail


async def test_a_scenario_step_chooses_the_failure(lab: Lab) -> None:
    steps = [
        {"wait_until": {"registration": "Accepted"}},
        {"inject": {"kind": "firmware_failure", "stage": "install"}},
        {"csms": {"command": "update_firmware", "retries": 0}},
        {
            "wait_until": {
                "frame": {"action": "FirmwareStatusNotification", "payload": {"status": "InstallationFailed"}}
            }
        },
    ]
    document = {"station": {"template": TEMPLATE[V16], "id": "FW-SCENARIO"}, "speed": 200, "steps": steps}
    report = await asyncio.wait_for(ScenarioRunner(lab, parse_scenario(document)).run(), 60)
    assert report.ok, report.render()
    assert seen_by(lab).statuses("FW-SCENARIO") == ["Downloading", "Downloaded", "Installing", "InstallationFailed"]


def test_a_firmware_failure_step_names_its_stage() -> None:
    steps = [{"inject": {"kind": "firmware_failure", "stage": "flash"}}]
    document = {"station": {"template": TEMPLATE[V16], "id": "FW-BAD"}, "steps": steps}
    with pytest.raises(ValueError, match="download, signature, install"):
        parse_scenario(document)


# --- triggered status -----------------------------------------------------------------------------
async def test_a_triggered_status_is_idle_without_an_update_and_the_last_status_after_a_failed_one(lab: Lab) -> None:
    s = await station(lab, V201, "FW-TRIGGER")
    seen = seen_by(lab)
    assert await csms(lab).trigger_message(s.id, "FirmwareStatusNotification") == {"status": "Accepted"}
    await csms(lab).wait_for(lambda: len(seen.statuses(s.id)) == 1, timeout=20, what="the triggered status")
    assert seen.calls(s.id, "FirmwareStatusNotification")[-1][1] == {"status": "Idle"}

    await faults.inject(lab, s.id, FaultSpec("firmware_failure", stage="download"))
    await csms(lab).update_firmware(s.id, retries=0, request_id=7)
    await until_status(lab, s, "DownloadFailed")
    await csms(lab).trigger_message(s.id, "FirmwareStatusNotification")
    await csms(lab).wait_for(lambda: len(seen.statuses(s.id)) == 4, timeout=20, what="the triggered status")
    assert seen.calls(s.id, "FirmwareStatusNotification")[-1][1] == {"status": "DownloadFailed", "requestId": 7}

    faults.clear(lab, s.id)
    await csms(lab).update_firmware(s.id, request_id=8)
    await until_status(lab, s, "Installed")
    count = len(seen.statuses(s.id))
    await csms(lab).trigger_message(s.id, "FirmwareStatusNotification")
    await csms(lab).wait_for(lambda: len(seen.statuses(s.id)) == count + 1, timeout=20, what="the triggered status")
    assert seen.calls(s.id, "FirmwareStatusNotification")[-1][1] == {"status": "Idle"}


async def test_a_16_triggered_firmware_status_is_idle_without_an_update(lab: Lab) -> None:
    s = await station(lab, V16, "FW-16-TRIGGER")
    assert await csms(lab).trigger_message(s.id, "FirmwareStatusNotification") == {"status": "Accepted"}
    await csms(lab).wait_for(lambda: seen_by(lab).statuses(s.id) == ["Idle"], timeout=20, what="Idle")
