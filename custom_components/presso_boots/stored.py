"""What an entry keeps over restarts besides the user's options, in its data.

The device's envelope from HELLO (``device``), the legs and chambers last in use
(``last_zones``: advertisements omit them) and a stop that has not landed yet
(``stop_pending``).
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .const import CONF_LAST_ZONES
from .data import PressoData

#: The lifetime figures kept between sessions.
_LIFETIME = ("lifetime_sessions", "lifetime_seconds")


@callback
def async_remember(hass: HomeAssistant, entry: ConfigEntry, key: str, value: Any) -> None:
    """Store ``value`` under ``key`` when it changed; None forgets the key."""
    if entry.data.get(key) == value:
        return
    data = {k: v for k, v in entry.data.items() if k != key}
    if value is not None:
        data[key] = value
    hass.config_entries.async_update_entry(entry, data=data)


@callback
def async_remember_shown(hass: HomeAssistant, entry: ConfigEntry, data: PressoData) -> None:
    """Keep what advertisements do not carry, for the next start and the next restart.

    The legs and chambers in use, and the lifetime figures (from the setup handshake on)
    between sessions. In a session they move by the second and are not kept (nor is
    what they were before it): a restart then shows them unknown until the boots tell,
    never lower than they were shown, which the long-term statistics of a
    total-increasing sensor would take for a meter reset.
    """
    if data.legs is None:
        return
    last = {**entry.data.get(CONF_LAST_ZONES, {}), "legs": data.legs, "zones": data.zones}
    if data.session_active:
        last = {key: value for key, value in last.items() if key not in _LIFETIME}
    elif data.lifetime_sessions is not None:
        last |= {key: getattr(data, key) for key in _LIFETIME}
    async_remember(hass, entry, CONF_LAST_ZONES, last)
