"""The CSMS console and the mock CSMS's file service: UpdateFirmware, GetDiagnostics and GetLog start from its
URLs and the station's time, the firmware picker serves an image from disk, and uploads show in the history.

Real lab, real embedded mock CSMS (websocket and HTTP file service on loopback), the real window offscreen.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from lab_harness import LabHarness, add_registered, until
from PySide6.QtCore import Qt

from ocpplab_desktop.csms.files import Upload
from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.console_files import NEXT_VERSION
from ocpplab_desktop.gui.csms_console import CsmsConsole
from ocpplab_desktop.gui.schema_form import SchemaForm
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

V16, V201 = "ac-22kw-wallbox", "ac-22kw-wallbox-v201"
LOCATION = {V16: "location", V201: "firmware.location"}
RETRIEVE = {V16: "retrieveDate", V201: "firmware.retrieveDateTime"}
NEXT = {V16: "3.4.13", V201: "4.0.3"}  # after the templates' 3.4.12 and 4.0.2
WALK = {
    V16: ["Downloading", "Downloaded", "Installing", "Installed"],
    V201: ["Downloading", "Downloaded", "Installing", "InstallRebooting", "Installed"],
}


def mock(lab: Lab) -> MockCsms:
    assert lab.csms is not None
    return lab.csms


def firmware_statuses(lab: Lab, station_id: str) -> list[str]:
    """The statuses the station reports in FirmwareStatusNotification, in order, from the moment of the call."""
    statuses: list[str] = []

    def seen(event: Any) -> None:
        if (
            isinstance(event, Frame)
            and event.station_id == station_id
            and event.side is Side.STATION
            and event.direction is Direction.TO_CSMS
            and event.message_type is MessageType.CALL
            and event.action == "FirmwareStatusNotification"
        ):
            statuses.append(event.payload["status"])

    lab.bus.subscribe(seen)
    return statuses


def console_for(window: MainWindow, station: Station, action: str) -> tuple[CsmsConsole, SchemaForm]:
    console = window.csms_console
    console.refresh()
    console.select_station(station.id)
    form = console.choose_command(action)
    assert isinstance(form, SchemaForm)
    return console, form


def value(form: SchemaForm, path: str) -> Any:
    editor = form.editor(path)
    assert editor is not None, f"{form.action} has no field {path}"
    return editor.value()


async def send(console: CsmsConsole) -> Any:
    """Press Send; the station's answer."""
    console.outcome_ok = None
    console.send_button.click()
    await until(lambda: console.outcome_ok is not None, "the station's answer")
    assert console.outcome_ok, console.outcome.text()
    return json.loads(console.answer.toPlainText())


@pytest.mark.parametrize("template", [V16, V201])
def test_update_firmware_defaults_to_the_file_service_and_now_and_the_station_walks_every_status(
    in_lab: LabHarness, template: str
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, template)
        window.sim_time.set_paused(True)  # the station's time stands still while the form is read
        console, form = console_for(window, station, "UpdateFirmware")
        assert console.firmware_picker.isVisible()

        url = value(form, LOCATION[template])
        assert url == mock(lab).default_firmware_url(station.id)
        assert url.startswith(mock(lab).files.url + "/firmware/") and NEXT[template] in url
        retrieve = datetime.fromisoformat(value(form, RETRIEVE[template]).replace("Z", "+00:00"))
        now = datetime.fromisoformat(station.now_iso().replace("Z", "+00:00"))
        assert retrieve == now.replace(microsecond=0), "the retrieve date is now on the station's clock"

        statuses = firmware_statuses(lab, station.id)
        window.sim_time.set_paused(False)
        window.set_speed(100)
        assert await send(console) in ({}, {"status": "Accepted"})  # 1.6 answers an empty payload
        await until(lambda: "Installed" in statuses, "the station to report Installed")
        assert statuses == WALK[template]
        await until(lambda: station.config.firmware_version == NEXT[template], "the new version")
        await until(lambda: station.registration == "Accepted", "the boot after the update")

    in_lab(scenario)


def test_the_firmware_picker_serves_an_image_from_disk_and_puts_its_url_in_the_form(
    in_lab: LabHarness, tmp_path: Path
) -> None:
    image = tmp_path / "vendor image 7.1.0.bin"
    image.write_bytes(b"ocpplab-firmware 7.1.0\n" + bytes(range(256)) * 16)

    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, V201)
        console, form = console_for(window, station, "UpdateFirmware")
        picker = console.firmware_picker
        assert [picker.images.itemText(i) for i in range(picker.images.count())] == [NEXT_VERSION]

        url = picker.add_file(image)
        files = mock(lab).files
        assert files.firmware_names() == ["vendor_image_7.1.0.bin"]
        assert url == files.firmware_url("vendor_image_7.1.0.bin")
        assert picker.images.currentText() == "vendor_image_7.1.0.bin"
        assert value(form, "firmware.location") == url
        console.refresh()
        assert value(form, "firmware.location") == url, "a refresh keeps the image chosen"

        picker.choose(NEXT_VERSION)
        assert value(form, "firmware.location") == mock(lab).default_firmware_url(station.id)
        picker.choose("vendor_image_7.1.0.bin")

        window.set_speed(100)
        assert await send(console) == {"status": "Accepted"}
        await until(lambda: station.config.firmware_version == "7.1.0", "the image from disk installed")

    in_lab(scenario)


@pytest.mark.parametrize(
    ("template", "action", "field"), [(V16, "GetDiagnostics", "location"), (V201, "GetLog", "log.remoteLocation")]
)
def test_a_log_uploaded_to_the_default_location_shows_in_the_console_with_where_it_was_saved(
    in_lab: LabHarness, template: str, action: str, field: str
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, template)
        console, form = console_for(window, station, action)
        assert not console.firmware_picker.isVisible()
        assert value(form, field) == mock(lab).files.upload_url(station.id)

        window.set_speed(100)
        answer = await send(console)
        assert answer.get("status", "Accepted") == "Accepted"  # 1.6 answers only the fileName

        def arrived() -> list[Upload]:
            console.refresh()  # as its timer does while it is shown
            return console.uploads_shown()

        await until(lambda: bool(arrived()), "the upload in the console")
        (upload,) = console.uploads_shown()
        assert upload.station_id == station.id and upload.path is not None and upload.path.is_file()
        assert upload.path.parent.parent == mock(lab).files.folder
        item = console.history.item(0)
        assert str(upload.path) in item.text() and upload.name in item.text()
        assert [entry.action for entry in console.history_entries()] == [action], "commands are kept apart"

        console.history.setCurrentItem(item)
        assert str(upload.path) in console.outcome.text()
        first_line = upload.path.read_text(encoding="utf-8").splitlines()[0]
        assert console.answer.toPlainText().splitlines()[0] == first_line
        assert console.open_uploads.isEnabled()
        assert item.data(Qt.ItemDataRole.UserRole) is upload

    in_lab(scenario)
