"""What changes by the second, for those who asked: TELEMETRY and the signal strength.

The card's websocket subscriptions hear every TELEMETRY frame (about 1 Hz in a
session) and write no state. Chamber pressure sensors, disabled by default, hear the
pressures at most every ``PRESSURE_PUBLISH_INTERVAL`` so a session stays small in the
recorder; the signal strength sensor (disabled by default) hears each new RSSI. No
other entity wakes for either. With nobody listening a frame costs a length check.
"""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.util import dt as dt_util

from .const import PRESSURE_PUBLISH_INTERVAL
from .data import PressoData
from .presso_ble import Telemetry


class LiveData:
    """Fans one pair of boots' TELEMETRY and RSSI out to who asked for them."""

    def __init__(self, state: Callable[[], PressoData]) -> None:
        self._state = state
        self.listeners: list[Callable[[Telemetry], None]] = []
        self.pressure_listeners: list[CALLBACK_TYPE] = []
        self.rssi_listeners: list[CALLBACK_TYPE] = []
        self._published_at = 0.0

    @callback
    def async_subscribe(self, listener: Callable[[Telemetry], None]) -> CALLBACK_TYPE:
        """Hear every frame as it arrives, unthrottled."""
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    @callback
    def async_add_pressure_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Be called when the published chamber pressures change (at most every 15 s)."""
        self.pressure_listeners.append(update)
        return lambda: self.pressure_listeners.remove(update)

    @callback
    def async_add_rssi_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Be called when the signal strength changes (about every advertisement)."""
        self.rssi_listeners.append(update)
        return lambda: self.rssi_listeners.remove(update)

    @callback
    def on_rssi(self, rssi: int) -> None:
        """An advertisement's signal strength."""
        data = self._state()
        if data.rssi == rssi:
            return
        data.rssi = rssi
        for update in self.rssi_listeners:
            update()

    @callback
    def on_telemetry(self, telemetry: Telemetry) -> None:
        """A frame from the boots."""
        for listener in self.listeners:
            listener(telemetry)
        if not self.pressure_listeners:
            return
        now = dt_util.utcnow().timestamp()
        data = self._state()
        if now - self._published_at < PRESSURE_PUBLISH_INTERVAL or (
            data.pressures == telemetry.pressures
        ):
            return
        self._published_at = now
        data.pressures = telemetry.pressures
        for update in self.pressure_listeners:
            update()
