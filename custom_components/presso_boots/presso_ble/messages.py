"""Typed messages of protocol 1: commands, responses and notifications.

Every message is a frozen dataclass with ``to_bytes`` and ``from_bytes``.
Decoders accept longer payloads (later protocol versions add fields at the
end) and keep codes that v1 does not know as plain ints.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache
from typing import ClassVar, Final, Self

from .const import (
    AUTH_MESSAGE_PREFIX,
    AUTH_PROOF_SIZE,
    MODEL_NAMES,
    NONCE_SIZE,
    RESPONSE_BIT,
    SERIAL_SIZE,
    CommandType,
    EventCode,
    Fault,
    NotificationType,
    Phase,
    Program,
    SessionState,
    Status,
)
from .exceptions import ProtocolError

MAX_PING_BYTES: Final = 8


@cache
def _members[E: IntEnum](enum: type[E]) -> dict[int, E]:
    """An enum's members by value, built once per enum (a lookup, not an enum call)."""
    return {member.value: member for member in enum}


def known[E: IntEnum](enum: type[E], value: int) -> E | int:
    """The enum member for a value, or the value itself when v1 does not name it."""
    members: dict[int, E] = _members(enum)
    return members.get(value, value)


def _unpack(layout: struct.Struct, data: bytes, what: str) -> tuple[int | bytes, ...]:
    if len(data) < layout.size:
        raise ProtocolError(f"{what}: {len(data)} bytes, need {layout.size}")
    return layout.unpack_from(data)


def bits_to_ids(mask: int) -> list[int]:
    """Bit (id - 1) set -> id, as used for programs and chambers."""
    return [bit + 1 for bit in range(mask.bit_length()) if mask >> bit & 1]


def ids_to_bits(ids: list[int] | tuple[int, ...]) -> int:
    """Inverse of ``bits_to_ids``."""
    mask = 0
    for ident in ids:
        mask |= 1 << (ident - 1)
    return mask


def auth_proof(pin: str, nonce: bytes) -> bytes:
    """First 8 bytes of HMAC-SHA256(PIN, b"presso-auth-v1" + device nonce)."""
    digest = hmac.new(pin.encode("ascii"), AUTH_MESSAGE_PREFIX + nonce, hashlib.sha256)
    return digest.digest()[:AUTH_PROOF_SIZE]


# --- commands (host -> device) -------------------------------------------
# Messages are slotted dataclasses that inherit no fields: ``__slots__`` lists their
# fields in order (a shallow read; ``dataclasses.astuple`` deep-copies every value).


@dataclass(frozen=True, slots=True)
class Command:
    """A command without parameters; subclasses add fields and a layout."""

    TYPE: ClassVar[CommandType]
    LAYOUT: ClassVar[struct.Struct] = struct.Struct("")

    def to_bytes(self) -> bytes:
        """Command payload."""
        names: tuple[str, ...] = self.__slots__  # () here, its fields in a subclass
        return self.LAYOUT.pack(*[getattr(self, name) for name in names])

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """Parse a command payload (trailing bytes ignored)."""
        return cls(*_unpack(cls.LAYOUT, data, cls.TYPE.name))


@dataclass(frozen=True, slots=True)
class Hello(Command):
    """Open the protocol and learn the device's envelope."""

    TYPE = CommandType.HELLO
    LAYOUT = struct.Struct("<B")
    version: int = 1


@dataclass(frozen=True, slots=True)
class Auth(Command):
    """Prove knowledge of the PIN."""

    TYPE = CommandType.AUTH
    LAYOUT = struct.Struct(f"{AUTH_PROOF_SIZE}s")
    proof: bytes = bytes(AUTH_PROOF_SIZE)


@dataclass(frozen=True, slots=True)
class GetStatus(Command):
    """Ask for a STATUS payload."""

    TYPE = CommandType.GET_STATUS


@dataclass(frozen=True, slots=True)
class Ping(Command):
    """Echo up to 8 bytes."""

    TYPE = CommandType.PING
    data: bytes = b""

    def to_bytes(self) -> bytes:
        """Command payload."""
        if len(self.data) > MAX_PING_BYTES:
            raise ProtocolError(f"PING carries at most {MAX_PING_BYTES} bytes")
        return self.data

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """Parse a command payload."""
        return cls(bytes(data[:MAX_PING_BYTES]))


@dataclass(frozen=True, slots=True)
class Start(Command):
    """Start (or restart) a session; 0 fields mean "keep the current setting"."""

    TYPE = CommandType.START
    LAYOUT = struct.Struct("<BBBBH")
    program: int = 0
    pressure: int = 0
    duration: int = 0
    legs: int = 0
    zones: int = 0


@dataclass(frozen=True, slots=True)
class Stop(Command):
    """Stop the session; the device vents."""

    TYPE = CommandType.STOP


