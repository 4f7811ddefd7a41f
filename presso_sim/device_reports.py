"""What the boots tell the world: the HELLO body, the advertisement, STATUS, TELEMETRY, events.

``after_change`` is where a change shows: the advertisement's change counter
moves when an advertised field does, and a STATUS goes to the central when a
field it reports does (elapsed, remaining and lifetime seconds aside).
"""

from __future__ import annotations

from collections.abc import Callable

from custom_components.presso_boots.presso_ble import const as c
from custom_components.presso_boots.presso_ble.advertisement import Advertisement
from custom_components.presso_boots.presso_ble.const import EventCode, Fault, SessionState
from custom_components.presso_boots.presso_ble.messages import (
    DeviceInfo,
    DeviceStatus,
    Event,
    Telemetry,
)

from .auth import PinLock
from .chambers import Chambers
from .gatt import ControlPoint
from .model import ModelSpec, Settings


class BootsReports:
    """The boots' state as a scanner and a central see it (``device.SimulatedBoots`` sets it)."""

    address: str
    spec: ModelSpec
    serial: str
    firmware: tuple[int, int, int]
    battery: float
    external_power: bool
    asleep: bool
    pin_lock: PinLock
    link: ControlPoint
    settings: Settings
    lifetime_sessions: int
    lifetime_seconds: float
    state: SessionState
    fault: Fault | int
    chambers: Chambers
    elapsed: float
    cycles: int
    change_counter: int
    on_event: Callable[[Event], None] | None
    _adv_signature: tuple[object, ...]
    _status_signature: tuple[object, ...]

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

    @property
    def central(self) -> str | None:
        """Who is connected, if anyone."""
        return self.link.central

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

    def _notify(self, message: DeviceStatus | Telemetry | Event) -> None:
        self.link.notify(message)

    def _event(self, code: EventCode, argument: int = 0) -> None:
        event = Event(code, argument)
        if self.on_event is not None:
            self.on_event(event)
        self._notify(event)

    def after_change(self) -> None:
        signature = self._signature()
        if signature != self._adv_signature:
            self._adv_signature = signature
            self.change_counter = (self.change_counter + 1) % 256
        key = self._status_key()
        if key != self._status_signature:
            self._status_signature = key
            self._notify(self.status())
