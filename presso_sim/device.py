"""A simulated pair of Presso boots that follows protocol v1, timing and faults included.

The device is built in layers, each a module of its own: ``device_reports`` (what
it advertises and reports), ``device_session`` (commands, sessions and faults),
``device_clock`` (its 100 ms clock: ``advance(seconds)`` for tests,
``run_realtime`` for a demo). This module puts them together with a power cycle,
the link to a central and the device's own buttons. Frames to the host leave
through ``transmit`` (set by the link while a central is connected).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from custom_components.presso_boots.presso_ble import const as c
from custom_components.presso_boots.presso_ble.const import (
    EventSource,
    Fault,
    Model,
    SessionState,
    Status,
)
from custom_components.presso_boots.presso_ble.messages import Event, Start

from .auth import PinLock
from .chambers import Chambers
from .device_clock import BootsClock
from .gatt import ControlPoint
from .model import MODELS, Counters, FaultCauses, ModelSpec, Settings


class SimulatedBoots(BootsClock):
    """Device model: settings, sessions, pumps, safety, auth and advertising."""

    def __init__(
        self,
        address: str,
        model: int = Model.DUO_5,
        *,
        pin: str | None = None,
        serial: str = "PB000001",
        firmware: tuple[int, int, int] = (1, 2, 0),
        battery: float = 80.0,
        seed: int = 0,
        spec: ModelSpec | None = None,
    ) -> None:
        self.address = address
        self.spec = spec or MODELS[model]
        self.serial = serial
        self.firmware = firmware
        self.battery = battery
        self.external_power = False
        self.causes = FaultCauses()
        self.counters = Counters()
        self.now = 0.0
        #: Sees every EVENT the boots raise, linked or not (a test's log of what they did).
        self.on_event: Callable[[Event], None] | None = None
        self.asleep = False
        self.busy_replies = 0
        self.pin_lock = PinLock(pin, random.Random(seed))
        self.link = ControlPoint(self)
        self.settings = Settings(zones=(1 << self.spec.chambers) - 1)
        self.lifetime_sessions = 0
        self.lifetime_seconds = 0.0
        self._power_cycle()

    def _power_cycle(self) -> None:
        self.state = SessionState.IDLE
        self.fault = Fault.NONE
        self.chambers = Chambers(self.spec.legs, self.spec.chambers)
        self.elapsed = 0.0
        self.paused_for = 0.0
        self.cycles = 0
        self.idle_for = 0.0
        self.change_counter = 0
        self.telemetry_interval = 0
        self._telemetry_due = 0.0
        self._status_due = 0.0
        self._cycle = None
        self._leak_timer = 0.0
        self._retarget_until = 0.0
        self._retarget_from = 0
        self.pin_lock.power_cycle()
        self._low_battery_reported = self.battery <= c.LOW_BATTERY_PERCENT
        self._adv_signature = self._signature()
        self._status_signature = self._status_key()

    # --- the link (its GATT side is gatt.ControlPoint) -----------------------------

    @property
    def transmit(self) -> Callable[[bytes], None] | None:
        """Where frames to the host go while a central is connected."""
        return self.link.transmit

    @transmit.setter
    def transmit(self, value: Callable[[bytes], None] | None) -> None:
        self.link.transmit = value

    @property
    def break_link(self) -> Callable[[], None] | None:
        """How the device drops the link from its side."""
        return self.link.break_link

    @break_link.setter
    def break_link(self, value: Callable[[], None] | None) -> None:
        self.link.break_link = value

    def connect_central(self, who: str = "host") -> None:
        """A central connects: HELLO, AUTH and telemetry start afresh."""
        self.link.connect(who)
        self.pin_lock.new_link()
        self.telemetry_interval = 0
        self.after_change()

    def disconnect_central(self) -> None:
        """The central went away (or the link dropped)."""
        self.link.disconnect()
        self.telemetry_interval = 0
        self.idle_for = 0.0
        self.after_change()

    def reboot(self) -> None:
        """Power cycle: the session, link, lockout and sequence memory are gone."""
        if self.link.break_link is not None:
            self.link.break_link()
        self.disconnect_central()
        self._power_cycle()

    def receive(self, data: bytes) -> None:
        """Bytes the host wrote to the control point."""
        self.link.receive(data)

    # --- test hooks ---------------------------------------------------------------------

    def trip_newer_fault(self, code: int = 9) -> None:
        """Test hook: a fault code from a newer firmware (spec §8); it vents like any fault."""
        self._trip(code)

    def spike_pressure(self, chamber: int = 1, leg: int = 0, over: int = 30) -> None:
        """Test hook: a chamber jumps above its target (over-pressure)."""
        self.chambers.pressures[self.chambers.index(leg, chamber)] = self.settings.pressure + over

    # --- buttons ------------------------------------------------------------------------

    def press_button(self, action: str) -> None:
        """The device's own buttons: start, stop, pause (toggles) or power."""
        if action == "power":
            self.asleep = False
            self.idle_for = 0.0
        elif action == "start":
            self.start(Start(), EventSource.BUTTONS)
        elif action == "stop":
            self.stop(EventSource.BUTTONS)
        elif action == "pause":
            if self.pause(EventSource.BUTTONS) != Status.OK:
                self.resume(EventSource.BUTTONS)
        else:
            raise ValueError(action)
        self.after_change()
