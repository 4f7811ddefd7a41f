"""Recorder budget: a 30-minute Pro 8 session, counted in the real recorder database."""

from __future__ import annotations

from typing import Any

from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.db_schema import States, StatesMeta
from homeassistant.components.recorder.util import session_scope
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from presso_sim import SimulatedBoots

from .harness import PRO, Boots

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


async def run_session_and_count(hass: HomeAssistant, proxy: Any, freezer: Any) -> dict[str, int]:
    boots = Boots(hass, proxy, SimulatedBoots(PRO, 3))
    boots.clock = freezer
    await boots.add_entry(max_pressure=120)
    await boots.advertise()
    await async_wait_recording_done(hass)
    before = count_rows(hass, "presso_e008")
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.presso_e008_pressure", "value": 80},
        blocking=True,
    )
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.presso_e008"}, blocking=True
    )
    await boots.run(30 * 60 + 30)
    assert boots.device.state == 0
    assert boots.state("event.presso_e008_session") != "unknown"
    await async_wait_recording_done(hass)
    after = await get_instance(hass).async_add_executor_job(count_rows, hass, "presso_e008")
    return {k: after[k] - before.get(k, 0) for k in after}


async def test_a_30_minute_pro8_session_stays_in_the_row_budget(
    recorder_mock: Any, hass: HomeAssistant, proxy: Any, freezer: Any
) -> None:
    rows = await run_session_and_count(hass, proxy, freezer)
    total = sum(rows.values())
    print(f"recorder rows for a 30-minute Pro 8 session: {total}")
    assert total <= ROW_BUDGET
    assert rows["sensor.presso_e008_left_chamber_1"] > 30  # pressures did change and were recorded
    assert rows.get("sensor.presso_e008_session_ends", 0) <= 3
