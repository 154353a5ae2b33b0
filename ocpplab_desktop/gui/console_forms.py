"""What the CSMS console's forms share, and the one hand-written form left.

Most actions get a form built from their official schema (`schema_form`), and SetChargingProfile
its editor (`profile_editor`). RemoteStopForm stays hand-written: it offers the station's running
transactions to choose from. `arguments()` reads a form's inputs into the keywords of the
command's `MockCsms` method.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from ocpplab_desktop.csms.state import StationState
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.version_traits import VersionTraits, traits


class InputProblem(ValueError):
    """A form field is empty or malformed; the message says which and what to enter."""


def refill(combo: QComboBox, values: Iterable[str], default: str = "") -> None:
    """Offer `values`, keeping the current choice when it is still offered (else `default`, if offered);
    nothing happens if they are unchanged."""
    wanted = list(values)
    if [combo.itemText(i) for i in range(combo.count())] == wanted:
        return
    current = combo.currentText()
    combo.clear()
    combo.addItems(wanted)
    if current in wanted:
        combo.setCurrentText(current)
    elif default in wanted:
        combo.setCurrentText(default)


class CommandForm(QWidget):
    """The inputs of one operator command; `arguments()` are the keywords of its `MockCsms` method."""

    def __init__(self, command: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.command = command
        self.traits: VersionTraits = traits(OcppVersion.V16)  # until a station is shown
        self.rows = QFormLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

    def show_station(self, state: StationState) -> None:
        """Adapt the inputs to a station: its version's labels and choices, its transactions."""
        self.traits = traits(state.version)

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments after the station id; InputProblem if a field is not usable."""
        raise NotImplementedError


class RemoteStopForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("remote_stop")
        self.transaction = QComboBox()
        self.transaction.setEditable(True)
        edit = QLineEdit()
        edit.setPlaceholderText("no active transaction: type an id")
        self.transaction.setLineEdit(edit)
        self.rows.addRow("Transaction id", self.transaction)
        self._offered: list[str] = []

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        ids = [str(t.id) for t in state.active_transactions()]
        if ids == self._offered:
            return  # refilling would disturb someone typing an id
        typed = self.transaction.currentText() not in (*self._offered, "")
        kept = self.transaction.currentText()
        self._offered = ids
        self.transaction.clear()
        self.transaction.addItems(ids)
        if typed:
            self.transaction.setEditText(kept)

    def arguments(self) -> dict[str, Any]:
        text = self.transaction.currentText().strip()
        if not text:
            raise InputProblem("enter the id of the transaction to stop")
        if not self.traits.integer_transaction_ids:
            return {"transaction_id": text}
        if not text.lstrip("-").isdigit():
            raise InputProblem(f"OCPP {self.traits.version} transaction ids are integers, not {text!r}")
        return {"transaction_id": int(text)}


def split_list(text: str) -> list[str]:
    """Comma-separated entries, stripped, empty ones left out."""
    return [part.strip() for part in text.split(",") if part.strip()]
