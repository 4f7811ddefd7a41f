"""What an entry keeps over restarts besides the user's options, in its data.

The device's envelope from HELLO (``device``), the legs and chambers last in use
(``last_zones``: advertisements omit them) and a stop that has not landed yet
(``stop_pending``).
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback


@callback
def async_remember(hass: HomeAssistant, entry: ConfigEntry, key: str, value: Any) -> None:
    """Store ``value`` under ``key`` when it changed; None forgets the key."""
    if entry.data.get(key) == value:
        return
    data = {k: v for k, v in entry.data.items() if k != key}
    if value is not None:
        data[key] = value
    hass.config_entries.async_update_entry(entry, data=data)
