"""A simulated pair of Presso boots that follows protocol v1, timing and faults included.

The device has its own clock: ``advance(seconds)`` runs it in 100 ms ticks, so
a 30-minute session takes a test well under a second, and ``run_realtime``
drives it from wall time for a demo. Frames to the host leave through
``transmit`` (set by the link while a central is connected).
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Callable

from custom_components.presso_boots.presso_ble import const as c
from custom_components.presso_boots.presso_ble.advertisement import Advertisement
from custom_components.presso_boots.presso_ble.const import (
    EventCode,
    EventSource,
    Fault,
    Model,
    Phase,
    SessionState,
    Status,
)
from custom_components.presso_boots.presso_ble.messages import (
    Command,
    DeviceInfo,
    DeviceStatus,
    Event,
    SetDuration,
    SetPressure,
    SetProgram,
    SetZones,
    Start,
    Telemetry,
)

from .auth import PinLock
from .chambers import Chambers, PumpView
from .gatt import ControlPoint
from .model import MODELS, Counters, FaultCauses, ModelSpec, Settings
from .programs import PROGRAMS, TICK, Cycle

BATTERY_DRAIN_PER_SECOND = 1 / 120
CHARGE_PER_SECOND = 1 / 60
#: After a target change the over-pressure check keeps the higher target this long,
#: so chambers above a lowered target vent instead of tripping.
RETARGET_GRACE = 5.0


class SimulatedBoots:
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
        self.fault: Fault | int = Fault.NONE
        self.chambers = Chambers(self.spec.legs, self.spec.chambers)
        self.elapsed = 0.0
        self.paused_for = 0.0
        self.cycles = 0
        self.idle_for = 0.0
        self.change_counter = 0
        self.telemetry_interval = 0
        self._telemetry_due = 0.0
        self._status_due = 0.0
        self._cycle: Cycle | None = None
        self._leak_timer = 0.0
        self._retarget_until = 0.0
        self._retarget_from = 0
        self.pin_lock.power_cycle()
        self._low_battery_reported = self.battery <= c.LOW_BATTERY_PERCENT
        self._adv_signature = self._signature()
        self._status_signature = self._status_key()

    @property
    def pressures(self) -> list[float]:
        """Each chamber's pressure, left leg first."""
        return self.chambers.pressures

    @property
    def pin(self) -> str | None:
        """The PIN printed under the controller (None: no PIN)."""
        return self.pin_lock.pin

    @pin.setter
    def pin(self, value: str | None) -> None:
        self.pin_lock.pin = value

    # --- what the world sees --------------------------------------------------

    @property
    def info(self) -> DeviceInfo:
        """HELLO body (with the current nonce)."""
        s = self.spec
        return DeviceInfo(
            c.PROTOCOL_VERSION, s.model_id, s.legs, s.chambers,
            s.pressure_min, s.pressure_max, s.pressure_step,
            s.duration_min, s.duration_max, s.duration_step, s.programs_mask,
            *self.firmware, self.serial.encode("ascii")[:8].ljust(8, b"\0"),
            self.pin is not None, self.pin_lock.nonce or bytes(c.NONCE_SIZE),
        )  # fmt: skip

    @property
    def local_name(self) -> str:
        """Complete local name from the scan response."""
        return f"Presso {self.address.replace(':', '')[-4:].upper()}"

    @property
    def remaining(self) -> int:
        """Seconds left in the session (0 when idle)."""
        if self.state not in (SessionState.RUNNING, SessionState.PAUSED):
            return 0
        return max(0, round(self.settings.duration * 60 - self.elapsed))

    def advertisement(self) -> Advertisement | None:
        """Current manufacturer data; None while asleep."""
        if self.asleep:
            return None
        flags = c.AdvertisementFlag(0)
        if self.state in (SessionState.RUNNING, SessionState.PAUSED):
            flags |= c.AdvertisementFlag.SESSION_ACTIVE
        if self.state == SessionState.PAUSED:
            flags |= c.AdvertisementFlag.PAUSED
        if self.pin is not None:
            flags |= c.AdvertisementFlag.PIN_REQUIRED
        if self.state == SessionState.FAULT:
            flags |= c.AdvertisementFlag.FAULT
        if self.charging:
            flags |= c.AdvertisementFlag.CHARGING
        if self.battery <= c.LOW_BATTERY_PERCENT:
            flags |= c.AdvertisementFlag.LOW_BATTERY
        if self.central is not None:
            flags |= c.AdvertisementFlag.CENTRAL_CONNECTED
        s = self.settings
        return Advertisement(
            self.spec.model_id, flags, round(self.battery), s.program, s.pressure,
            s.duration, self.remaining, self.change_counter, self.fault,
        )  # fmt: skip

    @property
    def charging(self) -> bool:
        """External power is in and the battery is not full."""
        return self.external_power and self.battery < 100

    def status(self) -> DeviceStatus:
        """STATUS payload."""
        s = self.settings
        power = c.PowerFlag(0)
        if self.charging:
            power |= c.PowerFlag.CHARGING
        if self.external_power:
            power |= c.PowerFlag.EXTERNAL_POWER
        if self.battery <= c.LOW_BATTERY_PERCENT:
            power |= c.PowerFlag.LOW_BATTERY
        return DeviceStatus(
            self.state, s.program, s.pressure, s.duration,
            min(0xFFFF, round(self.elapsed)), self.remaining, s.legs, s.zones,
            round(self.battery), int(power), self.fault, self.cycles,
            self.lifetime_sessions, int(self.lifetime_seconds), self.change_counter,
        )  # fmt: skip

    def telemetry(self) -> Telemetry:
        """TELEMETRY payload."""
        air = self.chambers
        return Telemetry(
            air.phase, air.active, self.spec.legs, self.spec.chambers, air.reading(),
        )  # fmt: skip

    def _signature(self) -> tuple[object, ...]:
        """What the change counter follows: the advertisement but for the remaining seconds
        and the counter itself, and the legs and zones."""
        adv = self.advertisement()
        s = self.settings
        if adv is None:
            return ((), s.legs, s.zones)
        return (
            adv.model_id, int(adv.flags), adv.battery, adv.program, adv.target_pressure,
            adv.duration_minutes, int(adv.fault), s.legs, s.zones,
        )  # fmt: skip

    def _status_key(self) -> tuple[object, ...]:
        """The STATUS fields whose change sends a STATUS (elapsed, remaining and lifetime
        seconds change every second: not triggers)."""
        s = self.settings
        return (self.state, s.program, s.pressure, s.duration, s.legs, s.zones,
                round(self.battery), self.charging, self.external_power,
                self.battery <= c.LOW_BATTERY_PERCENT, self.fault, self.cycles,
                self.lifetime_sessions)  # fmt: skip

    # --- the link (its GATT side is gatt.ControlPoint) -----------------------------

    @property
    def central(self) -> str | None:
        """Who is connected, if anyone."""
        return self.link.central

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

    def _notify(self, message: DeviceStatus | Telemetry | Event) -> None:
        self.link.notify(message)

    def _event(self, code: EventCode, argument: int = 0) -> None:
        self._notify(Event(code, argument))

    # --- commands -------------------------------------------------------------------

    def set_telemetry(self, interval: int) -> int:
        """SET_TELEMETRY: notifications every ``interval`` x 100 ms (0: off)."""
        if interval > c.TELEMETRY_MAX_INTERVAL:
            return Status.INVALID_PARAMETER
        self.telemetry_interval = interval
        self._telemetry_due = self.now
        return Status.OK

    def change_setting(self, command: Command) -> int:
        """SET_PRESSURE, SET_PROGRAM, SET_DURATION or SET_ZONES."""
        current = self.settings
        new = Settings(
            current.program, current.pressure, current.duration, current.legs, current.zones
        )
        match command:
            case SetPressure(pressure=value):
                new.pressure = value
            case SetProgram(program=value):
                new.program = value
            case SetDuration(minutes=value):
                new.duration = value
            case SetZones(legs=legs, zones=zones):
                new.legs, new.zones = legs, zones
            case _:
                return Status.UNKNOWN_COMMAND
        if not new.valid_for(self.spec):
            return Status.INVALID_PARAMETER
        self._apply(new, EventSource.CENTRAL)
        return Status.OK

    def _apply(self, new: Settings, source: EventSource) -> None:
        old, self.settings = self.settings, new
        if old == new:
            return
        self._event(EventCode.SETTINGS_CHANGED, source)
        if not self.session_active:
            return
        if new.pressure != old.pressure:
            self._retarget_from = max(old.pressure, self._retarget_from)
            self._retarget_until = self.now + RETARGET_GRACE
            ratio = new.pressure / old.pressure
            self.chambers.scale(ratio)
        if (new.legs, new.zones, new.program) != (old.legs, old.zones, old.program):
            self._cycle = None
            self.chambers.clear()
        if new.duration * 60 <= self.elapsed:
            self._finish(EventCode.SESSION_COMPLETED)

    @property
    def session_active(self) -> bool:
        """Running or paused."""
        return self.state in (SessionState.RUNNING, SessionState.PAUSED)

    def start(self, command: Start, source: EventSource) -> int:
        if self.state == SessionState.FAULT:
            return Status.FAULT_ACTIVE
        s = self.settings
        new = Settings(
            command.program or s.program, command.pressure or s.pressure,
            command.duration or s.duration, command.legs or s.legs, command.zones or s.zones,
        )  # fmt: skip
        if not new.valid_for(self.spec):
            return Status.INVALID_PARAMETER
        self.settings = new
        if new != s:
            self._event(EventCode.SETTINGS_CHANGED, source)
        self.state = SessionState.RUNNING
        self.elapsed = self.paused_for = 0.0
        self.cycles = 0
        self._cycle = None
        self.chambers.clear()
        self._status_due = self.now + c.STATUS_PERIOD_SECONDS
        self.lifetime_sessions += 1
        self.counters.sessions_started += 1
        self._event(EventCode.SESSION_STARTED, source)
        return Status.OK

    def stop(self, source: EventSource) -> None:
        """STOP from a central, the buttons or the firmware."""
        if self.session_active:
            self._finish(EventCode.SESSION_STOPPED, source)

    def _finish(self, code: EventCode, argument: int = 0) -> None:
        self.state = SessionState.FINISHING
        self.chambers.release()
        self._cycle = None
        self._event(code, argument)

    def pause(self, source: EventSource) -> int:
        if self.state == SessionState.FAULT:
            return Status.FAULT_ACTIVE
        if self.state != SessionState.RUNNING:
            return Status.WRONG_STATE
        self.state = SessionState.PAUSED
        self.paused_for = 0.0
        self.chambers.hold()
        self._event(EventCode.PAUSED, source)
        return Status.OK

    def resume(self, source: EventSource) -> int:
        if self.state == SessionState.FAULT:
            return Status.FAULT_ACTIVE
        if self.state != SessionState.PAUSED:
            return Status.WRONG_STATE
        self.state = SessionState.RUNNING
        self._cycle = None
        self._event(EventCode.RESUMED, source)
        return Status.OK

    def clear_fault(self) -> int:
        if self.state != SessionState.FAULT:
            return Status.OK
        if self._fault_cause() != Fault.NONE:
            return Status.FAULT_ACTIVE
        self.state, self.fault = SessionState.IDLE, Fault.NONE
        self._event(EventCode.FAULT_CLEARED)
        return Status.OK

    # --- faults -----------------------------------------------------------------------

    def _fault_cause(self) -> Fault:
        causes = self.causes
        if causes.garment_missing:
            return Fault.GARMENT_NOT_DETECTED
        if causes.overheat:
            return Fault.PUMP_OVERHEAT
        if causes.sensor_failure:
            return Fault.SENSOR_FAILURE
        if self.battery <= c.CRITICAL_BATTERY_PERCENT and not self.external_power:
            return Fault.BATTERY_CRITICAL
        if causes.leak_chamber and self.fault == Fault.LEAK:
            return Fault.LEAK
        return Fault.NONE

    def _trip(self, fault: Fault | int) -> None:
        """Firmware safety: vent every chamber at once and hold state 4."""
        was_active = self.session_active
        self.state, self.fault = SessionState.FAULT, fault
        self.chambers.release()
        self._cycle = None
        self._event(EventCode.FAULT_RAISED, fault)
        if was_active:
            self._event(EventCode.SESSION_ABORTED, fault)

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

    # --- the clock ---------------------------------------------------------------------

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

    def after_change(self) -> None:
        signature = self._signature()
        if signature != self._adv_signature:
            self._adv_signature = signature
            self.change_counter = (self.change_counter + 1) % 256
        key = self._status_key()
        if key != self._status_signature:
            self._status_signature = key
            self._notify(self.status())
