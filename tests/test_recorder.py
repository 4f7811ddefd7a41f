"""Recorder budget: a 30-minute Pro 8 session, counted in the real recorder database."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.db_schema import States, StatesMeta
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance, session_scope
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import PRO, Boots, set_value, switch

ROW_BUDGET = 3000


def count_rows(hass: HomeAssistant, marker: str) -> dict[str, int]:
    with session_scope(hass=hass, read_only=True) as session:
        rows = (
            session.query(StatesMeta.entity_id, States.state_id)
            .join(States, States.metadata_id == StatesMeta.metadata_id)
            .filter(StatesMeta.entity_id.like(f"%{marker}%"))
            .all()
        )
    counts: dict[str, int] = {}
    for entity_id, _ in rows:
        counts[entity_id] = counts.get(entity_id, 0) + 1
    return counts


async def run_session_and_count(
    hass: HomeAssistant,
    proxy: VirtualProxy,
    freezer: FrozenDateTimeFactory,
    *,
    chamber_sensors: bool = False,
) -> dict[str, int]:
    boots = Boots(hass, proxy, SimulatedBoots(PRO, 3))
    boots.clock = freezer
    if chamber_sensors:
        boots.enable_chamber_sensors()
    await boots.add_entry(max_pressure=120)
    await boots.advertise()
    await async_wait_recording_done(hass)
    before = count_rows(hass, "presso_e008")
    await set_value(hass, "number.presso_e008_pressure", 80)
    await switch(hass, "turn_on", "switch.presso_e008")
    await boots.run(30 * 60 + 30)
    assert boots.device.state == 0
    assert boots.state("event.presso_e008_session") != "unknown"
    await async_wait_recording_done(hass)
    after = await get_instance(hass).async_add_executor_job(count_rows, hass, "presso_e008")
    return {k: after[k] - before.get(k, 0) for k in after}


async def test_a_30_minute_pro8_session_stays_in_the_row_budget(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    proxy: VirtualProxy,
    freezer: FrozenDateTimeFactory,
) -> None:
    rows = await run_session_and_count(hass, proxy, freezer, chamber_sensors=True)
    total = sum(rows.values())
    print(f"recorder rows for a 30-minute Pro 8 session, chamber sensors enabled: {total}")
    assert total <= ROW_BUDGET
    assert rows["sensor.presso_e008_left_chamber_1"] > 30  # pressures did change and were recorded
    assert rows.get("sensor.presso_e008_session_ends", 0) <= 3


async def _idle_delay_passes(hass: HomeAssistant, boots: Boots) -> None:
    """The boots run for the idle delay, then Home Assistant's idle timer fires."""
    await boots.run(30)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_a_day_with_one_session_keeps_the_radio_free(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """Connected time (device clock) over a day: one 30-minute session and 10 setting changes."""
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(PRO, 3), max_pressure=120)
    for change in range(10):
        boots.device.press_button("power")  # the boots sleep after 30 idle minutes
        await boots.advertise()
        await set_value(hass, "number.presso_e008_pressure", 60 + 5 * change)
        await _idle_delay_passes(hass, boots)
        assert boots.device.central is None
        await boots.run(60 * 60 - 30, step=60)
    boots.device.press_button("power")
    await boots.advertise()
    await switch(hass, "turn_on", "switch.presso_e008")
    await boots.run(30 * 60 - 5, step=5)
    await boots.run(15, step=0.5)
    assert boots.state("sensor.presso_e008_session_state") == "idle"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert boots.device.central is None  # a session that ended by itself lets go at once
    await boots.run(13 * 60 * 60, step=300)
    minutes = boots.connected_seconds / 60
    print(f"connected minutes in a simulated day: {minutes:.2f}")
    # The policy's floor: the session, its venting, and the idle delay after each of the
    # 10 separate changes (10 x 30 s with the default option).
    assert minutes <= 30 + 0.25 + 10 * 30 / 60
