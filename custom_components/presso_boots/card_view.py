"""The card's whole view of one pair of boots, built from the coordinator's public state.

The card shows nothing else: the session, the settings, the limits in force and
why they stop where they do, what a start would really get, and the entity ids
of the controls (found in the entity registry by unique id, never by parsing
an entity id, which users rename). Reads ``coordinator.data``, ``.limits``,
``.routine``, ``.available``, ``.connected`` and ``.link.other_central``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import CONF_ADDRESS, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .const import CONF_DAILY_MINUTES, DOMAIN, FAULT_KEYS, LEGS_KEYS, OTHER_FAULT, PROGRAM_KEYS
from .coordinator import PressoConfigEntry, PressoCoordinator

#: The card's controls and what it reads besides: entity key -> platform.
CONTROLS: Mapping[str, Platform] = {
    "session": Platform.SWITCH,
    "pressure": Platform.NUMBER,
    "duration": Platform.NUMBER,
    "program": Platform.SELECT,
    "legs": Platform.SELECT,
    "session_state": Platform.SENSOR,
    "therapy_today": Platform.SENSOR,
}


def control_entities(hass: HomeAssistant, entry: PressoConfigEntry) -> dict[str, str | None]:
    """The entity ids of the boots' controls, by the unique ids the platforms give them."""
    registry = er.async_get(hass)
    address = entry.data[CONF_ADDRESS]
    return {
        key: registry.async_get_entity_id(platform, DOMAIN, f"{address}-{key}")
        for key, platform in CONTROLS.items()
    }


def _highest(grid: list[int], ceiling: float) -> int | None:
    """The largest grid value at or below the ceiling."""
    below = [value for value in grid if value <= ceiling]
    return below[-1] if below else None


def _local_time(moment: datetime) -> str:
    return dt_util.as_local(moment).strftime("%H:%M")


def limits_view(
    coordinator: PressoCoordinator, options: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """The limits in force now and why each control stops where it does."""
    limits, routine, data = coordinator.limits, coordinator.routine, coordinator.data
    info = limits.info
    durations = [d for d in info.durations() if d <= limits.max_duration]
    daily: int = options.get(CONF_DAILY_MINUTES, 0)
    used = round(routine.minutes_today())
    left = max(0, daily - used) if daily else None
    duration_max = _highest(durations, limits.max_duration if left is None else left)
    allowed = routine.allowed_from(now)
    rest_until = None
    if allowed is not None and allowed > now and (left is None or left > 0):
        rest_until = _local_time(allowed)  # the rest between sessions (not the day's end)
    try:
        wanted = limits.safe_duration(data.duration)
        pressure: int | None = limits.safe_pressure(data.pressure)
    except HomeAssistantError:  # nothing the boots accept is within the user's limits
        wanted, pressure = 0, None
    start_minutes = None if duration_max is None else min(wanted, duration_max) or None
    plan = limits.plan
    if left is not None and (duration_max is None or duration_max < limits.max_duration):
        duration_reason = "daily"
    elif plan is not None and limits.max_duration < limits.longest:
        duration_reason = "plan"
    else:
        duration_reason = "cap"
    return {
        "pressure_min": info.pressure_min,
        "pressure_max": limits.max_pressure,
        "pressure_step": info.pressure_step,
        "pressure_reason": "plan" if plan and limits.max_pressure < limits.cap else "cap",
        "duration_min": info.duration_min,
        "duration_max": duration_max,
        "duration_step": info.duration_step,
        "duration_reason": duration_reason,
        "cap": limits.cap,
        "longest": limits.longest,
        "plan": None
        if plan is None
        else {
            "session": plan.step,
            "sessions": plan.sessions,
            "pressure": limits.max_pressure,
            "minutes": limits.max_duration,
        },
        "rest_until": rest_until,
        "allowed_from": None if allowed is None or allowed <= now else allowed.isoformat(),
        "daily": None if left is None else {"left": left, "limit": daily, "used": used},
        "start_minutes": start_minutes,
        "today_minutes": used,
        "start_pressure": pressure,
    }


def card_view(
    hass: HomeAssistant, entry: PressoConfigEntry, name: str, coordinator: PressoCoordinator | None
) -> dict[str, Any]:
    """Everything the card shows for one pair of boots, as of now."""
    view: dict[str, Any] = {"name": name, "entities": control_entities(hass, entry)}
    if coordinator is None:  # not loaded: set up again, or being removed
        return {**view, "available": False, "connected": False, "other_app": False}
    data, info = coordinator.data, coordinator.limits.info
    now = dt_util.utcnow()
    state = data.state
    return {
        **view,
        "available": coordinator.available,
        "connected": coordinator.connected,
        "other_app": coordinator.link.other_central,
        "legs": info.legs,
        "chambers": info.chambers,
        "state": None if state is None else state.name.lower(),
        "program": PROGRAM_KEYS.get(data.program or 0),
        "programs": [PROGRAM_KEYS[p] for p in info.programs if p in PROGRAM_KEYS],
        "pressure": data.pressure,
        "duration": data.duration,
        "ends": None if data.session_ends is None else data.session_ends.isoformat(),
        "legs_in_use": data.legs,
        "legs_choice": LEGS_KEYS.get(data.legs or 0),
        "legs_options": list(LEGS_KEYS.values()) if info.legs > 1 else [LEGS_KEYS[1]],
        "zones": data.zones,
        "fault": FAULT_KEYS.get(data.fault, OTHER_FAULT) if data.fault else None,
        "limits": limits_view(coordinator, coordinator.config_entry.options, now),
    }


def _daily_changes(
    hass: HomeAssistant, statistic_id: str, start: datetime, end: datetime
) -> dict[str, float]:
    """Minutes per local day from the long-term statistics (runs in the recorder's executor)."""
    rows = statistics_during_period(hass, start, end, {statistic_id}, "day", None, {"change"}).get(
        statistic_id, []
    )
    return {
        dt_util.as_local(dt_util.utc_from_timestamp(row["start"])).date().isoformat(): row.get(
            "change"
        )
        or 0.0
        for row in rows
    }


async def async_week(
    hass: HomeAssistant, entry: PressoConfigEntry, coordinator: PressoCoordinator
) -> dict[str, Any]:
    """The week's therapy minutes per day so far and the gentle start plan's progress.

    Past days come from the long-term statistics of the Therapy today sensor; today
    from the routine itself, which the statistics reach only after the hour.
    """
    routine, limits = coordinator.routine, coordinator.limits
    now = dt_util.utcnow()
    start = routine.week_start(now)
    today = routine.day_start(now)
    statistic_id = control_entities(hass, entry)["therapy_today"]
    past: dict[str, float] = {}
    if statistic_id and "recorder" in hass.config.components and today > start:
        past = await get_instance(hass).async_add_executor_job(
            _daily_changes, hass, statistic_id, start, today
        )
    days = []
    for offset in range(7):
        day = (start + timedelta(days=offset)).date()
        minutes = routine.minutes_today() if day == today.date() else past.get(day.isoformat())
        future = day > today.date()
        days.append({"day": day.isoformat(), "minutes": None if future else round(minutes or 0)})
    plan = limits.plan
    return {
        "days": days,
        "plan": None if plan is None else {"done": plan.step - 1, "sessions": plan.sessions},
    }
