"""The boots' session state machine: the commands that start, change and end a session, and faults.

Commands come from a central (through ``gatt.ControlPoint``), the device's own
buttons or its firmware; each returns the protocol's status. A fault vents every
chamber at once and holds state 4 until CLEAR_FAULT finds its cause gone.
"""

from __future__ import annotations

from custom_components.presso_boots.presso_ble import const as c
from custom_components.presso_boots.presso_ble.const import (
    EventCode,
    EventSource,
    Fault,
    SessionState,
    Status,
)
from custom_components.presso_boots.presso_ble.messages import (
    Command,
    SetDuration,
    SetPressure,
    SetProgram,
    SetZones,
    Start,
)

from .device_reports import BootsReports
from .model import Counters, FaultCauses, Settings
from .programs import Cycle

#: After a target change the over-pressure check keeps the higher target this long,
#: so chambers above a lowered target vent instead of tripping.
RETARGET_GRACE = 5.0


class BootsSession(BootsReports):
    """Settings, sessions and faults, as commands change them."""

    causes: FaultCauses
    counters: Counters
    now: float
    paused_for: float
    telemetry_interval: int
    _telemetry_due: float
    _status_due: float
    _cycle: Cycle | None
    _retarget_until: float
    _retarget_from: int

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
