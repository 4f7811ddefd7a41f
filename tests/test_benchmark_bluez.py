"""The local adapter's figures: an emulated bluetoothd with a USB dongle's timing.

Run: ``uv run --frozen pytest -m benchmark -s -p no:randomly tests/test_benchmark_bluez.py``

Through the emulated bluetoothd (``presso_sim.bluez``) with 300 ms to connect and
15 ms per GATT operation, Home Assistant's real ``bluetooth`` integration and
bleak's BlueZ backend on a private D-Bus system bus.

- A cold command starts with the boots advertising and no link (the idle delay let
  it go; bluetoothd has their services cached from the earlier connection). It is
  counted in GATT operations bluetoothd ran from the session switch turning on
  until the boots executed START.
- The advertisement CPU ratio sets the CPU presso_boots' advertisement callback
  spends against what Home Assistant's Bluetooth stack spends on the same
  advertisements from the D-Bus signal on (bleak's BlueZ manager, habluetooth's
  scanner and manager; the D-Bus unmarshalling in compiled code is not counted).
  Each round is half idle boots, half with a quarter of them running a session (as
  ``test_benchmark_scale.py``), the two halves in alternating order from round to
  round; the median ratio of the rounds is the figure, their spread printed beside it.
"""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

import pytest
from bleak.backends.bluezdbus.manager import BlueZManager
from dbus_fast import Message
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.presso_boots.presso_ble.messages import Command, Start
from presso_sim import SimulatedBoots
from presso_sim.bluez import EmulatedBluetoothd

from .harness import DUO, Boots, switch
from .test_benchmark_esphome import enable_event_loop_debug  # noqa: F401  (autouse)
from .test_benchmark_scale import CpuMeter, _clock_cost, ours  # noqa: F401  (the fixture)

pytestmark = pytest.mark.benchmark

CONNECT_DELAY = 0.3
GATT_DELAY = 0.015
SAMPLES = 5
BOOTS = 8
SESSIONS = 2
ROUNDS = 6
ROUND_SECONDS = 60


@pytest.fixture
def bluez_knobs() -> dict[str, Any]:
    """A USB dongle's timing."""
    return {"connect_delay": CONNECT_DELAY, "gatt_delay": GATT_DELAY}


def report(name: str, value: str) -> None:
    print(f"| {name} | {value} |")


async def _release(hass: HomeAssistant, adapter: EmulatedBluetoothd) -> None:
    """Let the idle delay free the link."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)
    await adapter.ping()
    await hass.async_block_till_done()
    assert adapter.in_use == []


async def test_cold_command_through_a_local_adapter(
    hass: HomeAssistant, local_adapter: EmulatedBluetoothd
) -> None:
    duo = await Boots.set_up(hass, local_adapter, SimulatedBoots(DUO, 2))
    await hass.services.async_call(  # the first connection: services discovered and cached
        "number", "set_value", {"entity_id": "number.presso_d005_pressure", "value": 60},
        blocking=True,
    )  # fmt: skip
    await _release(hass, local_adapter)
    started: list[int] = []

    def executed(command: Command) -> None:
        if isinstance(command, Start):
            started.append(local_adapter.stats.operations())

    duo.device.link.on_execute = executed
    operations = []
    for _ in range(SAMPLES):
        await duo.advertise()
        before = local_adapter.stats.operations()
        await switch(hass, "turn_on", "switch.presso_d005")
        operations.append(started[-1] - before)
        await switch(hass, "turn_off", "switch.presso_d005")
        await duo.run(10)
        await _release(hass, local_adapter)
    report(
        "cold command through a local adapter, GATT operations after connect",
        f"{max(operations)} without a PIN ({SAMPLES} cold starts, "
        f"{CONNECT_DELAY * 1000:.0f} ms connect, {GATT_DELAY * 1000:.0f} ms per operation)",
    )
    assert max(operations) <= 4


class SignalMeter(CpuMeter):
    """CPU in bleak's BlueZ manager for the signals of devices (advertisements)."""

    def wrap_signals(self, handler: Any) -> Any:
        timed = self.wrap(handler)

        def parse(manager: BlueZManager, message: Message) -> None:
            body = message.body
            if message.member == "PropertiesChanged" and body and body[0] == "org.bluez.Device1":
                timed(manager, message)
            else:
                handler(manager, message)

        return parse


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> SignalMeter:
    """Timed from the signal: patched before the manager takes its handler (at setup)."""
    meter = SignalMeter()
    monkeypatch.setattr(BlueZManager, "_parse_msg", meter.wrap_signals(BlueZManager._parse_msg))
    return meter


async def test_advertisement_cpu_through_a_local_adapter(
    hass: HomeAssistant,
    stack: SignalMeter,
    ours: CpuMeter,  # noqa: F811  (the fixture)
    local_adapter: EmulatedBluetoothd,
) -> None:
    household = []
    for n in range(BOOTS):
        device = SimulatedBoots(f"C0:FF:EE:00:B0:{n:02X}", 3 if n % 2 else 2, serial=f"PB{n:06d}")
        boots = Boots(hass, local_adapter, device)
        await boots.add_entry(max_pressure=120)
        household.append(boots)
    tick = _clock_cost()

    async def second() -> None:
        for boots in household:
            boots.device.advance(1)
        local_adapter.advertise_all()
        await local_adapter.ping()
        await hass.async_block_till_done()

    for _ in range(10):  # warm-up: entities available, discovery flows seen and aborted
        await second()

    async def sessions(service: str) -> None:
        for boots in household[:SESSIONS]:
            slug = boots.device.local_name.lower().replace(" ", "_")
            await hass.services.async_call(
                "switch", service, {"entity_id": f"switch.{slug}"}, blocking=True
            )

    ratios = []
    for index in range(ROUNDS):
        # half idle, half with sessions running; every other round the other way round
        phases = ("turn_off", "turn_on") if index % 2 == 0 else ("turn_on", "turn_off")
        ours.reset()
        stack.reset()
        for service in phases:
            await sessions(service)
            for _ in range(ROUND_SECONDS // 2):
                await second()
        mine = ours.seconds - ours.calls * tick
        manager = stack.seconds - stack.calls * tick - 2 * ours.calls * tick - mine
        ratios.append(mine / manager)
    for boots in household[:SESSIONS]:
        slug = boots.device.local_name.lower().replace(" ", "_")
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": f"switch.{slug}"}, blocking=True
        )
    await household[0].run(10)
    median = statistics.median(ratios)
    report(
        "advertisement CPU ratio to HA's bluetooth manager, local adapter",
        f"{median:.3f} (median of {ROUNDS} rounds of {ROUND_SECONDS} s, each half idle and "
        f"half with {SESSIONS} sessions running, in alternating order; spread "
        f"{min(ratios):.3f}-{max(ratios):.3f}; {BOOTS} boots, one emulated bluetoothd)",
    )
    assert median <= 0.25
