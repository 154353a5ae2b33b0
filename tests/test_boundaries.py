"""The headless core must run without Qt: prove it in a fresh interpreter."""

import pkgutil
import subprocess
import sys

import ocpplab_desktop

CORE_PACKAGES = ("model", "protocol", "csms", "engine", "store", "replay", "commands")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(ocpplab_desktop.__path__, "ocpplab_desktop."):
        if info.name.split(".")[1] in CORE_PACKAGES:
            names.append(info.name)
    return names


def test_core_modules_import_without_loading_qt() -> None:
    modules = core_modules()
    assert "ocpplab_desktop.engine.station" in modules and "ocpplab_desktop.protocol.endpoint" in modules
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync', 'pyqtgraph'))\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"Qt loaded by the core: {out.stdout}"
