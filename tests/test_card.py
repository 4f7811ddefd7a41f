"""The leg boots card: its live websocket, its file, and its dashboard resource."""

from __future__ import annotations

import asyncio
import logging
import re
from types import SimpleNamespace
from typing import Any

import pytest
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockUser
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MockHAClientWebSocket,
    WebSocketGenerator,
)

from custom_components.presso_boots import frontend
from custom_components.presso_boots.frontend import CARD_URL
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, PRO, Boots, switch

URL = f"{CARD_URL}?v=0.1.0"


@pytest.fixture
async def pro(hass: HomeAssistant, proxy: VirtualProxy) -> Boots:
    return await Boots.set_up(hass, proxy, SimulatedBoots(PRO, 3), max_pressure=120)


async def _events(client: MockHAClientWebSocket, wait: float = 0.05) -> list[dict[str, Any]]:
    """Every event message that has arrived (none when nothing comes within ``wait``)."""
    events: list[dict[str, Any]] = []
    while True:
        try:
            async with asyncio.timeout(wait):
                message = await client.receive_json()
        except TimeoutError:
            return events
        assert message["type"] == "event", message
        events.append(message["event"])


async def _subscribe(client: MockHAClientWebSocket, device_id: str) -> int:
    await client.send_json_auto_id({"type": "presso_boots/subscribe", "device_id": device_id})
    result = await client.receive_json()
    assert result["success"], result
    return int(result["id"])


# --- live data ------------------------------------------------------------------------


async def test_telemetry_during_a_session_arrives_as_messages(
    hass: HomeAssistant, pro: Boots, hass_ws_client: WebSocketGenerator
) -> None:
    assert pro.coordinator.live.listeners == []  # nobody subscribed: no work
    client = await hass_ws_client(hass)
    await _subscribe(client, pro.device_id)
    (first,) = await _events(client)
    assert first["name"] == "Presso E008"
    assert (first["legs"], first["chambers"], first["state"]) == (2, 8, "idle")
    assert (first["available"], first["connected"], first["other_app"]) == (True, False, False)
    assert (first["phase"], first["active_chamber"], first["pressures"]) == (None, 0, [])
    states_before = len(hass.states.async_all())
    await switch(hass, "turn_on", "switch.presso_e008")
    await pro.run(10)
    events = await _events(client)
    live = [e for e in events if e["pressures"]]
    assert len(live) >= 9  # about one per TELEMETRY frame (1 Hz)
    last = live[-1]
    assert last["state"] == "running"
    assert len(last["pressures"]) == 16
    assert max(last["pressures"]) > 0
    assert 1 <= last["active_chamber"] <= 8
    assert last["phase"] in ("inflating", "holding", "releasing", "resting")
    assert (last["legs_in_use"], last["zones"]) == (3, 0xFF)
    assert len(hass.states.async_all()) == states_before
    # the chamber sensors are disabled by default: no state carries the pressures
    assert hass.states.get("sensor.presso_e008_left_chamber_1") is None


async def test_an_unknown_device_is_an_error_result(
    hass: HomeAssistant, pro: Boots, hass_ws_client: WebSocketGenerator
) -> None:
    client = await hass_ws_client(hass)
    for device_id in ("not-a-device", ""):
        await client.send_json_auto_id({"type": "presso_boots/subscribe", "device_id": device_id})
        result = await client.receive_json()
        assert not result["success"]
        assert result["error"]["code"] == "not_found"
        assert result["error"]["translation_key"] == "unknown_device"
    await client.send_json_auto_id({"type": "presso_boots/subscribe"})
    result = await client.receive_json()
    assert (result["success"], result["error"]["code"]) == (False, "invalid_format")
    assert pro.coordinator.live.listeners == []


