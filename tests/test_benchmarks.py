"""Speed and load figures, printed as a table; not timed tests.

Run: ``uv run --frozen pytest -m benchmark -s -p no:randomly tests/test_benchmarks.py``
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from custom_components.presso_boots.presso_ble.frames import FrameReassembler, encode_frame
from custom_components.presso_boots.presso_ble.messages import Telemetry
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import PRO, Boots, set_value, switch

pytestmark = pytest.mark.benchmark
LATENCY = 0.005
ROUNDS = 5
FRAMES = 300
RESULTS: list[tuple[str, str]] = []


def report(name: str, value: str) -> None:
    RESULTS.append((name, value))
    print(f"| {name} | {value} |")


def _frames(n: int) -> list[bytes]:
    return [
        encode_frame(
            0,
            0x41,
            Telemetry(
                1, 1 + i % 8, 2, 8, tuple((i * 7 + k * 13) % 120 for k in range(16))
            ).to_bytes(),
        )
        for i in range(n)
    ]


def spread(values: list[float], digits: int = 2) -> str:
    """The median of rounds, with their range."""
    return (
        f"{statistics.median(values):.{digits}f} (median of {len(values)} rounds, "
        f"{min(values):.{digits}f}-{max(values):.{digits}f})"
    )


async def test_command_overhead(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    """From the action to the boots' ack, minus the simulated link's 2 x 5 ms.

    Targets (issue 5): median 3 ms, p99 10 ms, each the median over rounds of 50 commands.
    They are asserted on the process CPU the command costs (the boots' own work, timed
    inside their control point, taken out): on an idle machine that is the wall-clock
    overhead, and unlike the wall clock it holds on a shared 2-core one. The wall clock is
    printed beside it.
    """
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(PRO, 3), max_pressure=120)
    device_cpu = _time_the_boots(boots)
    await set_value(hass, "number.presso_e008_pressure", 60)
    boots.faults.latency = LATENCY
    # Home Assistant runs without asyncio's debug mode (which records a stack for every
    # callback scheduled): the test plugin's loop turns it on, the figure is taken without.
    hass.loop.set_debug(False)
    try:
        wall: list[tuple[float, float]] = []
        cpu: list[tuple[float, float]] = []
        for _ in range(ROUNDS):
            walls, cpus = [], []
            for i in range(50):
                device_cpu[0] = 0.0
                start, start_cpu = time.perf_counter(), time.process_time()
                await set_value(hass, "number.presso_e008_pressure", 60 + 5 * (i % 8))
                cpus.append((time.process_time() - start_cpu - device_cpu[0]) * 1000)
                walls.append((time.perf_counter() - start - 2 * LATENCY) * 1000)
            for samples, into in ((walls, wall), (cpus, cpu)):
                samples.sort()
                into.append((statistics.median(samples), samples[int(len(samples) * 0.99)]))
    finally:
        hass.loop.set_debug(True)  # as the test plugin left it, for the tests after
    report(
        "command overhead, CPU (action -> ack, the boots' own work taken out), median",
        f"{spread([m for m, _ in cpu])} ms",
    )
    report("command overhead, CPU, p99", f"{spread([p for _, p in cpu])} ms")
    report(
        "command overhead, wall clock (action -> ack, minus 2 x 5 ms link), median",
        f"{spread([m for m, _ in wall])} ms (moves with the machine's load)",
    )
    report("command overhead, wall clock, p99", f"{spread([p for _, p in wall])} ms")
    assert statistics.median(m for m, _ in cpu) <= 3
    assert statistics.median(p for _, p in cpu) <= 10


def _time_the_boots(boots: Boots) -> list[float]:
    """Thread CPU the simulated boots spend on what they receive (real boots use their chip)."""
    control_point = boots.device.link
    spent = [0.0]
    receive = control_point.receive

    def timed_receive(data: bytes) -> None:
        start = time.thread_time()
        try:
            receive(data)
        finally:
            spent[0] += time.thread_time() - start

    control_point.receive = timed_receive  # type: ignore[method-assign]
    return spent


async def test_command_cpu_against_a_bare_service_call(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """Process CPU of a number change that reaches the boots' ack, over a blocking
    ``input_boolean.turn_on``, in the same run: a ratio that holds on a busy machine.

    The simulated boots' own work (decoding, executing, answering) runs in this
    process too; it is timed apart (thread CPU inside the device's control point)
    and taken out, since real boots do it on their own chip. Both sides run without
    asyncio's debug mode, as Home Assistant does: the test plugin turns it on, and it
    records a stack for every callback scheduled, which charges a command for its I/O
    (the link's notifications, the answer's future) several times what it costs.
    """
    from homeassistant.setup import async_setup_component

    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"bare": {}}})
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(PRO, 3), max_pressure=120)
    device_cpu = _time_the_boots(boots)
    entity = "number.presso_e008_pressure"
    await set_value(hass, entity, 60)
    hass.loop.set_debug(False)
    try:
        rounds = await _alternate(hass, entity, device_cpu)
    finally:
        hass.loop.set_debug(True)  # as the test plugin left it, for the tests after
    ratios = [ours / bare for ours, bare in rounds]
    report(
        "command CPU ratio to a bare HA service call",
        f"{spread(ratios)} ({statistics.median(o for o, _ in rounds) * 1e6:.0f} us per command "
        f"to the ack, {statistics.median(b for _, b in rounds) * 1e6:.0f} us per "
        "input_boolean.turn_on)",
    )
    assert statistics.median(ratios) <= 3


async def _alternate(
    hass: HomeAssistant, entity: str, device_cpu: list[float]
) -> list[tuple[float, float]]:
    """Per round, the mean process CPU of a number change and of a bare service call, in turn."""
    rounds: list[tuple[float, float]] = []
    for _ in range(ROUNDS):  # each round alternates the two, command by command
        ours = bare = 0.0
        for i in range(60):
            device_cpu[0] = 0.0
            start = time.process_time()
            await set_value(hass, entity, 65 + 5 * (i % 8))  # fmt: skip
            ours += time.process_time() - start - device_cpu[0]
            start = time.process_time()
            await hass.services.async_call(
                "input_boolean", "turn_on", {"entity_id": "input_boolean.bare"}, blocking=True
            )
            bare += time.process_time() - start
            await hass.services.async_call(
                "input_boolean", "turn_off", {"entity_id": "input_boolean.bare"}, blocking=True
            )
        rounds.append((ours / 60, bare / 60))
    return rounds


@pytest.mark.xfail(
    strict=True,
    reason="measured 2.1-2.3 against the 1.5 target once the chamber sensors are really "
    "enabled (issue 23.2); the telemetry path's rewrite (issue 19) owns the fix: this "
    "fails the run as soon as the target holds, so the mark goes then",
)
async def test_telemetry_path_with_chamber_sensors_enabled(
    hass: HomeAssistant, proxy: VirtualProxy, freezer: FrozenDateTimeFactory, writes: list[str]
) -> None:
    """Telemetry frames in, states written, with the 16 chamber sensors enabled.

    The baseline parses the same frames and writes as many changed states, at the same
    frames, as the integration did. Both sides are timed around their own work only (the
    frame handed in, the states written), not around the harness's clock tick and wait
    for an idle loop, which cost several times the work. Rounds alternate the two.
    """
    boots = await Boots.set_up(
        hass, proxy, SimulatedBoots(PRO, 3), max_pressure=120, chamber_sensors=True
    )
    chambers = [f"sensor.presso_e008_{leg}_chamber_{n}" for leg in ("left", "right")
                for n in range(1, 9)]  # fmt: skip
    assert all(boots.state(entity) not in (None, "unavailable") for entity in chambers)
    await switch(hass, "turn_on", "switch.presso_e008")
    frames = _frames(FRAMES)
    client = boots.coordinator.client
    per_frame: list[int] = []

    async def through_the_integration() -> float:
        per_frame.clear()
        spent = 0.0
        for frame in frames:
            before = len(writes)
            freezer.tick(1)
            start = time.thread_time()
            client._on_notify(0, bytearray(frame))
            spent += time.thread_time() - start
            await hass.async_block_till_done()
            per_frame.append(len(writes) - before)
        return spent

    async def bare(written: list[int]) -> float:
        stream = FrameReassembler()
        spent = 0.0
        for i, frame in enumerate(frames):
            freezer.tick(1)
            start = time.thread_time()
            (parsed,) = stream.feed(frame)
            telemetry = Telemetry.from_bytes(parsed.payload)
            for k in range(written[i]):  # as many changed states as the integration wrote
                hass.states.async_set(f"sensor.bare_{k}", str(telemetry.pressures[k % 16] + i))
            spent += time.thread_time() - start
            await hass.async_block_till_done()
        return spent

    values_before = {entity: boots.state(entity) for entity in chambers}
    await through_the_integration()  # warm-up; the write pattern the baseline repeats
    assert {entity: boots.state(entity) for entity in chambers} != values_before
    pattern = list(per_frame)
    rounds = []
    for _ in range(ROUNDS):
        theirs = await bare(pattern)
        ours = await through_the_integration()
        assert per_frame == pattern  # the same work on both sides
        rounds.append((ours, theirs))
    ratios = [ours / theirs for ours, theirs in rounds]
    report(
        "telemetry CPU per Pro 8 frame with chamber sensors enabled, bytes in -> states written",
        f"{statistics.median(o for o, _ in rounds) / FRAMES * 1e6:.0f} us "
        f"({sum(pattern)} state writes per {FRAMES} frames; the harness's tick and wait not timed)",
    )
    report(
        "telemetry CPU ratio to bare parse + the same state writes, chamber sensors enabled",
        spread(ratios),
    )
    assert statistics.median(ratios) <= 1.5


async def test_startup_and_memory(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    for label, address in (
        ("first entry, platforms imported", PRO),
        ("next entry", "C0:FF:EE:00:E0:0A"),
    ):
        asleep = Boots(hass, proxy, SimulatedBoots(address, 3))
        asleep.device.asleep = True
        start = time.perf_counter()
        await asleep.add_entry()
        elapsed = (time.perf_counter() - start) * 1000
        assert asleep.entry is not None
        report(f"entry setup with the boots asleep, to loaded ({label})", f"{elapsed:.1f} ms")
    present = Boots(hass, proxy, SimulatedBoots("C0:FF:EE:00:E0:09", 3))
    start = time.perf_counter()
    await present.add_entry()
    await present.advertise()
    assert present.state("switch.presso_e009") != "unavailable"
    report(
        "entry setup with the boots present, until entities available",
        f"{(time.perf_counter() - start) * 1000:.1f} ms",
    )
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for n in range(10):
        await Boots.set_up(hass, proxy, SimulatedBoots(f"C0:FF:EE:00:F0:{n:02X}", 3))
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    report("memory per configured Pro 8 (10 entries, tracemalloc)", f"{grown / 10 / 1024:.0f} KiB")
