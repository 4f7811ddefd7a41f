"""The boots' PIN check: a nonce per HELLO, a proof per AUTH, a lockout after failures."""

from __future__ import annotations

import random

from custom_components.presso_boots.presso_ble import const as c
from custom_components.presso_boots.presso_ble.const import CommandType, Status
from custom_components.presso_boots.presso_ble.messages import auth_proof

#: What a central may send before it has proved it knows the PIN.
OPEN_COMMANDS = frozenset((CommandType.HELLO, CommandType.PING, CommandType.AUTH))


class PinLock:
    """Authentication state of one link, and the lockout that outlives links."""

    def __init__(self, pin: str | None, rng: random.Random) -> None:
        self.pin = pin
        self._rng = rng
        self.nonce: bytes | None = None
        self.authenticated = False
        self.failed_attempts = 0
        self.locked_until = -1.0

    def new_link(self) -> None:
        """A central connected: it has to say HELLO and prove the PIN again."""
        self.nonce = None
        self.authenticated = False

    def power_cycle(self) -> None:
        """A reboot forgets the lockout too."""
        self.new_link()
        self.failed_attempts = 0
        self.locked_until = -1.0

    def challenge(self) -> bytes:
        """A fresh nonce for HELLO's answer."""
        self.nonce = self._rng.randbytes(c.NONCE_SIZE)
        return self.nonce

    def permits(self, command_type: int) -> bool:
        """The command may run on this link now."""
        return self.pin is None or self.authenticated or command_type in OPEN_COMMANDS

    def verify(self, proof: bytes, now: float) -> Status:
        """Check an AUTH proof against the PIN and the nonce of this link."""
        if self.pin is None:
            return Status.OK
        if now < self.locked_until:
            return Status.LOCKED_OUT
        if self.nonce is None:
            return Status.WRONG_STATE
        if proof == auth_proof(self.pin, self.nonce):
            self.authenticated = True
            self.failed_attempts = 0
            return Status.OK
        self.failed_attempts += 1
        if self.failed_attempts >= c.MAX_FAILED_AUTH:
            self.failed_attempts = 0
            self.locked_until = now + c.LOCKOUT_SECONDS
        return Status.AUTH_FAILED
