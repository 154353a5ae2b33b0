"""The CSMS console's side of the mock CSMS's file service (`csms/files.py`): firmware to offer, uploads received.

* `service_defaults`: the values a form starts from where the schema leaves a place to the CSMS:
  UpdateFirmware's location is an image of the next version (or the image picked), GetDiagnostics'
  and GetLog's the station's upload folder, and a retrieve date is now on the station's clock.
* `FirmwarePicker`: an image file from disk added to the service, or one of the names it serves;
  the chosen image's URL goes into the UpdateFirmware form.
* `upload_line` / `upload_preview`: an upload as the console's history shows it, and what selecting
  it shows: where it was saved and how it begins.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from ocpplab_desktop.csms.files import Upload
from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.model.file_transfers import safe_name

UPDATE_FIRMWARE = "UpdateFirmware"
LOCATIONS = {
    UPDATE_FIRMWARE: ("location", "firmware.location"),  # 1.6 location, 2.0.1 firmware.location
    "GetDiagnostics": ("location",),
    "GetLog": ("log.remoteLocation",),
}
"""Where each action's form names the file service: the field paths of its URL."""
RETRIEVE_FIELDS = ("retrieveDate", "retrieveDateTime")  # 1.6 UpdateFirmware, 2.0.1 firmware.retrieveDateTime
PREVIEW_BYTES = 4096
NEXT_VERSION = "Next version (generated)"


def format_size(size: int) -> str:
    """A file size in bytes, KiB or MiB."""
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / 2**20:.1f} MiB"


def service_defaults(csms: MockCsms, action: str, station_id: str, now_iso: str) -> dict[str, Any]:
    """Defaults for `action`'s form to `station_id` from the file service, and `now_iso` for a retrieve date."""
    values: dict[str, Any] = dict.fromkeys(RETRIEVE_FIELDS, now_iso)
    paths = LOCATIONS.get(action, ())
    url = csms.default_firmware_url(station_id) if action == UPDATE_FIRMWARE else csms.files.upload_url(station_id)
    for path in paths:
        values[path] = url
    return values


def upload_line(upload: Upload) -> str:
    """The history's line of an upload: when, from whom, what, and where it was saved."""
    when = time.strftime("%H:%M:%S", time.localtime(upload.received_at))
    where = str(upload.path) if upload.path is not None else "kept in memory only (the folder could not be written)"
    return f"{when}  {upload.station_id}  ⇪ upload {upload.name} ({format_size(len(upload.content))}) → {where}"


def upload_preview(upload: Upload) -> tuple[str, str]:
    """(the outcome line, the first part of the file as text) of a selected upload."""
    where = f"saved as {upload.path}" if upload.path is not None else "kept in memory only"
    text = upload.content[:PREVIEW_BYTES].decode("utf-8", errors="replace")
    if len(upload.content) > PREVIEW_BYTES:
        text += f"\n… ({format_size(len(upload.content))} in all; open the file for the rest)"
    return f"Upload {upload.name} from {upload.station_id} ({upload.method}), {where}", text


class FirmwarePicker(QWidget):
    """A choice of the firmware images the file service offers, and a button to add one from disk.

    `chosen` carries the URL of the image chosen; the console puts it into the UpdateFirmware form.
    """

    chosen = Signal(str)
    problem = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._csms: MockCsms | None = None
        self._station_id: str | None = None
        self.images = QComboBox()
        self.images.setToolTip(
            "The image the station downloads: one of those the mock CSMS serves, or an image of the version\n"
            "after the station's (generated: any ocpplab-fw-<version>.bin installs that version)"
        )
        self.images.activated.connect(lambda _index: self._announce())
        self.add_button = QPushButton("Add image file…")
        self.add_button.setToolTip("Serve a firmware image from disk through the mock CSMS's file service")
        self.add_button.clicked.connect(self.ask_file)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Firmware"))
        row.addWidget(self.images, 1)
        row.addWidget(self.add_button)

    def show_service(self, csms: MockCsms, station_id: str) -> None:
        """Offer what `csms` serves now, to `station_id`; the choice stays when it is still offered."""
        self._csms, self._station_id = csms, station_id
        names = [NEXT_VERSION, *csms.files.firmware_names()]
        if [self.images.itemText(i) for i in range(self.images.count())] == names:
            return
        current = self.images.currentText()
        with QSignalBlocker(self.images):
            self.images.clear()
            self.images.addItems(names)
            self.images.setCurrentIndex(max(0, self.images.findText(current)))

    def url(self) -> str | None:
        """The URL of the image chosen; None before a station is shown."""
        if self._csms is None or self._station_id is None:
            return None
        if self.images.currentIndex() <= 0:
            return self._csms.default_firmware_url(self._station_id)
        return self._csms.files.firmware_url(self.images.currentText())

    def choose(self, name: str) -> None:
        """Choose the image served as `name` (or `NEXT_VERSION`), as a click in the list does."""
        index = self.images.findText(name)
        if index < 0:
            raise ValueError(f"the file service offers no firmware {name!r}")
        self.images.setCurrentIndex(index)
        self._announce()

    def add_file(self, path: Path) -> str:
        """Serve the image at `path` under its file name, choose it, and return its URL."""
        if self._csms is None or self._station_id is None:
            raise RuntimeError("select a station before adding a firmware image")
        url = self._csms.files.add_firmware(path.name, path.read_bytes())
        self.show_service(self._csms, self._station_id)
        self.choose(safe_name(path.name))  # the name the service keeps it under
        return url

    def ask_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Firmware image to serve", "", "Firmware images (*.bin *.img *.hex *.fw);;All files (*)"
        )
        if chosen:
            try:
                self.add_file(Path(chosen))
            except OSError as exc:
                self.problem.emit(f"Firmware image not added: {exc.strerror or exc} ({chosen}).")

    def _announce(self) -> None:
        url = self.url()
        if url is not None:
            self.chosen.emit(url)
