"""Actions: start, check, pause, resume and stop a session on chosen boots; its status."""

from __future__ import annotations

import probatio as vol
from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN, LEGS_KEYS, PROGRAM_KEYS
from .coordinator import PressoConfigEntry, PressoCoordinator
from .errors import async_words
from .intent import minutes_left
from .permissions import async_check
from .settings import StartRequest

ATTR_PROGRAM = "program"
ATTR_PRESSURE = "pressure"
ATTR_DURATION = "duration"
ATTR_LEGS = "legs"
ATTR_OVERRIDE_REST = "override_rest"
ATTR_LANGUAGE = "language"

SERVICE_START = "start_session"
SERVICE_PAUSE = "pause_session"
SERVICE_RESUME = "resume_session"
SERVICE_CHECK = "check_session"
SERVICE_STOP = "stop_session"
SERVICE_STATUS = "session_status"

TARGET: dict[vol.Marker, object] = {vol.Required(ATTR_DEVICE_ID): cv.string}
START_SCHEMA = vol.Schema(
    {
        **TARGET,
        vol.Optional(ATTR_PROGRAM): vol.In(list(PROGRAM_KEYS.values())),
        vol.Optional(ATTR_PRESSURE): vol.All(vol.Coerce(int), vol.Range(min=1, max=255)),
        vol.Optional(ATTR_DURATION): vol.All(vol.Coerce(int), vol.Range(min=1, max=255)),
        vol.Optional(ATTR_LEGS): vol.In(list(LEGS_KEYS.values())),
        vol.Optional(ATTR_OVERRIDE_REST, default=False): cv.boolean,
    }
)
CHECK_SCHEMA = START_SCHEMA.extend({vol.Optional(ATTR_LANGUAGE): cv.string})
TARGET_SCHEMA = vol.Schema(TARGET)


@callback
def entry_for_device(hass: HomeAssistant, device_id: str) -> PressoConfigEntry | None:
    """The config entry of the boots with this device registry id, loaded or not."""
    device = dr.async_get(hass).async_get(device_id)
    for entry_id in (device.config_entry_id,) if device else ():
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry and entry.domain == DOMAIN:
            return entry
    return None


async def _coordinator(call: ServiceCall, policy: str = POLICY_CONTROL) -> PressoCoordinator:
    """The boots the call names, if the caller may act on them (``policy``)."""
    entry = entry_for_device(call.hass, call.data[ATTR_DEVICE_ID])
    if entry and entry.state is ConfigEntryState.LOADED:
        coordinator: PressoCoordinator = entry.runtime_data
        await async_check(call.hass, call.context, coordinator, policy)
        return coordinator
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unknown_device",
        translation_placeholders={"device_id": call.data[ATTR_DEVICE_ID]},
    )


def _key_to_id(table: dict[int, str], key: str | None) -> int | None:
    return None if key is None else next(k for k, v in table.items() if v == key)


def _start_values(call: ServiceCall) -> StartRequest:
    return StartRequest(
        program=_key_to_id(PROGRAM_KEYS, call.data.get(ATTR_PROGRAM)),
        pressure=call.data.get(ATTR_PRESSURE),
        duration=call.data.get(ATTR_DURATION),
        legs=_key_to_id(LEGS_KEYS, call.data.get(ATTR_LEGS)),
        override_rest=call.data[ATTR_OVERRIDE_REST],
    )


async def _start(call: ServiceCall) -> None:
    await (await _coordinator(call)).async_start_session(**_start_values(call))


async def _check(call: ServiceCall) -> ServiceResponse:
    """Would start_session with these values start now? The answer in words if not."""
    coordinator = await _coordinator(call, POLICY_READ)
    try:
        _program, pressure, duration, _legs = coordinator.check_start(**_start_values(call))
    except HomeAssistantError as err:  # core-lint: allow E7405 the refusal is the answer
        message = await async_words(call.hass, call.data.get(ATTR_LANGUAGE), err)
        return {"allowed": False, "message": message}
    return {"allowed": True, "message": "", "pressure": pressure, "duration": duration}


async def _pause(call: ServiceCall) -> None:
    await (await _coordinator(call)).async_pause()


async def _resume(call: ServiceCall) -> None:
    await (await _coordinator(call)).async_resume()


async def _stop(call: ServiceCall) -> None:
    await (await _coordinator(call)).async_stop_session()


async def _status(call: ServiceCall) -> ServiceResponse:
    """Whether a session runs (or is paused) and its whole minutes left, for voice replies."""
    coordinator = await _coordinator(call, POLICY_READ)
    data = coordinator.data
    return {
        "active": data.session_active,
        "state": data.state.name.lower() if data.state is not None else None,
        "minutes_left": minutes_left(coordinator),
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions once for the integration."""
    hass.services.async_register(DOMAIN, SERVICE_START, _start, schema=START_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_PAUSE, _pause, schema=TARGET_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_RESUME, _resume, schema=TARGET_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_STOP, _stop, schema=TARGET_SCHEMA)
    hass.services.async_register(
        DOMAIN,
        SERVICE_STATUS,
        _status,
        schema=TARGET_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_CHECK, _check, schema=CHECK_SCHEMA, supports_response=SupportsResponse.ONLY
    )
