"""Session event entity: started, finished, stopped, stopped early, aborted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import EVENT_TYPES
from .coordinator import PressoConfigEntry
from .entity import PressoEntity, PressoEntityDescription

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PressoEventDescription(EventEntityDescription, PressoEntityDescription):
    """The session event: it shows what the boots report, not their state."""

    reads: frozenset[str] | None = frozenset()


SESSION_EVENT = PressoEventDescription(
    key="session",
    translation_key="session",
    event_types=EVENT_TYPES,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PressoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the session event entity."""
    async_add_entities([PressoSessionEvent(entry.runtime_data, SESSION_EVENT)])


class PressoSessionEvent(PressoEntity, EventEntity):
    """Fires when a session starts or ends, with its program, pressure and duration."""

    entity_description: PressoEventDescription

    async def async_added_to_hass(self) -> None:
        """Listen to the coordinator's session events."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_event_listener(self._on_session_event))

    @callback
    def _on_session_event(self, event_type: str, data: dict[str, Any]) -> None:
        self._trigger_event(event_type, data)
        self.async_write_ha_state()
