"""Session limits: the one place every pressure, program and duration is checked.

Every entry point (number, select, switch, actions, voice) builds its command
from values that passed through ``SessionLimits``, so nothing above the user's
cap, or above today's step of the gentle start plan, reaches the wire.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from homeassistant.exceptions import ServiceValidationError

from .const import (
    CONF_GENTLE_SESSIONS,
    CONF_GENTLE_START,
    CONF_MAX_DURATION,
    CONF_MAX_PRESSURE,
    DEFAULT_GENTLE_SESSIONS,
    DEFAULT_MAX_DURATION,
    DEFAULT_MAX_PRESSURE,
    GENTLE_START_MINUTES,
    GENTLE_START_PRESSURE,
    LEGS_KEYS,
)
from .data import PressoData
from .errors import refusal
from .presso_ble import DeviceInfo


def _whole(key: str, name: str, value: float, *, low: int, high: int, step: int) -> int:
    """The value to the nearest whole unit; ``key`` for NaN or an infinity.

    A number entity hands over a float (its unit conversion leaves fractions, and
    Home Assistant's range check lets NaN through); actions and voice hand over ints.
    """
    if isinstance(value, int) or math.isfinite(value):
        return round(value)
    raise refusal(key, **{name: value}, min=low, max=high, step=step)


def _check_grid(key: str, name: str, value: int, *, low: int, high: int, step: int) -> int:
    """The value if it is in [low, high] on the step grid from low; else ``key``."""
    if low <= value <= high and (value - low) % step == 0:
        return value
    raise refusal(key, **{name: value}, min=low, max=high, step=step)


def _ramp(grid: list[int], start: int, done: int, sessions: int) -> int:
    """Plan session ``done + 1`` of ``sessions``: equal steps from ``start`` to the top of grid."""
    low = max((v for v in grid if v <= start), default=grid[0])
    high = grid[-1]
    target = low if sessions < 2 else low + (high - low) * done / (sessions - 1)
    return [v for v in grid if v <= target][-1]


class StartRequest(TypedDict, total=False):
    """What a start asks for; what it leaves out keeps the boots' settings, within limits."""

    program: int | None
    pressure: int | None
    duration: int | None
    legs: int | None
    override_rest: bool  # passes the rest period and daily minutes (``routine.py``)


@dataclass(frozen=True, slots=True)
class GentleStart:
    """The gentle start plan's place: ``step`` is the plan session up next (1-based)."""

    step: int
    sessions: int


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """The device's envelope narrowed by the user's options and the gentle start plan."""

    info: DeviceInfo
    max_pressure: int  # in effect now: the user's cap, or the plan's step below it
    max_duration: int
    cap: int  # the user's own limits from the options
    longest: int
    plan: GentleStart | None = None

    @classmethod
    def from_entry(
        cls, info: DeviceInfo, options: Mapping[str, Any], plan_done: int | None = None
    ) -> SessionLimits:
        """Limits from the device's HELLO, the entry's options and the plan's progress.

        ``plan_done`` counts the plan's completed sessions; None when the user
        finished the plan.
        """
        cap = options.get(CONF_MAX_PRESSURE, DEFAULT_MAX_PRESSURE)
        pressures = list(info.pressures(cap))
        longest = options.get(CONF_MAX_DURATION, DEFAULT_MAX_DURATION)
        durations = [d for d in info.durations() if d <= longest]
        # No device value within the user's limits (a firmware update raised the device's
        # minimum above them): the limits stay the user's, and every start is refused.
        top, last = pressures[-1] if pressures else cap, durations[-1] if durations else longest
        limits = cls(info, top, last, top, last)
        sessions = options.get(CONF_GENTLE_SESSIONS, DEFAULT_GENTLE_SESSIONS)
        if (
            plan_done is None
            or not options.get(CONF_GENTLE_START)
            or plan_done >= sessions
            or not (pressures and durations)
        ):
            return limits
        return cls(
            info,
            _ramp(pressures, GENTLE_START_PRESSURE, plan_done, sessions),
            _ramp(durations, GENTLE_START_MINUTES, plan_done, sessions),
            limits.cap,
            limits.longest,
            GentleStart(plan_done + 1, sessions),
        )

    def _above_plan(self, key: str, value: int, limit: int) -> ServiceValidationError:
        assert self.plan is not None
        return refusal(
            key, value=value, limit=limit, step=self.plan.step, sessions=self.plan.sessions
        )

    @property
    def min_pressure(self) -> int:
        """Lowest target the device accepts."""
        return self.info.pressure_min

    def check_pressure(self, value: float) -> int:
        """The pressure, to the whole mmHg, if it is allowed; a translated error otherwise."""
        info = self.info
        grid = {"low": info.pressure_min, "high": self.max_pressure, "step": info.pressure_step}
        pressure = _whole("pressure_invalid", "pressure", value, **grid)
        if pressure > self.cap:
            raise refusal("pressure_above_cap", pressure=pressure, cap=self.cap)
        if self.plan and pressure > self.max_pressure:
            raise self._above_plan("pressure_above_plan", pressure, self.max_pressure)
        return _check_grid("pressure_invalid", "pressure", pressure, **grid)

    def check_duration(self, value: float) -> int:
        """The duration, to the whole minute, if it is allowed."""
        info = self.info
        grid = {"low": info.duration_min, "high": self.max_duration, "step": info.duration_step}
        minutes = _whole("duration_invalid", "duration", value, **grid)
        if self.plan and self.max_duration < minutes <= self.longest:
            raise self._above_plan("duration_above_plan", minutes, self.max_duration)
        return _check_grid("duration_invalid", "duration", minutes, **grid)

    def check_program(self, program: int) -> int:
        """The program id if the device supports it."""
        if program not in self.info.programs:
            raise refusal("program_unsupported", program=program)
        return program

    def check_zones(self, legs: int, zones: int) -> tuple[int, int]:
        """Legs and zone masks if they select at least one chamber of the device."""
        if legs not in LEGS_KEYS or legs >= 1 << self.info.legs:
            raise refusal("legs_invalid")
        if not 0 < zones <= self.info.all_zones:
            raise refusal("zones_empty")
        return legs, zones

    def start_values(self, data: PressoData, request: StartRequest) -> tuple[int, int, int, int]:
        """START's program, pressure, duration and legs: what was asked for, checked.

        Only a value left out (None) keeps the boots' setting; anything given, 0
        included (voice hears "0.6" as 0), is checked like any other.
        """
        program, mmhg = request.get("program"), request.get("pressure")
        minutes, legs = request.get("duration"), request.get("legs")
        if legs is not None:
            self.check_zones(legs, data.zones or self.info.all_zones)
        return (
            0 if program is None else self.check_program(program),
            self.safe_pressure(data.pressure) if mmhg is None else self.check_pressure(mmhg),
            self.safe_duration(data.duration) if minutes is None else self.check_duration(minutes),
            0 if legs is None else legs,
        )

    def safe_pressure(self, current: int | None) -> int:
        """The current setting if allowed, else the highest allowed value below it."""
        grid = self.info.pressures(self.max_pressure)
        if not grid:
            raise refusal("pressure_above_cap", pressure=self.min_pressure, cap=self.cap)
        below = [p for p in grid if current is not None and p <= current]
        return below[-1] if below else grid[0]

    def safe_duration(self, current: int | None) -> int:
        """The current duration if allowed, else the user's maximum."""
        info = self.info
        grid = [d for d in info.durations() if d <= self.max_duration]
        if not grid:
            raise refusal(
                "duration_invalid", duration=info.duration_min,
                min=info.duration_min, max=self.max_duration, step=info.duration_step,
            )  # fmt: skip
        if current is None:
            return grid[-1]
        below = [d for d in grid if d <= current]
        return below[-1] if below else grid[0]
