"""Target pressure and session length."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import UnitOfPressure, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PressoConfigEntry, PressoCoordinator
from .entity import PressoEntity, PressoEntityDescription
from .settings import SessionLimits

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PressoNumberDescription(NumberEntityDescription, PressoEntityDescription):
    """How a number reads, bounds and changes a setting."""

    value_fn: Callable[[PressoCoordinator], int | None]
    range_fn: Callable[[SessionLimits], tuple[int, int, int]]
    set_fn: Callable[[PressoCoordinator, float], Awaitable[None]]


NUMBERS = (
    PressoNumberDescription(
        key="pressure",
        translation_key="pressure",
        device_class=NumberDeviceClass.PRESSURE,
        native_unit_of_measurement=UnitOfPressure.MMHG,
        mode=NumberMode.SLIDER,
        value_fn=lambda c: c.data.pressure,
        reads=frozenset({"pressure"}),
        range_fn=lambda lim: (lim.min_pressure, lim.max_pressure, lim.info.pressure_step),
        set_fn=lambda c, value: c.async_set_pressure(value),
    ),
    PressoNumberDescription(
        key="duration",
        translation_key="duration",
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        mode=NumberMode.SLIDER,
        value_fn=lambda c: c.data.duration,
        reads=frozenset({"duration"}),
        range_fn=lambda lim: (lim.info.duration_min, lim.max_duration, lim.info.duration_step),
        set_fn=lambda c, value: c.async_set_duration(value),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PressoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the numbers."""
    async_add_entities(PressoNumber(entry.runtime_data, d) for d in NUMBERS)


class PressoNumber(PressoEntity, NumberEntity):
    """A setting of the boots, bounded by the device and the user's limits."""

    entity_description: PressoNumberDescription

    def _range(self) -> tuple[int, int, int]:
        return self.entity_description.range_fn(self.coordinator.limits)

    def shown(self) -> tuple[object, ...]:
        """The setting and its range (the limits in force may move it)."""
        return self.native_value, self._range()

    @property
    def native_min_value(self) -> float:
        """Lowest value."""
        return self._range()[0]

    @property
    def native_max_value(self) -> float:
        """Highest value the user allows."""
        return self._range()[1]

    @property
    def native_step(self) -> float:
        """Step the device accepts."""
        return self._range()[2]

    @property
    def native_value(self) -> float | None:
        """Current setting."""
        return self.entity_description.value_fn(self.coordinator)

    async def async_set_native_value(self, value: float) -> None:
        """Send the new setting (checked, and rounded to a whole unit, by the limits first)."""
        await self.entity_description.set_fn(self.coordinator, value)
