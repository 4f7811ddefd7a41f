"""The link's own policy: an idle release never cuts a command that is still under way."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, Boots, set_value

pytestmark = pytest.mark.usefixtures("no_errors_logged")

PRESSURE = "number.presso_d005_pressure"


async def test_the_idle_release_waits_for_a_command_still_waiting_for_its_answer(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    duo = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2), idle_disconnect=1)
    await set_value(hass, PRESSURE, 45)  # the link is open
    duo.faults.response_delay = 1.5  # the next answer is late
    command = asyncio.ensure_future(set_value(hass, PRESSURE, 50))
    await asyncio.sleep(0.1)  # written; its answer is on its way
    duo.device.external_power = True  # a STATUS meanwhile: the link settles, idle timer set
    duo.device.advance(0.2)
    await asyncio.sleep(0)
    # one second idle passes, then the late answer arrives
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await command  # answered, not cut off by the idle release
    assert duo.device.settings.pressure == 50
