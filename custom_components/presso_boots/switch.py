"""Session switch (the boots' main feature) and chamber zone switches."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PressoConfigEntry, PressoCoordinator
from .entity import PressoEntity, PressoEntityDescription

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PressoSwitchDescription(SwitchEntityDescription, PressoEntityDescription):
    """How a switch reads and changes the boots."""

    is_on_fn: Callable[[PressoCoordinator], bool | None]
    turn_on_fn: Callable[[PressoCoordinator], Awaitable[object]]
    turn_off_fn: Callable[[PressoCoordinator], Awaitable[None]]


async def _start_unless_running(boots: PressoCoordinator) -> None:
    """Turning on a session the boots run (as the link last told) keeps it: START restarts.

    After a stop the user asked for and that has not landed, it starts anew (and the
    start cancels that stop).
    """
    if not boots.session_running or boots.stop_pending:
        await boots.async_start_session()


SESSION = PressoSwitchDescription(
    key="session",
    translation_key="session",
    name=None,
    is_on_fn=lambda c: None if c.data.state is None else c.data.session_active,
    reads=frozenset({"state"}),
    turn_on_fn=_start_unless_running,
    turn_off_fn=lambda c: c.async_stop_session(),
)


def _chamber(chamber: int) -> PressoSwitchDescription:
    bit = 1 << (chamber - 1)
    return PressoSwitchDescription(
        key=f"chamber_{chamber}",
        translation_key="chamber_zone",
        translation_placeholders={"chamber": str(chamber)},
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda c: None if c.data.zones is None else bool(c.data.zones & bit),
        reads=frozenset({"zones"}),
        turn_on_fn=lambda c: c.async_set_zones(zones_on=bit),
        turn_off_fn=lambda c: c.async_set_zones(zones_off=bit),
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PressoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the session switch and one zone switch per chamber."""
    coordinator = entry.runtime_data
    descriptions = [SESSION, *(_chamber(k) for k in range(1, coordinator.info.chambers + 1))]
    async_add_entities(PressoSwitch(coordinator, d) for d in descriptions)


class PressoSwitch(PressoEntity, SwitchEntity):
    """A switch of the boots."""

    entity_description: PressoSwitchDescription

    def shown(self) -> tuple[object, ...]:
        """On or off."""
        return (self.is_on,)

    @property
    def is_on(self) -> bool | None:
        """On when the session runs (or the chamber is in use)."""
        return self.entity_description.is_on_fn(self.coordinator)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start the session (or use the chamber)."""
        await self.entity_description.turn_on_fn(self.coordinator)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop the session (or leave the chamber out)."""
        await self.entity_description.turn_off_fn(self.coordinator)
