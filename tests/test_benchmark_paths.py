"""Issue 19's measure of the shape: how many of the integration's modules a piece of data crosses.

Run: ``uv run --frozen pytest -m benchmark -s -p no:randomly tests/test_benchmark_paths.py``

A profiler (``sys.setprofile``) records every function the event loop's thread enters
while one advertisement is handed to Home Assistant (from its Bluetooth callback to the
entities' state writes) and while one session switch is turned on (from the action to
the boots' ack, the link opened on demand); the figure is the number of distinct files
under ``custom_components/presso_boots/`` among them. ``docs/architecture.md`` lists them.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from custom_components.presso_boots.presso_ble import SessionState
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import PRO, Boots, switch

pytestmark = pytest.mark.benchmark

INTEGRATION = Path(__file__).resolve().parent.parent / "custom_components" / "presso_boots"


def report(name: str, value: str) -> None:
    print(f"| {name} | {value} |")


async def modules_crossed(run: Callable[[], Awaitable[None]]) -> list[str]:
    """The integration's files whose functions run while ``run`` is awaited."""
    root = f"{INTEGRATION}/"
    files: set[str] = set()

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(root):
            files.add(frame.f_code.co_filename)

    sys.setprofile(profile)
    try:
        await run()
    finally:
        sys.setprofile(None)
    return sorted(str(Path(f).relative_to(INTEGRATION)) for f in files)


def row(modules: list[str]) -> str:
    return f"{len(modules)} ({', '.join(modules)})"


@pytest.mark.xfail(
    strict=True,
    reason="issue 19: 6 needs the boots as one object that publishes (docs/architecture.md)",
)
async def test_modules_crossed_advertisement_to_entity_state(
    hass: HomeAssistant, proxy: VirtualProxy, writes: list[str]
) -> None:
    """One advertisement that moves what is shown (the battery), no link open."""
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(PRO, 3), max_pressure=120)
    boots.device.battery = 42
    boots.device.advance(1)
    writes.clear()
    modules = await modules_crossed(boots.advertise)
    assert boots.state("sensor.presso_e008_battery") == "42"
    assert writes, "the advertisement wrote no state"
    report("modules crossed, advertisement to entity state", row(modules))
    assert len(modules) <= 6


@pytest.mark.xfail(
    strict=True,
    reason="issue 19: 8 needs the boots as one object owning the link (docs/architecture.md)",
)
async def test_modules_crossed_session_switch_to_ack(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """The session switch turned on with no link open: connect, START, its ack."""
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(PRO, 3), max_pressure=120)
    assert not boots.coordinator.connected

    async def turn_on() -> None:
        await switch(hass, "turn_on", "switch.presso_e008")

    modules = await modules_crossed(turn_on)
    assert boots.device.state == SessionState.RUNNING
    report("modules crossed, session switch to the boots' ack", row(modules))
    await switch(hass, "turn_off", "switch.presso_e008")
    assert len(modules) <= 8
