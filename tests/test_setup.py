"""Setting up boots in a real Home Assistant, awake or asleep."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest.mock import patch

import pytest
from habluetooth.const import (
    FALLBACK_MAXIMUM_STALE_ADVERTISEMENT_SECONDS,
    UNAVAILABLE_TRACK_SECONDS,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.presso_boots.presso_ble.messages import (
    DeviceStatus,
    Event,
    Telemetry,
)
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, Boots, set_value, switch

SWITCH = "switch.presso_d005"
LEGS = "select.presso_d005_legs"
CHAMBER_5 = "switch.presso_d005_use_chamber_5"


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
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2), chamber_sensors=True)
    sent: list[int] = []  # the left chamber 1 pressure of every telemetry the boots send
    notify = boots.device._notify

    def recording(message: DeviceStatus | Telemetry | Event) -> None:
        if isinstance(message, Telemetry):
            sent.append(message.pressures[0])
        notify(message)

    boots.device._notify = recording  # type: ignore[method-assign]
    await switch(hass, "turn_on", SWITCH)
    assert boots.device.state == 1
    assert boots.state(SWITCH) == "on"
    await boots.run(30)
    assert boots.device.central is not None
    assert max(sent) > 0, "the chambers inflated"
    chamber = boots.state("sensor.presso_d005_left_chamber_1")
    assert chamber is not None
    assert int(chamber) in sent, "the sensor shows a pressure the boots sent"
    await switch(hass, "turn_off", SWITCH)
    await boots.run(5)
    assert boots.state(SWITCH) == "off"
    assert boots.state("sensor.presso_d005_session_state") == "idle"
    held = boots.coordinator.connected  # held for the idle delay (30 s by default)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert held, "the link stays open for the idle delay"
    assert not boots.coordinator.connected, "the idle delay let the link go"
    assert not proxy.in_use, "and the proxy's slot with it"
    assert boots.state(SWITCH) == "off"  # still known from the advertisements
    await hass.config_entries.async_unload(boots.entry_id)


async def test_legs_and_chambers_survive_a_restart(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """Advertisements do not carry legs and chambers: the last link's values are kept."""
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2))
    await hass.services.async_call(
        "select", "select_option", {"entity_id": LEGS, "option": "left"}, blocking=True
    )
    await switch(hass, "turn_off", CHAMBER_5)
    await hass.config_entries.async_unload(boots.entry_id)
    proxy.radio.drop_link(DUO)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(boots.entry_id)
    await boots.advertise()
    assert (boots.state(LEGS), boots.state(CHAMBER_5)) == ("left", "off")
    assert boots.device.central is None


async def test_available_again_only_after_a_real_loss(
    hass: HomeAssistant, proxy: VirtualProxy, caplog: pytest.LogCaptureFixture
) -> None:
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2))
    assert boots.state(SWITCH) == "off"
    assert "available again" not in caplog.text  # the first advertisement is no recovery
    later = time.monotonic() + FALLBACK_MAXIMUM_STALE_ADVERTISEMENT_SECONDS + 1
    with (
        patch("habluetooth.manager.monotonic_time_coarse", return_value=later),
        patch("habluetooth.base_scanner.monotonic_time_coarse", return_value=later),
    ):  # the radio's clock: the boots have been quiet for 15 minutes
        async_fire_time_changed(
            hass, dt_util.utcnow() + timedelta(seconds=UNAVAILABLE_TRACK_SECONDS)
        )
        await hass.async_block_till_done()
    assert boots.state(SWITCH) == "unavailable"
    await boots.advertise()
    assert boots.state(SWITCH) == "off"
    assert caplog.text.count("is available again") == 1


async def test_lifetime_figures_outlast_a_restart_before_the_next_connection(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """Kept with the legs and chambers between sessions, so a restart does not blank them."""
    from homeassistant.helpers import entity_registry as er

    from custom_components.presso_boots.const import DOMAIN

    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    boots.device.lifetime_sessions = 12
    await boots.add_entry()
    await boots.advertise()
    await set_value(hass, "number.presso_d005_pressure", 45)  # fmt: skip
    sessions = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{DUO}-lifetime_sessions")
    assert sessions is not None
    assert boots.state(sessions) == "12"
    boots.device.asleep = True  # nothing to connect to after the restart
    await hass.config_entries.async_reload(boots.entry_id)
    await hass.async_block_till_done()
    assert boots.coordinator.connected is False
    assert hass.states.get(sessions) is not None
    assert boots.coordinator.data.lifetime_sessions == 12


async def test_a_restart_in_a_session_never_shows_the_lifetime_figures_go_back(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """Kept between sessions only (in one they move by the second): a restart during a
    session shows them unknown until the boots tell, never the lower figures from before
    it, which a total-increasing sensor's long-term statistics would take for a meter
    reset (found by the week soak: lifetime sessions 10, then 9 after a restart)."""
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    boots.device.lifetime_sessions = 12
    await boots.add_entry()
    await boots.advertise()
    await switch(hass, "turn_on", SWITCH)  # the boots count the session at its start
    await boots.run(5)
    sessions = "sensor.presso_d005_lifetime_sessions"
    assert boots.state(sessions) == "13"
    boots.faults.out_of_range = True  # unreachable across the restart
    proxy.radio.drop_link(DUO)
    await hass.config_entries.async_reload(boots.entry_id)
    await hass.async_block_till_done()
    assert boots.state(sessions) != "12"
