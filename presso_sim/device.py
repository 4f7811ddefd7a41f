"""A simulated pair of Presso boots that follows protocol v1, timing and faults included.

The device has its own clock: ``advance(seconds)`` runs it in 100 ms ticks, so
a 30-minute session takes a test well under a second, and ``run_realtime``
drives it from wall time for a demo. Frames to the host leave through
``transmit`` (set by the link while a central is connected).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from custom_components.presso_boots.presso_ble import const as c
from custom_components.presso_boots.presso_ble.advertisement import Advertisement
from custom_components.presso_boots.presso_ble.const import (
    CommandType,
    EventCode,
    EventSource,
    Fault,
    Model,
    Phase,
    SessionState,
    Status,
)
from custom_components.presso_boots.presso_ble.exceptions import ProtocolError
from custom_components.presso_boots.presso_ble.frames import FrameReassembler, encode_frame
from custom_components.presso_boots.presso_ble.messages import (
    Auth,
    Command,
    DeviceInfo,
    DeviceStatus,
    Event,
    Hello,
    Ping,
    SetDuration,
    SetPressure,
    SetProgram,
    SetTelemetry,
    SetZones,
    Start,
    Telemetry,
    auth_proof,
    decode_command,
)

from .programs import PROGRAMS, TICK, Cycle

BATTERY_DRAIN_PER_SECOND = 1 / 120
CHARGE_PER_SECOND = 1 / 60
LEAK_RATE = 5.0
#: After a target change the over-pressure check keeps the higher target this long,
#: so chambers above a lowered target vent instead of tripping.
RETARGET_GRACE = 5.0


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model's envelope as its firmware reports it in HELLO."""

    model_id: int
    chambers: int
    pressure_max: int
    programs_mask: int
    legs: int = 2
    pressure_min: int = 20
    pressure_step: int = 5
    duration_min: int = 5
    duration_max: int = 60
    duration_step: int = 5


MODELS: dict[int, ModelSpec] = {
    Model.GO_4: ModelSpec(Model.GO_4, 4, 100, 0b001111),
    Model.DUO_5: ModelSpec(Model.DUO_5, 5, 120, 0b111111),
    Model.PRO_8: ModelSpec(Model.PRO_8, 8, 200, 0b111111),
}


class ConnectionRefused(Exception):
    """The device will not accept this central now."""


@dataclass(slots=True)
class Settings:
    """The one set of settings the device keeps."""

    program: int = 1
    pressure: int = 40
    duration: int = c.DEFAULT_DURATION_MINUTES
    legs: int = c.LEGS_BOTH
    zones: int = 0


@dataclass(slots=True)
class FaultCauses:
    """Test hooks: conditions that make the firmware fault."""

    leak_chamber: int = 0
    garment_missing: bool = False
    overheat: bool = False
    sensor_failure: bool = False


