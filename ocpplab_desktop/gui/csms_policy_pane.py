"""The CSMS console's policy pane: the boot answer, the heartbeat interval and the token lists.

Each field writes the live `CsmsPolicy` as it is edited, so the next CALL is answered by it;
`show_policy` reads the policy back (a scenario or the workspace may change it too) into the
fields that are not being edited. The token lists are the policy's `TOKEN_LISTS`, one field each.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ocpp.v16.enums import RegistrationStatus
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLineEdit, QSpinBox, QWidget

from ocpplab_desktop.csms.policy import TOKEN_LISTS, CsmsPolicy
from ocpplab_desktop.gui.console_forms import split_list


class PolicyPane(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("CSMS policy", parent)
        self._policy: CsmsPolicy | None = None
        self.boot_status = QComboBox()
        self.boot_status.addItems([s.value for s in RegistrationStatus])
        self.boot_status.setToolTip(
            "The answer to the next BootNotification (1.6 section 4.2; 2.0.1 B01-B03); "
            "Pending or Rejected stations boot again after the interval"
        )
        self.heartbeat = QSpinBox()
        self.heartbeat.setRange(1, 86_400)
        self.heartbeat.setSuffix(" s")
        self.heartbeat.setToolTip("The interval the BootNotification answer gives; applies from the next boot")
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Boot answer", self.boot_status)
        form.addRow("Heartbeat interval", self.heartbeat)
        self.tokens: dict[str, QLineEdit] = {}
        """Policy token list name -> its field."""
        for name, status in TOKEN_LISTS.items():
            edit = self.tokens[name] = QLineEdit()
            edit.setPlaceholderText("comma separated")
            edit.setToolTip(f"Tokens answered {status.value} in Authorize and transaction messages")
            edit.textChanged.connect(lambda text, name=name: self._apply_tokens(name, text))
            form.addRow(f"{status.value} tokens", edit)
        self.boot_status.currentTextChanged.connect(self._apply_boot_status)
        self.heartbeat.valueChanged.connect(self._apply_heartbeat)

    def show_policy(self, policy: CsmsPolicy) -> None:
        """Edit `policy` from now on and show it, leaving alone a field being edited."""
        self._policy = policy
        _sync(self.boot_status, self.boot_status.currentText() == policy.boot_status, policy.boot_status.value)
        _sync(self.heartbeat, self.heartbeat.value() == policy.heartbeat_interval, policy.heartbeat_interval)
        for name, edit in self.tokens.items():
            tokens: set[str] = getattr(policy, name)
            _sync(edit, set(split_list(edit.text())) == tokens, ", ".join(sorted(tokens)))

    def _apply_boot_status(self, text: str) -> None:
        if self._policy is not None:
            self._policy.boot_status = RegistrationStatus(text)

    def _apply_heartbeat(self, seconds: int) -> None:
        if self._policy is not None:
            self._policy.heartbeat_interval = seconds

    def _apply_tokens(self, name: str, text: str) -> None:
        if self._policy is not None:
            _replace(getattr(self._policy, name), split_list(text))


def _sync(widget: QComboBox | QSpinBox | QLineEdit, same: bool, value: Any) -> None:
    """Show `value` in a policy field without applying it back, unless it is shown already or has the focus."""
    if same or widget.hasFocus():
        return
    with QSignalBlocker(widget):
        if isinstance(widget, QComboBox):
            widget.setCurrentText(value)
        elif isinstance(widget, QSpinBox):
            widget.setValue(value)
        else:
            widget.setText(value)


def _replace(tokens: set[str], new: Iterable[str]) -> None:
    """Change a policy's token set in place: the CSMS handlers hold the same set."""
    tokens.clear()
    tokens.update(new)
