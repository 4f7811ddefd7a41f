"""Session state, session end, chamber pressures, battery, lifetime and faults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfPressure,
    UnitOfTime,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .const import FAULT_KEYS, LEG_NAMES, OTHER_FAULT
from .coordinator import PressoConfigEntry, PressoCoordinator
from .entity import PressoEntity, PressoEntityDescription
from .live import LiveData
from .presso_ble import SessionState

PARALLEL_UPDATES = 0


#: What the routine's sensors read of the boots' state: nothing (they change with the
#: routine, the limits and the day, which are published as a change of everything).
ROUTINE: frozenset[str] = frozenset()
STATE_OPTIONS = [state.name.lower() for state in SessionState]
FAULT_OPTIONS = [*FAULT_KEYS.values(), OTHER_FAULT]


@dataclass(frozen=True, kw_only=True)
class PressoSensorDescription(SensorEntityDescription, PressoEntityDescription):
    """How a sensor reads the boots."""

    value_fn: Callable[[PressoCoordinator], StateType | datetime]
    needs_boots: bool = True
    last_reset_fn: Callable[[PressoCoordinator], datetime] | None = None
    #: Live data it follows besides the state (``live.py``), which skips other entities.
    listen_fn: Callable[[LiveData], Callable[[CALLBACK_TYPE], CALLBACK_TYPE]] | None = None


SENSORS = (
    PressoSensorDescription(
        key="session_state",
        translation_key="session_state",
        device_class=SensorDeviceClass.ENUM,
        options=STATE_OPTIONS,
        value_fn=lambda c: None if c.data.state is None else c.data.state.name.lower(),
        reads=frozenset({"state"}),
    ),
    PressoSensorDescription(
        key="session_ends",
        translation_key="session_ends",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda c: c.data.session_ends,
        reads=frozenset({"session_ends"}),
    ),
    PressoSensorDescription(
        key="fault",
        translation_key="fault",
        device_class=SensorDeviceClass.ENUM,
        options=FAULT_OPTIONS,
        value_fn=lambda c: FAULT_KEYS.get(c.data.fault, OTHER_FAULT),
        reads=frozenset({"fault"}),
    ),
    PressoSensorDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: c.data.battery,
        reads=frozenset({"battery"}),
    ),
    PressoSensorDescription(
        key="lifetime_sessions",
        translation_key="lifetime_sessions",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: c.data.lifetime_sessions,
        reads=frozenset({"lifetime_sessions"}),
    ),
    PressoSensorDescription(
        key="lifetime_therapy",
        translation_key="lifetime_therapy",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=1,  # a 15-minute session shows as 0.3 h, not 0 h
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        # whole minutes: STATUS brings a new count every 10 s, one row each in the recorder
        value_fn=lambda c: (
            None if c.data.lifetime_seconds is None else c.data.lifetime_seconds // 60 * 60
        ),
        reads=frozenset({"lifetime_seconds"}),
    ),
    PressoSensorDescription(
        key="rssi",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda c: c.data.rssi,
        reads=frozenset({"rssi"}),
        listen_fn=lambda live: live.async_add_rssi_listener,
    ),
    # the routine (routine.py): known while the boots sleep
    PressoSensorDescription(
        key="plan_sessions_left",
        translation_key="plan_sessions_left",
        value_fn=lambda c: c.limits.plan.sessions - c.limits.plan.step + 1 if c.limits.plan else 0,
        needs_boots=False,
        reads=ROUTINE,
    ),
    PressoSensorDescription(
        key="limit_pressure",
        translation_key="pressure_limit",
        device_class=SensorDeviceClass.PRESSURE,
        native_unit_of_measurement=UnitOfPressure.MMHG,
        suggested_display_precision=0,
        value_fn=lambda c: c.limits.max_pressure,
        needs_boots=False,
        reads=ROUTINE,
    ),
    PressoSensorDescription(
        key="limit_duration",
        translation_key="duration_limit",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value_fn=lambda c: c.limits.max_duration,
        needs_boots=False,
        reads=ROUTINE,
    ),
    PressoSensorDescription(
        key="suggested_pressure",
        translation_key="suggested_pressure",
        device_class=SensorDeviceClass.PRESSURE,
        native_unit_of_measurement=UnitOfPressure.MMHG,
        suggested_display_precision=0,
        value_fn=lambda c: c.routine.suggested_pressure(c.limits),
        needs_boots=False,
        reads=ROUTINE,
    ),
    PressoSensorDescription(
        key="therapy_today",
        translation_key="therapy_today",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=0,
        value_fn=lambda c: c.routine.minutes_today(),
        last_reset_fn=lambda c: c.routine.totals().day_start,
        needs_boots=False,
        reads=ROUTINE,
    ),
    PressoSensorDescription(
        key="therapy_week",
        translation_key="therapy_week",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=0,
        value_fn=lambda c: c.routine.minutes_this_week(),
        last_reset_fn=lambda c: c.routine.totals().week_start,
        needs_boots=False,
        reads=ROUTINE,
    ),
    PressoSensorDescription(
        key="sessions_week",
        translation_key="sessions_week",
        state_class=SensorStateClass.TOTAL,
        value_fn=lambda c: c.routine.sessions_this_week(),
        last_reset_fn=lambda c: c.routine.totals().week_start,
        needs_boots=False,
        reads=ROUTINE,
    ),
    PressoSensorDescription(
        key="next_session",
        translation_key="next_session",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda c: c.routine.allowed_from(dt_util.utcnow()),
        needs_boots=False,
        reads=ROUTINE,
    ),
)


def _chamber(leg: int, chamber: int, chambers: int) -> PressoSensorDescription:
    index = leg * chambers + chamber - 1
    return PressoSensorDescription(
        key=f"pressure_{LEG_NAMES[leg]}_{chamber}",
        translation_key=f"chamber_pressure_{LEG_NAMES[leg]}",
        translation_placeholders={"chamber": str(chamber)},
        device_class=SensorDeviceClass.PRESSURE,
        native_unit_of_measurement=UnitOfPressure.MMHG,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        # the card shows them live over its websocket; enable one to keep its history
        entity_registry_enabled_default=False,
        listen_fn=lambda live: live.async_add_pressure_listener,
        reads=frozenset({"pressures", "state"}),
        value_fn=lambda c: (
            (0 if c.data.state is not None else None)
            if c.data.pressures is None or index >= len(c.data.pressures)
            else c.data.pressures[index]
        ),
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PressoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors, with one pressure sensor per leg and chamber."""
    coordinator = entry.runtime_data
    info = coordinator.info
    chambers = [
        _chamber(leg, chamber, info.chambers)
        for leg in range(min(info.legs, len(LEG_NAMES)))
        for chamber in range(1, info.chambers + 1)
    ]
    async_add_entities(PressoSensor(coordinator, d) for d in (*SENSORS, *chambers))


class PressoSensor(PressoEntity, SensorEntity):
    """A reading of the boots."""

    entity_description: PressoSensorDescription

    async def async_added_to_hass(self) -> None:
        """Chamber and signal sensors also hear their live data, which skips other entities."""
        await super().async_added_to_hass()
        if listen := self.entity_description.listen_fn:
            self.async_on_remove(listen(self.coordinator.live)(self._async_write_shown))

    @property
    def available(self) -> bool:
        """Readings of the boots need them in range; the routine's do not."""
        return super().available or not self.entity_description.needs_boots

    def shown(self) -> tuple[object, ...]:
        """The reading and the start of its day or week."""
        return self.native_value, self.last_reset

    @property
    def last_reset(self) -> datetime | None:
        """Start of the day or week a total counts from."""
        reset = self.entity_description.last_reset_fn
        return None if reset is None else reset(self.coordinator)

    @property
    def native_value(self) -> StateType | datetime:
        """Current reading."""
        return self.entity_description.value_fn(self.coordinator)
