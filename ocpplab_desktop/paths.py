"""Where the lab's shipped resources and the user's data live."""

from __future__ import annotations

from pathlib import Path

import platformdirs

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    # Installed wheel: copied into the package. Source checkout: the top-level folder.
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


RESOURCES = _shipped("resources")
UI_FORMS = _shipped("ui")
TEMPLATES = RESOURCES / "templates"
SCENARIOS = RESOURCES / "scenarios"
TRACES = RESOURCES / "traces"
ICONS = RESOURCES / "icons"


def data_dir() -> Path:
    path = Path(platformdirs.user_data_dir("ocpplab", "OCPPLab"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db() -> Path:
    return data_dir() / "ocpplab.db"


def user_templates() -> Path:
    path = data_dir() / "templates"
    path.mkdir(parents=True, exist_ok=True)
    return path
