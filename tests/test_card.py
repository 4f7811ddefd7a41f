"""The leg boots card: its live websocket, its file, and its dashboard resource."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MockHAClientWebSocket,
    WebSocketGenerator,
)

from custom_components.presso_boots import frontend
from custom_components.presso_boots.frontend import CARD_URL
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, PRO, Boots

URL = f"{CARD_URL}?v=0.1.0"


@pytest.fixture
async def pro(hass: HomeAssistant, proxy: VirtualProxy) -> Boots:
    boots = Boots(hass, proxy, SimulatedBoots(PRO, 3))
    await boots.add_entry(max_pressure=120)
    await boots.advertise()
    return boots


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
    assert first == {
        "legs": 2, "chambers": 8, "available": True, "connected": False, "other_app": False,
        "state": "idle", "legs_in_use": None, "zones": None,
        "phase": None, "active_chamber": 0, "pressures": [],
    }  # fmt: skip
    states_before = len(hass.states.async_all())
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.presso_e008"}, blocking=True
    )
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
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.presso_e008"}, blocking=True
    )
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
    await duo.add_entry()
    assert await hass.config_entries.async_reload(pro.entry_id)
    assert await hass.config_entries.async_reload(duo.entry_id)
    assert [r["url"] for r in _resources(hass)] == [URL]
    await hass.config_entries.async_remove(pro.entry_id)
    assert [r["url"] for r in _resources(hass)] == [URL]  # the Duo still uses it
    await hass.config_entries.async_remove(duo.entry_id)
    assert _resources(hass) == []


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
