"""A virtual Bluetooth proxy: simulated boots behind Home Assistant's Bluetooth stack.

It registers as a remote scanner with a connector whose client is the
simulated radio's bleak backend, the way ESPHome proxies plug in, so
discovery, the config flow and connections all take Home Assistant's real
paths.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bleak_retry_connector.bluez import Allocations
from habluetooth import BaseHaRemoteScanner, HaBluetoothConnector

from custom_components.presso_boots.presso_ble.const import (
    LOCAL_NAME_PREFIX,
    MANUFACTURER_ID,
    SERVICE_UUID,
)

from .link import SimRadio
from .spoofer import Advertiser


class VirtualProxy(BaseHaRemoteScanner):
    """A remote scanner with a few connection slots that hears simulated boots."""

    def __init__(self, radio: SimRadio, source: str = "AA:BB:CC:DD:EE:01", slots: int = 3) -> None:
        self.radio = radio
        self.slots = slots
        #: Slots other devices hold.
        self.taken = 0
        self.rssi: dict[str, int] = {}
        self._client_class = radio.client_class()
        connector = HaBluetoothConnector(
            client=self._client_class, source=source, can_connect=self._can_connect
        )
        super().__init__(source, source, connector, True)

    @property
    def in_use(self) -> list[str]:
        """Addresses connected through this proxy (not through others on the same radio)."""
        return [a for a, link in self.radio.links.items() if isinstance(link, self._client_class)]

    def _can_connect(self) -> bool:
        return len(self.in_use) + self.taken < self.slots

    def get_allocations(self) -> Allocations:
        """Slot accounting the way ESPHome proxies report it."""
        used = self.in_use
        free = max(0, self.slots - len(used) - self.taken)
        return Allocations(self.source, self.slots, free, used)

    def advertise(self, device: Advertiser, rssi: int | None = None) -> bool:
        """Hear one advertisement (data + scan response); False while the device sleeps."""
        adv = device.advertisement()
        if adv is None:
            return False
        self._async_on_advertisement(
            device.address,
            rssi if rssi is not None else self.rssi.get(device.address, -60),
            device.local_name or LOCAL_NAME_PREFIX,
            [SERVICE_UUID],
            {},
            {MANUFACTURER_ID: adv.to_bytes()},
            None,
            {},
            time.monotonic(),
        )
        return True

    def advertise_all(self) -> None:
        """Every device in range advertises once."""
        for device in self.radio.devices.values():
            self.advertise(device)


def register(hass: object, proxy: VirtualProxy) -> Callable[[], None]:
    """Register the proxy with Home Assistant's Bluetooth manager."""
    from homeassistant.components import bluetooth

    cancel = bluetooth.async_register_scanner(hass, proxy, connection_slots=proxy.slots)  # type: ignore[arg-type]
    unsetup = proxy.async_setup()

    def unregister() -> None:
        unsetup()
        cancel()

    return unregister
