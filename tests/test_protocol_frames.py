"""Frame layer: the spec's vectors, CRC, reassembly and resynchronisation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.presso_boots.presso_ble.exceptions import ProtocolError
from custom_components.presso_boots.presso_ble.frames import (
    FrameReassembler,
    crc16,
    decode_frame,
    encode_frame,
    split_for_mtu,
)
from custom_components.presso_boots.presso_ble.messages import (
    Auth,
    Event,
    Hello,
    Response,
    Start,
    Stop,
    Telemetry,
    auth_proof,
)

from .wire import AUTH, EVENT, HELLO, START, STOP, TELEMETRY, vector


def test_crc_check_value() -> None:
    assert crc16(b"123456789") == 0x29B1


@pytest.mark.parametrize(
    ("name", "seq", "frame_type", "payload"),
    [
        ("hello", 1, HELLO, Hello(1).to_bytes()),
        ("start", 7, START, Start(2, 80, 30, 3, 0x1F).to_bytes()),
        ("start_zeros", 8, START, Start().to_bytes()),
        ("stop", 9, STOP, Stop().to_bytes()),
        ("stop_ok", 9, STOP | 0x80, Response(STOP, 0).to_bytes()),
        ("event_completed", 0, EVENT, Event(2, 0).to_bytes()),
        (
            "telemetry_go4",
            0,
            TELEMETRY,
            Telemetry(2, 3, 2, 4, (80, 78, 81, 0, 79, 80, 80, 0)).to_bytes(),
        ),
        ("auth", 2, AUTH, Auth(auth_proof("123456", bytes(range(1, 9)))).to_bytes()),
    ],
)
def test_spec_vectors_encode_and_decode(
    name: str, seq: int, frame_type: int, payload: bytes
) -> None:
    assert encode_frame(seq, frame_type, payload) == vector(name)
    frame = decode_frame(vector(name))
    assert (frame.seq, frame.type, frame.payload) == (seq, frame_type, payload)


def test_telemetry_vector_reads_as_the_spec_says() -> None:
    frame = decode_frame(vector("telemetry_go4"))
    telemetry = Telemetry.from_bytes(frame.payload)
    assert telemetry.phase == 2  # holding
    assert telemetry.active_chamber == 3
    assert telemetry.pressure(0, 1) == 80
    assert telemetry.pressure(1, 3) == 80
    assert telemetry.pressure(1, 4) == 0


def test_fragments_at_mtu_23_reassemble() -> None:
    frame = encode_frame(0, TELEMETRY, Telemetry(1, 1, 2, 8, tuple(range(16))).to_bytes())
    chunks = split_for_mtu(frame, 23)
    assert len(chunks) == 2
    assert all(len(chunk) <= 20 for chunk in chunks)
    stream = FrameReassembler()
    assert stream.feed(chunks[0]) == []
    assert stream.pending == 20
    (decoded,) = stream.feed(chunks[1])
    assert Telemetry.from_bytes(decoded.payload).pressures == tuple(range(16))


def test_resync_after_garbage_and_bad_crc() -> None:
    good = vector("event_completed")
    corrupt = bytearray(vector("stop_ok"))
    corrupt[4] ^= 0xFF
    stream = FrameReassembler()
    frames = stream.feed(b"\x00\x13\xa5" + bytes(corrupt) + good + b"\xa5\xff" + good)
    assert [f.payload for f in frames] == [b"\x02\x00", b"\x02\x00"]
    assert stream.discarded > 0
    assert stream.pending == 0


def test_several_frames_in_one_notification() -> None:
    stream = FrameReassembler()
    frames = stream.feed(vector("stop_ok") + vector("event_completed") + vector("stop_ok")[:3])
    assert [f.type for f in frames] == [STOP | 0x80, EVENT]
    assert stream.pending == 3


def test_decode_frame_rejects_partial_and_extra() -> None:
    with pytest.raises(ProtocolError):
        decode_frame(vector("stop")[:-1])
    with pytest.raises(ProtocolError):
        decode_frame(vector("stop") + b"\x00")


def test_encode_rejects_oversized() -> None:
    with pytest.raises(ProtocolError):
        encode_frame(1, 1, bytes(201))
    with pytest.raises(ProtocolError):
        encode_frame(256, 1)


@given(
    seq=st.integers(0, 255),
    frame_type=st.integers(0, 255),
    payload=st.binary(max_size=200),
    mtu=st.integers(4, 247),
    noise=st.binary(max_size=8).filter(lambda b: 0xA5 not in b),
)
def test_round_trip_any_frame_any_split(
    seq: int, frame_type: int, payload: bytes, mtu: int, noise: bytes
) -> None:
    frame = encode_frame(seq, frame_type, payload)
    stream = FrameReassembler()
    found = []
    for chunk in split_for_mtu(noise + frame, mtu):
        found += stream.feed(chunk)
    assert [(f.seq, f.type, f.payload) for f in found] == [(seq, frame_type, payload)]


def test_the_auth_proof_is_the_specs_hmac_of_the_nonce() -> None:
    # computed here, in the test, so mutation testing sees which test checks it
    assert auth_proof("123456", bytes(range(1, 9))) == vector("auth")[4:12]
    assert auth_proof("123456", bytes(8)) != auth_proof("123456", bytes(range(1, 9)))
    assert auth_proof("654321", bytes(range(1, 9))) != vector("auth")[4:12]


def test_a_cut_off_frame_gives_way_to_a_whole_one_right_behind_it() -> None:
    # the stray 0xA5 claims a 0x42-byte payload: the EVENT's own type byte
    good = vector("event_completed")
    assert 0x01 not in good  # nothing else in the stream to take for a start
    stream = FrameReassembler()
    (frame,) = stream.feed(b"\xa5" + good)
    assert (frame.type, frame.payload, stream.discarded, stream.pending) == (
        EVENT,
        b"\x02\x00",
        1,
        0,
    )


def test_two_stray_starts_before_a_whole_frame() -> None:
    good = vector("stop_ok")
    stream = FrameReassembler()
    (frame,) = stream.feed(b"\xa5\xa5" + good)  # the first claims a 9-byte payload (seq)
    assert (frame.seq, frame.payload, stream.discarded, stream.pending) == (9, b"\x00", 2, 0)
    stream.feed(b"\x00\x13")
    assert stream.discarded == 4  # counted over the whole stream, not per notification


def test_decode_frame_says_what_it_got() -> None:
    with pytest.raises(ProtocolError, match=r"not exactly one valid frame: a5 09 11 00 4f$"):
        decode_frame(vector("stop")[:-1])


def test_encode_frame_limits_and_defaults() -> None:
    assert encode_frame(9, STOP) == vector("stop")  # no payload: an empty one
    assert decode_frame(encode_frame(255, 0xFF)).seq == 255  # the last sequence number
    largest = encode_frame(1, 0x42, bytes(200))
    assert decode_frame(largest).payload == bytes(200)
    with pytest.raises(ProtocolError, match=r"^payload of 201 bytes exceeds 200$"):
        encode_frame(1, 1, bytes(201))
    with pytest.raises(ProtocolError, match=r"^sequence 1 or type 256 is not a byte$"):
        encode_frame(1, 256)
    with pytest.raises(ProtocolError, match=r"^sequence -1 or type 1 is not a byte$"):
        encode_frame(-1, 1)


def test_the_largest_frame_is_taken_from_the_stream() -> None:
    stream = FrameReassembler()
    (frame,) = stream.feed(encode_frame(3, 0x42, bytes(range(200))))
    assert frame.payload == bytes(range(200))


def test_a_header_with_an_impossible_length_is_dropped_at_once() -> None:
    stream = FrameReassembler()
    assert stream.feed(b"\xa5\x00\x00\xff") == []
    assert (stream.pending, stream.discarded) == (0, 4)  # not held waiting for 255 bytes
    # a stray start whose "length" is the next frame's type byte (0xFF): only it is dropped
    (frame,) = stream.feed(b"\xa5" + encode_frame(1, 0xFF))
    assert (frame.seq, frame.type, stream.discarded) == (1, 0xFF, 5)


def test_a_stray_start_right_before_a_frame_costs_one_byte() -> None:
    stream = FrameReassembler()
    (frame,) = stream.feed(b"\xa5" + vector("hello"))  # the stray looks whole; its CRC fails
    assert (frame.type, frame.payload, stream.discarded) == (HELLO, b"\x01", 1)


def test_a_stray_start_at_the_end_of_a_chunk_waits_for_more() -> None:
    stream = FrameReassembler()
    assert stream.feed(b"\xa5\x00\x00\x10\x00\xa5") == []
    assert (stream.pending, stream.discarded) == (6, 0)


def test_a_frame_behind_a_stray_start_is_taken_only_once_whole() -> None:
    # its CRC is 0x00C8: its first byte alone reads as the whole CRC
    frame = encode_frame(1, EVENT, b"\x02\x03")
    assert frame[-2:] == b"\xc8\x00"
    stream = FrameReassembler()
    assert stream.feed(b"\xa5\x00\x00\x10" + frame[:-1]) == []
    assert stream.pending == 11  # the stray is given up only once a whole frame stands behind it
    (found,) = stream.feed(frame[-1:])
    assert (found.seq, found.payload, stream.discarded, stream.pending) == (1, b"\x02\x03", 4, 0)


def test_the_stream_counts_its_frames() -> None:
    stream = FrameReassembler()
    stream.feed(vector("stop_ok") + vector("event_completed"))
    stream.feed(vector("stop_ok"))
    assert stream.frames == 3


def test_chunks_are_mtu_minus_three_bytes_and_never_empty() -> None:
    assert split_for_mtu(b"abcde", 5) == [b"ab", b"cd", b"e"]
    assert split_for_mtu(b"abc", 4) == [b"a", b"b", b"c"]
    assert split_for_mtu(b"abc", 3) == [b"a", b"b", b"c"]
