"""Base entity: device info, availability, and a state written only when it changed."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import callback
from homeassistant.helpers.device_registry import CONNECTION_BLUETOOTH, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .const import DOMAIN
from .coordinator import PressoCoordinator


@dataclass(frozen=True, kw_only=True)
class PressoEntityDescription(EntityDescription):
    """What every entity of the boots describes besides what Home Assistant asks."""

    #: The state fields (``PressoData``) it shows: a change of others passes it by (it
    #: still hears every change of availability, limits and routine). None: every change.
    reads: frozenset[str] | None = None


class PressoEntity(Entity):
    """An entity of one pair of boots; the coordinator pushes, nothing polls."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    entity_description: PressoEntityDescription

    def __init__(
        self, coordinator: PressoCoordinator, description: PressoEntityDescription
    ) -> None:
        self.coordinator = coordinator
        self.entity_description = description
        self._written: tuple[object, ...] | None = None
        info = coordinator.info
        self._attr_unique_id = f"{coordinator.address}-{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, coordinator.address)},
            connections={(CONNECTION_BLUETOOTH, coordinator.address)},
            manufacturer="Presso",
            model=info.model_name,
            model_id=f"0x{info.model_id:02x}",
            name=coordinator.config_entry.title,
            serial_number=info.serial,
            sw_version=info.firmware,
        )

    async def async_added_to_hass(self) -> None:
        """Hear the boots' state changes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_listener(
                self._handle_state_change, self.entity_description.reads
            )
        )

    @property
    def available(self) -> bool:
        """Heard recently over the radio, or connected."""
        return self.coordinator.available

    def shown(self) -> tuple[object, ...]:
        """What this entity shows that a state change can move (besides availability)."""
        return ()

    @callback
    def _handle_state_change(self) -> None:
        """A STATUS usually moves one or two entities: only those write their state."""
        shown = (self.available, *self.shown())
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()

    @callback
    def _async_write_shown(self) -> None:
        """Write the state, remembering what it showed."""
        self._written = (self.available, *self.shown())
        self.async_write_ha_state()