@dataclass(slots=True)
class Counters:
    """What the device did, for tests that count executions."""

    executed: dict[int, int] = field(default_factory=dict)
    repeats_answered: int = 0
    corrupt_frames: int = 0
    sessions_started: int = 0


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
        self.pin = pin
        self.serial = serial
        self.firmware = firmware
        self.battery = battery
        self.external_power = False
        self.causes = FaultCauses()
        self.counters = Counters()
        self.now = 0.0
        self.transmit: Callable[[bytes], None] | None = None
        self.break_link: Callable[[], None] | None = None
        self.central: str | None = None
        self.asleep = False
        self.busy_replies = 0
        self._rng = random.Random(seed)
        self._frames = FrameReassembler()
        self.settings = Settings(zones=(1 << self.spec.chambers) - 1)
        self.lifetime_sessions = 0
        self.lifetime_seconds = 0.0
        self._power_cycle()

    def _power_cycle(self) -> None:
        chambers = self.spec.legs * self.spec.chambers
        self.state = SessionState.IDLE
        self.fault = Fault.NONE
        self.pressures = [0.0] * chambers
        self.set_points = [0.0] * chambers
        self.phase = Phase.IDLE
        self.active = 0
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
        self._failed_auth = 0
        self._locked_until = -1.0
        self._nonce: bytes | None = None
        self._authenticated = False
        self._last_seq = 0
        self._last_response: bytes | None = None
        self._low_battery_reported = self.battery <= c.LOW_BATTERY_PERCENT
        self._adv_signature = self._signature()
        self._status_signature = self._status_key()

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
            self.pin is not None, self._nonce or bytes(c.NONCE_SIZE),
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
        return Telemetry(
            self.phase, self.active, self.spec.legs, self.spec.chambers,
            tuple(min(255, round(p)) for p in self.pressures),
        )  # fmt: skip

    def _signature(self) -> tuple[object, ...]:
        adv = self.advertisement()
        fields = () if adv is None else adv.to_bytes()[2:8] + adv.to_bytes()[11:]
        s = self.settings
        return (fields, s.legs, s.zones)

    def _status_key(self) -> tuple[object, ...]:
        st = self.status()
        # elapsed, remaining and lifetime seconds change every second: not triggers
        return (st.state, st.program, st.target_pressure, st.duration_minutes, st.legs,
                st.zones, st.battery, st.power_flags, st.fault, st.cycles,
                st.lifetime_sessions)  # fmt: skip

    # --- the link -----------------------------------------------------------------

    def connect_central(self, who: str = "host") -> None:
        """A central connects; the device forgets the remembered sequence number."""
        if self.asleep:
            raise ConnectionRefused("device not found: asleep")
        if self.central is not None:
            raise ConnectionRefused("connection refused: another central is connected")
        self.central = who
        self._authenticated = False
        self._nonce = None
        self._last_seq = 0
        self._last_response = None
        self.telemetry_interval = 0
        self._frames.reset()
        self._after_change()

    def disconnect_central(self) -> None:
        """The central went away (or the link dropped)."""
        self.central = None
        self.transmit = None
        self.break_link = None
        self.telemetry_interval = 0
        self.idle_for = 0.0
        self._after_change()

    def reboot(self) -> None:
        """Power cycle: the session, link, lockout and sequence memory are gone."""
        if self.break_link is not None:
            self.break_link()
        self.disconnect_central()
        self._power_cycle()

    def receive(self, data: bytes) -> None:
        """Bytes the host wrote to the control point."""
        before = self._frames.discarded
        frames = self._frames.feed(data)
        if self._frames.discarded != before:
            self.counters.corrupt_frames += 1
        for frame in frames:
            if frame.seq == 0 or frame.is_response:
                continue
            if frame.seq == self._last_seq and self._last_response is not None:
                self.counters.repeats_answered += 1
                self._send(self._last_response)
                continue
            outbox: list[bytes] = []
            self._outbox = outbox
            try:
                status, body = self._execute(frame.type, frame.payload)
                self._after_change()
            finally:
                self._outbox = None
            response = encode_frame(frame.seq, frame.type | c.RESPONSE_BIT, bytes((status,)) + body)
            self._last_seq, self._last_response = frame.seq, response
            self._send(response)
            for notification in outbox:
                self._send(notification)

    _outbox: list[bytes] | None = None

    def _send(self, frame: bytes) -> None:
        if self.transmit is not None:
            self.transmit(frame)

    def _notify(self, message: DeviceStatus | Telemetry | Event) -> None:
        if self.central is None:
            return
        frame = encode_frame(c.NOTIFICATION_SEQUENCE, message.TYPE, message.to_bytes())
        if self._outbox is not None:
            # after a command: the new STATUS first, then the events it caused
            self._outbox.insert(
                0 if isinstance(message, DeviceStatus) else len(self._outbox), frame
            )
        else:
            self._send(frame)

    def _event(self, code: EventCode, argument: int = 0) -> None:
        self._notify(Event(code, argument))

    # --- commands -------------------------------------------------------------------

    def _execute(self, command_type: int, payload: bytes) -> tuple[int, bytes]:
        try:
            command = decode_command(command_type, payload)
        except ProtocolError:
            known = command_type in CommandType._value2member_map_
            return (Status.INVALID_PARAMETER if known else Status.UNKNOWN_COMMAND), b""
        self.counters.executed[command_type] = self.counters.executed.get(command_type, 0) + 1
        if self.busy_replies and command.TYPE not in (CommandType.HELLO, CommandType.PING):
            self.busy_replies -= 1
            return Status.BUSY, b""
        if (
            self.pin is not None
            and not self._authenticated
            and command.TYPE not in (CommandType.HELLO, CommandType.PING, CommandType.AUTH)
        ):
            return Status.PIN_REQUIRED, b""
        return self._dispatch(command)

    def _dispatch(self, command: Command) -> tuple[int, bytes]:
        match command:
            case Hello(version=version):
                if version == 0:
                    return Status.INVALID_PARAMETER, b""
                self._nonce = self._rng.randbytes(c.NONCE_SIZE)
                return Status.OK, self.info.to_bytes()
            case Auth(proof=proof):
                return self._auth(proof), b""
            case Ping(data=data):
                return Status.OK, data
        match command.TYPE:
            case CommandType.GET_STATUS:
                return Status.OK, self.status().to_bytes()
            case CommandType.START:
                assert isinstance(command, Start)
                return self._start(command, EventSource.CENTRAL), b""
            case CommandType.STOP:
                self.stop(EventSource.CENTRAL)
                return Status.OK, b""
            case CommandType.PAUSE:
                return self._pause(EventSource.CENTRAL), b""
            case CommandType.RESUME:
                return self._resume(EventSource.CENTRAL), b""
            case CommandType.CLEAR_FAULT:
                return self._clear_fault(), b""
            case CommandType.SET_TELEMETRY:
                assert isinstance(command, SetTelemetry)
                if command.interval > c.TELEMETRY_MAX_INTERVAL:
                    return Status.INVALID_PARAMETER, b""
                self.telemetry_interval = command.interval
                self._telemetry_due = self.now
                return Status.OK, b""
        return self._change_setting(command), b""

    def _auth(self, proof: bytes) -> int:
        if self.pin is None:
            return Status.OK
        if self.now < self._locked_until:
            return Status.LOCKED_OUT
        if self._nonce is None:
            return Status.WRONG_STATE
        if proof == auth_proof(self.pin, self._nonce):
            self._authenticated = True
            self._failed_auth = 0
            return Status.OK
        self._failed_auth += 1
        if self._failed_auth >= c.MAX_FAILED_AUTH:
            self._failed_auth = 0
            self._locked_until = self.now + c.LOCKOUT_SECONDS
        return Status.AUTH_FAILED

    def _valid(self, s: Settings) -> bool:
        spec = self.spec
        return (bool(spec.programs_mask >> (s.program - 1) & 1) if s.program >= 1 else False) and (
            spec.pressure_min <= s.pressure <= spec.pressure_max
            and (s.pressure - spec.pressure_min) % spec.pressure_step == 0
            and spec.duration_min <= s.duration <= min(spec.duration_max, 60)
            and (s.duration - spec.duration_min) % spec.duration_step == 0
            and 0 < s.legs < 1 << spec.legs
            and 0 < s.zones < 1 << spec.chambers
        )

    def _change_setting(self, command: Command) -> int:
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
        if not self._valid(new):
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
            self.set_points = [p * ratio for p in self.set_points]
        if (new.legs, new.zones, new.program) != (old.legs, old.zones, old.program):
            self._cycle = None
            self.set_points = [0.0] * len(self.set_points)
        if new.duration * 60 <= self.elapsed:
            self._finish(EventCode.SESSION_COMPLETED)

    @property
    def session_active(self) -> bool:
        """Running or paused."""
        return self.state in (SessionState.RUNNING, SessionState.PAUSED)

    def _start(self, command: Start, source: EventSource) -> int:
        if self.state == SessionState.FAULT:
            return Status.FAULT_ACTIVE
        s = self.settings
        new = Settings(
            command.program or s.program, command.pressure or s.pressure,
            command.duration or s.duration, command.legs or s.legs, command.zones or s.zones,
        )  # fmt: skip
        if not self._valid(new):
            return Status.INVALID_PARAMETER
        self.settings = new
        if new != s:
            self._event(EventCode.SETTINGS_CHANGED, source)
        self.state = SessionState.RUNNING
        self.elapsed = self.paused_for = 0.0
        self.cycles = 0
        self._cycle = None
        self.set_points = [0.0] * len(self.set_points)
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
        self.phase, self.active = Phase.RELEASING, 0
        self.set_points = [0.0] * len(self.set_points)
        self._cycle = None
        self._event(code, argument)

    def _pause(self, source: EventSource) -> int:
        if self.state == SessionState.FAULT:
            return Status.FAULT_ACTIVE
        if self.state != SessionState.RUNNING:
            return Status.WRONG_STATE
        self.state = SessionState.PAUSED
        self.paused_for = 0.0
        self.set_points = list(self.pressures)
        self._event(EventCode.PAUSED, source)
        return Status.OK

    def _resume(self, source: EventSource) -> int:
        if self.state == SessionState.FAULT:
            return Status.FAULT_ACTIVE
        if self.state != SessionState.PAUSED:
            return Status.WRONG_STATE
        self.state = SessionState.RUNNING
        self._cycle = None
        self._event(EventCode.RESUMED, source)
        return Status.OK

    def _clear_fault(self) -> int:
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

    def _trip(self, fault: Fault) -> None:
        """Firmware safety: vent every chamber at once and hold state 4."""
        was_active = self.session_active
        self.state, self.fault = SessionState.FAULT, fault
        self.phase, self.active = Phase.RELEASING, 0
        self.set_points = [0.0] * len(self.set_points)
        self._cycle = None
        self._event(EventCode.FAULT_RAISED, fault)
        if was_active:
            self._event(EventCode.SESSION_ABORTED, fault)

    def spike_pressure(self, chamber: int = 1, leg: int = 0, over: int = 30) -> None:
        """Test hook: a chamber jumps above its target (over-pressure)."""
        self.pressures[leg * self.spec.chambers + chamber - 1] = self.settings.pressure + over

    # --- buttons ------------------------------------------------------------------------

    def press_button(self, action: str) -> None:
        """The device's own buttons: start, stop, pause (toggles) or power."""
        if action == "power":
            self.asleep = False
            self.idle_for = 0.0
        elif action == "start":
            self._start(Start(), EventSource.BUTTONS)
        elif action == "stop":
            self.stop(EventSource.BUTTONS)
        elif action == "pause":
            if self._pause(EventSource.BUTTONS) != Status.OK:
                self._resume(EventSource.BUTTONS)
        else:
            raise ValueError(action)
        self._after_change()

    # --- the clock ---------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Run the device clock forward in 100 ms ticks."""
        ticks = round(seconds / TICK)
        for _ in range(ticks):
            self._tick()

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
        self._pump(TICK)
        self._check_pressures()
        if self.state == SessionState.FINISHING and self._vented():
            self.state, self.phase, self.active = SessionState.IDLE, Phase.IDLE, 0
        if self.state == SessionState.RUNNING:
            self.elapsed = round(self.elapsed + TICK, 6)
            self.lifetime_seconds += TICK
            if self.elapsed >= self.settings.duration * 60 - 1e-6:
                self._finish(EventCode.SESSION_COMPLETED)
        self._idle_clock()
        self._periodic()
        self._after_change()

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
            self._cycle = PROGRAMS[self.settings.program](_PumpView(self))
        try:
            next(self._cycle)
        except StopIteration:
            self.cycles += 1
            self._cycle = None

    def _pump(self, dt: float) -> None:
        leak = self.causes.leak_chamber
        for i, (pressure, goal) in enumerate(zip(self.pressures, self.set_points, strict=True)):
            if leak and i % self.spec.chambers == leak - 1:
                # the pump cannot keep a leaking chamber up: it loses air
                self.pressures[i] = max(0.0, pressure - LEAK_RATE * dt)
            elif goal > pressure:
                self.pressures[i] = min(goal, pressure + c.INFLATE_RATE * dt)
            elif goal < pressure:
                self.pressures[i] = max(goal, pressure - c.VENT_RATE * dt)

    def _check_pressures(self) -> None:
        if self.state not in (SessionState.RUNNING, SessionState.PAUSED):
            return
        target = self.settings.pressure
        if self.now < self._retarget_until:
            target = max(target, self._retarget_from)
        else:
            self._retarget_from = 0
        limit = min(target + c.OVER_TARGET_TRIP, self.spec.pressure_max + c.OVER_MAX_TRIP)
        if any(p > limit for p in self.pressures):
            self._trip(Fault.OVER_PRESSURE)
            return
        short = any(goal - p > 1 for p, goal in zip(self.pressures, self.set_points, strict=True))
        self._leak_timer = self._leak_timer + TICK if short else 0.0
        if self._leak_timer >= c.LEAK_TIMEOUT_SECONDS:
            self._leak_timer = 0.0
            self._trip(Fault.LEAK)

    def _vented(self) -> bool:
        return all(p <= 0 for p in self.pressures)

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
            if self.state != SessionState.IDLE or not self._vented():
                self._notify(self.telemetry())
        if self.session_active and self.now + 1e-6 >= self._status_due:
            self._status_due = self.now + c.STATUS_PERIOD_SECONDS
            self._notify(self.status())
            self._status_signature = self._status_key()

    def _after_change(self) -> None:
        signature = self._signature()
        if signature != self._adv_signature:
            self._adv_signature = signature
            self.change_counter = (self.change_counter + 1) % 256
        key = self._status_key()
        if key != self._status_signature:
            self._status_signature = key
            self._notify(self.status())


