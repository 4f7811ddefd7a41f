"""Automation triggers: a session started, a session ended (how), a fault.

They follow the boots' entities (the session event entity and the fault
sensor), so they keep working when the entry reloads.
"""

from __future__ import annotations

from typing import Any, cast, override

import probatio as vol
from homeassistant.const import ATTR_DEVICE_ID, CONF_OPTIONS, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.trigger import (
    Trigger,
    TriggerActionRunner,
    TriggerConfig,
    TriggerNotTriggeredReporter,
)
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, STOPPED_EARLY

CONF_ENDING = "ending"
#: How a session ended, as the trigger offers it, and the event types that say so.
ENDINGS: dict[str, tuple[str, ...]] = {
    "completed": ("finished",),
    "stopped": ("stopped", STOPPED_EARLY),
    "aborted": ("aborted",),
}
DEVICES: dict[vol.Marker, Any] = {
    vol.Required(ATTR_DEVICE_ID): vol.All(vol.EnsureList(), [cv.string]),
}


def _schema(options: dict[vol.Marker, Any]) -> vol.Schema:
    return vol.Schema({vol.Required(CONF_OPTIONS): {**DEVICES, **options}})


@callback
def entity_ids(hass: HomeAssistant, device_ids: list[str], domain: str, key: str) -> dict[str, str]:
    """The boots' entities of this domain and description key, by entity id -> device id."""
    registry = er.async_get(hass)
    return {
        entry.entity_id: device_id
        for device_id in device_ids
        for entry in er.async_entries_for_device(registry, device_id)
        if entry.platform == DOMAIN
        and entry.domain == domain
        and entry.unique_id.endswith(f"-{key}")
    }


class _BootsTrigger(Trigger):
    """Fires on a new state of one of the boots' entities that ``_match`` accepts."""

    _schema = _schema({})
    _entity = ("event", "session")  # the session event entity

    @classmethod
    @override
    async def async_validate_config(cls, hass: HomeAssistant, config: ConfigType) -> ConfigType:
        return cast(ConfigType, cls._schema(config))

    def __init__(self, hass: HomeAssistant, config: TriggerConfig) -> None:
        super().__init__(hass, config)
        assert config.options is not None
        self._options = config.options

    def _match(self, new: dict[str, Any]) -> str | None:
        """A description of what happened, or None to stay quiet."""
        raise NotImplementedError

    @override
    async def async_attach_runner(
        self,
        run_action: TriggerActionRunner,
        did_not_trigger: TriggerNotTriggeredReporter | None = None,
    ) -> CALLBACK_TYPE:
        devices = entity_ids(self._hass, self._options[ATTR_DEVICE_ID], *self._entity)
        # The last real state of each entity: back from unavailable (the boots woke up,
        # the entry reloaded) an entity shows its restored state again, which is no news.
        last = {
            entity_id: state.state
            for entity_id in devices
            if (state := self._hass.states.get(entity_id)) is not None
            and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
        }

        @callback
        def changed(event: Event[EventStateChangedData]) -> None:
            new, entity_id = event.data["new_state"], event.data["entity_id"]
            if new is None or new.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
                return
            if last.get(entity_id) == new.state:
                return
            last[entity_id] = new.state
            attributes = {"state": new.state, **new.attributes}
            if (description := self._match(attributes)) is not None:
                payload = {ATTR_DEVICE_ID: devices[entity_id], **attributes}
                run_action(payload, description, event.context)

        return async_track_state_change_event(self._hass, list(devices), changed)


class SessionStartedTrigger(_BootsTrigger):
    """A session started (from Home Assistant, the boots' buttons or the app)."""

    def _match(self, new: dict[str, Any]) -> str | None:
        return "leg boots session started" if new.get("event_type") == "started" else None


class SessionFinishedTrigger(_BootsTrigger):
    """A session ended: completed, stopped (early or not) or aborted, as chosen."""

    _schema = _schema(
        {
            vol.Optional(CONF_ENDING, default=list(ENDINGS)): vol.All(
                vol.EnsureList(), [vol.In(list(ENDINGS))]
            )
        }
    )

    def _match(self, new: dict[str, Any]) -> str | None:
        kinds = {kind for ending in self._options[CONF_ENDING] for kind in ENDINGS[ending]}
        kind = new.get("event_type")
        return f"leg boots session {kind}" if kind in kinds else None


class FaultTrigger(_BootsTrigger):
    """The boots report a fault."""

    _entity = ("sensor", "fault")

    def _match(self, new: dict[str, Any]) -> str | None:
        return None if new["state"] == "none" else f"leg boots fault {new['state']}"


TRIGGERS: dict[str, type[Trigger]] = {
    "session_started": SessionStartedTrigger,
    "session_finished": SessionFinishedTrigger,
    "fault": FaultTrigger,
}


async def async_get_triggers(hass: HomeAssistant) -> dict[str, type[Trigger]]:
    """The boots' automation triggers."""
    return TRIGGERS
