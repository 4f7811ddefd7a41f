"""Routines: the gentle start plan's progress, kept per pair of boots over restarts.

The coordinator tells it about every session end; the limits it implies are
built by ``SessionLimits`` (``settings.py``), the one chokepoint. It never
talks to the boots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.storage import Store

from .const import CONF_GENTLE_START, DOMAIN

STORAGE_VERSION = 1
SAVE_DELAY = 10


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}")


async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's routine."""
    await _store(hass, entry_id).async_remove()


class Routine:
    """What the boots' sessions so far mean for the next one."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        options: dict[str, Any],
        on_change: Callable[[], None],
    ) -> None:
        self._store = _store(hass, entry_id)
        self._options = options
        self._on_change = on_change
        #: Completed sessions counted by the gentle start plan; None once the user finished it.
        self.plan_done: int | None = 0

    async def async_load(self) -> None:
        """Read the stored progress."""
        stored = await self._store.async_load() or {}
        self.plan_done = stored.get("plan_done", 0)
        self._on_change()

    async def async_save(self) -> None:
        """Write now (on unload, so a reload reads the latest)."""
        await self._store.async_save(self._as_dict())

    def _changed(self) -> None:
        self._store.async_delay_save(self._as_dict, SAVE_DELAY)
        self._on_change()

    def _as_dict(self) -> dict[str, Any]:
        return {"plan_done": self.plan_done}

    # --- gentle start plan -------------------------------------------------------------

    def _require_plan(self) -> None:
        if not self._options.get(CONF_GENTLE_START):
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="plan_off")

    def finish_plan(self) -> None:
        """The user's own limits apply from now on."""
        self._require_plan()
        self.plan_done = None
        self._changed()

    def restart_plan(self) -> None:
        """Start the gentle start plan again from its first session."""
        self._require_plan()
        self.plan_done = 0
        self._changed()

    # --- sessions ------------------------------------------------------------------------

    def session_ended(self, kind: str, summary: dict[str, Any]) -> str:
        """Count a session that ended; returns the event type to report."""
        if kind == "finished" and self.plan_done is not None:
            self.plan_done += 1
        self._changed()
        return kind
