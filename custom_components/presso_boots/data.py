"""What the entities show, and how advertisements and STATUS fill it in."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from .const import SESSION_END_TOLERANCE
from .presso_ble import DeviceInfo, DeviceStatus, SessionState
from .presso_ble.const import BATTERY_UNKNOWN, PowerFlag

#: The session states by value, and the charging bit as a plain int: a STATUS merges
#: with lookups, not enum calls.
_STATES = {int(state): state for state in SessionState}
_CHARGING = int(PowerFlag.CHARGING)


@dataclass(slots=True)
class PressoData:
    """One pair of boots as last heard, over the air or over the link."""

    state: SessionState | None = None
    program: int | None = None
    pressure: int | None = None
    duration: int | None = None
    legs: int | None = None
    zones: int | None = None
    session_ends: datetime | None = None
    battery: int | None = None
    charging: bool = False
    fault: int = 0
    lifetime_sessions: int | None = None
    lifetime_seconds: int | None = None
    #: The lifetime therapy seconds when the session in progress began (lifetime minus
    #: elapsed, from one STATUS: the same all session long, paused or not).
    lifetime_at_start: int | None = None
    pressures: tuple[int, ...] | None = None
    rssi: int | None = None
    #: The boots' change counter this state reflects (from a STATUS or an advertisement).
    change_counter: int | None = None

    @property
    def session_active(self) -> bool:
        """A session runs or is paused."""
        return self.state in (SessionState.RUNNING, SessionState.PAUSED)


#: The fields entities read, in order (``changed_fields``).
FIELDS = tuple(field.name for field in fields(PressoData))


def changed_fields(old: PressoData, new: PressoData) -> frozenset[str]:
    """The fields whose value differs (what entities re-check; empty: nothing changed)."""
    return frozenset(name for name in FIELDS if getattr(old, name) != getattr(new, name))


def merge_status(data: PressoData, status: DeviceStatus, now: datetime) -> PressoData:
    """The data with a full STATUS from the link."""
    return settle(
        replace(
            data,
            state=_STATES.get(status.state),
            program=status.program,
            pressure=status.target_pressure,
            duration=status.duration_minutes,
            legs=status.legs,
            zones=status.zones,
            battery=None if status.battery == BATTERY_UNKNOWN else status.battery,
            charging=bool(status.power_flags & _CHARGING),
            fault=int(status.fault),
            lifetime_sessions=status.lifetime_sessions,
            lifetime_seconds=status.lifetime_seconds,
            lifetime_at_start=status.lifetime_seconds - status.elapsed_seconds
            if status.state in (SessionState.RUNNING, SessionState.PAUSED)
            else None,
            change_counter=status.change_counter,
        ),
        status.remaining_seconds,
        now,
    )


def settle(data: PressoData, remaining: int, now: datetime) -> PressoData:
    """The pressures and the session's end that follow from a merged state."""
    if not data.session_active:
        data.pressures = None  # the chambers are empty or venting
    data.session_ends = _session_end(data, remaining, now)
    return data


def _session_end(data: PressoData, remaining: int, now: datetime) -> datetime | None:
    """When a running session ends: kept while paused, moved only by more than the tolerance.

    ``data.session_ends`` is still the end known before this merge.
    """
    known = data.session_ends
    if data.state != SessionState.RUNNING or not remaining:
        return known if data.state == SessionState.PAUSED else None
    end = now.replace(microsecond=0) + timedelta(seconds=remaining)
    return known if known is not None and abs(end - known) <= SESSION_END_TOLERANCE else end


def info_to_dict(info: DeviceInfo) -> dict[str, Any]:
    """DeviceInfo as stored in the config entry (without the nonce)."""
    stored = {field.name: getattr(info, field.name) for field in fields(info)}
    stored["serial_raw"] = info.serial_raw.hex()
    stored.pop("nonce")
    return stored


def info_from_dict(stored: dict[str, Any]) -> DeviceInfo:
    """Inverse of ``info_to_dict``."""
    return DeviceInfo(**{**stored, "serial_raw": bytes.fromhex(stored["serial_raw"]), "nonce": b""})
