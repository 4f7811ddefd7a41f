"""Program and legs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import LEGS_KEYS, PROGRAM_KEYS
from .coordinator import PressoConfigEntry, PressoCoordinator
from .entity import PressoEntity, PressoEntityDescription

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PressoSelectDescription(SelectEntityDescription, PressoEntityDescription):
    """How a select maps options to protocol values."""

    choices_fn: Callable[[PressoCoordinator], dict[int, str]]
    value_fn: Callable[[PressoCoordinator], int | None]
    select_fn: Callable[[PressoCoordinator, int], Awaitable[None]]


SELECTS = (
    PressoSelectDescription(
        key="program",
        translation_key="program",
        choices_fn=lambda c: {p: PROGRAM_KEYS[p] for p in c.info.programs if p in PROGRAM_KEYS},
        value_fn=lambda c: c.data.program,
        reads=frozenset({"program"}),
        select_fn=lambda c, program: c.async_set_program(program),
    ),
    PressoSelectDescription(
        key="legs",
        translation_key="legs",
        choices_fn=lambda c: LEGS_KEYS if c.info.legs > 1 else {1: LEGS_KEYS[1]},
        value_fn=lambda c: c.data.legs,
        reads=frozenset({"legs"}),
        select_fn=lambda c, legs: c.async_set_zones(legs=legs),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PressoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the selects."""
    async_add_entities(PressoSelect(entry.runtime_data, d) for d in SELECTS)


class PressoSelect(PressoEntity, SelectEntity):
    """A choice among what the boots support."""

    entity_description: PressoSelectDescription

    def __init__(
        self, coordinator: PressoCoordinator, description: PressoSelectDescription
    ) -> None:
        super().__init__(coordinator, description)
        self._choices = description.choices_fn(coordinator)
        self._attr_options = list(self._choices.values())

    def shown(self) -> tuple[object, ...]:
        """The selected option."""
        return (self.current_option,)

    @property
    def current_option(self) -> str | None:
        """Selected option."""
        value = self.entity_description.value_fn(self.coordinator)
        return None if value is None else self._choices.get(value)

    async def async_select_option(self, option: str) -> None:
        """Send the choice."""
        value = next(k for k, v in self._choices.items() if v == option)
        await self.entity_description.select_fn(self.coordinator, value)