async def test_unsubscribe_and_disconnect_stop_the_messages(
    hass: HomeAssistant, pro: Boots, hass_ws_client: WebSocketGenerator
) -> None:
    client = await hass_ws_client(hass)
    subscription = await _subscribe(client, pro.device_id)
    await switch(hass, "turn_on", "switch.presso_e008")
    await pro.run(3)
    assert await _events(client)
    await client.send_json_auto_id({"type": "unsubscribe_events", "subscription": subscription})
    assert (await client.receive_json())["success"]
    assert pro.coordinator.live.listeners == []
    await pro.run(5)
    assert await _events(client) == []

    second = await hass_ws_client(hass)
    await _subscribe(second, pro.device_id)
    assert len(pro.coordinator.live.listeners) == 1
    await second.close()
    await hass.async_block_till_done()
    assert pro.coordinator.live.listeners == []


async def test_the_subscription_follows_a_reload(
    hass: HomeAssistant, pro: Boots, hass_ws_client: WebSocketGenerator
) -> None:
    client = await hass_ws_client(hass)
    await _subscribe(client, pro.device_id)
    await _events(client)
    assert await hass.config_entries.async_reload(pro.entry_id)
    await pro.advertise()
    events = await _events(client)
    assert events[0]["available"] is False  # unloaded
    assert events[-1]["available"] is True  # the new coordinator, same subscription
    assert len(pro.coordinator.live.listeners) == 1


# --- served and registered ------------------------------------------------------------


async def test_the_card_file_is_served(
    hass: HomeAssistant, pro: Boots, hass_client: ClientSessionGenerator
) -> None:
    client = await hass_client()
    response = await client.get(URL)
    assert response.status == 200
    assert "javascript" in response.headers["Content-Type"]
    body = await response.text()
    assert "customElements.define(CARD, PressoBootsCard)" in body


def _resources(hass: HomeAssistant) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = hass.data[LOVELACE_DATA].resources.async_items()
    return [item for item in items if item["url"].startswith(CARD_URL)]


