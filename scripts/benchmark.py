"""Protocol benchmarks: frames parsed per second and the client's round trip.

Run: ``uv run --frozen python scripts/benchmark.py``. Prints a table; not a test.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bleak_retry_connector

from custom_components.presso_boots.presso_ble import ClientCallbacks, PressoClient
from custom_components.presso_boots.presso_ble.frames import FrameReassembler, encode_frame
from custom_components.presso_boots.presso_ble.messages import (
    DeviceStatus,
    Telemetry,
    decode_notification,
)
from presso_sim import SimRadio, SimulatedBoots


def frames_per_second(
    chunk_size: int, frames: int = 200_000, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Frames per ``clock`` second through reassembly + decoding (Pro 8 telemetry and
    STATUS), handed over in ``chunk_size``-byte notifications."""
    telemetry = encode_frame(0, 0x41, Telemetry(1, 3, 2, 8, tuple(range(16))).to_bytes())
    status = encode_frame(0, 0x40, DeviceStatus(1, 2, 80, 30, 5, 1795, 3, 255, 77, 0, 0, 1, 9, 999, 4).to_bytes())  # fmt: skip
    blob = (telemetry + status) * (frames // 2)
    stream = FrameReassembler()
    chunks = [blob[i : i + chunk_size] for i in range(0, len(blob), chunk_size)]
    start = clock()
    count = 0
    for chunk in chunks:
        for frame in stream.feed(chunk):
            decode_notification(frame.type, frame.payload)
            count += 1
    return count / (clock() - start)


def parse_rate(frames: int = 200_000) -> tuple[float, float]:
    """Frames per second in 244-byte notifications and split at MTU 23 (20-byte chunks)."""
    return frames_per_second(244, frames), frames_per_second(20, frames)


async def round_trips(n: int = 2_000) -> list[float]:
    """Client PING round trips over the simulated link with zero latency, in ms."""
    radio = SimRadio()
    backend = radio.client_class()
    base = bleak_retry_connector.BleakClientWithServiceCache

    class RadioClient(base):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, backend=backend, **kwargs)

    bleak_retry_connector.BleakClientWithServiceCache = RadioClient  # type: ignore[misc]
    device = radio.add(SimulatedBoots("C0:FF:EE:00:00:01", 3))
    client = PressoClient(radio.ble_device(device.address), callbacks=ClientCallbacks())
    await client.connect()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        await client.ping(b"12345678")
        times.append((time.perf_counter() - start) * 1000)
    await client.disconnect()
    return times


def report(name: str, value: str) -> None:
    """One row of the table (the benchmark tests print theirs the same way)."""
    print(f"| {name} | {value} |")


def main() -> None:
    full, small = parse_rate()
    times = asyncio.run(round_trips())
    times.sort()
    print("| measurement | value |")
    print("|---|---|")
    report("frames parsed+decoded per second, 244-byte notifications", f"{full:,.0f}")
    report("frames parsed+decoded per second, MTU 23 (20-byte chunks)", f"{small:,.0f}")
    report(
        "client round trip (PING), zero link latency, median",
        f"{statistics.median(times):.3f} ms",
    )
    report(
        "client round trip (PING), zero link latency, p99",
        f"{times[int(len(times) * 0.99)]:.3f} ms",
    )


if __name__ == "__main__":
    main()