@dataclass(frozen=True, slots=True)
class Pause(Command):
    """Hold the chambers (at most 5 minutes)."""

    TYPE = CommandType.PAUSE


@dataclass(frozen=True, slots=True)
class Resume(Command):
    """Continue a paused session."""

    TYPE = CommandType.RESUME


@dataclass(frozen=True, slots=True)
class SetPressure(Command):
    """Change the target pressure in mmHg."""

    TYPE = CommandType.SET_PRESSURE
    LAYOUT = struct.Struct("<B")
    pressure: int = 0


@dataclass(frozen=True, slots=True)
class SetProgram(Command):
    """Change the program."""

    TYPE = CommandType.SET_PROGRAM
    LAYOUT = struct.Struct("<B")
    program: int = 0


@dataclass(frozen=True, slots=True)
class SetDuration(Command):
    """Change the session length in minutes."""

    TYPE = CommandType.SET_DURATION
    LAYOUT = struct.Struct("<B")
    minutes: int = 0


@dataclass(frozen=True, slots=True)
class SetZones(Command):
    """Choose the legs and chambers in use."""

    TYPE = CommandType.SET_ZONES
    LAYOUT = struct.Struct("<BH")
    legs: int = 0
    zones: int = 0


@dataclass(frozen=True, slots=True)
class ClearFault(Command):
    """Acknowledge a fault whose cause is gone."""

    TYPE = CommandType.CLEAR_FAULT


@dataclass(frozen=True, slots=True)
class SetTelemetry(Command):
    """Telemetry interval in units of 100 ms; 0 turns it off."""

    TYPE = CommandType.SET_TELEMETRY
    LAYOUT = struct.Struct("<B")
    interval: int = 0


COMMANDS: Final[dict[int, type[Command]]] = {
    cls.TYPE: cls
    for cls in (
        Hello, Auth, GetStatus, Ping, Start, Stop, Pause, Resume,
        SetPressure, SetProgram, SetDuration, SetZones, ClearFault, SetTelemetry,
    )
}  # fmt: skip


def decode_command(command_type: int, payload: bytes) -> Command:
    """Parse a command payload by type (the simulated device uses this)."""
    if (cls := COMMANDS.get(command_type)) is None:
        raise ProtocolError(f"unknown command type 0x{command_type:02x}")
    return cls.from_bytes(payload)


# --- responses (device -> host) -------------------------------------------


@dataclass(frozen=True, slots=True)
class Response:
    """A response frame's payload: status byte, then the command's body."""

    command: CommandType | int
    status: Status | int
    body: bytes = b""

    @property
    def frame_type(self) -> int:
        """Wire type of the response frame."""
        return self.command | RESPONSE_BIT

    def to_bytes(self) -> bytes:
        """Response payload."""
        return bytes((self.status,)) + self.body

    @classmethod
    def from_frame(cls, frame_type: int, payload: bytes) -> Response:
        """Parse a response frame's type and payload."""
        if not payload:
            raise ProtocolError(f"response 0x{frame_type:02x} without a status byte")
        command = known(CommandType, frame_type & ~RESPONSE_BIT & 0xFF)
        return cls(command, known(Status, payload[0]), bytes(payload[1:]))


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """HELLO response body: what this device is and what it accepts."""

    LAYOUT: ClassVar[struct.Struct] = struct.Struct(f"<BBBBBBBBBBHBBB{SERIAL_SIZE}sB{NONCE_SIZE}s")
    protocol_version: int
    model_id: int
    legs: int
    chambers: int
    pressure_min: int
    pressure_max: int
    pressure_step: int
    duration_min: int
    duration_max: int
    duration_step: int
    programs_mask: int
    firmware_major: int
    firmware_minor: int
    firmware_patch: int
    serial_raw: bytes
    pin_required: bool
    nonce: bytes

    def to_bytes(self) -> bytes:
        """Response body."""
        return self.LAYOUT.pack(*[getattr(self, name) for name in self.__slots__])

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """Parse a HELLO body (trailing bytes ignored)."""
        values = list(_unpack(cls.LAYOUT, data, "HELLO"))
        values[15] = bool(values[15])
        info = cls(*values)  # type: ignore[arg-type]
        if info.legs == 0 or info.chambers == 0 or info.chambers > 16:
            raise ProtocolError(f"HELLO: impossible garment {info.legs}x{info.chambers}")
        if not 0 < info.pressure_min <= info.pressure_max or info.pressure_step == 0:
            raise ProtocolError("HELLO: impossible pressure range")
        if not 0 < info.duration_min <= info.duration_max or info.duration_step == 0:
            raise ProtocolError("HELLO: impossible duration range")
        return info

    @property
    def model_name(self) -> str:
        """Marketing name, or a generic one for model ids v1 does not list."""
        return MODEL_NAMES.get(self.model_id, f"Presso model 0x{self.model_id:02x}")

    @property
    def serial(self) -> str:
        """Serial number as text."""
        return self.serial_raw.rstrip(b"\0").decode("ascii", "replace")

    @property
    def firmware(self) -> str:
        """Firmware version as major.minor.patch."""
        return f"{self.firmware_major}.{self.firmware_minor}.{self.firmware_patch}"

    @property
    def programs(self) -> list[Program | int]:
        """Programs this device supports, by id."""
        return [known(Program, ident) for ident in bits_to_ids(self.programs_mask)]

    @property
    def all_zones(self) -> int:
        """Zone mask with every chamber of a leg."""
        return (1 << self.chambers) - 1

    def pressures(self, cap: int | None = None) -> range:
        """Target pressures the device accepts, optionally below a user cap."""
        top = self.pressure_max if cap is None else min(cap, self.pressure_max)
        return range(self.pressure_min, top + 1, self.pressure_step)

    def durations(self) -> range:
        """Session lengths in minutes the device accepts."""
        return range(self.duration_min, self.duration_max + 1, self.duration_step)


