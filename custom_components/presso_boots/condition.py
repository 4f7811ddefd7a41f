"""Automation conditions: the boots are in a session; the rest period is over."""

from __future__ import annotations

from typing import Any, Unpack, cast, override

import probatio as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID, CONF_OPTIONS
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.condition import Condition, ConditionCheckParams, ConditionConfig
from homeassistant.helpers.typing import ConfigType

from .coordinator import PressoCoordinator
from .services import entry_for_device

CONF_DURATION = "duration"
SCHEMA = vol.Schema(
    {
        vol.Required(CONF_OPTIONS): {
            vol.Required(ATTR_DEVICE_ID): vol.All(vol.EnsureList(), [cv.string]),
            vol.Optional(CONF_DURATION): vol.All(vol.Coerce(int), vol.Range(min=1, max=240)),
        }
    }
)


class _BootsCondition(Condition):
    """True when every chosen pair of boots that is set up passes ``_test``."""

    @classmethod
    @override
    async def async_validate_config(cls, hass: HomeAssistant, config: ConfigType) -> ConfigType:
        return cast(ConfigType, SCHEMA(config))

    def __init__(self, hass: HomeAssistant, config: ConditionConfig) -> None:
        super().__init__(hass, config)
        assert config.options is not None
        self._device_ids: list[str] = config.options[ATTR_DEVICE_ID]
        self._duration: int = config.options.get(CONF_DURATION, 0)

    def _test(self, coordinator: PressoCoordinator) -> bool:
        raise NotImplementedError

    @override
    def _async_check(self, **kwargs: Unpack[ConditionCheckParams]) -> bool:
        coordinators: list[Any] = [
            entry.runtime_data
            for device_id in self._device_ids
            if (entry := entry_for_device(self._hass, device_id))
            and entry.state is ConfigEntryState.LOADED
        ]
        return bool(coordinators) and all(self._test(c) for c in coordinators)


class InSessionCondition(_BootsCondition):
    """A session runs or is paused."""

    def _test(self, coordinator: PressoCoordinator) -> bool:
        return coordinator.data.session_active


class RestOverCondition(_BootsCondition):
    """The rest period and today's therapy minutes let a session (of this length) start now."""

    def _test(self, coordinator: PressoCoordinator) -> bool:
        return coordinator.routine.rest_over(self._duration)


CONDITIONS: dict[str, type[Condition]] = {
    "in_session": InSessionCondition,
    "rest_over": RestOverCondition,
}


async def async_get_conditions(hass: HomeAssistant) -> dict[str, type[Condition]]:
    """The boots' automation conditions."""
    return CONDITIONS
