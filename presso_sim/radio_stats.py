"""What went over an emulated proxy's or adapter's radio, for tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class ProxyStats:
    """What went over the proxy's radio, for tests and benchmarks."""

    gatt_operations: list[tuple[str, str]] = field(default_factory=list)
    """(address, kind) per over-the-air GATT operation, in order."""
    connects: list[tuple[str, bool]] = field(default_factory=list)
    """(address, with cached services) per connect request."""
    connect_seconds: list[float] = field(default_factory=list)
    """Wall time from request to connected state, per successful connect."""
    gatt_seconds: list[float] = field(default_factory=list)
    """Wall time from request to reply, per completed GATT operation (its delay included)."""

    def operations(self, kind: str | None = None) -> int:
        """How many GATT operations (of one kind) ran."""
        return sum(1 for _, k in self.gatt_operations if kind is None or k == kind)
