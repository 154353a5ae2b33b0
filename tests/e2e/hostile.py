"""Hostile OCPP-J frames, seeded, and an independent oracle of which of them must be answered.

A frame is built from a small corpus of valid CALLs the peer may send without closing the link,
then mutated: truncated, nested thousands deep, its type id or fields changed, its id holding a
lone surrogate, its action unknown, or replaced by text that is not OCPP-J at all. The oracle
(`answerable_id`) is written from the OCPP-J framing rules, not from the lab's code: a CALL whose
message id can be read must get exactly one CALLRESULT or CALLERROR with that id.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

# CALLs each side may receive without a reason to close the link or reboot.
TO_STATION = {
    "ocpp1.6": [
        ("DataTransfer", {"vendorId": "Fuzz", "data": "x"}),
        ("GetConfiguration", {"key": ["HeartbeatInterval"]}),
        ("ClearCache", {}),
        ("TriggerMessage", {"requestedMessage": "StatusNotification"}),
    ],
    "ocpp2.0.1": [
        ("DataTransfer", {"vendorId": "Fuzz", "data": "x"}),
        ("GetVariables", {"getVariableData": [{"component": {"name": "OCPPCommCtrlr"},
                                               "variable": {"name": "HeartbeatInterval"}}]}),
        ("ClearCache", {}),
        ("TriggerMessage", {"requestedMessage": "StatusNotification"}),
    ],
}  # fmt: skip
TO_CSMS = {
    "ocpp1.6": [
        ("Heartbeat", {}),
        ("DataTransfer", {"vendorId": "Fuzz"}),
        ("Authorize", {"idTag": "FUZZ-1"}),
        ("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
    ],
    "ocpp2.0.1": [
        ("Heartbeat", {}),
        ("DataTransfer", {"vendorId": "Fuzz"}),
        ("Authorize", {"idToken": {"idToken": "FUZZ-1", "type": "ISO14443"}}),
        ("StatusNotification", {"timestamp": "2027-01-01T00:00:00Z", "connectorStatus": "Available",
                                "evseId": 1, "connectorId": 1}),
    ],
}  # fmt: skip

MUTATIONS = (
    "valid",
    "truncate",
    "deep",
    "short",
    "type_id",
    "unknown_action",
    "surrogate_id",
    "payload_type",
    "extra_field",
    "not_rpc",
    "answer_to_nothing",
    "garbage",
)


def frame(rng: random.Random, corpus: list[tuple[str, dict[str, Any]]], index: int, mutation: str) -> str:
    """One hostile frame; its message id (where it has one) is unique to `index`."""
    action, payload = rng.choice(corpus)
    uid = f"h{index}"
    if mutation == "valid":
        return json.dumps([2, uid, action, payload])
    if mutation == "truncate":
        text = json.dumps([2, uid, action, payload])
        return text[: rng.randrange(len(f'[2, "{uid}"'), len(text) - 1)]
    if mutation == "deep":
        depth = rng.randrange(1500, 4000)
        return f'[2, "{uid}", "DataTransfer", {{"vendorId": "X", "data": ' + "[" * depth + "]" * depth + "}]"
    if mutation == "short":
        return json.dumps([2, uid])
    if mutation == "type_id":
        return json.dumps([rng.choice([0, 1, 5, 9, -2]), uid, action, payload])
    if mutation == "unknown_action":
        return json.dumps([2, uid, "Teleport", payload])
    if mutation == "surrogate_id":
        return json.dumps([2, f"\ud800{uid}", action, payload])  # json.dumps writes it as \ud800
    if mutation == "payload_type":
        return json.dumps([2, uid, action, rng.choice([[], "text", 5, None])])
    if mutation == "extra_field":
        return json.dumps([2, uid, action, {**payload, "fuzz": rng.random()}])
    if mutation == "not_rpc":
        return json.dumps(rng.choice([{"id": uid}, [uid], [], "text", 17, [2, 17, action, payload]]))
    if mutation == "answer_to_nothing":
        return json.dumps([rng.choice([3, 4]), uid, {}])
    return rng.choice(["", " ", "[", "]]", "null", "\x00\x01", "[2,", "💥" * 10])


def frames(seed: int, count: int, corpus: list[tuple[str, dict[str, Any]]]) -> list[str]:
    rng = random.Random(seed)
    return [frame(rng, corpus, i, rng.choice(MUTATIONS)) for i in range(count)]


_CALL_START = re.compile(r'\s*\[\s*2\s*,\s*"([^"\\]{1,36})"')


def answerable_id(text: str) -> str | None:
    """The id a CALL must be answered to, or None (not a CALL, or no readable id).

    OCPP-J (1.6J 4.2.3, 2.0.1 part 4 4.2.3): a CALL the receiver cannot process is answered with a
    CALLERROR to its MessageId; a MessageId that cannot be read cannot be answered (2.0.1 then uses
    "-1", which this oracle does not require).
    """
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        match = _CALL_START.match(text)
        return match.group(1) if match else None
    if isinstance(message, list) and len(message) >= 2 and message[0] == 2 and isinstance(message[1], str):
        return message[1]
    return None
