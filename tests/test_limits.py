"""The limits: what reaches the boots, and what the user is told when a value is refused.

``SessionLimits`` is the one chokepoint every entry point goes through; these tests ask
it directly, with a device envelope of their own (20-120 mmHg in steps of 5, 5-90
minutes in steps of 5, two legs of four chambers, programs 1-3).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest
from homeassistant.exceptions import ServiceValidationError

from custom_components.presso_boots.data import PressoData
from custom_components.presso_boots.presso_ble import DeviceInfo
from custom_components.presso_boots.settings import GentleStart, SessionLimits, StartRequest

INFO = DeviceInfo(
    protocol_version=1,
    model_id=0x05,
    legs=2,
    chambers=4,
    pressure_min=20,
    pressure_max=120,
    pressure_step=5,
    duration_min=5,
    duration_max=90,
    duration_step=5,
    programs_mask=0b111,
    firmware_major=1,
    firmware_minor=0,
    firmware_patch=0,
    serial_raw=b"SN",
    pin_required=False,
    nonce=b"",
)
CAPS: dict[str, Any] = {"max_pressure": 100, "max_duration": 60}
PLAN: dict[str, Any] = {**CAPS, "gentle_start": True, "gentle_sessions": 7}


def _limits(
    plan_done: int | None = None, options: Mapping[str, Any] = CAPS, info: DeviceInfo = INFO
) -> SessionLimits:
    return SessionLimits.from_entry(info, {**CAPS, **options}, plan_done)


def _refused(call: Any, *args: Any) -> tuple[str | None, dict[str, str] | None]:
    with pytest.raises(ServiceValidationError) as err:
        call(*args)
    return err.value.translation_key, err.value.translation_placeholders


# --- the limits in effect -------------------------------------------------------------


def test_the_users_caps_on_the_device_grid() -> None:
    limits = _limits(None, {"max_pressure": 102, "max_duration": 62})
    assert (limits.max_pressure, limits.max_duration, limits.cap, limits.longest) == (
        100,
        60,
        100,
        60,
    )
    assert limits.plan is None
    assert limits.min_pressure == 20


def test_without_options_the_defaults_apply() -> None:
    limits = SessionLimits.from_entry(INFO, {}, 0)
    assert (limits.max_pressure, limits.max_duration, limits.plan) == (100, 60, None)


def test_the_device_maximum_wins_over_a_higher_cap() -> None:
    limits = _limits(None, {"max_pressure": 200, "max_duration": 200})
    assert (limits.max_pressure, limits.max_duration) == (120, 90)


def test_the_plan_applies_only_when_on_and_not_finished() -> None:
    assert _limits(0, PLAN).plan == GentleStart(1, 7)
    assert _limits(6, PLAN).plan == GentleStart(7, 7)
    assert _limits(7, PLAN).plan is None  # all its sessions done
    assert _limits(None, PLAN).plan is None  # the user finished it
    assert _limits(0, {**PLAN, "gentle_start": False}).plan is None
    default_sessions = {k: v for k, v in PLAN.items() if k != "gentle_sessions"}
    assert _limits(6, default_sessions).plan == GentleStart(7, 7)


def test_the_plan_starts_gentle_and_rises_in_equal_steps_to_the_caps() -> None:
    steps = [(s.max_pressure, s.max_duration) for s in (_limits(d, PLAN) for d in range(7))]
    assert steps == [(40, 15), (50, 20), (60, 30), (70, 35), (80, 45), (90, 50), (100, 60)]
    one = _limits(0, {**PLAN, "gentle_sessions": 1})
    assert (one.max_pressure, one.max_duration) == (40, 15)
    two = [_limits(d, {**PLAN, "gentle_sessions": 2}) for d in range(2)]
    assert [(s.max_pressure, s.max_duration) for s in two] == [(40, 15), (100, 60)]


def test_the_plan_starts_on_the_grid_below_its_gentle_start() -> None:
    info = replace(INFO, pressure_min=25, pressure_step=10, duration_min=4, duration_step=4)
    first = _limits(0, PLAN, info)
    assert (first.max_pressure, first.max_duration) == (35, 12)
    high = replace(INFO, pressure_min=50, duration_min=20)  # the device's minimum is above it
    first = _limits(0, PLAN, high)
    assert (first.max_pressure, first.max_duration) == (50, 20)


def test_a_device_minimum_above_the_users_caps_refuses_every_start() -> None:
    info = replace(INFO, pressure_min=110, duration_min=70)
    limits = _limits(0, PLAN, info)
    assert (limits.max_pressure, limits.max_duration, limits.plan) == (100, 60, None)
    assert _refused(limits.safe_pressure, 110) == (
        "pressure_above_cap",
        {"pressure": "110", "cap": "100"},
    )
    assert _refused(limits.safe_duration, 70) == (
        "duration_invalid",
        {"duration": "70", "min": "70", "max": "60", "step": "5"},
    )
    assert _refused(limits.check_pressure, 110)[0] == "pressure_above_cap"
    assert _refused(limits.check_duration, 70)[0] == "duration_invalid"


def test_only_the_pressure_beyond_the_caps_leaves_the_plan_out() -> None:
    info = replace(INFO, pressure_min=110)
    assert _limits(0, PLAN, info).plan is None
    info = replace(INFO, duration_min=70)
    assert _limits(0, PLAN, info).plan is None


# --- pressure -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "pressure"), [(20, 20), (100, 100), (45, 45), (45.4, 45), (44.6, 45), (99.5, 100)]
)
def test_a_pressure_on_the_grid_within_the_cap_is_taken_to_the_whole_mmhg(
    value: float, pressure: int
) -> None:
    result = _limits().check_pressure(value)
    assert (result, type(result)) == (pressure, int)


@pytest.mark.parametrize("value", [15, 19, 0, -5, 21, 47, 46.6])
def test_a_pressure_off_the_grid_is_refused_with_the_grid(value: float) -> None:
    placeholders = {"pressure": str(round(value)), "min": "20", "max": "100", "step": "5"}
    assert _refused(_limits().check_pressure, value) == ("pressure_invalid", placeholders)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_pressure_that_is_no_number_is_refused(value: float) -> None:
    placeholders = {"pressure": str(value), "min": "20", "max": "100", "step": "5"}
    assert _refused(_limits().check_pressure, value) == ("pressure_invalid", placeholders)


@pytest.mark.parametrize("value", [101, 105, 120, 125, 100.6])
def test_a_pressure_above_the_users_cap_says_so(value: float) -> None:
    placeholders = {"pressure": str(round(value)), "cap": "100"}
    assert _refused(_limits().check_pressure, value) == ("pressure_above_cap", placeholders)


def test_a_pressure_above_todays_plan_step_says_so() -> None:
    limits = _limits(1, PLAN)  # 50 mmHg, 20 minutes today
    assert limits.check_pressure(50) == 50
    placeholders = {"value": "55", "limit": "50", "step": "2", "sessions": "7"}
    assert _refused(limits.check_pressure, 55) == ("pressure_above_plan", placeholders)
    assert _refused(limits.check_pressure, 100)[0] == "pressure_above_plan"
    assert _refused(limits.check_pressure, 105)[0] == "pressure_above_cap"  # the cap first
    assert _refused(limits.check_pressure, 45.5)[1] == {  # off the grid below the plan
        "pressure": "46",
        "min": "20",
        "max": "50",
        "step": "5",
    }


# --- duration -------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "minutes"), [(5, 5), (60, 60), (30.4, 30), (29.5, 30)])
def test_a_duration_on_the_grid_within_the_longest_is_taken_to_the_whole_minute(
    value: float, minutes: int
) -> None:
    result = _limits().check_duration(value)
    assert (result, type(result)) == (minutes, int)


@pytest.mark.parametrize("value", [0, 4, 6, 61, 65, 90, 95, math.nan, math.inf])
def test_a_duration_off_the_grid_or_beyond_the_longest_is_refused(value: float) -> None:
    shown = str(value) if not math.isfinite(value) else str(round(value))
    placeholders = {"duration": shown, "min": "5", "max": "60", "step": "5"}
    assert _refused(_limits().check_duration, value) == ("duration_invalid", placeholders)


def test_a_duration_above_todays_plan_step_says_so() -> None:
    limits = _limits(1, PLAN)  # 20 minutes today
    assert limits.check_duration(20) == 20
    placeholders = {"value": "25", "limit": "20", "step": "2", "sessions": "7"}
    assert _refused(limits.check_duration, 25) == ("duration_above_plan", placeholders)
    assert _refused(limits.check_duration, 60)[0] == "duration_above_plan"
    assert _refused(limits.check_duration, 65) == (  # beyond the user's own longest
        "duration_invalid",
        {"duration": "65", "min": "5", "max": "20", "step": "5"},
    )
    assert _refused(limits.check_duration, 17)[0] == "duration_invalid"


# --- program and zones ----------------------------------------------------------------


def test_only_the_devices_programs_are_taken() -> None:
    limits = _limits()
    assert [limits.check_program(p) for p in (1, 2, 3)] == [1, 2, 3]
    for program in (0, 4, 6):
        assert _refused(limits.check_program, program) == (
            "program_unsupported",
            {"program": str(program)},
        )


def test_legs_and_zones_must_select_a_chamber_of_the_device() -> None:
    limits = _limits()
    assert limits.check_zones(3, 0b1111) == (3, 0b1111)
    assert limits.check_zones(1, 0b0001) == (1, 0b0001)
    assert limits.check_zones(2, 0b1000) == (2, 0b1000)
    for legs in (0, 4, 7):
        assert _refused(limits.check_zones, legs, 0b1111) == ("legs_invalid", {})
    for zones in (0, 0b10000, -1):
        assert _refused(limits.check_zones, 3, zones) == ("zones_empty", {})
    one_leg = _limits(info=replace(INFO, legs=1))
    assert one_leg.check_zones(1, 1) == (1, 1)
    for legs in (2, 3):
        assert _refused(one_leg.check_zones, legs, 1)[0] == "legs_invalid"


# --- what a start sends ---------------------------------------------------------------

BOOTS = PressoData(pressure=75, duration=45, zones=0b0011)


@pytest.mark.parametrize(
    ("request_", "values"),
    [
        ({}, (0, 75, 45, 0)),  # all kept: the boots' own settings
        ({"program": 2, "pressure": 60, "duration": 30, "legs": 1}, (2, 60, 30, 1)),
        ({"program": None, "pressure": None, "duration": None, "legs": None}, (0, 75, 45, 0)),
        ({"legs": 3}, (0, 75, 45, 3)),
    ],
)
def test_a_start_sends_what_was_asked_for_or_the_boots_settings(
    request_: StartRequest, values: tuple[int, int, int, int]
) -> None:
    assert _limits().start_values(BOOTS, request_) == values


def test_a_start_checks_every_value_given_zero_included() -> None:
    limits = _limits()
    assert _refused(limits.start_values, BOOTS, {"pressure": 0})[0] == "pressure_invalid"
    assert _refused(limits.start_values, BOOTS, {"duration": 0})[0] == "duration_invalid"
    assert _refused(limits.start_values, BOOTS, {"program": 0})[0] == "program_unsupported"
    assert _refused(limits.start_values, BOOTS, {"legs": 0})[0] == "legs_invalid"
    assert _refused(limits.start_values, BOOTS, {"pressure": 105})[0] == "pressure_above_cap"


def test_a_start_checks_the_legs_against_the_zones_in_use() -> None:
    limits = _limits()
    outside = replace(BOOTS, zones=0b10000)  # a zone mask the device does not have
    assert _refused(limits.start_values, outside, {"legs": 3}) == ("zones_empty", {})
    unknown = replace(BOOTS, zones=None)  # no zones known yet: all of them
    assert limits.start_values(unknown, {"legs": 3}) == (0, 75, 45, 3)


def test_a_start_keeps_the_boots_settings_only_within_todays_limits() -> None:
    limits = _limits(1, PLAN)  # 50 mmHg, 20 minutes today
    assert limits.start_values(BOOTS, {}) == (0, 50, 20, 0)
    low = replace(BOOTS, pressure=30, duration=10)
    assert limits.start_values(low, {}) == (0, 30, 10, 0)
    off_grid = replace(BOOTS, pressure=33, duration=12)
    assert limits.start_values(off_grid, {}) == (0, 30, 10, 0)  # the step below
    unknown = PressoData()
    assert limits.start_values(unknown, {}) == (0, 20, 20, 0)  # lowest pressure, longest time


@pytest.mark.parametrize(
    ("current", "pressure"), [(None, 20), (10, 20), (20, 20), (64, 60), (65, 65), (200, 100)]
)
def test_the_kept_pressure_is_the_highest_allowed_at_or_below_the_setting(
    current: int | None, pressure: int
) -> None:
    assert _limits().safe_pressure(current) == pressure


@pytest.mark.parametrize(
    ("current", "minutes"), [(None, 60), (2, 5), (5, 5), (44, 40), (45, 45), (90, 60)]
)
def test_the_kept_duration_is_the_longest_allowed_at_or_below_the_setting(
    current: int | None, minutes: int
) -> None:
    assert _limits().safe_duration(current) == minutes


def test_the_grid_counts_from_the_devices_minimum() -> None:
    limits = _limits(info=replace(INFO, pressure_min=22, duration_min=7))
    assert [limits.check_pressure(p) for p in (22, 27, 97)] == [22, 27, 97]
    assert _refused(limits.check_pressure, 25)[0] == "pressure_invalid"
    assert [limits.check_duration(d) for d in (7, 12, 57)] == [7, 12, 57]
    assert _refused(limits.check_duration, 10)[0] == "duration_invalid"


def test_a_one_unit_grid_never_goes_past_the_users_caps() -> None:
    fine = replace(INFO, pressure_step=1, duration_step=1)
    limits = _limits(None, {"max_pressure": 50, "max_duration": 30}, fine)
    assert (limits.max_pressure, limits.max_duration) == (50, 30)
    assert limits.start_values(BOOTS, {}) == (0, 50, 30, 0)  # the boots hold 75 and 45
    assert _refused(limits.check_pressure, 51)[0] == "pressure_above_cap"
    assert _refused(limits.check_duration, 31)[0] == "duration_invalid"
