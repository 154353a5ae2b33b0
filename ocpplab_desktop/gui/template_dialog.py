"""Station > New from template: a template, how many stations of it, and the ids they will get.

One station is the common case; a fleet for a load test is the same dialog with a larger count,
numbered from the template's id (CP-AC22-0001, CP-AC22-0002, ...) past the ids already in the lab.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

from ocpplab_desktop.gui.formatting import station_summary
from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.model.station_form import numbered_copies

MAX_STATIONS = 500
"""One dialog's worth; the lab runs more, added in several goes or by a scenario."""


class TemplateDialog(QDialog):
    """Choose a template and a count; `configs()` are the stations to add, with free numbered ids."""

    def __init__(self, choices: dict[str, StationConfig], existing_ids: Iterable[str], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New station from template")
        self._choices = choices
        self._existing = set(existing_ids)
        self.template_combo = QComboBox()
        for name, config in choices.items():
            self.template_combo.addItem(f"{name}  —  {station_summary(config)}", name)
        self.count = QSpinBox()
        self.count.setRange(1, MAX_STATIONS)
        self.count.setToolTip("Add this many stations of the template at once, with consecutive ids")
        self.ids = QLabel()
        self.ids.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Template", self.template_combo)
        form.addRow("Stations", self.count)
        form.addRow("Ids", self.ids)
        form.addRow(buttons)
        self.template_combo.currentIndexChanged.connect(self._show_ids)
        self.count.valueChanged.connect(self._show_ids)
        self._show_ids()

    def template_name(self) -> str:
        return str(self.template_combo.currentData())

    def configs(self) -> list[StationConfig]:
        """The chosen template, `count` times, under ids not yet in the lab."""
        return numbered_copies(self._choices[self.template_name()], self.count.value(), self._existing)

    def _show_ids(self) -> None:
        ids = [config.id for config in self.configs()]
        self.ids.setText(ids[0] if len(ids) == 1 else f"{ids[0]} … {ids[-1]}  ({len(ids)} stations)")
