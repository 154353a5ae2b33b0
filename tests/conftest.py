"""Shared test helpers: an independent check against the official OCPP JSON schemas."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from ocpplab_desktop.protocol.frame import Frame, MessageType


@functools.cache
def _official_validator(version: str, action: str, response: bool) -> jsonschema.Draft4Validator:
    folder = "v16" if version == "1.6" else "v201"
    suffix = "Response" if response else ("" if version == "1.6" else "Request")
    text = resources.files("ocpp").joinpath(folder, "schemas", f"{action}{suffix}.json").read_text("utf-8-sig")
    return jsonschema.Draft4Validator(json.loads(text))


def official_schema_errors(frames: list[Frame], version: str) -> list[str]:
    """Every schema violation in the CALLs and CALLRESULTs among `frames`, checked by jsonschema."""
    problems = []
    for frame in frames:
        if frame.message_type not in (MessageType.CALL, MessageType.CALLRESULT) or frame.action is None:
            continue
        validator = _official_validator(version, frame.action, frame.message_type is MessageType.CALLRESULT)
        for error in validator.iter_errors(frame.payload):
            problems.append(f"{frame.action} {frame.message_type.name}: {error.message} in {frame.raw[:200]}")
    return problems


@pytest.fixture
def schema_errors() -> Any:
    return official_schema_errors
