"""The blueprints and voice, loaded and run in Home Assistant against the simulated boots."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict
from pytest_homeassistant_custom_component.common import async_fire_time_changed, async_mock_service

from custom_components.presso_boots.const import DOMAIN, TRANSLATED_LANGUAGES
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, Boots

BLUEPRINTS = Path(__file__).resolve().parent.parent / "blueprints"


def _install(hass: HomeAssistant) -> None:
    shutil.copytree(BLUEPRINTS, hass.config.path("blueprints"), dirs_exist_ok=True)


async def _boots(hass: HomeAssistant, proxy: VirtualProxy) -> tuple[Boots, str]:
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2))
    return boots, boots.device_id


@pytest.mark.parametrize("expected_lingering_timers", [True])  # the automation's next time trigger
async def test_evening_session_runs_and_skips_with_a_notice(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    _install(hass)
    boots, device_id = await _boots(hass, proxy)
    notices = async_mock_service(hass, "notify", "phone")
    now = dt_util.now()
    at = (now + timedelta(minutes=5)).strftime("%H:%M:00")
    assert await async_setup_component(hass, "automation", {"automation": {
        "use_blueprint": {
            "path": "presso_boots/evening_leg_session.yaml",
            "input": {
                "boots": device_id, "session_switch": "switch.presso_d005", "start_time": at,
                "program": "lymph", "pressure": 55, "duration": 20,
                "notify_action": [{"action": "notify.phone", "data": {"message": "Leg session skipped"}}],
            },
        }
    }})  # fmt: skip
    await hass.async_block_till_done()
    async_fire_time_changed(hass, now.replace(second=0, microsecond=0) + timedelta(minutes=5))
    await hass.async_block_till_done()
    assert boots.device.state == 1
    s = boots.device.settings
    assert (s.program, s.pressure, s.duration) == (6, 55, 20)
    assert notices == []
    async_fire_time_changed(
        hass, now.replace(second=0, microsecond=0) + timedelta(days=1, minutes=5)
    )
    await hass.async_block_till_done()
    assert len(notices) == 1  # already running: skipped, and said so
    assert boots.device.counters.sessions_started == 1


async def test_led_after_the_boots(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    _install(hass)
    boots, _device_id = await _boots(hass, proxy)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"led_panel": {}}})
    assert await async_setup_component(hass, "automation", {"automation": {
        "use_blueprint": {
            "path": "presso_boots/led_after_boots.yaml",
            "input": {"session_event": "event.presso_d005_session", "panel": "input_boolean.led_panel", "minutes": 10},
        }
    }})  # fmt: skip
    await hass.services.async_call(
        DOMAIN, "start_session", {"device_id": _device_id, "duration": 5}, blocking=True
    )
    await boots.run(10)
    assert boots.state("input_boolean.led_panel") == "off"  # "started" is not the trigger
    await boots.run(5 * 60, block=False)
    assert boots.state("input_boolean.led_panel") == "on"
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=11))
    await hass.async_block_till_done()
    assert boots.state("input_boolean.led_panel") == "off"


async def test_leg_session_script_with_fields(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    _install(hass)
    boots, device_id = await _boots(hass, proxy)
    assert await async_setup_component(hass, "script", {"script": {"leg_session": {
        "use_blueprint": {"path": "presso_boots/leg_session.yaml", "input": {"boots": device_id}},
    }}})  # fmt: skip
    await hass.services.async_call(
        "script", "leg_session", {"program": "wave", "pressure": 45, "duration": 15}, blocking=True
    )
    await hass.async_block_till_done()
    s = boots.device.settings
    assert (boots.device.state, s.program, s.pressure, s.duration) == (1, 1, 45, 15)


async def test_assist_turns_the_boots_on_and_off_by_name(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    boots, _ = await _boots(hass, proxy)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "intent", {})
    await intent.async_handle(
        hass, "test", intent.INTENT_TURN_ON, {"name": {"value": "Presso D005"}}
    )
    await hass.async_block_till_done()
    assert boots.device.state == 1
    assert boots.state("switch.presso_d005") == "on"
    await intent.async_handle(
        hass, "test", intent.INTENT_TURN_OFF, {"name": {"value": "Presso D005"}}
    )
    await boots.run(5)
    assert boots.state("switch.presso_d005") == "off"


def _actions(node: object) -> Iterator[dict[str, Any]]:
    """Every step of a blueprint that calls an action, however deeply nested."""
    if isinstance(node, dict):
        if "action" in node:
            yield node
        for value in node.values():
            yield from _actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _actions(item)


@pytest.mark.parametrize(
    "path",
    ["automation/presso_boots/voice_leg_session.yaml", "script/presso_boots/leg_session.yaml"],
)
def test_voice_and_script_act_through_the_device(path: str) -> None:
    """The integration's actions on the chosen device: no entity ids guessed (users rename
    entities), no toggles (a stop is a stop)."""
    text = (BLUEPRINTS / path).read_text(encoding="utf-8")
    assert "device_entities" not in text
    assert "entity_id" not in text
    blueprint = load_yaml_dict(BLUEPRINTS / path)
    actions = list(_actions(blueprint))
    assert actions
    for step in actions:
        assert step["action"].startswith(f"{DOMAIN}."), step
        assert "device_id" in step["data"], step
    if "voice" in path:
        names = {step["action"] for step in actions}
        assert f"{DOMAIN}.stop_session" in names
        assert f"{DOMAIN}.start_session" in names


def test_blueprint_input_names_in_four_languages() -> None:
    """Blueprints have one name per input: it carries en, es, de and fr, in that order."""
    paths = sorted(BLUEPRINTS.rglob("*.yaml"))
    assert len(paths) == 5
    for path in paths:
        for key, spec in load_yaml_dict(path)["blueprint"]["input"].items():
            words = spec["name"].split(" · ")
            assert len(words) == len(TRANSLATED_LANGUAGES), (path.name, key)
            assert len(set(words)) > 1 or key == "boots", (path.name, key)
