"""Setting up boots in a real Home Assistant, awake or asleep."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, Boots

SWITCH = "switch.presso_d005"


async def test_setup_while_asleep_loads_and_waits(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    boots.device.asleep = True
    entry = await boots.add_entry()
    assert entry.state is ConfigEntryState.LOADED
    assert boots.state(SWITCH) == "unavailable"
    assert proxy.radio.connect_count == 0
    boots.device.press_button("power")
    await boots.advertise()
    assert boots.state(SWITCH) == "off"
    assert boots.state("sensor.presso_d005_session_state") == "idle"
    assert boots.state("number.presso_d005_pressure") == "40"
    assert proxy.radio.connect_count == 0  # advertisements only, no connection


async def test_turn_on_runs_a_session_and_idle_releases(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await boots.add_entry()
    await boots.advertise()
    await hass.services.async_call("switch", "turn_on", {"entity_id": SWITCH}, blocking=True)
    assert boots.device.state == 1
    assert boots.state(SWITCH) == "on"
    await boots.run(30)
    assert boots.device.central is not None
    assert int(boots.state("sensor.presso_d005_left_chamber_1")) >= 0
    await hass.services.async_call("switch", "turn_off", {"entity_id": SWITCH}, blocking=True)
    await boots.run(5)
    assert boots.state(SWITCH) == "off"
    assert boots.state("sensor.presso_d005_session_state") == "idle"
    await hass.config_entries.async_unload(boots.entry_id)
