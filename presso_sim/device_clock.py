"""The boots' own clock: each 100 ms tick runs the program, the pumps, the battery and the checks.

``advance(seconds)`` runs it in ticks (boots at rest take their quiet ticks in
one go), so a 30-minute session takes a test well under a second; ``run_realtime``
drives it from wall time for a demo. A tick also sends what is due: telemetry at
the central's interval and a STATUS every ``STATUS_PERIOD_SECONDS`` while a
session runs.
"""

from __future__ import annotations

import asyncio
import math

from custom_components.presso_boots.presso_ble import const as c
from custom_components.presso_boots.presso_ble.const import (
    EventCode,
    EventSource,
    Fault,
    Phase,
    SessionState,
)

from .chambers import PumpView
from .device_session import BootsSession
from .programs import PROGRAMS, TICK

BATTERY_DRAIN_PER_SECOND = 1 / 120
CHARGE_PER_SECOND = 1 / 60


class BootsClock(BootsSession):
    """The firmware's main loop, one tick at a time."""

    idle_for: float
    _leak_timer: float
    _low_battery_reported: bool

    def advance(self, seconds: float) -> None:
        """Run the device clock forward in 100 ms ticks.

        Boots at rest (idle, vented, no central, nothing tripping) only charge and count
        toward sleep: those ticks are taken in one go up to the last one before anything
        the world can see changes (the battery's rounded percent or low flag, full
        charge, falling asleep), which the next tick then does as usual.
        """
        ticks = round(seconds / TICK)
        while ticks > 0:
            quiet = min(ticks, self._quiet_ticks())
            if quiet > 1:
                self._rest(quiet - 1)
                ticks -= quiet - 1
            self._tick()
            ticks -= 1

    def _quiet_ticks(self) -> int:
        """Ticks from now in which boots at rest change nothing the world can see (0: busy)."""
        if (
            self.state != SessionState.IDLE
            or self.fault != Fault.NONE
            or self.central is not None
            or self._fault_cause() != Fault.NONE
            or not self.chambers.vented()
        ):
            return 0
        ticks = 1 << 30
        if not self.asleep:
            ticks = int((c.SLEEP_AFTER_IDLE_SECONDS - self.idle_for) / TICK)
        if self.external_power and self.battery < 100:
            battery = self.battery
            edges = (math.floor(battery + 0.5) + 0.5, 100.0, float(c.LOW_BATTERY_PERCENT))
            edge = min(e for e in edges if e > battery) if battery < 100 else 100.0
            ticks = min(ticks, int((edge - battery) / (CHARGE_PER_SECOND * TICK)))
        return max(0, ticks - 1)

    def _rest(self, ticks: int) -> None:
        """``ticks`` of a tick at rest: the clock, the charge, the idle time."""
        seconds = ticks * TICK
        self.now = round(self.now + seconds, 6)
        if self.external_power:
            self.battery = min(100.0, self.battery + CHARGE_PER_SECOND * seconds)
        if not self.asleep:
            self.idle_for += seconds

    async def run_realtime(self, speed: float = 1.0) -> None:
        """Advance with wall time until cancelled (for the demo)."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(TICK / speed)
            now = loop.time()
            self.advance((now - last) * speed)
            last += round((now - last) * speed / TICK) * TICK / speed

    def _tick(self) -> None:
        self.now = round(self.now + TICK, 6)
        self._power(TICK)
        if self.fault == Fault.NONE and (cause := self._fault_cause()) != Fault.NONE:
            self._trip(cause)
        if self.state == SessionState.RUNNING:
            self._run_program()
        elif self.state == SessionState.PAUSED:
            self.paused_for += TICK
            if self.paused_for >= c.PAUSE_LIMIT_SECONDS:
                self._finish(EventCode.SESSION_STOPPED, EventSource.FIRMWARE)
        self.chambers.pump(TICK, self.causes.leak_chamber)
        self._check_pressures()
        if self.state == SessionState.FINISHING and self.chambers.vented():
            self.state = SessionState.IDLE
            self.chambers.phase, self.chambers.active = Phase.IDLE, 0
        if self.state == SessionState.RUNNING:
            self.elapsed = round(self.elapsed + TICK, 6)
            self.lifetime_seconds += TICK
            if self.elapsed >= self.settings.duration * 60 - 1e-6:
                self._finish(EventCode.SESSION_COMPLETED)
        self._idle_clock()
        self._periodic()
        self.after_change()

    def _power(self, dt: float) -> None:
        if self.external_power:
            self.battery = min(100.0, self.battery + CHARGE_PER_SECOND * dt)
        elif self.state == SessionState.RUNNING:
            self.battery = max(0.0, self.battery - BATTERY_DRAIN_PER_SECOND * dt)
        low = self.battery <= c.LOW_BATTERY_PERCENT
        if low and not self._low_battery_reported:
            self._event(EventCode.LOW_BATTERY, round(self.battery))
        self._low_battery_reported = low

    def _run_program(self) -> None:
        if self._cycle is None:
            view = PumpView(self.chambers, lambda: self.settings)
            self._cycle = PROGRAMS[self.settings.program](view)
        try:
            next(self._cycle)
        except StopIteration:
            self.cycles += 1
            self._cycle = None

    def _check_pressures(self) -> None:
        if self.state not in (SessionState.RUNNING, SessionState.PAUSED):
            return
        target = self.settings.pressure
        if self.now < self._retarget_until:
            target = max(target, self._retarget_from)
        else:
            self._retarget_from = 0
        limit = min(target + c.OVER_TARGET_TRIP, self.spec.pressure_max + c.OVER_MAX_TRIP)
        if self.chambers.above(limit):
            self._trip(Fault.OVER_PRESSURE)
            return
        self._leak_timer = self._leak_timer + TICK if self.chambers.short() else 0.0
        if self._leak_timer >= c.LEAK_TIMEOUT_SECONDS:
            self._leak_timer = 0.0
            self._trip(Fault.LEAK)

    def _idle_clock(self) -> None:
        if self.state == SessionState.IDLE and self.central is None and not self.asleep:
            self.idle_for += TICK
            if self.idle_for >= c.SLEEP_AFTER_IDLE_SECONDS:
                self.asleep = True
        else:
            self.idle_for = 0.0

    def _periodic(self) -> None:
        if self.central is None:
            return
        if self.telemetry_interval and self.now + 1e-6 >= self._telemetry_due:
            self._telemetry_due = self.now + self.telemetry_interval * TICK
            if self.state != SessionState.IDLE or not self.chambers.vented():
                self._notify(self.telemetry())
        if self.session_active and self.now + 1e-6 >= self._status_due:
            self._status_due = self.now + c.STATUS_PERIOD_SECONDS
            self._notify(self.status())
            self._status_signature = self._status_key()
