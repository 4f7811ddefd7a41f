"""The six therapy programs as tick-driven generators over a pump.

Each ``yield`` is one tick of the device clock. A generator runs one cycle;
the device starts it again until the session ends.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Protocol

from custom_components.presso_boots.presso_ble.const import MIN_CHAMBER_PRESSURE, Phase, Program

TICK = 0.1

type Cycle = Iterator[None]


class Pump(Protocol):
    """What a program can see and command on the device."""

    phase: Phase
    active: int

    @property
    def target(self) -> int:
        """Session target pressure now (changes apply at once)."""

    @property
    def chambers(self) -> list[int]:
        """Chambers in the zone mask, from the foot up."""

    def set_point(self, chamber: int, pressure: float) -> None:
        """Drive a chamber (on every leg in use) toward a pressure."""

    def reached(self, chamber: int) -> bool:
        """The chamber is within 1 mmHg of its set point."""

    def vented(self) -> bool:
        """Every chamber is empty."""


def _ticks(seconds: float) -> range:
    return range(math.ceil(round(seconds / TICK, 6)))


def _wait(pump: Pump, phase: Phase, seconds: float) -> Cycle:
    pump.phase = phase
    for _ in _ticks(seconds):
        yield


def _fill(pump: Pump, chamber: int, pressure: float) -> Cycle:
    pump.phase, pump.active = Phase.INFLATING, chamber
    pump.set_point(chamber, pressure)
    while not pump.reached(chamber):
        yield


def _vent_all(pump: Pump) -> Cycle:
    pump.phase, pump.active = Phase.RELEASING, 0
    for chamber in pump.chambers:
        pump.set_point(chamber, 0)
    while not pump.vented():
        yield


def wave(pump: Pump, scale: float = 1.0, hold: float = 2.0, rest: float = 10.0) -> Cycle:
    """One chamber at a time from the foot up; each releases as the next inflates."""
    for chamber in pump.chambers:
        yield from _fill(pump, chamber, pump.target * scale)
        yield from _wait(pump, Phase.HOLDING, hold)
        pump.set_point(chamber, 0)
    yield from _vent_all(pump)
    yield from _wait(pump, Phase.RESTING, rest)


def gradient_level(target: float, index: int) -> float:
    """Chamber k (0-based index here) targets target - 5k, never below 20."""
    return max(float(MIN_CHAMBER_PRESSURE), target - 5 * index)


def gradient(pump: Pump, scale: float = 1.0, hold: float = 5.0, rest: float = 10.0) -> Cycle:
    """Fill in sequence from the foot at falling levels, hold, release together."""
    for index, chamber in enumerate(pump.chambers):
        yield from _fill(pump, chamber, gradient_level(pump.target * scale, index))
    pump.active = 0
    yield from _wait(pump, Phase.HOLDING, hold)
    yield from _vent_all(pump)
    yield from _wait(pump, Phase.RESTING, rest)


def flush(pump: Pump) -> Cycle:
    """Gradient whose lower chamber drops to 70 % while the next inflates."""
    previous: tuple[int, float] | None = None
    for index, chamber in enumerate(pump.chambers):
        level = gradient_level(pump.target, index)
        if previous:
            pump.set_point(previous[0], previous[1] * 0.7)
        yield from _fill(pump, chamber, level)
        previous = (chamber, level)
    pump.phase, pump.active = Phase.RELEASING, 0
    for chamber in pump.chambers:
        pump.set_point(chamber, 0)
        pump.active = chamber
        while not pump.reached(chamber):
            yield
    pump.active = 0
    yield from _wait(pump, Phase.RESTING, 8.0)


def warm_up(pump: Pump) -> Cycle:
    """Wave at 60 % of target with 1 s holds and 5 s rest."""
    return wave(pump, scale=0.6, hold=1.0, rest=5.0)


def interval(pump: Pump) -> Cycle:
    """One gradient cycle at target, one at 70 %."""
    yield from gradient(pump)
    yield from gradient(pump, scale=0.7)


def lymph(pump: Pump) -> Cycle:
    """Gentle drainage: gradient with 20 s holds and 15 s rest."""
    return gradient(pump, hold=20.0, rest=15.0)


PROGRAMS: dict[int, Callable[[Pump], Cycle]] = {
    Program.WAVE: wave,
    Program.GRADIENT: gradient,
    Program.FLUSH: flush,
    Program.WARM_UP: warm_up,
    Program.INTERVAL: interval,
    Program.LYMPH: lymph,
}
