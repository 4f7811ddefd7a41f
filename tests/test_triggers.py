"""The integration's triggers and conditions, in real automations against simulated boots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.condition import async_get_all_descriptions as condition_descriptions
from homeassistant.helpers.translation import async_get_translations
from homeassistant.helpers.trigger import async_get_all_descriptions as trigger_descriptions
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.presso_boots.const import DOMAIN
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, Boots


def _automation(alias: str, trigger: dict[str, Any], *conditions: dict[str, Any]) -> dict[str, Any]:
    return {
        "alias": alias,
        "triggers": [trigger],
        "conditions": list(conditions),
        "actions": [
            {
                "action": "test.automation",
                "data": {
                    "which": alias,
                    "kind": "{{ trigger.event_type | default(trigger.state) }}",
                },
            }
        ],
    }


async def test_triggers_and_conditions_in_automations(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2), rest_minutes=60)
    device = {"device_id": boots.device_id}
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(hass, "automation", {"automation": [
        _automation("started", {"trigger": "presso_boots.session_started", "options": device},
                    {"condition": "presso_boots.in_session", "options": device}),
        _automation("completed", {"trigger": "presso_boots.session_finished",
                                  "options": {**device, "ending": ["completed"]}}),
        _automation("stopped", {"trigger": "presso_boots.session_finished",
                                "options": {**device, "ending": "stopped"}}),
        _automation("any end", {"trigger": "presso_boots.session_finished", "options": device}),
        _automation("fault", {"trigger": "presso_boots.fault", "options": device}),
        _automation("rested", {"trigger": "event", "event_type": "check_rest"},
                    {"condition": "presso_boots.rest_over", "options": device}),
    ]})  # fmt: skip
    await hass.async_block_till_done()

    def seen() -> list[tuple[str, str]]:
        return [(call.data["which"], call.data["kind"]) for call in calls]

    hass.bus.async_fire("check_rest")
    await hass.async_block_till_done()
    assert seen() == [("rested", "")]
    calls.clear()

    await hass.services.async_call(
        DOMAIN, "start_session", {**device, "duration": 5}, blocking=True
    )
    await boots.run(5 * 60 + 10, step=5)
    assert seen() == [("started", "started"), ("completed", "finished"), ("any end", "finished")]
    calls.clear()
    hass.bus.async_fire("check_rest")  # inside the hour of rest: the condition fails
    await hass.async_block_till_done()
    assert seen() == []

    await hass.services.async_call(
        DOMAIN, "start_session", {**device, "duration": 30, "override_rest": True}, blocking=True
    )
    await boots.run(10)
    await hass.services.async_call("switch", "turn_off", {"entity_id": "switch.presso_d005"})
    await boots.run(5)
    assert seen() == [
        ("started", "started"),
        ("stopped", "stopped_early"),
        ("any end", "stopped_early"),
    ]
    calls.clear()

    await hass.services.async_call(
        DOMAIN, "start_session", {**device, "duration": 30, "override_rest": True}, blocking=True
    )
    await boots.run(10)
    boots.device.spike_pressure(1)
    await boots.run(5)
    assert ("fault", "over_pressure") in seen()
    assert ("any end", "aborted") in seen()
    assert not any(which in ("completed", "stopped") for which, _ in seen())
    calls.clear()

    # the entry reloads (options saved, reauth): the entities go and come back with their
    # restored event and the same fault; nothing happened, so nothing fires
    await hass.config_entries.async_reload(boots.entry_id)
    await boots.run(3)
    assert boots.state("sensor.presso_d005_fault") == "over_pressure"
    assert seen() == []


async def test_rest_over_with_a_length_tests_that_the_session_fits_today(
    hass: HomeAssistant, proxy: VirtualProxy, freezer: FrozenDateTimeFactory
) -> None:
    """An evening ritual asks before it starts: no session that the daily minutes refuse."""
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2), daily_minutes=20)
    boots.clock = freezer
    device = {"device_id": boots.device_id}
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(hass, "automation", {"automation": [
        _automation(f"{minutes} min fit", {"trigger": "event", "event_type": "check_rest"},
                    {"condition": "presso_boots.rest_over",
                     "options": {**device, "duration": minutes}})
        for minutes in (5, 15)
    ]})  # fmt: skip
    await hass.services.async_call(
        DOMAIN, "start_session", {**device, "duration": 10}, blocking=True
    )
    await boots.run(10 * 60 + 10, step=5)  # 10 of today's 20 minutes used
    hass.bus.async_fire("check_rest")
    await hass.async_block_till_done()
    assert [call.data["which"] for call in calls] == ["5 min fit"]


async def test_descriptions_for_the_automation_editor(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await boots.add_entry()
    assert await async_setup_component(hass, "automation", {})
    triggers = await trigger_descriptions(hass)
    conditions = await condition_descriptions(hass)
    assert {
        "presso_boots.session_started",
        "presso_boots.session_finished",
        "presso_boots.fault",
    } <= set(triggers)
    finished = triggers["presso_boots.session_finished"]
    assert finished is not None
    ending = finished["fields"]["ending"]["selector"]["select"]["options"]
    assert ending == ["completed", "stopped", "aborted"]
    assert {"presso_boots.in_session", "presso_boots.rest_over"} <= set(conditions)
    for language, name in (
        ("en", "Presso leg session ended"),
        ("es", "Sesión de piernas Presso terminada"),
    ):
        texts = await async_get_translations(hass, language, "triggers", {DOMAIN})
        assert texts[f"component.{DOMAIN}.triggers.session_finished.name"] == name
        texts = await async_get_translations(hass, language, "conditions", {DOMAIN})
        assert f"component.{DOMAIN}.conditions.rest_over.name" in texts


def test_triggers_and_conditions_yaml_match_their_strings() -> None:
    """What hassfest checks: every trigger and condition and field has its texts, en and es."""
    import json

    import yaml

    package = Path(__file__).resolve().parent.parent / "custom_components" / DOMAIN
    for kind in ("triggers", "conditions"):
        described = {
            key: value
            for key, value in yaml.safe_load((package / f"{kind}.yaml").read_text()).items()
            if not key.startswith(".")
        }
        for strings in ("strings.json", "translations/es.json"):
            texts = json.loads((package / strings).read_text(encoding="utf-8"))[kind]
            assert set(texts) == set(described), (kind, strings)
            for key, spec in described.items():
                assert set(texts[key]["fields"]) == set(spec["fields"]), (kind, key, strings)
                assert texts[key]["name"]
                assert texts[key]["description"]
