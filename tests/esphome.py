"""Home Assistant's real ``esphome`` integration in front of emulated ESPHome Bluetooth proxies.

Fixtures (loaded for every test module through ``pytest_plugins`` in conftest):

- ``esphome_proxies``: a factory; ``await esphome_proxies.start(name=..., hears=...)``
  starts an emulated proxy on the test's radio, adds and sets up its ``esphome``
  config entry and returns once its scanner is registered.
- ``esphome_proxy``: one started proxy with 3 slots hearing every device.
- ``any_proxy``: parametrised over the virtual proxy, the ESPHome proxy and a local
  BlueZ adapter (``local_adapter`` from ``tests/bluez.py``), for tests that should
  hold on every path (``Boots`` from ``harness.py`` works with each).

``barrier(hass, *proxies)`` waits until everything sent so far has been handled
on both sides: a ping round trip through each API, then Home Assistant's tasks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from presso_sim import SimRadio
from presso_sim.bluez import EmulatedBluetoothd
from presso_sim.esphome_proxy import ESPHomeProxy
from presso_sim.proxy import VirtualProxy

ESPHOME = "esphome"


async def barrier(hass: HomeAssistant, *proxies: ESPHomeProxy) -> None:
    """Everything sent before is handled: API ping round trips, then Home Assistant's tasks."""
    for proxy in proxies:
        await proxy.ping()
    await hass.async_block_till_done()
    for proxy in proxies:
        await proxy.ping()
    await hass.async_block_till_done()


class ESPHomeProxies:
    """Starts emulated proxies with their config entries; tears them down in order."""

    def __init__(self, hass: HomeAssistant, radio: SimRadio) -> None:
        self.hass = hass
        self.radio = radio
        self.started: list[tuple[ESPHomeProxy, MockConfigEntry]] = []

    async def start(self, name: str = "presso-proxy", **knobs: Any) -> ESPHomeProxy:
        """Start a proxy and connect Home Assistant to it (knobs as ``ESPHomeProxy`` takes)."""
        index = len(self.started) + 1
        knobs.setdefault("mac", f"AA:BB:CC:00:00:{2 * index - 1:02X}")
        proxy = ESPHomeProxy(self.radio, name=name, **knobs)
        port = await proxy.start()
        entry = MockConfigEntry(
            domain=ESPHOME,
            title=name,
            unique_id=format_mac(proxy.mac),
            data={"host": proxy.host, "port": port, "password": "", "device_name": name},
        )
        entry.add_to_hass(self.hass)
        self.started.append((proxy, entry))
        assert await self.hass.config_entries.async_setup(entry.entry_id)
        # the entry's setup returns before the API is up: wait for the scanner
        await proxy.wait_for_client()
        await barrier(self.hass, proxy)
        return proxy

    def entry(self, proxy: ESPHomeProxy) -> MockConfigEntry:
        """The esphome config entry of a started proxy."""
        return next(entry for started, entry in self.started if started is proxy)

    async def stop(self) -> None:
        """Unload every esphome entry first (it disconnects cleanly), then stop the servers."""
        for _, entry in reversed(self.started):
            await self.hass.config_entries.async_unload(entry.entry_id)
        await self.hass.async_block_till_done()
        for proxy, _ in reversed(self.started):
            await proxy.stop()
        self.started.clear()


@pytest.fixture
async def esphome_ready(
    hass: HomeAssistant,
    bluetooth_ready: None,
    socket_enabled: None,
    mock_async_zeroconf: Any,
) -> None:
    """The esphome integration loaded (``homeassistant`` first: assist needs its exposed entities)."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, ESPHOME, {})
    await hass.async_block_till_done()


@pytest.fixture
async def esphome_proxies(
    hass: HomeAssistant, esphome_ready: None, radio: SimRadio
) -> AsyncIterator[ESPHomeProxies]:
    """Start emulated ESPHome proxies on the test's radio; all are stopped afterwards."""
    proxies = ESPHomeProxies(hass, radio)
    yield proxies
    await proxies.stop()


@pytest.fixture
async def esphome_proxy(esphome_proxies: ESPHomeProxies) -> ESPHomeProxy:
    """One emulated ESPHome proxy (3 slots, no delays) hearing every device on the radio."""
    return await esphome_proxies.start()


#: The fixture behind each path of ``any_proxy``.
PATHS = {"virtual": "proxy", "esphome": "esphome_proxy", "bluez": "local_adapter"}


@pytest.fixture(params=list(PATHS))
def any_proxy(
    request: pytest.FixtureRequest,
) -> VirtualProxy | ESPHomeProxy | EmulatedBluetoothd:
    """The virtual proxy, the emulated ESPHome proxy, then a local BlueZ adapter: one test, three paths."""
    proxy: VirtualProxy | ESPHomeProxy | EmulatedBluetoothd = request.getfixturevalue(
        PATHS[request.param]
    )
    return proxy
