"""The evening ritual blueprint, loaded and run in Home Assistant against simulated boots."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed, async_mock_service

from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, Boots

BLUEPRINTS = Path(__file__).resolve().parent.parent / "blueprints"


async def _ritual(hass: HomeAssistant, boots: Boots, **inputs: Any) -> None:
    shutil.copytree(BLUEPRINTS, hass.config.path("blueprints"), dirs_exist_ok=True)
    assert await async_setup_component(hass, "automation", {"automation": {
        "alias": "Evening leg ritual",
        "use_blueprint": {
            "path": "presso_boots/evening_ritual.yaml",
            "input": {"boots": boots.device_id, "program": "lymph", "pressure": 55, "duration": 5,
                      "light": ["light.panel"], "light_color": [10, 20, 30], "light_brightness": 40,
                      "light_minutes": 2, **inputs},
        }
    }})  # fmt: skip
    await hass.async_block_till_done()


def _notify(text: str) -> list[dict[str, Any]]:
    return [{"action": "notify.phone", "data": {"message": text}}]


@pytest.mark.parametrize("expected_lingering_timers", [True])  # the automation's next time trigger
async def test_mobility_session_light_and_aftercare_in_order(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2), rest_minutes=60)
    notices = async_mock_service(hass, "notify", "phone")
    lights_on = async_mock_service(hass, "light", "turn_on")
    lights_off = async_mock_service(hass, "light", "turn_off")
    now = dt_util.now()
    at = now.replace(second=0, microsecond=0) + timedelta(minutes=5)
    await _ritual(hass, boots, start_time=at.strftime("%H:%M:00"), mobility_minutes=1,
                  mobility_action=_notify("mobility"), aftercare_action=_notify("legs up"))  # fmt: skip
    async_fire_time_changed(hass, at)
    await boots.run(1, block=False)  # the ritual waits in its delays: do not block on it
    assert [n.data["message"] for n in notices] == ["mobility"]
    assert boots.device.state == 0  # mobility first
    async_fire_time_changed(hass, at + timedelta(minutes=1, seconds=1))
    await boots.run(2, block=False)
    s = boots.device.settings
    assert (boots.device.state, s.program, s.pressure, s.duration) == (1, 6, 55, 5)
    assert lights_on == []
    await boots.run(5 * 60 + 10, step=5, block=False)
    assert [n.data["message"] for n in notices] == ["mobility", "legs up"]
    assert len(lights_on) == 1
    assert lights_on[0].data["rgb_color"] == [10, 20, 30]
    assert lights_on[0].data["brightness_pct"] == 40
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=3))
    await boots.run(1, block=False)
    assert len(lights_off) == 1
    assert hass.states.get("automation.evening_leg_ritual") is not None
    # triggered again inside the rest hour: the rest condition stops it before any reminder
    await hass.services.async_call(
        "automation",
        "trigger",
        {"entity_id": "automation.evening_leg_ritual", "skip_condition": False},
        blocking=True,
    )
    await boots.run(5, block=False)
    assert len(notices) == 2
    assert boots.device.counters.sessions_started == 1


@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_arriving_back_from_a_trip(
    hass: HomeAssistant, proxy: VirtualProxy, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-24 04:00:00+00:00")  # 20:00 local (US/Pacific)
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2))
    async_mock_service(hass, "light", "turn_on")
    hass.states.async_set("person.ana", "home")
    await _ritual(hass, boots, start_time="18:30:00", person=["person.ana"], arrival="trip",
                  trip_hours=20, mobility_minutes=0)  # fmt: skip
    hass.states.async_set("person.ana", "not_home")
    freezer.tick(timedelta(hours=2))
    hass.states.async_set("person.ana", "home")  # back from the shop: no ritual
    await boots.run(2, block=False)
    assert boots.device.state == 0
    hass.states.async_set("person.ana", "not_home")
    freezer.tick(timedelta(days=3))
    hass.states.async_set("person.ana", "home")  # back from a trip, at 22:00 local
    await boots.run(2, block=False)
    assert boots.device.state == 1
