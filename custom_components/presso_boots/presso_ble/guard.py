"""Who gets the PIN's proof: the protocol's authentication is weak, so it is rationed.

The proof is the first 8 bytes of an HMAC over a 6-digit PIN and a nonce the peer
chooses: anyone who answers at the boots' address and receives one proof can search
the million PINs offline in seconds. Advertisements and addresses can be forged, so
before each AUTH this guard checks what it can:

- the peer's identity in HELLO (model and serial number) is the one paired;
- its nonce was never seen before (a replayed HELLO repeats one);
- authentications nobody asked for just then (following a session over a link that
  keeps dropping) stay within a small budget (a burst, then one per interval), so a
  peer that keeps dropping the link collects few proofs. A user's command and a stop
  are never held back by it: the user is there, and a stop must land.

The client asks the guard before every AUTH; the owner decides when AUTH is wanted.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Final

from .exceptions import AuthRateLimitedError, ImpersonationSuspectedError
from .messages import DeviceInfo

#: Authentications allowed at once, and the seconds that earn one more.
AUTH_BURST: Final = 5
AUTH_INTERVAL: Final = 30.0
#: Nonces remembered to spot a replayed HELLO.
NONCES_KEPT: Final = 256


class AuthGuard:
    """Decides whether the PIN's proof may go to the peer that sent this HELLO."""

    def __init__(
        self,
        paired: DeviceInfo | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        burst: int = AUTH_BURST,
        interval: float = AUTH_INTERVAL,
    ) -> None:
        self._paired = paired
        self._clock = clock
        self._burst = burst
        self._interval = interval
        self._tokens = float(burst)
        self._refilled_at = clock()
        self._nonces: deque[bytes] = deque(maxlen=NONCES_KEPT)
        self.refused = 0

    def check_identity(self, info: DeviceInfo) -> None:
        """Raise when HELLO names other boots than the ones paired (model or serial)."""
        paired = self._paired
        if paired is not None and (info.model_id, info.serial_raw) != (
            paired.model_id,
            paired.serial_raw,
        ):
            self.refused += 1
            raise ImpersonationSuspectedError("identity")

    def check(self, info: DeviceInfo, *, rationed: bool) -> None:
        """Raise unless a proof may answer this HELLO (``rationed``: from the budget)."""
        self.check_identity(info)
        if info.nonce in self._nonces:
            self.refused += 1
            raise ImpersonationSuspectedError("nonce")
        if rationed:
            self._spend()
        self._nonces.append(info.nonce)

    def _spend(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._refilled_at) / self._interval)
        self._refilled_at = now
        if self._tokens < 1:
            self.refused += 1
            raise AuthRateLimitedError((1 - self._tokens) * self._interval)
        self._tokens -= 1
