"""Canary for the PySide6 6.12.0 / CPython < 3.12 reference leak on `None` returned from data().

That release drops a reference to None every time a Python data()/headerData() override
returns None, and after a few thousand calls the interpreter aborts (none_dealloc). The
dependency is excluded in pyproject.toml by an environment marker; this test fails if a
bad build comes back, without taking the test runner down with it (it runs in a child).
"""

from __future__ import annotations

import subprocess
import sys

import PySide6

CHILD = """
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QAbstractTableModel, QIdentityProxyModel, QModelIndex, Qt
from PySide6.QtWidgets import QApplication

class Model(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()): return 10
    def columnCount(self, parent=QModelIndex()): return 3
    def data(self, index, role=Qt.ItemDataRole.DisplayRole): return None
    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole): return None

app = QApplication([])
model = Model()
# Through a C++ proxy, so that Qt's C++ side calls the Python overrides, as views do.
proxy = QIdentityProxyModel()
proxy.setSourceModel(model)
before = sys.getrefcount(None)
for _ in range(20000):
    proxy.data(proxy.index(1, 1), Qt.ItemDataRole.UserRole)
    proxy.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
print(sys.getrefcount(None) - before)
"""


def test_installed_pyside_is_not_the_release_that_leaks_none_on_this_python() -> None:
    if sys.version_info < (3, 12):
        assert PySide6.__version__ != "6.12.0", "PySide6 6.12.0 leaks None on CPython < 3.12"


def test_returning_none_from_model_overrides_does_not_leak_or_abort() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the child aborted: {done.stderr[-2000:]}"
    leaked = int(done.stdout.strip().splitlines()[-1])
    # Calls made through Qt's C++ side would lose a reference per call on a bad build;
    # allow a little noise from caches, nothing near 40,000.
    assert leaked < 1000, f"{leaked} references to None lost in 40,000 calls"
