"""Constants for the Presso Boots integration."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

DOMAIN: Final = "presso_boots"
#: The languages of ``translations/`` (voice and check_session answer in the closest).
TRANSLATED_LANGUAGES: Final = ("en", "es", "de", "fr")

CONF_MAX_PRESSURE: Final = "max_pressure"
CONF_MAX_DURATION: Final = "max_duration"
CONF_IDLE_DISCONNECT: Final = "idle_disconnect"
CONF_SAFETY_ACKNOWLEDGED: Final = "safety_acknowledged"
#: Legs and chambers in use as last read over the link (not in advertisements).
CONF_LAST_ZONES: Final = "last_zones"
#: A stop the user asked for has not landed yet: kept over reloads and restarts.
CONF_STOP_PENDING: Final = "stop_pending"

#: Routine options (``routine.py``): gentle start plan, rest and daily limit.
CONF_GENTLE_START: Final = "gentle_start"
CONF_GENTLE_SESSIONS: Final = "gentle_sessions"
CONF_REST_MINUTES: Final = "rest_minutes"
CONF_DAILY_MINUTES: Final = "daily_minutes"

DEFAULT_MAX_PRESSURE: Final = 100
DEFAULT_MAX_DURATION: Final = 60
DEFAULT_IDLE_DISCONNECT: Final = 30
IDLE_DISCONNECT_RANGE: Final = (5, 600)
#: Gentle start: the first sessions begin here and rise in equal steps to the user's limits.
DEFAULT_GENTLE_SESSIONS: Final = 7
GENTLE_START_PRESSURE: Final = 40
GENTLE_START_MINUTES: Final = 15
#: The options' own ranges (the pressure and length ranges are the boots').
GENTLE_SESSIONS_MAX: Final = 30
REST_MINUTES_MAX: Final = 24 * 60
DAILY_MINUTES_MAX: Final = 240

#: Telemetry interval while a session runs, in the protocol's 100 ms units.
TELEMETRY_INTERVAL: Final = 10
#: Chamber pressure sensors write at most this often (recorder budget).
PRESSURE_PUBLISH_INTERVAL: Final = 15.0
#: The "session ends" timestamp moves only when the end shifts by more than this.
SESSION_END_TOLERANCE: Final = timedelta(seconds=5)
#: Reconnect backoff while a session runs: first delay, cap, jitter fraction.
RECONNECT_BACKOFF: Final = (1.0, 60.0, 0.25)

PROGRAM_KEYS: Final[dict[int, str]] = {
    1: "wave",
    2: "gradient",
    3: "flush",
    4: "warm_up",
    5: "interval",
    6: "lymph",
}
LEGS_KEYS: Final[dict[int, str]] = {3: "both", 1: "left", 2: "right"}
LEG_NAMES: Final = ("left", "right")

#: Session events the event entity fires, by protocol event code.
SESSION_EVENTS: Final[dict[int, str]] = {1: "started", 2: "finished", 3: "stopped", 4: "aborted"}
#: A user stop within the session's first third (``routine.py``), reported instead of "stopped".
STOPPED_EARLY: Final = "stopped_early"
EVENT_TYPES: Final = [*SESSION_EVENTS.values(), STOPPED_EARLY]
EVENT_SOURCES: Final = ("app", "buttons", "firmware")
FAULT_KEYS: Final[dict[int, str]] = {
    0: "none",
    1: "over_pressure",
    2: "leak",
    3: "garment_not_detected",
    4: "pump_overheat",
    5: "battery_critical",
    6: "sensor_failure",
}
UNKNOWN: Final = "unknown"
#: A fault code this version does not know (spec §8 allows new ones): still a fault.
OTHER_FAULT: Final = "other"