async def test_one_resource_in_storage_mode_over_reloads_and_entries(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    pro = Boots(hass, proxy, SimulatedBoots(PRO, 3))
    duo = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await pro.add_entry()
    assert hass.data[LOVELACE_DATA].resource_mode == "storage"
    assert [(r["type"], r["url"]) for r in _resources(hass)] == [("module", URL)]
    # and pushed to the tabs already open, which load their resources only once
    assert URL in hass.data[DATA_EXTRA_MODULE_URL].urls
    await duo.add_entry()
    assert await hass.config_entries.async_reload(pro.entry_id)
    assert await hass.config_entries.async_reload(duo.entry_id)
    assert [r["url"] for r in _resources(hass)] == [URL]
    await hass.config_entries.async_remove(pro.entry_id)
    assert [r["url"] for r in _resources(hass)] == [URL]  # the Duo still uses it
    await hass.config_entries.async_remove(duo.entry_id)
    assert _resources(hass) == []
    assert URL not in hass.data[DATA_EXTRA_MODULE_URL].urls


async def test_a_restart_after_an_update_moves_the_one_resource(
    hass: HomeAssistant, proxy: VirtualProxy, hass_storage: dict[str, Any]
) -> None:
    """What an earlier version left behind (and a hand-added copy) becomes one current item."""
    hass_storage["lovelace_resources"] = {
        "version": 1,
        "minor_version": 1,
        "key": "lovelace_resources",
        "data": {
            "items": [
                {"id": "other", "type": "module", "url": "/local/other-card.js"},
                {"id": "old", "type": "module", "url": f"{CARD_URL}?v=0.0.9"},
                {"id": "copy", "type": "js", "url": CARD_URL},
            ]
        },
    }
    await Boots(hass, proxy, SimulatedBoots(PRO, 3)).add_entry()
    items = hass.data[LOVELACE_DATA].resources.async_items()
    assert [(i["id"], i["type"], i["url"]) for i in items] == [
        ("other", "module", "/local/other-card.js"),
        ("old", "module", URL),
    ]


async def test_the_url_follows_a_version_bump(
    hass: HomeAssistant, proxy: VirtualProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    pro = Boots(hass, proxy, SimulatedBoots(PRO, 3))
    await pro.add_entry()
    assert [r["url"] for r in _resources(hass)] == [URL]

    async def newer(_hass: HomeAssistant, _domain: str) -> SimpleNamespace:
        return SimpleNamespace(version="0.2.0")

    monkeypatch.setattr(frontend, "async_get_integration", newer)
    assert await hass.config_entries.async_reload(pro.entry_id)
    assert [r["url"] for r in _resources(hass)] == [f"{CARD_URL}?v=0.2.0"]


async def test_yaml_mode_adds_the_module_to_every_page(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    assert await async_setup_component(hass, "lovelace", {"lovelace": {"resource_mode": "yaml"}})
    pro = Boots(hass, proxy, SimulatedBoots(PRO, 3))
    await pro.add_entry()
    assert hass.data[LOVELACE_DATA].resource_mode == "yaml"
    assert URL in hass.data[DATA_EXTRA_MODULE_URL].urls
    assert await hass.config_entries.async_reload(pro.entry_id)
    assert [u for u in hass.data[DATA_EXTRA_MODULE_URL].urls if u.startswith(CARD_URL)] == [URL]
    await hass.config_entries.async_remove(pro.entry_id)
    assert URL not in hass.data[DATA_EXTRA_MODULE_URL].urls


# --- the card's one source: view, texts, controls ------------------------------------------


async def test_the_view_names_the_controls_and_the_limits_with_their_reasons(
    hass: HomeAssistant, proxy: VirtualProxy, hass_ws_client: WebSocketGenerator
) -> None:
    """New boots on the gentle plan, 7 daily minutes: every stop of the card, with its why."""
    duo = await Boots.set_up(
        hass, proxy, SimulatedBoots(DUO, 2), gentle_start=True, daily_minutes=7
    )
    registry = er.async_get(hass)
    registry.async_update_entity("number.presso_d005_pressure", new_entity_id="number.my_pressure")
    client = await hass_ws_client(hass)
    await _subscribe(client, duo.device_id)
    view = (await _events(client))[-1]
    assert view["entities"]["pressure"] == "number.my_pressure"  # renamed: found by unique id
    assert view["entities"]["session"] == "switch.presso_d005"
    limits = view["limits"]
    assert limits["plan"] == {"session": 1, "sessions": 7, "pressure": 40, "minutes": 15}
    assert (limits["pressure_max"], limits["pressure_reason"]) == (40, "plan")
    # the plan allows 15 minutes, the day 7: the length control stops at 5 (the boots' step)
    assert limits["daily"] == {"left": 7, "limit": 7, "used": 0}
    assert (limits["duration_max"], limits["duration_reason"]) == (5, "daily")
    assert limits["start_minutes"] == 5  # what the ring shows and a start gets
    assert limits["rest_until"] is None

    await client.send_json_auto_id(
        {"type": "presso_boots/control", "device_id": duo.device_id, "action": "start",
         "value": limits["start_minutes"]}
    )  # fmt: skip
    assert (await _result(client))["success"]
    await duo.run(2)
    assert duo.state("sensor.presso_d005_session_state") == "running"


async def _result(client: MockHAClientWebSocket) -> dict[str, Any]:
    """The next result message (events of a subscription in between are skipped)."""
    while (message := await client.receive_json())["type"] != "result":
        pass
    return message  # type: ignore[no-any-return]


async def test_a_refusal_is_a_sentence_and_no_error_line(
    hass: HomeAssistant,
    pro: Boots,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Resume with nothing paused, a start above today's pressure: words, no ERROR logged."""
    client = await hass_ws_client(hass)
    control = {"type": "presso_boots/control", "device_id": pro.device_id, "language": "es"}
    await client.send_json_auto_id({**control, "action": "resume"})
    answer = await _result(client)
    assert not answer["success"]
    assert answer["error"]["translation_key"] == "wrong_state"
    assert "no pueden hacerlo ahora" in answer["error"]["message"]
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", answer["error"]["message"])
    await client.send_json_auto_id({**control, "action": "pressure", "value": 150})
    answer = await _result(client)
    assert answer["error"]["translation_key"] == "pressure_above_cap"
    assert "120 mmHg" in answer["error"]["message"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_the_texts_come_from_the_translations(
    hass: HomeAssistant, pro: Boots, hass_ws_client: WebSocketGenerator
) -> None:
    client = await hass_ws_client(hass)
    for asked, answered, start, wave in (
        ("es-ES", "es", "Iniciar", "Ola"),
        ("en", "en", "Start", "Wave"),
        ("xx", "en", "Start", "Wave"),
    ):
        await client.send_json_auto_id({"type": "presso_boots/texts", "language": asked})
        result = (await _result(client))["result"]
        assert result["language"] == answered
        texts = result["texts"]
        assert (texts["card_start"], texts["program.wave"]) == (start, wave)
        assert all(texts[key] for key in ("state.paused", "legs.both", "fault.leak"))
        assert "{name}" in texts["card_asleep"]  # the exception's text, one translation


async def test_the_card_needs_the_users_permissions(
    hass: HomeAssistant,
    pro: Boots,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_user: MockUser,
    hass_read_only_access_token: str,
) -> None:
    """Read permission to follow the boots, control permission to drive them."""
    client = await hass_ws_client(hass, hass_read_only_access_token)
    await _subscribe(client, pro.device_id)
    await client.send_json_auto_id(
        {"type": "presso_boots/control", "device_id": pro.device_id, "action": "start"}
    )
    answer = await _result(client)
    assert (answer["success"], answer["error"]["code"]) == (False, "unauthorized")
    await pro.run(1)
    assert pro.state("switch.presso_e008") == "off"

    hass_read_only_user.mock_policy({"entities": {"entity_ids": {"sensor.other": True}}})
    await client.send_json_auto_id({"type": "presso_boots/subscribe", "device_id": pro.device_id})
    answer = await _result(client)
    assert (answer["success"], answer["error"]["code"]) == (False, "unauthorized")


async def test_this_weeks_minutes_and_the_plans_progress(
    hass: HomeAssistant, proxy: VirtualProxy, hass_ws_client: WebSocketGenerator
) -> None:
    duo = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2), gentle_start=True)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "presso_boots/week", "device_id": duo.device_id})
    week = (await _result(client))["result"]
    assert len(week["days"]) == 7
    today = dt_util.now().date().isoformat()
    assert {"day": today, "minutes": 0} in week["days"]
    assert week["plan"] == {"done": 0, "sessions": 7}


async def test_discovered_boots_bring_the_card_to_pages_opened_from_then_on(
    hass: HomeAssistant, proxy: VirtualProxy, hass_client: ClientSessionGenerator
) -> None:
    """A tab loads its modules once: the one the user adds the boots in must have the card."""
    assert await async_setup_component(hass, "frontend", {})
    duo = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await duo.advertise()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.config_entries.flow.async_progress_by_handler("presso_boots")  # discovered
    assert URL in hass.data[DATA_EXTRA_MODULE_URL].urls
    response = await (await hass_client()).get(URL)
    assert response.status == 200


async def test_the_cards_controls_check_their_values(
    hass: HomeAssistant, pro: Boots, hass_ws_client: WebSocketGenerator
) -> None:
    """A program the boots have is sent; a made-up one is refused before anything runs."""
    client = await hass_ws_client(hass)
    control = {"type": "presso_boots/control", "device_id": pro.device_id, "action": "program"}
    await client.send_json_auto_id({**control, "value": "sprint"})
    answer = await _result(client)
    assert (answer["success"], answer["error"]["code"]) == (False, "invalid_format")
    await client.send_json_auto_id({**control, "value": "gradient"})
    assert (await _result(client))["success"]
    await pro.run(1)
    assert pro.state("select.presso_e008_program") == "gradient"
