"""Shared fixtures: the simulated radio under bleak, and Home Assistant wiring."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import bleak_retry_connector
import pytest
from homeassistant.core import HomeAssistant
from hypothesis import settings

# Imported at module level so our package is found before the test plugin's
# config dir mounts its own custom_components package.
import custom_components.presso_boots  # noqa: F401
from presso_sim import SimRadio
from presso_sim.proxy import VirtualProxy, register

# The emulated ESPHome proxy's fixtures (esphome_proxies, esphome_proxy, any_proxy) and
# the local BlueZ adapter's (system_bus, local_adapter).
pytest_plugins = ["tests.esphome", "tests.bluez", "tests.soak.home"]

# Property tests check behaviour, not speed: no per-example deadline on a busy CI machine.
settings.register_profile("presso", deadline=None)
settings.load_profile("presso")


@pytest.fixture
def radio() -> SimRadio:
    """Devices in range of the simulated radio."""
    return SimRadio()


@pytest.fixture
def direct_radio(radio: SimRadio, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimRadio]:
    """Route the library's connections straight to the simulated radio (no Home Assistant).

    This replaces the radio only: bleak's client with the simulated backend,
    the way Home Assistant swaps in its own wrapper.
    """
    backend = radio.client_class()
    base = bleak_retry_connector.BleakClientWithServiceCache

    class RadioClient(base):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, backend=backend, **kwargs)

    monkeypatch.setattr(bleak_retry_connector, "BleakClientWithServiceCache", RadioClient)
    yield radio
    for link in list(radio.links.values()):
        link.lose_link()


# --- Home Assistant side --------------------------------------------------------


@pytest.fixture
async def bluetooth_ready(
    hass: HomeAssistant, mock_bluetooth: None, enable_custom_integrations: None
) -> None:
    """Home Assistant's real Bluetooth stack, with no local adapter."""
    from homeassistant.setup import async_setup_component

    assert await async_setup_component(hass, "bluetooth", {})
    await hass.async_block_till_done()


@pytest.fixture
async def proxy(
    hass: HomeAssistant, bluetooth_ready: None, radio: SimRadio
) -> AsyncIterator[VirtualProxy]:
    """A virtual ESPHome-style proxy with 3 connection slots hearing the radio."""
    virtual = VirtualProxy(radio)
    unregister = register(hass, virtual)
    yield virtual
    for link in list(radio.links.values()):
        link.lose_link()
    unregister()


@pytest.fixture
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a scenario that logged an unhandled exception or an error of ours."""
    import logging

    yield
    bad = [
        record
        for record in caplog.get_records("call")
        if record.levelno >= logging.ERROR
        and (
            record.name.startswith(("custom_components", "presso_sim"))
            or "never retrieved" in record.getMessage()
            or "Error doing job" in record.getMessage()
        )
    ]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every state write of a presso_boots entity (changed or not), by entity id."""
    from homeassistant.helpers.entity import Entity

    from custom_components.presso_boots.const import DOMAIN

    written: list[str] = []
    original = Entity.async_write_ha_state

    def counting(self: Entity) -> None:
        if self.platform is not None and self.platform.platform_name == DOMAIN:
            written.append(self.entity_id)
        original(self)

    monkeypatch.setattr(Entity, "async_write_ha_state", counting)
    return written
