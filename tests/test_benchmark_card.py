"""What the card costs: recorder rows with the default entities, CPU per live frame.

Run: ``uv run --frozen pytest -m benchmark -s -p no:randomly tests/test_benchmark_card.py``
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.presso_boots.presso_ble.frames import FrameReassembler
from custom_components.presso_boots.presso_ble.messages import Telemetry
from custom_components.presso_boots.websocket import LiveSubscription, live_message
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import PRO, Boots, switch
from .test_benchmarks import _frames, report
from .test_recorder import run_session_and_count

pytestmark = pytest.mark.benchmark
ROW_TARGET = 100
CPU_RATIO_TARGET = 1.2
FRAMES = 600
ROUNDS = 5


async def test_recorder_rows_with_default_entities(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    proxy: VirtualProxy,
    freezer: FrozenDateTimeFactory,
) -> None:
    rows = await run_session_and_count(hass, proxy, freezer)
    total = sum(rows.values())
    report("recorder rows, 30-min Pro 8 session, default entities", str(total))
    assert not any("chamber" in entity_id for entity_id in rows if entity_id.startswith("sensor."))
    assert total <= ROW_TARGET


async def test_telemetry_cpu_with_one_card_subscribed(
    hass: HomeAssistant,
    proxy: VirtualProxy,
    hass_ws_client: WebSocketGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(PRO, 3), max_pressure=120)
    await switch(hass, "turn_on", "switch.presso_e008")
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "presso_boots/subscribe", "device_id": boots.device_id})
    result = await client.receive_json()
    assert result["success"]
    await client.receive_json()  # the current state
    coordinator = boots.coordinator
    (listener,) = coordinator.live.listeners
    subscription = listener.__self__  # type: ignore[attr-defined]
    assert isinstance(subscription, LiveSubscription)
    connection, msg_id = subscription._connection, subscription._msg_id
    state: dict[str, Any] = subscription._view
    notify = coordinator.client._on_notify
    frames = _frames(FRAMES)
    # One second of wall time per frame, so the chamber states' 15 s publish runs as in a
    # session; only the clock, not the monotonic time (the websocket's heartbeat runs on it).
    now = [dt_util.utcnow()]
    monkeypatch.setattr(dt_util, "utcnow", lambda: now[0])

    def tick() -> None:
        now[0] += timedelta(seconds=1)

    async def through_the_integration() -> float:
        start = time.thread_time()
        for frame in frames:
            tick()
            notify(0, bytearray(frame))
            await hass.async_block_till_done()
            message = await client.receive_json()
        assert len(message["event"]["pressures"]) == 16
        return time.thread_time() - start

    async def bare() -> float:
        stream = FrameReassembler()
        start = time.thread_time()
        for frame in frames:
            tick()
            (parsed,) = stream.feed(frame)
            telemetry = Telemetry.from_bytes(parsed.payload)
            connection.send_message(event_message(msg_id, live_message(state, telemetry)))
            await hass.async_block_till_done()
            message = await client.receive_json()
        assert len(message["event"]["pressures"]) == 16
        return time.thread_time() - start

    ours = theirs = 0.0
    # The test loop runs in debug mode, which records a stack for every callback it
    # schedules: a cost that depends on who schedules, not on the work. Measure without.
    hass.loop.set_debug(False)
    try:
        for _ in range(ROUNDS):  # interleaved, so both see the same machine
            theirs += await bare()
            ours += await through_the_integration()
    finally:
        hass.loop.set_debug(True)
    ratio = ours / theirs
    report(
        "telemetry CPU per Pro 8 frame, bytes in -> websocket message sent",
        f"{ours / (FRAMES * ROUNDS) * 1e6:.0f} us",
    )
    report("telemetry CPU ratio, default entities, one card subscribed", f"{ratio:.2f}")
    assert ratio <= CPU_RATIO_TARGET
