"""Someone nearby with a radio: forged advertisements and a peer that answers at the boots' address.

Bluetooth advertisements carry no authentication and an address is only a claim, so
anyone in range can send the boots' manufacturer data or answer a connection made to
their address. The tests use these to prove that such a radio can show wrong values
at worst: it cannot end a session, cancel a stop, move the routine or collect proofs
of the PIN beyond the rate limit.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any, Protocol

from custom_components.presso_boots.presso_ble.advertisement import Advertisement
from custom_components.presso_boots.presso_ble.const import Status

from .auth import PinLock
from .device import SimulatedBoots


class Advertiser(Protocol):
    """What a proxy hears advertising: an address, a name and manufacturer data."""

    @property
    def address(self) -> str: ...

    @property
    def local_name(self) -> str: ...

    def advertisement(self) -> Advertisement | None: ...


class Spoofer:
    """Sends forged advertisements under the boots' address and name."""

    def __init__(self, boots: SimulatedBoots) -> None:
        self._boots = boots
        self.address = boots.address
        self.local_name = boots.local_name
        self._payload: Advertisement | None = None
        self.sent = 0

    def advertisement(self) -> Advertisement | None:
        """The forged payload the proxy hears now."""
        return self._payload

    def forge(self, **fields: Any) -> Advertisement:
        """The boots' present advertisement with ``fields`` replaced (counter ahead by default)."""
        real = self._boots.advertisement() or self._payload
        assert real is not None, "forge needs the boots' advertisement to start from"
        last = self._payload or real
        fields.setdefault("change_counter", (last.change_counter + 1) % 256)
        self._payload = replace(real, **fields)
        self.sent += 1
        return self._payload


class ProofCollector(PinLock):
    """A lock that takes any proof and keeps it, the way an impostor would."""

    def __init__(self, nonce: bytes | None) -> None:
        super().__init__("000000", random.Random(0))
        self.proofs: list[bytes] = []
        self._fixed_nonce = nonce

    def challenge(self) -> bytes:
        """The impostor's nonce: a fixed one (replayed from the real boots) or a fresh one."""
        self.nonce = self._fixed_nonce or super().challenge()
        return self.nonce

    def verify(self, proof: bytes, now: float) -> Status:
        """Keep the proof for an offline search of the PIN, and say yes."""
        self.proofs.append(proof)
        self.authenticated = True
        return Status.OK


class Impostor(SimulatedBoots):
    """Answers connections at the real boots' address: same model, a PIN asked for.

    With ``serial`` the real one (read from an earlier HELLO over the air) and ``nonce``
    one the real boots used, it replays; with another serial it pretends to be them.
    """

    def __init__(
        self, boots: SimulatedBoots, *, serial: str = "FAKE0001", nonce: bytes | None = None
    ) -> None:
        super().__init__(boots.address, boots.spec.model_id, pin="000000", serial=serial, seed=99)
        self.pin_lock = ProofCollector(nonce)

    @property
    def proofs(self) -> list[bytes]:
        """Every AUTH proof Home Assistant sent to it."""
        lock = self.pin_lock
        assert isinstance(lock, ProofCollector)
        return lock.proofs
