"""Base entity: device info and availability shared by every platform."""

from __future__ import annotations

from homeassistant.helpers.device_registry import CONNECTION_BLUETOOTH, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import PressoCoordinator


class PressoEntity(CoordinatorEntity[PressoCoordinator]):
    """An entity of one pair of boots."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: PressoCoordinator, description: EntityDescription) -> None:
        super().__init__(coordinator)
        self.entity_description = description
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

    @property
    def available(self) -> bool:
        """Heard recently over the radio, or connected."""
        return self.coordinator.available

    async def async_update(self) -> None:
        """Nothing to fetch: the boots push every change (advertisements, notifications).

        Home Assistant's update entity action lands here; the coordinator has no
        update method, so a refresh would raise NotImplementedError.
        """
