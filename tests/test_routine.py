"""Routines: the gentle start plan, rest and daily limits, stopped early, history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.presso_boots.const import DOMAIN
from custom_components.presso_boots.data import PressoData
from custom_components.presso_boots.diagnostics import async_get_config_entry_diagnostics
from custom_components.presso_boots.presso_ble import SessionState
from custom_components.presso_boots.routine import (
    SAVE_DELAY,
    Routine,
    SessionClock,
    SessionRecord,
    async_remove_store,
    first_weekday,
)
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


async def test_a_session_paused_across_a_reload_counts_what_it_ran(
    hass: HomeAssistant, proxy: VirtualProxy, freezer: FrozenDateTimeFactory
) -> None:
    """Found by the week soak (seed 10): a reload while paused, then a stop, counted 0 min."""
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2))
    boots.clock = freezer
    await _start(hass, boots, duration=10)
    await boots.run(129)
    await hass.services.async_call(
        "button", "press", {"entity_id": f"button.{D}_pause_session"}, blocking=True
    )
    await boots.run(2)
    ran = boots.device.elapsed
    assert await hass.config_entries.async_reload(boots.entry_id)
    await boots.run(60)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": f"switch.{D}"}, blocking=True
    )
    await boots.run(3)
    assert _event(hass)["minutes"] == pytest.approx(ran / 60, abs=0.1)
    assert float(boots.state(f"sensor.{D}_therapy_today")) == pytest.approx(ran / 60, abs=0.1)


def test_the_week_starts_as_the_locale_says() -> None:
    assert first_weekday(None, "en") == 6  # en is read as en-US: Sunday
    assert first_weekday(None, "en-GB") == 0
    assert first_weekday(None, "es") == 0
    assert first_weekday("MX", "es") == 6  # the country decides when it is set
    assert first_weekday("EG", "ar") == 5
    assert first_weekday(None, "es-MX") == 6  # the region of a language tag
    assert first_weekday(None, "es_MX") == 6  # as Python's locale writes it
    assert first_weekday(None, "ar-eg") == 5


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


# --- the accounting itself: what the event data and the totals say -------------------

T0 = datetime(2026, 11, 24, 18, tzinfo=UTC)  # Tuesday 10:00 in US/Pacific


def _running(pressure: int, duration: int, ends: datetime) -> PressoData:
    return PressoData(
        state=SessionState.RUNNING, pressure=pressure, duration=duration, session_ends=ends
    )


def test_running_time_follows_the_boots_clock_through_a_pause() -> None:
    clock = SessionClock()
    ends = T0 + timedelta(minutes=10)
    clock.update(_running(40, 10, ends), T0)
    assert (clock.elapsed, clock.average_pressure) == (0, 40)  # nothing ran yet
    clock.update(_running(80, 10, ends), T0 + timedelta(seconds=60))  # 60 s at 40
    paused = replace(_running(80, 10, ends), state=SessionState.PAUSED)
    clock.update(paused, T0 + timedelta(seconds=120))  # 60 s at 80, then paused
    assert clock.elapsed == 120
    clock.update(paused, T0 + timedelta(seconds=400))  # a long pause counts for nothing
    assert clock.elapsed == 120
    later = ends + timedelta(seconds=300)  # resumed: the boots moved the end by the pause
    clock.update(_running(80, 10, later), T0 + timedelta(seconds=420))
    assert clock.elapsed == 120
    clock.stop(T0 + timedelta(seconds=480))  # 60 s more at 80
    assert clock.elapsed == 180
    assert clock.average_pressure == round((40 * 60 + 80 * 120) / 180)  # 67
    clock.update(_running(100, 10, later), T0 + timedelta(seconds=600))  # after the end
    clock.stop(T0 + timedelta(seconds=600))
    assert (clock.elapsed, clock.average_pressure) == (180, 67)


def test_running_time_never_exceeds_the_session_nor_goes_below_nothing() -> None:
    clock = SessionClock()
    ends = T0 + timedelta(minutes=5)
    clock.update(_running(50, 5, ends), T0)
    clock.stop(T0 + timedelta(minutes=30))  # heard long after its end
    assert clock.elapsed == 300
    early = SessionClock()  # the end is further off than the session lasts (a clock skew)
    early.update(_running(50, 5, T0 + timedelta(minutes=8)), T0)
    early.stop(T0 + timedelta(minutes=1))
    assert (early.elapsed, early.average_pressure) == (0, 50)
    paused_first = SessionClock()  # first heard paused: no end known to count from
    paused_first.update(replace(_running(50, 5, ends), state=SessionState.PAUSED), T0)
    paused_first.stop(T0 + timedelta(minutes=1))
    assert paused_first.elapsed == 0
    no_length = SessionClock()  # a STATUS without a duration says nothing about time
    no_length.update(_running(50, 0, ends), T0)
    no_length.stop(T0 + timedelta(minutes=1))
    assert no_length.elapsed == 0


def test_a_session_paused_past_its_end_counts_what_ran_until_the_pause() -> None:
    clock = SessionClock()
    ends = T0 + timedelta(minutes=5)
    clock.update(_running(50, 5, ends), T0)
    clock.update(replace(_running(50, 5, ends), state=SessionState.PAUSED), ends)
    clock.stop(ends + timedelta(minutes=3))
    assert clock.elapsed == 300


@pytest.fixture
def routine(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Routine:
    freezer.move_to(T0)
    options = {"gentle_start": True, "rest_minutes": 60, "daily_minutes": 30}
    return Routine(hass, "entry", options, lambda: None)


def _session(routine: Routine, pressure: int, duration: int, seconds: float) -> None:
    """A session runs ``seconds`` at ``pressure`` as the boots report it."""
    now = dt_util.utcnow()
    running = _running(pressure, duration, now + timedelta(minutes=duration))
    routine.note_change(PressoData(state=SessionState.IDLE), running)
    routine.note_change(running, running)
    with freeze_time(now + timedelta(seconds=seconds)):
        routine.note_change(running, PressoData(state=SessionState.IDLE))


def _ended(
    routine: Routine, freezer: FrozenDateTimeFactory, kind: str, **summary: Any
) -> tuple[str, dict[str, Any]]:
    summary = {"program": "wave", "pressure": 60, "duration": 15, **summary}
    kind = routine.session_ended(kind, summary)
    return kind, summary


async def test_a_finished_session_counts_its_whole_length(
    routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    _session(routine, 60, 15, 14 * 60)  # the clock missed the last minute: the boots did not
    kind, summary = _ended(routine, freezer, "finished")
    assert kind == "finished"
    assert summary | {"average_pressure": 60, "minutes": 15, "completed": True} == summary
    assert routine.plan_done == 1
    assert [(s.end, s.seconds, s.completed) for s in routine.sessions] == [(T0, 900, True)]


async def test_a_stopped_session_counts_what_ran(
    routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    _session(routine, 60, 15, 400)
    kind, summary = _ended(routine, freezer, "stopped", source="firmware")
    assert (kind, summary["minutes"], summary["completed"]) == ("stopped", 6.7, False)
    assert routine.plan_done == 0  # only completed sessions move the plan
    assert routine.sessions[-1].seconds == 400
    assert (routine.minutes_today(), routine.minutes_this_week()) == (6.7, 6.7)
    kind, summary = _ended(routine, freezer, "aborted", fault="leak")  # no session seen
    assert (kind, summary["minutes"], summary["average_pressure"]) == ("aborted", 0, 60)
    assert routine.sessions[-1].completed is False


async def test_a_session_seen_only_paused_counts_what_the_boots_ran(
    routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    """Found by the week soak (seeds 1, 10): started on the buttons and paused before Home
    Assistant's link told of it, then stopped: its time left was never known, the boots'
    lifetime seconds (frozen while paused) tell what it ran."""
    paused = PressoData(
        state=SessionState.PAUSED, pressure=40, duration=15,
        lifetime_seconds=4618 + 257, lifetime_at_start=4618,
    )  # fmt: skip
    routine.note_change(PressoData(state=SessionState.IDLE), paused)
    kind, summary = _ended(routine, freezer, "stopped", source="buttons")
    assert (kind, summary["minutes"]) == ("stopped", 4.3)
    assert routine.sessions[-1].seconds == 257


@pytest.mark.parametrize(
    ("source", "seconds", "kind"),
    [
        ("app", 299, "stopped_early"),
        ("buttons", 10, "stopped_early"),
        ("app", 300, "stopped"),  # a third of 15 minutes: no longer early
        ("firmware", 10, "stopped"),  # the boots stopped it, not the user
        ("unknown", 10, "stopped"),
    ],
)
async def test_a_user_stop_in_the_first_third_is_stopped_early(
    routine: Routine, freezer: FrozenDateTimeFactory, source: str, seconds: int, kind: str
) -> None:
    _session(routine, 60, 15, seconds)
    assert _ended(routine, freezer, "stopped", source=source)[0] == kind


async def test_a_stop_without_a_session_seen_running_is_not_early(
    routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    assert _ended(routine, freezer, "stopped", source="app")[0] == "stopped"


async def test_the_suggested_pressure_steps_down_and_back_up(
    routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    limits = SessionLimits.from_entry(SimulatedBoots(DUO, 2).info, {"max_pressure": 100})
    assert routine.suggested_pressure(limits) is None
    _session(routine, 80, 30, 60)
    _ended(routine, freezer, "stopped", source="app", pressure=80, duration=30)
    assert routine.suggested_pressure(limits) == 75
    _session(routine, 75, 30, 60)
    _ended(routine, freezer, "stopped", source="buttons", pressure=75, duration=30)
    assert routine.suggested_pressure(limits) == 70  # two steps below the comfortable 80
    _ended(routine, freezer, "aborted", pressure=70)  # a fault says nothing about comfort
    assert routine.suggested_pressure(limits) == 70
    _ended(routine, freezer, "finished", pressure=70)
    assert routine.suggested_pressure(limits) == 75
    _ended(routine, freezer, "finished", pressure=75)
    assert routine.suggested_pressure(limits) == 80
    _ended(routine, freezer, "finished", pressure=90)  # a new comfortable pressure
    assert routine.suggested_pressure(limits) == 90
    _ended(routine, freezer, "finished", pressure=None)  # no pressure known: no change
    assert routine.suggested_pressure(limits) == 90
    capped = SessionLimits.from_entry(SimulatedBoots(DUO, 2).info, {"max_pressure": 60})
    assert routine.suggested_pressure(capped) == 60  # never above today's limit


async def test_the_plan_is_not_counted_once_finished(
    routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    routine.finish_plan()
    _ended(routine, freezer, "finished")
    assert routine.plan_done is None
    routine.restart_plan()
    assert routine.plan_done == 0


async def test_rest_and_daily_minutes_decide_when_the_next_session_may_start(
    routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    assert routine.allowed_from(T0) is None
    assert routine.rest_over()
    routine.check_start(30, override=False)  # the whole daily allowance is free
    _session(routine, 60, 20, 20 * 60)
    _ended(routine, freezer, "finished", duration=20)
    rest_end = T0 + timedelta(minutes=60)
    assert routine.allowed_from(T0) == rest_end
    assert not routine.rest_over()
    with pytest.raises(ServiceValidationError) as err:
        routine.check_start(5, override=False)
    assert err.value.translation_key == "rest_period"
    assert err.value.translation_placeholders == {"rest": "60", "time": "11:00"}
    routine.check_start(30, override=True)
    freezer.move_to(rest_end)
    assert routine.rest_over()  # the rest ends at that minute
    routine.check_start(10, override=False)  # 20 + 10 = the daily 30: allowed
    with pytest.raises(ServiceValidationError) as err:
        routine.check_start(11, override=False)
    assert err.value.translation_key == "daily_limit"
    assert err.value.translation_placeholders == {
        "used": "20",
        "limit": "30",
        "left": "10",
        "duration": "11",
    }
    _ended(routine, freezer, "finished", duration=15)  # 35 of 30 minutes today
    midnight = datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert routine.allowed_from(rest_end) == midnight  # tomorrow, not after the rest
    freezer.move_to(rest_end + timedelta(minutes=61))
    with pytest.raises(ServiceValidationError) as err:
        routine.check_start(1, override=False)
    assert err.value.translation_placeholders is not None
    assert err.value.translation_placeholders["left"] == "0"
    freezer.move_to(midnight)
    routine.check_start(30, override=False)
    assert routine.rest_over()


async def test_totals_count_the_sessions_of_the_day_and_the_week(
    hass: HomeAssistant, routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    hass.config.country = "US"  # weeks from Sunday
    freezer.move_to("2026-11-22 08:00:00+00:00")  # Sunday 00:00 local: the week's first second
    _ended(routine, freezer, "finished", duration=10)
    freezer.move_to("2026-11-24 07:59:59+00:00")  # Monday 23:59:59
    _ended(routine, freezer, "stopped", source="unknown")  # no running seen: 0 minutes
    freezer.move_to("2026-11-24 08:00:00+00:00")  # Tuesday 00:00
    _ended(routine, freezer, "finished", duration=5)
    freezer.move_to(T0)
    _session(routine, 60, 30, 90)
    _ended(routine, freezer, "stopped", source="firmware", duration=30)
    assert routine.minutes_today() == 6.5
    assert routine.minutes_this_week() == 16.5
    assert routine.sessions_this_week() == 4
    assert routine.count(T0, T0) == 1  # the ends are inclusive
    assert routine.minutes(T0 + timedelta(seconds=1), T0 + timedelta(hours=1)) == 0
    hass.config.country = "DE"  # weeks from Monday
    assert routine.minutes_this_week() == 6.5
    assert routine.sessions_this_week() == 3


async def test_a_fortnight_of_history_is_kept(
    routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    _ended(routine, freezer, "finished")
    freezer.move_to(T0 + timedelta(days=14, seconds=-1))
    _ended(routine, freezer, "finished")
    assert len(routine.sessions) == 2  # not yet 14 days old: kept
    freezer.move_to(T0 + timedelta(days=14))
    _ended(routine, freezer, "finished")
    assert [s.end for s in routine.sessions] == [
        T0 + timedelta(days=14, seconds=-1),
        T0 + timedelta(days=14),
    ]


async def test_the_routine_survives_a_restart(
    hass: HomeAssistant, routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    _session(routine, 80, 30, 60)
    _ended(routine, freezer, "stopped", source="app", pressure=80, duration=30)
    _ended(routine, freezer, "finished", duration=20)
    await routine.async_save()
    changes: list[None] = []
    again = Routine(hass, "entry", {}, lambda: changes.append(None))
    await again.async_load()
    assert changes == [None]  # the entities read the loaded routine
    assert (again.plan_done, again.comfortable, again.steps_down) == (1, 80, 0)
    assert again.sessions == routine.sessions
    empty = Routine(hass, "other", {}, lambda: None)
    await empty.async_load()
    assert (empty.plan_done, empty.comfortable, empty.steps_down, empty.sessions) == (
        0,
        None,
        0,
        [],
    )


def test_a_stretch_without_a_known_pressure_counts_as_none() -> None:
    clock = SessionClock()
    ends = T0 + timedelta(minutes=10)
    clock.update(replace(_running(0, 10, ends), pressure=None), T0)
    clock.update(_running(50, 10, ends), T0 + timedelta(seconds=60))
    clock.stop(T0 + timedelta(seconds=120))
    assert clock.average_pressure == 25


async def test_the_average_pressure_weighs_each_pressure_by_its_running_time(
    routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    ends = T0 + timedelta(minutes=10)
    idle = PressoData(state=SessionState.IDLE)
    routine.note_change(idle, _running(40, 10, ends))
    freezer.tick(60)
    routine.note_change(_running(40, 10, ends), _running(80, 10, ends))  # raised after 60 s
    freezer.tick(120)
    routine.note_change(_running(80, 10, ends), idle)
    _, summary = _ended(routine, freezer, "stopped", source="firmware", pressure=80, duration=10)
    assert (summary["average_pressure"], summary["minutes"]) == (67, 3.0)
    _session(routine, 40, 10, 1)  # a single second
    _, summary = _ended(routine, freezer, "stopped", source="firmware", pressure=40, duration=10)
    assert (summary["average_pressure"], summary["minutes"]) == (40, 0.0)


async def test_a_finished_session_of_unknown_length_counts_no_minutes(
    routine: Routine, freezer: FrozenDateTimeFactory
) -> None:
    _, summary = _ended(routine, freezer, "finished", duration=None)
    assert (summary["minutes"], summary["completed"]) == (0, True)
    assert routine.minutes_today() == 0


async def test_the_daily_minutes_used_up_exactly_wait_for_tomorrow(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(T0)
    routine = Routine(hass, "entry", {"daily_minutes": 30}, lambda: None)
    _ended(routine, freezer, "finished", duration=30)
    assert routine.allowed_from(T0) == datetime(2026, 11, 25, 8, tzinfo=UTC)  # local midnight
    assert not routine.rest_over()


async def test_days_start_at_local_midnight_of_the_instant_asked_about(
    routine: Routine,
) -> None:
    friday = datetime(2026, 11, 20, 12, tzinfo=UTC)  # not today
    assert routine.day_start(friday) == datetime(2026, 11, 20, 8, tzinfo=UTC)
    assert routine.week_start(friday) == datetime(2026, 11, 15, 8, tzinfo=UTC)  # Sunday (en)


async def test_the_routine_is_saved_in_a_batch_in_the_released_format(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    routine: Routine,
    freezer: FrozenDateTimeFactory,
) -> None:
    _ended(routine, freezer, "finished", duration=20)
    _ended(routine, freezer, "finished")
    _session(routine, 80, 30, 60)
    _ended(routine, freezer, "stopped", source="app", pressure=80, duration=30)
    freezer.tick(SAVE_DELAY - 1)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert "presso_boots.entry" not in hass_storage  # not a write per change
    freezer.tick(1)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    stored = hass_storage["presso_boots.entry"]
    assert stored["version"] == 1
    assert stored["data"] == {
        "plan_done": 2,
        "comfortable": 60,
        "steps_down": 1,
        "sessions": [
            [T0.isoformat(), 1200, True],
            [T0.isoformat(), 900, True],
            [T0.isoformat(), 60, False],
        ],
    }


async def test_a_routine_stored_by_a_release_loads_and_is_removed_with_its_entry(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    hass_storage["presso_boots.old"] = {
        "version": 1,
        "minor_version": 1,
        "key": "presso_boots.old",
        "data": {
            "plan_done": 3,
            "comfortable": 80,
            "steps_down": 2,
            "sessions": [["2026-11-24T17:00:00+00:00", 600, True]],
        },
    }
    routine = Routine(hass, "old", {}, lambda: None)
    await routine.async_load()
    assert (routine.plan_done, routine.comfortable, routine.steps_down) == (3, 80, 2)
    assert routine.sessions == [SessionRecord(datetime(2026, 11, 24, 17, tzinfo=UTC), 600, True)]
    limits = SessionLimits.from_entry(SimulatedBoots(DUO, 2).info, {"max_pressure": 100})
    assert routine.suggested_pressure(limits) == 70
    await async_remove_store(hass, "old")
    assert "presso_boots.old" not in hass_storage


async def test_the_days_totals_refresh_at_local_midnight_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(T0)  # 10:00 local
    refreshed: list[None] = []
    routine = Routine(hass, "entry", {}, lambda: refreshed.append(None))
    stop = routine.async_track_days()
    midnight = datetime(2026, 11, 25, 8, tzinfo=UTC)
    for moment, count in [
        (T0 + timedelta(hours=1), 0),  # 11:00
        (midnight - timedelta(seconds=1), 0),
        (midnight, 1),
        (midnight + timedelta(seconds=30), 1),
        (midnight + timedelta(minutes=1), 1),
        (midnight + timedelta(hours=1), 1),
    ]:
        freezer.move_to(moment)
        async_fire_time_changed(hass, moment)
        await hass.async_block_till_done()
        assert len(refreshed) == count, moment
    stop()
