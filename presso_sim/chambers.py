"""The air side of the boots: each chamber's pressure, its set point, and the pump.

Programs (programs.py) move set points through ``PumpView``; the pump moves
every chamber toward its set point at the spec's inflate and vent rates.
"""

from __future__ import annotations

from collections.abc import Callable

from custom_components.presso_boots.presso_ble import const as c
from custom_components.presso_boots.presso_ble.const import Phase

from .model import Settings

#: How fast a leaking chamber loses air, mmHg per second.
LEAK_RATE = 5.0


class Chambers:
    """Both legs' chambers, left leg first: measured pressure and set point of each."""

    def __init__(self, legs: int, per_leg: int) -> None:
        self.legs = legs
        self.per_leg = per_leg
        self.pressures = [0.0] * (legs * per_leg)
        self.set_points = [0.0] * (legs * per_leg)
        self.phase = Phase.IDLE
        self.active = 0

    def index(self, leg: int, chamber: int) -> int:
        """Position of chamber 1..N of leg 0 (left) or 1 (right)."""
        return leg * self.per_leg + chamber - 1

    def release(self) -> None:
        """Vent every chamber (end of a session, or a fault)."""
        self.phase, self.active = Phase.RELEASING, 0
        self.clear()

    def clear(self) -> None:
        """Aim every chamber at zero; the running program sets new points."""
        self.set_points = [0.0] * len(self.set_points)

    def hold(self) -> None:
        """Keep every chamber where it is (pause)."""
        self.set_points = list(self.pressures)

    def scale(self, ratio: float) -> None:
        """A new target pressure: every set point follows in proportion."""
        self.set_points = [p * ratio for p in self.set_points]

    def pump(self, dt: float, leak_chamber: int = 0) -> None:
        """Move every chamber toward its set point for ``dt`` seconds."""
        pairs = zip(self.pressures, self.set_points, strict=True)
        for i, (pressure, goal) in enumerate(pairs):
            if leak_chamber and i % self.per_leg == leak_chamber - 1:
                # the pump cannot keep a leaking chamber up: it loses air
                self.pressures[i] = max(0.0, pressure - LEAK_RATE * dt)
            elif goal > pressure:
                self.pressures[i] = min(goal, pressure + c.INFLATE_RATE * dt)
            elif goal < pressure:
                self.pressures[i] = max(goal, pressure - c.VENT_RATE * dt)

    def above(self, limit: float) -> bool:
        """A chamber is above ``limit`` (over-pressure)."""
        return any(p > limit for p in self.pressures)

    def short(self) -> bool:
        """A chamber is below its set point (still inflating, or leaking)."""
        return any(goal - p > 1 for p, goal in zip(self.pressures, self.set_points, strict=True))

    def vented(self) -> bool:
        """Every chamber is empty."""
        return all(p <= 0 for p in self.pressures)

    def reading(self) -> tuple[int, ...]:
        """Pressures as TELEMETRY carries them (whole mmHg, one byte each)."""
        return tuple(min(255, round(p)) for p in self.pressures)


class PumpView:
    """The chambers seen through the ``Pump`` protocol the programs use."""

    def __init__(self, chambers: Chambers, settings: Callable[[], Settings]) -> None:
        self._chambers = chambers
        self._settings = settings

    @property
    def target(self) -> int:
        return self._settings().pressure

    @property
    def chambers(self) -> list[int]:
        zones = self._settings().zones
        return [k for k in range(1, self._chambers.per_leg + 1) if zones >> (k - 1) & 1]

    @property
    def phase(self) -> Phase:
        return self._chambers.phase

    @phase.setter
    def phase(self, value: Phase) -> None:
        self._chambers.phase = value

    @property
    def active(self) -> int:
        return self._chambers.active

    @active.setter
    def active(self, value: int) -> None:
        self._chambers.active = value

    def _indexes(self, chamber: int) -> list[int]:
        legs = self._settings().legs
        return [
            self._chambers.index(leg, chamber)
            for leg in range(self._chambers.legs)
            if legs >> leg & 1
        ]

    def set_point(self, chamber: int, pressure: float) -> None:
        for i in self._indexes(chamber):
            self._chambers.set_points[i] = pressure

    def reached(self, chamber: int) -> bool:
        air = self._chambers
        return all(abs(air.pressures[i] - air.set_points[i]) <= 1 for i in self._indexes(chamber))

    def vented(self) -> bool:
        return self._chambers.vented()
