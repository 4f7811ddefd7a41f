"""What is proper to a local BlueZ adapter: bleak's BlueZ backend, bluetoothd's faults.

The emulated bluetoothd (``presso_sim.bluez``) owns ``org.bluez`` on a private
system bus; Home Assistant's ``bluetooth`` integration scans through it and bleak's
BlueZ backend connects through it, nothing of theirs patched.
"""

from __future__ import annotations

import asyncio

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.presso_boots.presso_ble import SessionState
from presso_sim import SimulatedBoots
from presso_sim.bluez import EmulatedBluetoothd

from .harness import DUO, Boots

pytestmark = pytest.mark.usefixtures("no_errors_logged")

SWITCH = "switch.presso_d005"
PRESSURE = "number.presso_d005_pressure"


@pytest.fixture
async def duo(hass: HomeAssistant, local_adapter: EmulatedBluetoothd) -> Boots:
    boots = Boots(hass, local_adapter, SimulatedBoots(DUO, 2))
    await boots.add_entry()
    await boots.advertise()
    return boots


async def _set_pressure(hass: HomeAssistant, value: int) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": PRESSURE, "value": value}, blocking=True
    )


async def _switch(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call("switch", service, {"entity_id": SWITCH}, blocking=True)


async def _until(condition: object, seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.02)


async def _bus_connections_settle(adapter: EmulatedBluetoothd, expected: int) -> int:
    """The bus's connection count once it reaches ``expected`` (or after 3 s, whatever it is)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 3
    while (count := await adapter.bus_connections()) != expected and loop.time() < end:
        await asyncio.sleep(0.05)
    return count


async def test_a_dropped_link_leaves_no_bus_connection_open(
    hass: HomeAssistant, duo: Boots, local_adapter: EmulatedBluetoothd
) -> None:
    before = await local_adapter.bus_connections()
    for pressure in (50, 60, 70):
        await _set_pressure(hass, pressure)  # connects
        assert local_adapter.in_use == [DUO]
        local_adapter.drop_link(DUO)  # the boots drop it
        await duo.handed_over()
        await hass.async_block_till_done()
    assert duo.device.settings.pressure == 70
    # bleak's BlueZ backend opened a bus connection per link: every one is closed again
    assert await _bus_connections_settle(local_adapter, before) == before


async def test_after_bluetoothd_crashed_the_stop_lands(
    hass: HomeAssistant, duo: Boots, local_adapter: EmulatedBluetoothd
) -> None:
    await _switch(hass, "turn_on")
    assert duo.device.state == SessionState.RUNNING
    local_adapter.crash()  # no signal: bleak still says the link is up
    await local_adapter.start()  # started again, with a new tree (the boots stored, not connected)
    with pytest.raises(HomeAssistantError):
        await _switch(hass, "turn_off")  # the dead link answers UnknownObject
    # the link counts as lost: Home Assistant reconnects and the pending stop lands
    await _until(lambda: duo.device.state != SessionState.RUNNING)
    assert local_adapter.in_use == [DUO]
