"""Diagnostics: what a maintainer needs, with address, PIN and serial redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components import bluetooth
from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_ADDRESS, CONF_PIN
from homeassistant.core import HomeAssistant

from .coordinator import PressoConfigEntry

#: The local name carries the address's last two bytes; the source is the adapter's or
#: proxy's own address.
TO_REDACT = {CONF_ADDRESS, CONF_PIN, "serial_raw", "serial", "address", "local_name", "source"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PressoConfigEntry
) -> dict[str, Any]:
    """Entry, device, last advertisement, link statistics and recent frames."""
    coordinator = entry.runtime_data
    service_info = bluetooth.async_last_service_info(hass, coordinator.address, connectable=False)
    adv = coordinator.advertisement
    return async_redact_data(
        {
            "entry": {"data": dict(entry.data), "options": dict(entry.options)},
            "device": {
                "model": coordinator.info.model_name,
                "firmware": coordinator.info.firmware,
                "serial": coordinator.info.serial,
            },
            "advertisement": None
            if adv is None
            else {
                "manufacturer_data": adv.to_bytes().hex(),
                "rssi": service_info.rssi if service_info else None,
                "source": service_info.source if service_info else None,
                "local_name": service_info.name if service_info else None,
            },
            "state": {
                "available": coordinator.available,
                "connected": coordinator.connected,
                "last_error": coordinator.link.last_error,
                "data": {k: str(v) for k, v in asdict(coordinator.data).items()},
            },
            "connection": {
                **asdict(coordinator.client.stats),
                "proofs_refused": coordinator.client.auth_guard_refusals,
                "connected_seconds": round(coordinator.link.connected_seconds, 1),
            },
            "recent_frames": [list(frame) for frame in coordinator.client.recent_frames],
            "routine": {
                "plan": None if (plan := coordinator.limits.plan) is None else asdict(plan),
                "limits_today": [coordinator.limits.max_pressure, coordinator.limits.max_duration],
                "sessions_kept": len(coordinator.routine.sessions),
                "rest_over": coordinator.routine.rest_over(),
            },
        },
        TO_REDACT,
    )
