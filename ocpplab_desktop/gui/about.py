"""Help > About: what this is and the versions of everything it runs on, ready to paste into a bug report."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.gui import theme

_PACKAGES = (
    ("OCPPLab Desktop", "ocpplab-desktop"),
    ("ocpp", "ocpp"),
    ("websockets", "websockets"),
    ("qasync", "qasync"),
    ("pyqtgraph", "pyqtgraph"),
)


def _installed(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def component_versions() -> dict[str, str]:
    """Name -> version of the lab and of the libraries and runtime under it."""
    found = {name: _installed(distribution) for name, distribution in _PACKAGES}
    found["Qt"] = qVersion()
    found["PySide6"] = PySide6.__version__
    found["Python"] = f"{platform.python_version()} ({platform.python_implementation()})"
    found["Platform"] = platform.platform(terse=True)
    return found


def versions_text(versions: dict[str, str]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in versions.items())


class AboutDialog(QDialog):
    """Name, purpose, versions and where the session database lives."""

    def __init__(self, parent: QWidget | None = None, db_path: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About OCPPLab Desktop")
        self.versions = component_versions()

        logo = QLabel(self)
        logo.setPixmap(theme.icon("app").pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"<h2>OCPPLab Desktop {self.versions['OCPPLab Desktop']}</h2>", self)
        blurb = QLabel(
            "A desktop lab for OCPP 1.6J and 2.0.1: virtual charging stations, an embedded mock CSMS, "
            "a live message log and power graphs, every frame stored in SQLite.",
            self,
        )
        blurb.setWordWrap(True)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.version_labels: dict[str, QLabel] = {}
        for name, value in self.versions.items():
            label = QLabel(value, self)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.version_labels[name] = label
            form.addRow(f"{name}:", label)
        if db_path is not None:
            location = QLabel(str(db_path), self)
            location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow("Sessions:", location)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton("Copy versions", self)
        copy.setToolTip("Copy the versions above, one per line, for a bug report")
        copy.clicked.connect(self.copy_versions)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(blurb)
        text.addSpacing(8)
        text.addLayout(form)
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(logo)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def copy_versions(self) -> None:
        QGuiApplication.clipboard().setText(versions_text(self.versions))
