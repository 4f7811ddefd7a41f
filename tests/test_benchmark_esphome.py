"""Command latency through an emulated ESP32 proxy: 1,000 ms to connect, 50 ms per GATT operation.

Run: ``uv run --frozen pytest -m benchmark -s -p no:randomly tests/test_benchmark_esphome.py``

A cold command starts with the boots advertising and no link (the idle
delay let it go; services are cached from the earlier connection, as after
the config flow). It is counted in GATT operations the proxy ran from the
session switch turning on until the boots executed START and sent its ack
(the ack's trip to Home Assistant over loopback TCP is under 1 ms), and timed
over the connect the proxy measured. A warm command is one SET_PRESSURE on an
open link, timed at the service call over the GATT operation the proxy
measured (request in to reply out, its 50 ms included).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.presso_boots.presso_ble.messages import Command, Start
from presso_sim import SimulatedBoots
from presso_sim.esphome_proxy import ESPHomeProxy

from .esphome import ESPHomeProxies, barrier
from .harness import DUO, PRO, Boots, set_value, switch

pytestmark = pytest.mark.benchmark

CONNECT_DELAY = 1.0
GATT_DELAY = 0.05
SAMPLES = 7
WARM_SAMPLES = 30


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Home Assistant runs without asyncio's debug mode, so the figures are taken without it.

    Overrides the test plugin's fixture of that name, which turns it on for every test.
    """
    asyncio.get_running_loop().set_debug(False)


def report(name: str, value: str) -> None:
    print(f"| {name} | {value} |")


class StartAck:
    """When the boots executed START, and how many GATT operations the proxy had run by then."""

    def __init__(self, boots: Boots, proxy: ESPHomeProxy) -> None:
        self.proxy = proxy
        self.at = 0.0
        self.operations = 0
        boots.device.link.on_execute = self._executed

    def _executed(self, command: Command) -> None:
        if isinstance(command, Start):
            self.at = time.perf_counter()
            self.operations = self.proxy.stats.operations()


async def _release(hass: HomeAssistant, proxy: ESPHomeProxy) -> None:
    """Let the idle delay free the link."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)
    await barrier(hass, proxy)
    assert proxy.in_use == []


@dataclass(frozen=True, slots=True)
class ColdStart:
    """One session started from cold, as the proxy saw it."""

    operations: int
    over_connect: float
    """Seconds from the switch turning on to the START ack, minus the connect."""
    in_operations: float
    """Of those, seconds the proxy spent in the GATT operations (delays included)."""


async def _cold_start(
    hass: HomeAssistant, boots: Boots, proxy: ESPHomeProxy, switch_id: str
) -> ColdStart:
    ack = StartAck(boots, proxy)
    before = proxy.stats.operations()
    start = time.perf_counter()
    await switch(hass, "turn_on", switch_id)
    assert ack.at, "START reached the boots"
    operations = ack.operations - before
    timed = proxy.stats.gatt_seconds[before : before + operations]
    await switch(hass, "turn_off", switch_id)
    await boots.run(10)
    await _release(hass, proxy)
    return ColdStart(operations, ack.at - start - proxy.stats.connect_seconds[-1], sum(timed))


async def _primed(hass: HomeAssistant, boots: Boots, proxy: ESPHomeProxy, number: str) -> None:
    """One connection so far (as the config flow's): services cached, link released."""
    await boots.advertise()
    await set_value(hass, number, 60)
    await _release(hass, proxy)
    await boots.advertise()


def _ms(starts: list[ColdStart], value: Callable[[ColdStart], float]) -> str:
    return f"{statistics.median(value(s) for s in starts) * 1000:.0f}"


async def test_cold_and_warm_commands_through_an_esp32_proxy(
    hass: HomeAssistant, esphome_proxies: ESPHomeProxies
) -> None:
    proxy = await esphome_proxies.start(
        "esp32-proxy", connect_delay=CONNECT_DELAY, gatt_delay=GATT_DELAY
    )
    duo = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    pro = Boots(hass, proxy, SimulatedBoots(PRO, 3, pin="123456"))
    await duo.add_entry()
    await pro.add_entry(pin="123456")
    await _primed(hass, duo, proxy, "number.presso_d005_pressure")
    await _primed(hass, pro, proxy, "number.presso_e008_pressure")

    no_pin: list[ColdStart] = []
    with_pin: list[ColdStart] = []
    for _ in range(SAMPLES):
        no_pin.append(await _cold_start(hass, duo, proxy, "switch.presso_d005"))
        with_pin.append(await _cold_start(hass, pro, proxy, "switch.presso_e008"))
    operations = max(s.operations for s in no_pin), max(s.operations for s in with_pin)
    report(
        "cold command, GATT operations after connect",
        f"{operations[0]} without a PIN, {operations[1]} with one",
    )
    report(
        "cold command latency over connect, ms",
        f"{_ms(no_pin, lambda s: s.over_connect)} without a PIN, "
        f"{_ms(with_pin, lambda s: s.over_connect)} with one",
    )
    report(
        "cold command, of which outside GATT operations (Home Assistant, API), ms",
        f"{_ms(no_pin, lambda s: s.over_connect - s.in_operations)} without a PIN, "
        f"{_ms(with_pin, lambda s: s.over_connect - s.in_operations)} with one",
    )

    await switch(hass, "turn_on", "switch.presso_d005")
    warm = []
    for i in range(WARM_SAMPLES):
        start = time.perf_counter()
        await set_value(hass, "number.presso_d005_pressure", 60 + 5 * (i % 4))
        warm.append(time.perf_counter() - start - proxy.stats.gatt_seconds[-1])
    report(
        "warm command latency over one GATT operation, ms",
        f"{statistics.median(warm) * 1000:.1f}",
    )
    await switch(hass, "turn_off", "switch.presso_d005")
    await duo.run(10)
    assert operations[0] <= 4, "the cold path without a PIN"
    assert operations[1] <= 5, "the cold path with a PIN"
    # Issue 9's targets, on medians: cold without a PIN 4 x 50 ms + 10 ms over the connect,
    # that is at most 4 GATT operations (above) and 10 ms outside them: the wall time inside
    # an operation is the emulated ESP32's sleep, which overshoots on a loaded machine.
    assert statistics.median(s.over_connect - s.in_operations for s in no_pin) <= 0.010
    assert statistics.median(warm) <= 0.005
