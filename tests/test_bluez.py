"""What is proper to a local BlueZ adapter: bleak's BlueZ backend, bluetoothd's faults.

The emulated bluetoothd (``presso_sim.bluez``) owns ``org.bluez`` on a private
system bus; Home Assistant's ``bluetooth`` integration scans through it and bleak's
BlueZ backend connects through it, nothing of theirs patched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from unittest.mock import patch

import pytest
from bluetooth_data_tools import monotonic_time_coarse
from habluetooth.const import (
    FALLBACK_MAXIMUM_STALE_ADVERTISEMENT_SECONDS,
    UNAVAILABLE_TRACK_SECONDS,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.presso_boots.presso_ble import SessionState
from presso_sim import SimulatedBoots
from presso_sim.bluez import EmulatedBluetoothd

from .harness import DUO, Boots, set_value, switch

pytestmark = pytest.mark.usefixtures("no_errors_logged")

SWITCH = "switch.presso_d005"
PRESSURE = "number.presso_d005_pressure"


@pytest.fixture
async def duo(hass: HomeAssistant, local_adapter: EmulatedBluetoothd) -> Boots:
    return await Boots.set_up(hass, local_adapter, SimulatedBoots(DUO, 2))


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not condition():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.02)


def _running(boots: Boots) -> bool:
    return boots.device.state == SessionState.RUNNING


async def _bus_connections_settle(adapter: EmulatedBluetoothd, expected: int) -> int:
    """The bus's connection count once it reaches ``expected`` (or after 3 s, whatever it is)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 3
    count = await adapter.bus_connections()
    while count != expected and loop.time() < end:
        await asyncio.sleep(0.05)
        count = await adapter.bus_connections()
    return count


async def test_a_dropped_link_leaves_no_bus_connection_open(
    hass: HomeAssistant, duo: Boots, local_adapter: EmulatedBluetoothd
) -> None:
    before = await local_adapter.bus_connections()
    for pressure in (50, 60, 70):
        await set_value(hass, PRESSURE, pressure)  # connects
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
    await switch(hass, "turn_on", SWITCH)
    assert _running(duo)
    local_adapter.crash()  # no signal: bleak still says the link is up
    await local_adapter.start()  # started again, with a new tree (the boots stored, not connected)
    with pytest.raises(HomeAssistantError):
        await switch(hass, "turn_off", SWITCH)  # the dead link answers UnknownObject
    # the link counts as lost: Home Assistant reconnects and the pending stop lands
    await _until(lambda: not _running(duo))
    assert local_adapter.in_use == [DUO]


async def test_passive_scan_discovers_the_boots_for_the_config_flow(
    hass: HomeAssistant, local_adapter: EmulatedBluetoothd
) -> None:
    assert local_adapter.scan.monitors, "Home Assistant scans passively (a monitor, no discovery)"
    assert not local_adapter.scan.active
    boots = Boots(hass, local_adapter, SimulatedBoots(DUO, 2, serial="DUO00005"))
    await boots.advertise()
    await hass.async_block_till_done(wait_background_tasks=True)
    flows = hass.config_entries.flow.async_progress_by_handler("presso_boots")
    assert [flow["context"]["unique_id"] for flow in flows] == [DUO]
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {})
    assert result["step_id"] == "safety"  # the handshake ran over the adapter
    assert boots.device.central is None


async def test_a_connect_aborted_by_the_controller_once_still_runs_the_command(
    hass: HomeAssistant, duo: Boots, local_adapter: EmulatedBluetoothd
) -> None:
    duo.faults.refuse_connections = 1  # BlueZ: Failed, le-connection-abort-by-local
    await set_value(hass, PRESSURE, 60)
    assert duo.device.settings.pressure == 60
    assert [address for address, _ in local_adapter.stats.connects] == [DUO, DUO]


async def test_bluetoothd_restarting_mid_session_reconnects_and_the_stop_lands(
    hass: HomeAssistant, duo: Boots, local_adapter: EmulatedBluetoothd
) -> None:
    await switch(hass, "turn_on", SWITCH)
    await local_adapter.restart()  # links dropped with their signals, objects removed
    await duo.handed_over()
    await hass.async_block_till_done()
    assert _running(duo)  # the session runs on in the boots
    await _until(lambda: local_adapter.in_use == [DUO])  # Home Assistant follows it again
    await switch(hass, "turn_off", SWITCH)
    assert not _running(duo)
    assert duo.state(SWITCH) == "off"


@pytest.mark.parametrize("bluez_knobs", [{"occupied": 5}])
async def test_an_adapter_at_its_connection_limit_is_a_translated_refusal(
    hass: HomeAssistant, duo: Boots, local_adapter: EmulatedBluetoothd
) -> None:
    with pytest.raises(HomeAssistantError) as err:
        await set_value(hass, PRESSURE, 60)
    assert err.value.translation_key == "out_of_slots"
    assert duo.device.central is None
    local_adapter.release_slots()  # the other devices let go
    await duo.handed_over()
    await set_value(hass, PRESSURE, 60)
    assert duo.device.settings.pressure == 60


async def test_the_adapter_powered_off_then_on_makes_the_boots_unavailable_then_right_again(
    hass: HomeAssistant, duo: Boots, local_adapter: EmulatedBluetoothd
) -> None:
    shown = duo.state(PRESSURE)
    local_adapter.power(False)  # bluetoothd forgets the boots it only heard; nothing is heard
    assert not local_adapter.advertise(duo.device)
    await duo.handed_over()
    await hass.async_block_till_done()
    # Home Assistant's check for devices gone quiet (every 5 minutes, 15 minutes of silence)
    later = monotonic_time_coarse() + FALLBACK_MAXIMUM_STALE_ADVERTISEMENT_SECONDS + 1
    with patch("habluetooth.manager.monotonic_time_coarse", return_value=later):
        async_fire_time_changed(
            hass, dt_util.utcnow() + timedelta(seconds=UNAVAILABLE_TRACK_SECONDS + 1)
        )
        await hass.async_block_till_done()
    assert duo.state(PRESSURE) == "unavailable"
    local_adapter.power(True)
    await duo.advertise()  # the next advertisement
    assert duo.state(PRESSURE) == shown
    assert duo.state(SWITCH) == "off"
