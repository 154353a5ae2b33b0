"""The headless core must run without Qt: prove it in a fresh interpreter."""

import subprocess
import sys

CORE = [
    "ocpplab_desktop.model.config",
    "ocpplab_desktop.model.events",
    "ocpplab_desktop.protocol.frame",
]


def test_core_modules_import_without_loading_qt() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync', 'pyqtgraph'))\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"Qt loaded by the core: {out.stdout}"
