"""Serve the leg boots card and register it with the dashboards.

The card is one ES module in ``frontend/``. Its URL carries the integration's
version (``?v=``) so browsers fetch the new file after an update. Home Assistant's
frontend loads modules once per page, so the card is offered as soon as boots are
discovered (``async_offer_card``): every page opened from then on, the one in which
the user adds the boots among them, has it. Set up, it stays an extra module of
every page; dashboards whose resources are stored in the UI
also get one Lovelace resource (created, or updated to the new version, never
duplicated), where users look for a card's resource; the browser loads the one
URL once. Removing the last entry removes both.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from homeassistant.components.frontend import add_extra_js_url, remove_extra_js_url
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

CARD_FILE = "presso-boots-card.js"
CARD_PATH = Path(__file__).parent / "frontend" / CARD_FILE
CARD_URL = f"/{DOMAIN}/{CARD_FILE}"
LOVELACE = "lovelace"
RESOURCE_TYPE = "module"
#: Entries set up together must not each create the resource.
RESOURCE_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_card_resource")
#: The file is served once per Home Assistant start, by discovery or by setup.
SERVED: HassKey[bool] = HassKey(f"{DOMAIN}_card_served")


async def card_url(hass: HomeAssistant) -> str:
    """The card's URL for this version of the integration."""
    integration = await async_get_integration(hass, DOMAIN)
    return f"{CARD_URL}?v={integration.version}"


def _lovelace_attr(hass: HomeAssistant, *names: str) -> Any:
    """A Lovelace data attribute by its current or former name (object or dict)."""
    data = hass.data.get(LOVELACE)
    for name in names:
        value = data.get(name) if isinstance(data, dict) else getattr(data, name, None)
        if value is not None:
            return value
    return None


def _resources(hass: HomeAssistant) -> Any:
    """Lovelace's resource collection when resources are stored in the UI, else None."""
    if _lovelace_attr(hass, "resource_mode", "mode") != "storage":
        return None
    resources = _lovelace_attr(hass, "resources")
    needed = ("async_items", "async_create_item", "async_update_item", "async_delete_item")
    return resources if all(hasattr(resources, name) for name in needed) else None


def _ours(resources: Any) -> list[dict[str, Any]]:
    return [
        item
        for item in resources.async_items()
        if str(item.get("url", "")).split("?", 1)[0] == CARD_URL
    ]


async def async_serve_card(hass: HomeAssistant) -> None:
    """Serve the card's file (once per Home Assistant start)."""
    if hass.data.get(SERVED):
        return
    hass.data[SERVED] = True
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_URL, str(CARD_PATH), cache_headers=True)]
    )


async def async_offer_card(hass: HomeAssistant) -> None:
    """Boots were discovered: pages opened from now on load the card.

    Home Assistant's frontend loads dashboard resources and extra modules once per
    page. Offered at discovery, the card is already in the tab in which the user
    adds the boots, so their dashboard shows it without a reload.
    """
    await async_serve_card(hass)
    add_extra_js_url(hass, await card_url(hass))


async def async_add_card_resource(hass: HomeAssistant) -> None:
    """Make dashboards load this version of the card; safe to call for every entry."""
    url = await card_url(hass)
    add_extra_js_url(hass, url)  # a set: adding it again changes nothing
    async with hass.data.setdefault(RESOURCE_LOCK, asyncio.Lock()):
        resources = _resources(hass)
        if resources is None:
            return
        await resources.async_get_info()  # loads the stored collection
        ours = _ours(resources)
        if not ours:
            await resources.async_create_item({"res_type": RESOURCE_TYPE, "url": url})
            _LOGGER.debug("Added the card's dashboard resource %s", url)
            return
        first, *duplicates = ours
        if first.get("url") != url or first.get("type") != RESOURCE_TYPE:
            await resources.async_update_item(first["id"], {"res_type": RESOURCE_TYPE, "url": url})
        for item in duplicates:
            await resources.async_delete_item(item["id"])


async def async_remove_card_resource(hass: HomeAssistant) -> None:
    """The last boots are gone: dashboards no longer load the card."""
    url = await card_url(hass)
    remove_extra_js_url(hass, url)
    async with hass.data.setdefault(RESOURCE_LOCK, asyncio.Lock()):
        resources = _resources(hass)
        if resources is None:
            return
        await resources.async_get_info()
        for item in _ours(resources):
            await resources.async_delete_item(item["id"])
