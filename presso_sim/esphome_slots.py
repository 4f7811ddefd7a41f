"""The emulated ESP32's Bluetooth connection slots: who holds one, and how the ESP reports them."""

from __future__ import annotations

from .esphome_api import Message, mac_to_int, pb


class ConnectionSlots:
    """A fixed number of connection slots; the boots' links and other devices' take them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._allocated: list[str] = []
        self._others: list[str] = []

    @property
    def in_use(self) -> list[str]:
        """Addresses holding a slot (connecting or connected)."""
        return list(self._allocated)

    @property
    def free(self) -> int:
        return self.limit - len(self._allocated)

    def take(self, address: str) -> None:
        self._allocated.append(address)

    def give_back(self, address: str) -> None:
        if address in self._allocated:
            self._allocated.remove(address)

    def message(self) -> Message:
        """Free and allocated slots as the ESP reports them (allocated is authoritative)."""
        return pb.BluetoothConnectionsFreeResponse(
            free=self.free,
            limit=self.limit,
            allocated=[mac_to_int(address) for address in self._allocated],
        )

    def occupy(self, count: int | None = None) -> int:
        """Other Bluetooth devices take free slots: ``count``, or all; how many were taken."""
        count = self.free if count is None else min(count, self.free)
        for _ in range(count):
            address = f"0E:0E:0E:00:00:{len(self._others):02X}"
            self._others.append(address)
            self._allocated.append(address)
        return count

    def release(self) -> None:
        """The other devices let go of the slots ``occupy`` gave them."""
        for address in self._others:
            self.give_back(address)
        self._others.clear()
