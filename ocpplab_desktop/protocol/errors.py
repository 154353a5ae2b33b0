"""RPC error codes per OCPP version, and which one each kind of bad input earns.

This is the one table of error codes in the lab. The `ocpp` library gets several of these
wrong for 1.6 (it answers FormatViolation, a 2.0.1 code, where 1.6 names
FormationViolation) and swaps NotImplemented/NotSupported, so the lab decides here and
the library's exceptions are only used to carry a code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from ocpplab_desktop.model.config import OcppVersion

# OCPP-J 1.6 section 4.2.3 "CallError"; 1.6 spells "Occurence" with one r.
ERROR_CODES: dict[OcppVersion, tuple[str, ...]] = {
    OcppVersion.V16: (
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    ),
    # OCPP 2.0.1 part 4 section 4.3 "RPC Framework Error Codes".
    OcppVersion.V201: (
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    ),
}


class Fault(StrEnum):
    """What was wrong with a received frame, independent of version."""

    NOT_JSON = "not_json"  # text is not JSON at all
    NOT_RPC = "not_rpc"  # JSON, but not an array with a readable message type and id
    MESSAGE_TYPE = "message_type"  # unknown MessageTypeId
    UNKNOWN_ACTION = "unknown_action"  # action not defined by this version
    UNSUPPORTED_ACTION = "unsupported_action"  # defined by the version, not handled here
    STRUCTURE = "structure"  # payload not an object, or fields the PDU does not define
    MISSING = "missing"  # a required field is absent
    TYPE = "type"  # a field has the wrong JSON type or exceeds its string length
    VALUE = "value"  # a field's value is outside its enum / range / pattern
    OCCURRENCE = "occurrence"  # an array has too few or too many elements
    INTERNAL = "internal"  # the handler failed


_CODES: dict[OcppVersion, dict[Fault, str]] = {
    OcppVersion.V16: {
        Fault.NOT_JSON: "FormationViolation",
        Fault.NOT_RPC: "FormationViolation",
        Fault.MESSAGE_TYPE: "FormationViolation",
        Fault.UNKNOWN_ACTION: "NotImplemented",  # "Requested Action is not known by receiver"
        Fault.UNSUPPORTED_ACTION: "NotSupported",  # "recognized but not supported by the receiver"
        Fault.STRUCTURE: "FormationViolation",
        Fault.MISSING: "ProtocolError",  # "Payload for Action is incomplete"
        Fault.TYPE: "TypeConstraintViolation",
        Fault.VALUE: "PropertyConstraintViolation",
        Fault.OCCURRENCE: "OccurenceConstraintViolation",
        Fault.INTERNAL: "InternalError",
    },
    OcppVersion.V201: {
        Fault.NOT_JSON: "RpcFrameworkError",
        Fault.NOT_RPC: "RpcFrameworkError",
        Fault.MESSAGE_TYPE: "MessageTypeNotSupported",
        Fault.UNKNOWN_ACTION: "NotImplemented",
        Fault.UNSUPPORTED_ACTION: "NotSupported",
        Fault.STRUCTURE: "FormatViolation",
        Fault.MISSING: "OccurrenceConstraintViolation",
        Fault.TYPE: "TypeConstraintViolation",
        Fault.VALUE: "PropertyConstraintViolation",
        Fault.OCCURRENCE: "OccurrenceConstraintViolation",
        Fault.INTERNAL: "InternalError",
    },
}

# 2.0.1 part 4 section 4.2.3: a CALLERROR to a message whose MessageId cannot be read uses "-1".
# 1.6J has no such rule: a message without a readable id cannot be answered, only recorded.
UNREADABLE_ID: dict[OcppVersion, str | None] = {OcppVersion.V16: None, OcppVersion.V201: "-1"}


# A message whose MessageTypeId is not CALL, CALLRESULT or CALLERROR. 1.6J section 4.1.3: the receiver
# "SHALL ignore the message payload" (1.6 has no error code for it). 2.0.1 part 4 section 4.4 (extension
# fallback): it "SHALL respond with a CALLERROR" MessageTypeNotSupported, so the sender can fall back.
UNKNOWN_TYPE_ANSWERED: dict[OcppVersion, bool] = {OcppVersion.V16: False, OcppVersion.V201: True}


def error_code(version: OcppVersion, fault: Fault) -> str:
    return _CODES[version][fault]


class RpcError(Exception):
    """An error that becomes a CALLERROR: a version-specific code, a description, details."""

    def __init__(self, code: str, description: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details or {}

    @classmethod
    def of(cls, version: OcppVersion, fault: Fault, description: str, **details: Any) -> RpcError:
        return cls(error_code(version, fault), description, details)


class CallErrorReceived(Exception):
    """The other side answered our CALL with a CALLERROR."""

    def __init__(self, action: str, code: str, description: str, details: Any) -> None:
        super().__init__(f"{action} answered with CALLERROR {code}: {description}")
        self.action = action
        self.code = code
        self.description = description
        self.details = details


class CallTimeout(Exception):
    """No answer to our CALL within the response timeout."""


class InvalidResponse(Exception):
    """The answer to our CALL does not match the response schema of its action."""


class NotConnected(Exception):
    """A CALL was attempted while the link is down."""
