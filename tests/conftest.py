"""Shared test helpers: an independent check against the official OCPP JSON schemas; the event loop.

Async tests run on asyncio's own loop, which is what the window's loop behaves as. With
OCPPLAB_LOOP=uvloop they run on uvloop instead, the loop of the headless commands
(engine/event_loop.py): CI runs the Qt-free core's tests that way.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import jsonschema
import pytest

from ocpplab_desktop.protocol.frame import Frame, MessageType

if os.environ.get("OCPPLAB_LOOP") == "uvloop":
    import uvloop

    def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, Callable[[], Any]]:
        return {"uvloop": uvloop.new_event_loop}


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