# --- notifications (device -> host, sequence 0) ----------------------------


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """STATUS payload."""

    LAYOUT: ClassVar[struct.Struct] = struct.Struct("<BBBBHHBHBBBHHIB")
    TYPE: ClassVar[NotificationType] = NotificationType.STATUS
    state: SessionState | int
    program: int
    target_pressure: int
    duration_minutes: int
    elapsed_seconds: int
    remaining_seconds: int
    legs: int
    zones: int
    battery: int
    power_flags: int
    fault: Fault | int
    cycles: int
    lifetime_sessions: int
    lifetime_seconds: int
    change_counter: int

    def to_bytes(self) -> bytes:
        """Notification payload."""
        return self.LAYOUT.pack(*[int(getattr(self, name)) for name in self.__slots__])

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """Parse a STATUS payload (trailing bytes ignored)."""
        values = list(_unpack(cls.LAYOUT, data, "STATUS"))
        values[0] = known(SessionState, int(values[0]))
        values[10] = known(Fault, int(values[10]))
        return cls(*values)  # type: ignore[arg-type]

    @property
    def session_active(self) -> bool:
        """A session runs or is paused."""
        return self.state in (SessionState.RUNNING, SessionState.PAUSED)


@dataclass(frozen=True, slots=True)
class Telemetry:
    """TELEMETRY payload: phase and each chamber's pressure."""

    LAYOUT: ClassVar[struct.Struct] = struct.Struct("<BBBB")
    TYPE: ClassVar[NotificationType] = NotificationType.TELEMETRY
    phase: Phase | int
    active_chamber: int
    legs: int
    chambers: int
    pressures: tuple[int, ...] = field(default=())

    def to_bytes(self) -> bytes:
        """Notification payload."""
        head = self.LAYOUT.pack(self.phase, self.active_chamber, self.legs, self.chambers)
        return head + bytes(self.pressures)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """Parse a TELEMETRY payload (trailing bytes ignored)."""
        phase, active, legs, chambers = (int(v) for v in _unpack(cls.LAYOUT, data, "TELEMETRY"))
        end = cls.LAYOUT.size + legs * chambers
        if len(data) < end:
            raise ProtocolError(f"TELEMETRY: {legs}x{chambers} pressures, {len(data)} bytes")
        return cls(known(Phase, phase), active, legs, chambers, tuple(data[4:end]))

    def pressure(self, leg: int, chamber: int) -> int:
        """Pressure of chamber 1..C on leg 0 (left) or 1 (right)."""
        return self.pressures[leg * self.chambers + chamber - 1]


@dataclass(frozen=True, slots=True)
class Event:
    """EVENT payload."""

    LAYOUT: ClassVar[struct.Struct] = struct.Struct("<BB")
    TYPE: ClassVar[NotificationType] = NotificationType.EVENT
    code: EventCode | int
    argument: int = 0

    def to_bytes(self) -> bytes:
        """Notification payload."""
        return self.LAYOUT.pack(self.code, self.argument)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """Parse an EVENT payload (unknown codes kept as ints)."""
        code, argument = _unpack(cls.LAYOUT, data, "EVENT")
        return cls(known(EventCode, int(code)), int(argument))


type Notification = DeviceStatus | Telemetry | Event

NOTIFICATIONS: Final[dict[int, type[DeviceStatus] | type[Telemetry] | type[Event]]] = {
    NotificationType.STATUS: DeviceStatus,
    NotificationType.TELEMETRY: Telemetry,
    NotificationType.EVENT: Event,
}


def decode_notification(frame_type: int, payload: bytes) -> Notification | None:
    """Parse a notification; None for types v1 does not know (to be ignored)."""
    if (cls := NOTIFICATIONS.get(frame_type)) is None:
        return None
    return cls.from_bytes(payload)
