"""How the mock CSMS answers: registration, tokens, credentials. Mutable while it runs.

The handlers read the policy on every message, so a change (block a token, answer the next
boot with Pending) takes effect on the next CALL without restarting the server.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from ocpp.v16.enums import AuthorizationStatus, RegistrationStatus

TOKEN_LISTS: dict[str, AuthorizationStatus] = {
    "blocked_tokens": AuthorizationStatus.blocked,
    "invalid_tokens": AuthorizationStatus.invalid,
    "expired_tokens": AuthorizationStatus.expired,
    "concurrent_tokens": AuthorizationStatus.concurrent_tx,
}
"""The policy's token lists, each with the answer its tokens get (the first list naming a token wins).

These four values are spelt alike in 1.6 AuthorizationStatus (section 7.2) and 2.0.1
AuthorizationStatusEnumType, so one answer serves both versions.
"""


@dataclass(frozen=True)
class BootRule:
    """The answer to a BootNotification.

    `status` is a RegistrationStatus (its values are the same in 1.6 and 2.0.1). `interval`
    is the heartbeat interval when Accepted and the wait before the next boot attempt
    otherwise (1.6 section 4.2; 2.0.1 part 2 B01/B02/B03).
    """

    status: RegistrationStatus = RegistrationStatus.accepted
    interval: int = 300


@dataclass
class CsmsPolicy:
    """The mock CSMS's decisions, by default permissive: accept every station and token."""

    boot_status: RegistrationStatus = RegistrationStatus.accepted
    heartbeat_interval: int = 300
    station_boot: dict[str, BootRule] = field(default_factory=dict)  # per station, overrides the two above
    blocked_tokens: set[str] = field(default_factory=set)
    invalid_tokens: set[str] = field(default_factory=set)
    expired_tokens: set[str] = field(default_factory=set)
    concurrent_tokens: set[str] = field(default_factory=set)  # answered ConcurrentTx
    passwords: dict[str, str] = field(default_factory=dict)  # station id -> basic auth password
    response_timeout: float = 30.0  # how long an operator command waits for the station

    def boot_rule(self, station_id: str) -> BootRule:
        return self.station_boot.get(station_id) or BootRule(self.boot_status, self.heartbeat_interval)

    def token_status(self, token: str) -> AuthorizationStatus:
        """The answer of the first token list (`TOKEN_LISTS`) naming the token, else Accepted."""
        for name, status in TOKEN_LISTS.items():
            if token in getattr(self, name):
                return status
        return AuthorizationStatus.accepted

    def requires_password(self, station_id: str) -> bool:
        return station_id in self.passwords

    def password_matches(self, station_id: str, username: str, password: str) -> bool:
        """Security profile 1: the user name is the station id (1.6 security whitepaper 2.3; 2.0.1 part 2 A00)."""
        expected = self.passwords.get(station_id)
        if expected is None:
            return True
        return username == station_id and hmac.compare_digest(password.encode(), expected.encode())
