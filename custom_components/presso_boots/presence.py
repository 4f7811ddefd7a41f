"""Whether the boots are heard over the radio, logged once when lost and once when back."""

from __future__ import annotations

import logging

from bleak.backends.device import BLEDevice
from homeassistant.components import bluetooth
from homeassistant.core import HomeAssistant

from .presso_ble import DeviceNotFoundError

_LOGGER = logging.getLogger(__package__)


class Presence:
    """Heard recently (an advertisement) or not: boots that sleep are not an error."""

    def __init__(self, name: str) -> None:
        self._name = name
        self.heard = False
        self._reported_lost = False

    def heard_now(self) -> bool:
        """An advertisement arrived; True when the boots were not heard before."""
        if self.heard:
            return False
        self.heard = True
        if self._reported_lost:
            self._reported_lost = False
            _LOGGER.info("%s is available again", self._name)
        return True

    def lost(self, *, connected: bool) -> bool:
        """Home Assistant's Bluetooth stack stopped hearing them; True if that shows."""
        if not self.heard:
            return False
        self.heard = False
        if connected:
            return False
        self._reported_lost = True
        _LOGGER.info("%s is unavailable (asleep or out of range)", self._name)
        return True


def ble_device_now(hass: HomeAssistant, address: str) -> BLEDevice:
    """The freshest way to reach the boots (the best adapter or proxy may have changed)."""
    device = bluetooth.async_ble_device_from_address(hass, address, connectable=True)
    if device is None:
        raise DeviceNotFoundError(f"{address} is asleep or out of range")
    return device
