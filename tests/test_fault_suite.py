"""Fault suite: lossy links, reboots and restarts; the state is right once the link is back."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from functools import partial
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from custom_components.presso_boots.presso_ble import (
    CommandTimeoutError,
    PressoClient,
    SessionState,
)
from custom_components.presso_boots.presso_ble.messages import Command, DeviceStatus, Ping
from presso_sim import LinkFaults, SimRadio, SimulatedBoots
from presso_sim.esphome_proxy import ESPHomeProxy
from presso_sim.proxy import VirtualProxy

from .harness import DUO, PRO, Boots, set_value, switch

pytestmark = pytest.mark.usefixtures("no_errors_logged")


async def _within(seconds: float, condition: object) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not condition():  # type: ignore[operator]
        assert loop.time() < end, f"not consistent within {seconds} s"
        await asyncio.sleep(0.02)


async def test_10000_commands_at_5_percent_loss_execute_once(direct_radio: SimRadio) -> None:
    device = direct_radio.add(SimulatedBoots(DUO), LinkFaults(loss_rate=0.05))
    executed: dict[bytes, int] = {}

    def count(command: Command) -> None:
        if isinstance(command, Ping):
            executed[command.data] = executed.get(command.data, 0) + 1

    device.link.on_execute = count
    client = PressoClient(direct_radio.ble_device(DUO), response_timeout=0.005)
    for _ in range(5):  # the handshake itself may lose frames
        try:
            await client.connect()
            break
        except CommandTimeoutError:
            await client.disconnect()
    answered = failed = 0
    for n in range(10_000):
        try:
            assert await client.ping(n.to_bytes(8, "little")) == n.to_bytes(8, "little")
            answered += 1
        except CommandTimeoutError:
            failed += 1
    await client.disconnect()
    print(
        f"10,000 pings at 5 % loss: {answered} answered, {failed} gave up, {client.stats.resends} resends, {device.counters.repeats_answered} replayed"
    )
    assert max(executed.values()) == 1  # zero duplicate executions
    assert answered > 9_900
    assert client.stats.resends > 500  # the loss was real
    assert device.counters.repeats_answered > 200  # and retries hit the remembered response


@pytest.fixture
async def pro(hass: HomeAssistant, any_proxy: VirtualProxy | ESPHomeProxy) -> Boots:
    # the chamber sensors: checked through corrupted frames
    return await Boots.set_up(
        hass, any_proxy, SimulatedBoots(PRO, 3), max_pressure=120, chamber_sensors=True
    )


async def _start(hass: HomeAssistant, boots: Boots) -> None:
    await switch(hass, "turn_on", "switch.presso_e008")
    await boots.run(10)


async def test_device_reboot_mid_session(hass: HomeAssistant, pro: Boots) -> None:
    await _start(hass, pro)
    pro.device.reboot()  # session lost, link gone, new nonce and sequence memory
    await pro.advertise()
    await _within(5, lambda: pro.state("switch.presso_e008") == "off")
    assert pro.state("sensor.presso_e008_session_state") == "idle"
    await set_value(hass, "number.presso_e008_pressure", 70)
    assert pro.device.settings.pressure == 70  # commands work on the new connection


async def test_entry_reload_and_restart_during_a_session(hass: HomeAssistant, pro: Boots) -> None:
    await _start(hass, pro)
    assert pro.entry is not None
    for restart in (False, True):
        if restart:  # a Home Assistant restart: entry unloaded, set up again from scratch
            await hass.config_entries.async_unload(pro.entry.entry_id)
            await pro.run(5)
            await hass.config_entries.async_setup(pro.entry.entry_id)
        else:
            await hass.config_entries.async_reload(pro.entry.entry_id)
        await pro.advertise()
        await _within(5, lambda: pro.coordinator.connected)
        await pro.run(15)
        assert pro.device.state == SessionState.RUNNING  # the session ran on through it
        assert pro.state("switch.presso_e008") == "on"
        assert pro.state("sensor.presso_e008_session_state") == "running"


async def test_corrupt_truncated_and_fragmented_frames_mid_session(
    hass: HomeAssistant, pro: Boots
) -> None:
    pro.faults.mtu = 23
    await _start(hass, pro)
    for _ in range(5):
        pro.faults.corrupt_to_host = 1
        await pro.run(3)
        pro.faults.truncate_to_host = 1
        await pro.run(3)
    pro.device.press_button("pause")
    await pro.run(2)
    assert pro.state("sensor.presso_e008_session_state") == "paused"
    assert pro.coordinator.client.stats.bytes_discarded > 0
    pro.device.press_button("pause")
    await pro.run(16)
    assert pro.state("sensor.presso_e008_session_state") == "running"
    assert int(pro.state("sensor.presso_e008_left_chamber_1")) >= 0


async def _on_the_clock(boots: Boots, call: Coroutine[Any, Any, Any]) -> None:
    """Await a service call while the boots' clock (and Home Assistant's) moves on."""
    task = asyncio.ensure_future(call)
    for _ in range(20):  # the command goes out before the clock moves
        await asyncio.sleep(0)
    for _ in range(30):
        if task.done():
            break
        await boots.run(1, block=False)
    await task


@pytest.mark.parametrize("session", [False, True])
async def test_a_status_lost_to_a_corrupt_frame_is_made_good_by_the_next_advertisement(
    hass: HomeAssistant, pro: Boots, freezer: FrozenDateTimeFactory, session: bool
) -> None:
    pro.clock = freezer  # the resend after the response timeout runs on the boots' clock
    if session:
        await _start(hass, pro)
    else:  # a setting change opens the link, held for the idle delay
        await set_value(hass, "number.presso_e008_pressure", 60)
    assert pro.coordinator.connected
    pro.faults.corrupt_to_host = 2  # a burst: the response and the STATUS the change caused
    await _on_the_clock(pro, set_value(hass, "number.presso_e008_pressure", 70))
    assert pro.device.settings.pressure == 70  # the resend got the remembered response
    assert pro.coordinator.client.stats.bytes_discarded > 0
    await pro.run(1)  # the next advertisement: its change counter is ahead of the last STATUS
    assert pro.state("number.presso_e008_pressure") == "70"
    await pro.run(40)  # on after the link is let go (idle) or through the session
    assert pro.state("number.presso_e008_pressure") == "70"
    assert pro.coordinator.connected is session


async def test_response_delayed_past_the_timeout(hass: HomeAssistant, pro: Boots) -> None:
    await set_value(hass, "number.presso_e008_pressure", 60)
    pro.faults.response_delay = 2.2  # the first answer comes after the 2 s timeout
    await set_value(hass, "number.presso_e008_pressure", 65)
    assert pro.device.settings.pressure == 65
    assert pro.device.counters.executed[0x14] == 2  # resent, not executed again
    assert pro.coordinator.client.stats.resends == 1


async def test_soak_24_simulated_hours_with_random_faults(direct_radio: SimRadio) -> None:
    """A day of sessions, device faults, link drops and corrupt frames: no leak, no stuck state."""
    import gc
    import random

    from custom_components.presso_boots.presso_ble import ClientCallbacks, PressoError

    rng = random.Random(24)
    device = direct_radio.add(SimulatedBoots(PRO, 3, battery=100), LinkFaults(rng=random.Random(5)))
    device.external_power = True
    statuses: list[object] = []
    client = PressoClient(
        direct_radio.ble_device(PRO), response_timeout=0.01,
        callbacks=ClientCallbacks(on_status=lambda s: statuses.append(s) if len(statuses) < 10 else None),
    )  # fmt: skip
    faults = direct_radio.faults[PRO]
    objects: list[int] = []
    errors = 0

    def overheat() -> None:
        device.causes.overheat = True

    for block in range(24 * 6):  # ten-minute blocks
        action = rng.random()
        try:
            if not client.is_connected:
                await client.connect()
            if action < 0.15:
                await client.start(
                    program=rng.randint(1, 6),
                    pressure=rng.randrange(40, 125, 5),
                    duration=rng.choice((5, 10, 20)),
                )
            elif action < 0.25:
                rng.choice((overheat, partial(device.spike_pressure, 2)))()
            elif action < 0.35:
                device.causes.overheat = False
                await client.clear_fault()
            elif action < 0.45:
                faults.corrupt_to_host = 2
                await client.get_status()
            elif action < 0.5:
                direct_radio.drop_link(PRO)
        except PressoError:
            errors += 1
        for _ in range(10):
            device.advance(60)
            await asyncio.sleep(0)
        if device.asleep:
            device.press_button("power")
        if block in (12, 24 * 6 - 1):
            gc.collect()
            objects.append(len(gc.get_objects()))
    print(f"soak: {device.lifetime_sessions} sessions, {errors} handled errors, objects {objects}")
    assert device.lifetime_sessions > 10
    # The statuses the client decoded through the faults describe real states and settings.
    assert len(statuses) == 10
    for status in statuses:
        assert isinstance(status, DeviceStatus)
        assert isinstance(status.state, SessionState), status
        assert status.state is not SessionState.IDLE or status.remaining_seconds == 0, status
        assert 0 <= status.change_counter < 256
    # No stuck state: with the causes gone, whatever ran ends; a latched fault clears.
    device.causes.overheat = False
    for _ in range(60):
        device.advance(60)
        await asyncio.sleep(0)
    if device.asleep:
        device.press_button("power")
    if not client.is_connected:
        await client.connect()
    if device.status().state is SessionState.FAULT:
        await client.clear_fault()
    final = await client.get_status()
    assert final.state is SessionState.IDLE, final
    assert final == device.status()  # what the client read is what the boots have
    await client.disconnect()
    assert objects[1] - objects[0] < 2_000  # flat: a day of traffic does not pile up objects
    assert len(client.recent_frames) <= 32
