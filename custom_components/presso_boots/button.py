"""Buttons: pause and resume the session; finish or restart the gentle start plan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PressoConfigEntry, PressoCoordinator
from .entity import PressoEntity, PressoEntityDescription

PARALLEL_UPDATES = 1


async def _sync(action: Callable[[], None]) -> None:
    action()


@dataclass(frozen=True, kw_only=True)
class PressoButtonDescription(ButtonEntityDescription, PressoEntityDescription):
    """What pressing the button does."""

    press_fn: Callable[[PressoCoordinator], Awaitable[None]]
    needs_boots: bool = True
    #: A button shows nothing of the state: only availability moves it.
    reads: frozenset[str] | None = frozenset()


BUTTONS = (
    PressoButtonDescription(
        key="pause", translation_key="pause", press_fn=lambda c: c.async_pause()
    ),
    PressoButtonDescription(
        key="resume", translation_key="resume", press_fn=lambda c: c.async_resume()
    ),
    PressoButtonDescription(
        key="finish_plan",
        translation_key="finish_plan",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda c: _sync(c.routine.finish_plan),
        needs_boots=False,
    ),
    PressoButtonDescription(
        key="restart_plan",
        translation_key="restart_plan",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda c: _sync(c.routine.restart_plan),
        needs_boots=False,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PressoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the buttons."""
    async_add_entities(PressoButton(entry.runtime_data, d) for d in BUTTONS)


class PressoButton(PressoEntity, ButtonEntity):
    """A button of the boots."""

    entity_description: PressoButtonDescription

    @property
    def available(self) -> bool:
        """The plan's buttons work while the boots sleep."""
        return super().available or not self.entity_description.needs_boots

    async def async_press(self) -> None:
        """Do it."""
        await self.entity_description.press_fn(self.coordinator)
