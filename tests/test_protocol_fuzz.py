"""Seeded fuzz: random and mutated byte streams never raise anything but ProtocolError.

FUZZ_SEED pins the run; FUZZ_STREAMS sets its size (the slow suite runs 1,000,000).
"""

import os
import random

import pytest

from custom_components.presso_boots.presso_ble.advertisement import Advertisement
from custom_components.presso_boots.presso_ble.exceptions import ProtocolError
from custom_components.presso_boots.presso_ble.frames import FrameReassembler, encode_frame
from custom_components.presso_boots.presso_ble.messages import (
    DeviceInfo,
    DeviceStatus,
    Event,
    Response,
    Telemetry,
    decode_notification,
)

from .wire import EVENT, HELLO, STATUS, TELEMETRY

SEED = int(os.environ.get("FUZZ_SEED", "20261122"))

SEEDS = [
    encode_frame(0, STATUS, DeviceStatus(1, 2, 80, 30, 5, 1795, 3, 31, 77, 0, 0, 1, 9, 999, 4).to_bytes()),
    encode_frame(0, TELEMETRY, Telemetry(1, 2, 2, 8, tuple(range(16))).to_bytes()),
    encode_frame(0, EVENT, Event(2, 0).to_bytes()),
    encode_frame(1, HELLO | 0x80, b"\x00" + DeviceInfo(1, 3, 2, 8, 20, 200, 5, 5, 60, 5, 63, 1, 0, 0, b"S" * 8, True, bytes(8)).to_bytes()),
]  # fmt: skip


def _mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.3 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif choice < 0.5 and buf:
            del buf[rng.randrange(len(buf)) :]
        elif choice < 0.7:
            at = rng.randrange(len(buf) + 1)
            buf[at:at] = rng.randbytes(rng.randint(1, 8))
        elif choice < 0.85 and len(buf) > 3:
            buf[3] = rng.choice((0, 1, 23, 199, 200, 201, 255))
        else:
            buf += rng.choice(SEEDS)
    return bytes(buf)


def _decode_everything(stream: FrameReassembler, chunk: bytes) -> int:
    decoded = 0
    for frame in stream.feed(chunk):
        try:
            if frame.is_response:
                response = Response.from_frame(frame.type, frame.payload)
                if frame.type == HELLO | 0x80:
                    DeviceInfo.from_bytes(response.body)
            else:
                decode_notification(frame.type, frame.payload)
            decoded += 1
        except ProtocolError:
            pass
    return decoded


def fuzz(streams: int, seed: int = SEED) -> tuple[int, int]:
    """Run the fuzzer; return (frames decoded, bytes fed)."""
    rng = random.Random(seed)
    stream = FrameReassembler()
    decoded = fed = 0
    for i in range(streams):
        data = rng.randbytes(rng.randint(0, 40)) if i % 3 == 0 else _mutate(rng, rng.choice(SEEDS))
        Advertisement.from_bytes(data[:16])
        mtu = rng.choice((4, 23, 64, 247))
        for start in range(0, len(data), mtu - 3):
            decoded += _decode_everything(stream, data[start : start + mtu - 3])
        fed += len(data)
        assert stream.pending <= 206 + mtu  # never hoards bytes
    return decoded, fed


def test_fuzz_100k_streams() -> None:
    decoded, fed = fuzz(100_000)
    assert fed > 1_000_000
    assert decoded > 10_000  # valid frames survive the noise around them


def test_seed_frames_survive_any_prefix_of_noise() -> None:
    rng = random.Random(SEED)
    for _ in range(2_000):
        stream = FrameReassembler()
        noise = rng.randbytes(rng.randint(0, 30))
        frames = stream.feed(noise + SEEDS[2] + SEEDS[2])
        assert frames[-1].payload == b"\x02\x00"


@pytest.mark.slow
def test_fuzz_one_million_frames() -> None:
    decoded, _fed = fuzz(int(os.environ.get("FUZZ_STREAMS", "1000000")))
    assert decoded > 100_000
