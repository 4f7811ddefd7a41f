"""Frame layer: build frames, check CRCs, and reassemble the notification stream.

Layout: 0xA5 | seq u8 | type u8 | length N u8 | payload N | CRC-16/CCITT-FALSE u16 LE.
The CRC covers seq .. end of payload.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from typing import Final

from .const import MAX_PAYLOAD, NOTIFICATION_SEQUENCE, RESPONSE_BIT, START_OF_FRAME
from .exceptions import ProtocolError

OFFSET_SEQ: Final = 1
OFFSET_TYPE: Final = 2
OFFSET_LENGTH: Final = 3
HEADER_SIZE: Final = 4
CRC_SIZE: Final = 2
OVERHEAD: Final = HEADER_SIZE + CRC_SIZE
MAX_FRAME: Final = OVERHEAD + MAX_PAYLOAD


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no xor-out)."""
    return binascii.crc_hqx(data, 0xFFFF)


@dataclass(frozen=True, slots=True)
class Frame:
    """One checked frame."""

    seq: int
    type: int
    payload: bytes

    @property
    def is_response(self) -> bool:
        """True for the device's answer to a host command."""
        return self.seq != NOTIFICATION_SEQUENCE and bool(self.type & RESPONSE_BIT)


def encode_frame(seq: int, frame_type: int, payload: bytes = b"") -> bytes:
    """Build a frame with its CRC."""
    if not 0 <= seq <= 0xFF or not 0 <= frame_type <= 0xFF:
        raise ProtocolError(f"sequence {seq} or type {frame_type} is not a byte")
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    body = bytes((seq, frame_type, len(payload))) + payload
    return bytes((START_OF_FRAME,)) + body + crc16(body).to_bytes(CRC_SIZE, "little")


def decode_frame(data: bytes) -> Frame:
    """Decode exactly one whole frame; raise ProtocolError if it is not one."""
    frames = FrameReassembler()
    found = frames.feed(data)
    if len(found) != 1 or frames.discarded or frames.pending:
        raise ProtocolError(f"not exactly one valid frame: {data.hex(' ')}")
    return found[0]


class FrameReassembler:
    """Turns a stream of notification chunks into checked frames.

    Frames may be split across notifications (MTU) and several may share one.
    Garbage, impossible lengths and bad CRCs are skipped by resynchronising on
    the next start-of-frame byte; ``feed`` never raises.
    """

    __slots__ = ("_buffer", "discarded", "frames")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.discarded = 0
        self.frames = 0

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def reset(self) -> None:
        """Forget a partial frame (on a new connection)."""
        self._buffer.clear()

    def feed(self, data: bytes | bytearray) -> list[Frame]:
        """Add received bytes; return every frame they complete."""
        buffer = self._buffer
        buffer += data
        found: list[Frame] = []
        while buffer:
            start = buffer.find(START_OF_FRAME)
            if start < 0:
                self._discard(len(buffer))
                break
            if start:
                self._discard(start)
            if len(buffer) < HEADER_SIZE:
                break
            length = buffer[OFFSET_LENGTH]
            if length > MAX_PAYLOAD:
                self._discard(1)
                continue
            if len(buffer) < HEADER_SIZE + length + CRC_SIZE:
                # A cut-off frame or a stray 0xA5 claims more bytes than have come:
                # give up on it as soon as a whole valid frame stands behind it.
                if (later := self._next_whole_frame()) is None:
                    break
                self._discard(later)
                continue
            if (frame := self._frame_at(0)) is None:
                self._discard(1)
                continue
            found.append(frame)
            del buffer[: OVERHEAD + len(frame.payload)]
        self.frames += len(found)
        return found

    def _frame_at(self, start: int) -> Frame | None:
        """The whole, CRC-valid frame that starts at ``start``, if there is one."""
        buffer = self._buffer
        if len(buffer) < start + OVERHEAD:
            return None
        length = buffer[start + OFFSET_LENGTH]
        end = start + HEADER_SIZE + length
        if length > MAX_PAYLOAD or len(buffer) < end + CRC_SIZE:
            return None
        received = int.from_bytes(buffer[end : end + CRC_SIZE], "little")
        if crc16(bytes(buffer[start + OFFSET_SEQ : end])) != received:
            return None
        return Frame(
            buffer[start + OFFSET_SEQ],
            buffer[start + OFFSET_TYPE],
            bytes(buffer[start + HEADER_SIZE : end]),
        )

    def _next_whole_frame(self) -> int | None:
        start = self._buffer.find(START_OF_FRAME, 1)
        while start > 0:
            if self._frame_at(start) is not None:
                return start
            start = self._buffer.find(START_OF_FRAME, start + 1)
        return None

    def _discard(self, count: int) -> None:
        del self._buffer[:count]
        self.discarded += count


def split_for_mtu(frame: bytes, mtu: int) -> list[bytes]:
    """Split a frame into notification-sized chunks (MTU - 3 bytes each)."""
    size = max(1, mtu - 3)
    return [frame[i : i + size] for i in range(0, len(frame), size)]
