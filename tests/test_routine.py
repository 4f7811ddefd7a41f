"""Routines: the gentle start plan, rest and daily limits, stopped early, history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.presso_boots.const import DOMAIN
from custom_components.presso_boots.diagnostics import async_get_config_entry_diagnostics
from custom_components.presso_boots.routine import first_weekday
from custom_components.presso_boots.settings import SessionLimits
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, Boots

D = "presso_d005"


@pytest.fixture
async def duo(hass: HomeAssistant, proxy: VirtualProxy) -> Boots:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await boots.add_entry(gentle_start=True)
    await boots.advertise()
    return boots


async def _start(hass: HomeAssistant, boots: Boots, **data: Any) -> None:
    await hass.services.async_call(
        DOMAIN, "start_session", {"device_id": boots.device_id, **data}, blocking=True
    )


async def _refused(hass: HomeAssistant, boots: Boots, **data: Any) -> ServiceValidationError:
    started = boots.device.counters.sessions_started
    with pytest.raises(ServiceValidationError) as err:
        await _start(hass, boots, **data)
    assert boots.device.counters.sessions_started == started  # nothing reached the boots
    return err.value


def _event(hass: HomeAssistant) -> dict[str, Any]:
    state = hass.states.get(f"event.{D}_session")
    assert state is not None
    return dict(state.attributes)


def _limits(boots: Boots) -> tuple[str, str, str]:
    return (
        boots.state(f"sensor.{D}_gentle_start_sessions_left"),
        boots.state(f"sensor.{D}_pressure_limit_today"),
        boots.state(f"sensor.{D}_session_limit_today"),
    )


async def test_gentle_start_rises_in_equal_steps_and_survives_a_reload(
    hass: HomeAssistant, duo: Boots
) -> None:
    assert _limits(duo) == ("7", "40", "15")
    pressure = hass.states.get(f"number.{D}_pressure")
    assert pressure is not None
    assert pressure.attributes["max"] == 40  # every entry point sees today's limit
    err = await _refused(hass, duo, pressure=60)
    assert err.translation_key == "pressure_above_plan"
    assert err.translation_placeholders == {
        "value": "60",
        "limit": "40",
        "step": "1",
        "sessions": "7",
    }
    err = await _refused(hass, duo, duration=30)
    assert err.translation_key == "duration_above_plan"
    err = await _refused(hass, duo, pressure=150)  # above the user's own cap: that message
    assert err.translation_key == "pressure_above_cap"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "number", "set_value", {"entity_id": f"number.{D}_pressure", "value": 45}, blocking=True
        )
    await _start(hass, duo, pressure=40, duration=15)
    await duo.run(15 * 60 + 10, step=5)
    assert _event(hass)["event_type"] == "finished"
    assert _limits(duo) == ("6", "50", "20")  # 40 -> 100 and 15 -> 60 in six equal steps
    await _start(hass, duo, pressure=40, duration=5)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": f"switch.{D}"}, blocking=True
    )
    await duo.run(10)
    assert _limits(duo) == ("6", "50", "20")  # only completed sessions move the plan
    assert await hass.config_entries.async_reload(duo.entry_id)
    await duo.advertise()
    assert _limits(duo) == ("6", "50", "20")
    assert duo.entry is not None
    diagnostics = await async_get_config_entry_diagnostics(hass, duo.entry)
    assert diagnostics["routine"] == {
        "plan": {"step": 2, "sessions": 7},
        "limits_today": [50, 20],
        "sessions_kept": 2,
        "rest_over": True,
    }


async def test_finish_and_restart_the_plan(hass: HomeAssistant, duo: Boots) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": f"button.{D}_finish_gentle_start"}, blocking=True
    )
    assert _limits(duo) == ("0", "100", "60")
    await _start(hass, duo, pressure=90, duration=30)
    assert duo.device.settings.pressure == 90
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": f"switch.{D}"}, blocking=True
    )
    await duo.run(10)
    await hass.services.async_call(
        "button", "press", {"entity_id": f"button.{D}_restart_gentle_start"}, blocking=True
    )
    assert _limits(duo) == ("7", "40", "15")


async def test_plan_off_for_existing_entries(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await boots.add_entry()  # options from before the plan: no gentle_start
    await boots.advertise()
    assert _limits(boots) == ("0", "100", "60")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "button", "press", {"entity_id": f"button.{D}_restart_gentle_start"}, blocking=True
        )
    assert err.value.translation_key == "plan_off"


async def test_rest_and_daily_limit_refuse_a_start_unless_overridden(
    hass: HomeAssistant, proxy: VirtualProxy, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-24 18:00:00+00:00")
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    boots.clock = freezer
    await boots.add_entry(rest_minutes=60, daily_minutes=30)
    await boots.advertise()
    assert boots.state(f"sensor.{D}_next_session_allowed") == "unknown"
    await _start(hass, boots, duration=10)
    await boots.run(10 * 60 + 10, step=5)
    assert _event(hass)["event_type"] == "finished"
    allowed = boots.state(f"sensor.{D}_next_session_allowed")
    assert allowed.startswith("2026-11-24T19:10")  # an hour after the end
    err = await _refused(hass, boots, duration=10)
    assert err.translation_key == "rest_period"
    assert err.translation_placeholders is not None
    assert err.translation_placeholders["rest"] == "60"
    with pytest.raises(ServiceValidationError):  # the switch respects it too
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": f"switch.{D}"}, blocking=True
        )
    assert boots.device.counters.sessions_started == 1
    await _start(hass, boots, duration=10, override_rest=True)
    assert boots.device.counters.sessions_started == 2
    await boots.run(10 * 60 + 10, step=5)
    freezer.tick(timedelta(hours=2))
    err = await _refused(hass, boots, duration=15)  # 20 of 30 minutes used today
    assert err.translation_key == "daily_limit"
    assert err.translation_placeholders == {
        "used": "20",
        "limit": "30",
        "left": "10",
        "duration": "15",
    }
    await _start(hass, boots, duration=10)
    assert boots.device.counters.sessions_started == 3


async def test_stopped_early_lowers_the_suggested_pressure_until_sessions_complete(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await boots.add_entry()
    await boots.advertise()
    assert boots.state(f"sensor.{D}_suggested_pressure") == "unknown"
    await _start(hass, boots, pressure=80, duration=30)
    await boots.run(5 * 60, step=5)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": f"switch.{D}"}, blocking=True
    )
    await boots.run(5)
    event = _event(hass)
    assert (event["event_type"], event["source"], event["completed"]) == (
        "stopped_early",
        "app",
        False,
    )
    assert 4.5 <= event["minutes"] <= 5.5
    assert boots.state(f"sensor.{D}_suggested_pressure") == "75"
    await _start(hass, boots, pressure=75, duration=15)
    await boots.run(6 * 60, step=5)
    boots.device.press_button("stop")  # after the first third: an ordinary stop
    await boots.run(5)
    assert (_event(hass)["event_type"], _event(hass)["source"]) == ("stopped", "buttons")
    assert boots.state(f"sensor.{D}_suggested_pressure") == "75"
    await _start(hass, boots, pressure=75, duration=5)
    await boots.run(5 * 60 + 10, step=5)
    assert _event(hass)["event_type"] == "finished"
    assert boots.state(f"sensor.{D}_suggested_pressure") == "80"  # back up after completing


async def test_pause_and_resume_buttons(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await boots.add_entry()
    await boots.advertise()
    with pytest.raises(HomeAssistantError) as err:  # nothing to pause
        await hass.services.async_call(
            "button", "press", {"entity_id": f"button.{D}_pause_session"}, blocking=True
        )
    assert err.value.translation_key == "wrong_state"
    await _start(hass, boots, duration=10)
    await hass.services.async_call(
        "button", "press", {"entity_id": f"button.{D}_pause_session"}, blocking=True
    )
    await boots.run(2)
    assert boots.state(f"sensor.{D}_session_state") == "paused"
    await hass.services.async_call(
        "button", "press", {"entity_id": f"button.{D}_resume_session"}, blocking=True
    )
    await boots.run(2)
    assert boots.state(f"sensor.{D}_session_state") == "running"


def test_the_week_starts_as_the_locale_says() -> None:
    assert first_weekday(None, "en") == 6  # en is read as en-US: Sunday
    assert first_weekday(None, "en-GB") == 0
    assert first_weekday(None, "es") == 0
    assert first_weekday("MX", "es") == 6  # the country decides when it is set
    assert first_weekday("EG", "ar") == 5


async def test_history_totals_reset_at_midnight_and_week_start_and_survive_reload(
    hass: HomeAssistant, proxy: VirtualProxy, freezer: FrozenDateTimeFactory
) -> None:
    assert hass.config.time_zone == "US/Pacific"
    freezer.move_to("2026-11-24 18:00:00+00:00")  # Tuesday 10:00 local
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    boots.clock = freezer
    await boots.add_entry()
    await boots.advertise()
    await _start(hass, boots, pressure=60, duration=10)
    await boots.run(10 * 60 + 10, step=5)
    event = _event(hass)
    assert (event["event_type"], event["program"], event["average_pressure"]) == (
        "finished",
        "wave",
        60,
    )
    assert (event["minutes"], event["completed"]) == (10, True)
    totals = (
        f"sensor.{D}_therapy_today",
        f"sensor.{D}_therapy_this_week",
        f"sensor.{D}_sessions_this_week",
    )
    assert [boots.state(t) for t in totals] == ["10.0", "10.0", "1"]
    today = hass.states.get(totals[0])
    assert today is not None
    assert today.attributes["state_class"] == "total"
    assert today.attributes["last_reset"] == "2026-11-24T00:00:00-08:00"
    week = hass.states.get(totals[2])
    assert week is not None
    assert week.attributes["last_reset"] == "2026-11-22T00:00:00-08:00"  # Sunday
    assert await hass.config_entries.async_reload(boots.entry_id)
    assert [boots.state(t) for t in totals] == ["10.0", "10.0", "1"]
    freezer.move_to("2026-11-25 08:00:01+00:00")  # Wednesday 00:00:01 local
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert [boots.state(t) for t in totals] == ["0.0", "10.0", "1"]
    freezer.move_to("2026-11-29 08:00:01+00:00")  # Sunday: a new week
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert [boots.state(t) for t in totals] == ["0.0", "0.0", "0"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"gentle_sessions": 7}, [(40, 15), (50, 20), (60, 30), (70, 35), (80, 45), (90, 50)]),
        ({"gentle_sessions": 1}, [(40, 15)]),
        ({"gentle_sessions": 3, "max_pressure": 30, "max_duration": 10}, [(30, 10), (30, 10)]),
    ],
)
def test_plan_steps_stay_on_the_device_grid_within_the_users_caps(
    options: dict[str, int], expected: list[tuple[int, int]]
) -> None:
    info = SimulatedBoots(DUO, 2).info
    options = {"gentle_start": True, "max_pressure": 100, "max_duration": 60, **options}
    steps = []
    for done in range(options["gentle_sessions"]):
        limits = SessionLimits.from_entry(info, options, done)
        assert limits.plan is not None
        steps.append((limits.max_pressure, limits.max_duration))
    assert steps[: len(expected)] == expected
    done_limits = SessionLimits.from_entry(info, options, options["gentle_sessions"])
    assert done_limits.plan is None
    if len(steps) > 1:  # the plan's last session reaches the user's own caps
        assert steps[-1] == (done_limits.max_pressure, done_limits.max_duration)