class _PumpView:
    """The device seen through the Pump protocol the programs use."""

    def __init__(self, device: SimulatedBoots) -> None:
        self._device = device

    @property
    def target(self) -> int:
        return self._device.settings.pressure

    @property
    def chambers(self) -> list[int]:
        zones = self._device.settings.zones
        return [k for k in range(1, self._device.spec.chambers + 1) if zones >> (k - 1) & 1]

    @property
    def phase(self) -> Phase:
        return self._device.phase

    @phase.setter
    def phase(self, value: Phase) -> None:
        self._device.phase = value

    @property
    def active(self) -> int:
        return self._device.active

    @active.setter
    def active(self, value: int) -> None:
        self._device.active = value

    def _indexes(self, chamber: int) -> list[int]:
        d = self._device
        return [
            leg * d.spec.chambers + chamber - 1
            for leg in range(d.spec.legs)
            if d.settings.legs >> leg & 1
        ]

    def set_point(self, chamber: int, pressure: float) -> None:
        for i in self._indexes(chamber):
            self._device.set_points[i] = pressure

    def reached(self, chamber: int) -> bool:
        d = self._device
        return all(abs(d.pressures[i] - d.set_points[i]) <= 1 for i in self._indexes(chamber))

    def vented(self) -> bool:
        return self._device._vented()
