"""Station templates: the shipped ones and the user's own, by name or by path.

A template is a `StationConfig.to_dict()` in a JSON file named `<name>.json`. Shipped
templates win over user templates of the same name, and saving a user template under a
shipped name is refused, so a name always means one thing.

Every template is checked against the declared schema (`template_schema`) when it is read,
so that a broken file is refused with its file, line and field instead of failing later.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from ocpplab_desktop import paths
from ocpplab_desktop.model.config import ConfigError, StationConfig
from ocpplab_desktop.model.document import DocumentError, read_json, say
from ocpplab_desktop.model.template_schema import template_problem

log = logging.getLogger(__name__)

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def builtin_templates() -> dict[str, StationConfig]:
    """The shipped templates, validated, keyed by file stem."""
    return {path.stem: _load(path) for path in _json_files(paths.TEMPLATES)}


def user_templates_list(directory: Path | None = None) -> dict[str, StationConfig]:
    """The user's saved templates keyed by file stem; unreadable or invalid files are logged and left out."""
    found: dict[str, StationConfig] = {}
    for path in _json_files(directory or paths.user_templates()):
        try:
            found[path.stem] = _load(path)
        except ConfigError as exc:
            # One broken file must not hide the others from the template picker.
            log.warning("skipping user template %s: %s", path, exc)
    return found


def load_template(name_or_path: str, user_dir: Path | None = None) -> StationConfig:
    """A validated template: a shipped name, a user template name, or a path to a .json file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".json" or len(candidate.parts) > 1:
        return _load(candidate)
    shipped = paths.TEMPLATES / f"{name_or_path}.json"
    if shipped.is_file():
        return _load(shipped)  # without looking for (and creating) the user's folder
    path = (user_dir or paths.user_templates()) / f"{name_or_path}.json"
    if path.is_file():
        return _load(path)
    builtin = ", ".join(sorted(p.stem for p in _json_files(paths.TEMPLATES))) or "none"
    saved = ", ".join(sorted(p.stem for p in _json_files(user_dir or paths.user_templates()))) or "none"
    raise ConfigError(
        f"unknown template {name_or_path!r}: built-in templates are {builtin}; your templates are {saved}; "
        "or give the path to a .json template file"
    )


def save_user_template(config: StationConfig, name: str, directory: Path | None = None) -> Path:
    """Validate `config` and save it as the user template `name`, replacing one of that name."""
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"template name {name!r}: use 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit"
        )
    if (paths.TEMPLATES / f"{name}.json").is_file():
        raise ConfigError(f"template name {name!r} is a built-in template; choose another name")
    config.validate()
    # Checked as it will be read back, so that a saved template always loads again.
    problem = template_problem(json.loads(json.dumps(config.to_dict())), f"template {name!r}")
    if problem is not None:
        raise ConfigError(problem)
    target = (directory or paths.user_templates()) / f"{name}.json"
    config.save(target)
    return target


def _json_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def _load(path: Path) -> StationConfig:
    source = f"template {path}"
    try:
        data, lines = read_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(say(source, None, f"cannot read it: {exc.strerror or exc}")) from exc
    except DocumentError as exc:
        raise ConfigError(say(source, exc.line, exc.problem)) from exc
    problem = template_problem(data, source, lines)
    if problem is not None:
        raise ConfigError(problem)
    try:
        return StationConfig.from_dict(data).validate()
    except ConfigError as exc:
        raise ConfigError(say(source, None, str(exc))) from exc
