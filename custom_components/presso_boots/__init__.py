"""The Presso Boots integration: pneumatic compression boots over Bluetooth."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .coordinator import PressoConfigEntry, PressoCoordinator
from .frontend import async_add_card_resource, async_remove_card_resource, async_serve_card
from .routine import async_remove_store
from .services import async_setup_services
from .websocket import async_setup_websocket

PLATFORMS = [
    Platform.BUTTON,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions, the card and its live data."""
    async_setup_services(hass)
    async_setup_websocket(hass)
    await async_serve_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PressoConfigEntry) -> bool:
    """Set up the boots; returns at once, whether they are awake or not."""
    coordinator = PressoCoordinator(hass, entry)
    entry.runtime_data = coordinator
    await async_add_card_resource(hass)
    await coordinator.routine.async_load()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(coordinator.async_start())
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PressoConfigEntry) -> bool:
    """Unload and release the connection."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.async_shutdown()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: PressoConfigEntry) -> None:
    """Forget the boots' routine (plan progress and history); the last boots take the card."""
    await async_remove_store(hass, entry.entry_id)
    if not hass.config_entries.async_entries(DOMAIN, include_ignore=False):
        await async_remove_card_resource(hass)
