"""Wire constants of the Presso boots BLE protocol, version 1."""

from __future__ import annotations

from enum import IntEnum, IntFlag
from typing import Final

PROTOCOL_VERSION: Final = 1

SERVICE_UUID: Final = "b0075000-5eed-4c0d-8a11-70e55c0de000"
CONTROL_POINT_UUID: Final = "b0075001-5eed-4c0d-8a11-70e55c0de000"
EVENTS_UUID: Final = "b0075002-5eed-4c0d-8a11-70e55c0de000"

MANUFACTURER_ID: Final = 0xB007
ADVERTISEMENT_MAGIC: Final = 0x50
LOCAL_NAME_PREFIX: Final = "Presso"

START_OF_FRAME: Final = 0xA5
MAX_PAYLOAD: Final = 200
MAX_COMMAND_FRAME: Final = 20
NOTIFICATION_SEQUENCE: Final = 0
RESPONSE_BIT: Final = 0x80

RESPONSE_TIMEOUT: Final = 2.0
COMMAND_ATTEMPTS: Final = 3
LOCKOUT_SECONDS: Final = 60
MAX_FAILED_AUTH: Final = 3
PAUSE_LIMIT_SECONDS: Final = 300
SLEEP_AFTER_IDLE_SECONDS: Final = 30 * 60
ABSOLUTE_MAX_DURATION_MINUTES: Final = 60
DEFAULT_DURATION_MINUTES: Final = 30
TELEMETRY_MAX_INTERVAL: Final = 50
STATUS_PERIOD_SECONDS: Final = 10
LEAK_TIMEOUT_SECONDS: Final = 15
OVER_TARGET_TRIP: Final = 25
OVER_MAX_TRIP: Final = 10
LOW_BATTERY_PERCENT: Final = 10
CRITICAL_BATTERY_PERCENT: Final = 3
MIN_CHAMBER_PRESSURE: Final = 20
INFLATE_RATE: Final = 15.0
VENT_RATE: Final = 40.0
BATTERY_UNKNOWN: Final = 0xFF

AUTH_MESSAGE_PREFIX: Final = b"presso-auth-v1"
AUTH_PROOF_SIZE: Final = 8
NONCE_SIZE: Final = 8
SERIAL_SIZE: Final = 8
PIN_LENGTH: Final = 6

LEG_LEFT: Final = 0x01
LEG_RIGHT: Final = 0x02
LEGS_BOTH: Final = LEG_LEFT | LEG_RIGHT


class CommandType(IntEnum):
    """Host-to-device command types."""

    HELLO = 0x01
    AUTH = 0x02
    GET_STATUS = 0x03
    PING = 0x04
    START = 0x10
    STOP = 0x11
    PAUSE = 0x12
    RESUME = 0x13
    SET_PRESSURE = 0x14
    SET_PROGRAM = 0x15
    SET_DURATION = 0x16
    SET_ZONES = 0x17
    CLEAR_FAULT = 0x18
    SET_TELEMETRY = 0x19


class NotificationType(IntEnum):
    """Frames the device sends on its own (sequence number 0)."""

    STATUS = 0x40
    TELEMETRY = 0x41
    EVENT = 0x42


class Status(IntEnum):
    """Status byte that starts every response payload."""

    OK = 0x00
    UNKNOWN_COMMAND = 0x01
    INVALID_PARAMETER = 0x02
    WRONG_STATE = 0x03
    PIN_REQUIRED = 0x04
    AUTH_FAILED = 0x05
    LOCKED_OUT = 0x06
    FAULT_ACTIVE = 0x07
    BUSY = 0x08


class Model(IntEnum):
    """Model ids known when protocol 1 was written; others must still work."""

    GO_4 = 0x01
    DUO_5 = 0x02
    PRO_8 = 0x03


MODEL_NAMES: Final[dict[int, str]] = {
    Model.GO_4: "Presso Go 4",
    Model.DUO_5: "Presso Duo 5",
    Model.PRO_8: "Presso Pro 8",
}


class Program(IntEnum):
    """Therapy programs."""

    WAVE = 1
    GRADIENT = 2
    FLUSH = 3
    WARM_UP = 4
    INTERVAL = 5
    LYMPH = 6


class SessionState(IntEnum):
    """Device state in STATUS."""

    IDLE = 0
    RUNNING = 1
    PAUSED = 2
    FINISHING = 3
    FAULT = 4


class Phase(IntEnum):
    """Pump phase in TELEMETRY."""

    IDLE = 0
    INFLATING = 1
    HOLDING = 2
    RELEASING = 3
    RESTING = 4


class EventCode(IntEnum):
    """EVENT notification codes."""

    SESSION_STARTED = 1
    SESSION_COMPLETED = 2
    SESSION_STOPPED = 3
    SESSION_ABORTED = 4
    PAUSED = 5
    RESUMED = 6
    SETTINGS_CHANGED = 7
    LOW_BATTERY = 8
    FAULT_RAISED = 9
    FAULT_CLEARED = 10


class EventSource(IntEnum):
    """Who caused an event."""

    CENTRAL = 0
    BUTTONS = 1
    FIRMWARE = 2


class Fault(IntEnum):
    """Device fault codes; 0 means no fault."""

    NONE = 0
    OVER_PRESSURE = 1
    LEAK = 2
    GARMENT_NOT_DETECTED = 3
    PUMP_OVERHEAT = 4
    BATTERY_CRITICAL = 5
    SENSOR_FAILURE = 6


class AdvertisementFlag(IntFlag):
    """Flags byte of the manufacturer data."""

    SESSION_ACTIVE = 0x01
    PAUSED = 0x02
    PIN_REQUIRED = 0x04
    FAULT = 0x08
    CHARGING = 0x10
    LOW_BATTERY = 0x20
    CENTRAL_CONNECTED = 0x40


class PowerFlag(IntFlag):
    """Power flags byte of STATUS."""

    CHARGING = 0x01
    EXTERNAL_POWER = 0x02
    LOW_BATTERY = 0x04
