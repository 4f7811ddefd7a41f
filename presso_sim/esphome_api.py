"""The ESPHome native API's plaintext framing and message ids, as pure functions.

A plaintext frame is ``0x00``, the payload length and the message type (both
varuints), then the protobuf payload. Message classes and their ids come from
``aioesphomeapi`` (``api_pb2`` and ``MESSAGE_TYPE_TO_PROTO``), so the emulated
proxy speaks exactly what the client it is tested against expects. The
server in ``esphome_proxy.py`` owns buffers and connections; nothing here
does I/O.
"""

from __future__ import annotations

from typing import Any, Final

from aioesphomeapi import api_pb2
from aioesphomeapi.core import MESSAGE_TYPE_TO_PROTO
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]  # no stubs

from custom_components.presso_boots.presso_ble.advertisement import Advertisement
from custom_components.presso_boots.presso_ble.const import (
    LOCAL_NAME_PREFIX,
    MANUFACTURER_ID,
    SERVICE_UUID,
)

#: The generated protobuf module has no type stubs; its classes are looked up here.
pb: Any = api_pb2
#: An ``api_pb2`` message (untyped, like the module).
type Message = Any

PREAMBLE: Final = 0x00
MESSAGE_ID: Final[dict[type, int]] = {cls: msg_id for msg_id, cls in MESSAGE_TYPE_TO_PROTO.items()}

# Advertising data types (Bluetooth Core Supplement, part A, 1.1-1.4)
AD_FLAGS: Final = 0x01
AD_COMPLETE_128_BIT_UUIDS: Final = 0x07
AD_SHORTENED_NAME: Final = 0x08
AD_COMPLETE_NAME: Final = 0x09
AD_MANUFACTURER_DATA: Final = 0xFF
#: LE General Discoverable, BR/EDR not supported
FLAGS_LE_GENERAL: Final = 0x06


class FramingError(Exception):
    """The peer sent bytes that are not a plaintext API frame."""


def varuint(value: int) -> bytes:
    """Protobuf's base-128 varint, least significant group first."""
    out = bytearray()
    while True:
        group, value = value & 0x7F, value >> 7
        if value:
            out.append(group | 0x80)
        else:
            out.append(group)
            return bytes(out)


def _read_varuint(data: bytes | bytearray, pos: int) -> tuple[int, int] | None:
    """The value at ``pos`` and the position after it; None when incomplete."""
    result = shift = 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 28:
            raise FramingError("varuint longer than 4 bytes")
    return None


def encode_message(message: Message) -> bytes:
    """One plaintext frame carrying ``message``."""
    payload: bytes = message.SerializeToString()
    return bytes((PREAMBLE,)) + varuint(len(payload)) + varuint(MESSAGE_ID[type(message)]) + payload


def decode_frames(buffer: bytes | bytearray) -> tuple[list[tuple[int, bytes]], bytes]:
    """Complete frames in ``buffer`` as (message id, payload), and the bytes left over."""
    frames: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(buffer):
        if buffer[pos] != PREAMBLE:
            raise FramingError(f"invalid preamble 0x{buffer[pos]:02x} (encrypted client?)")
        length = _read_varuint(buffer, pos + 1)
        if length is None:
            break
        msg_type = _read_varuint(buffer, length[1])
        if msg_type is None or msg_type[1] + length[0] > len(buffer):
            break
        end = msg_type[1] + length[0]
        frames.append((msg_type[0], bytes(buffer[msg_type[1] : end])))
        pos = end
    return frames, bytes(buffer[pos:])


def parse_message(msg_id: int, payload: bytes) -> Message | None:
    """The message a frame carries; None for an id this API version does not know."""
    cls = MESSAGE_TYPE_TO_PROTO.get(msg_id)
    if cls is None:
        return None
    message = cls()
    try:
        message.ParseFromString(payload)
    except DecodeError as err:
        raise FramingError(f"bad payload for message {msg_id}") from err
    return message


# --- Bluetooth values as the API carries them ----------------------------------------


def mac_to_int(address: str) -> int:
    """``AA:BB:CC:DD:EE:FF`` as the API's uint64."""
    return int(address.replace(":", ""), 16)


def int_to_mac(value: int) -> str:
    """The API's uint64 address as ``AA:BB:CC:DD:EE:FF``."""
    raw = f"{value:012X}"
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def uuid_to_ints(uuid: str) -> list[int]:
    """A 128-bit UUID as the API's two uint64 (most significant half first)."""
    value = int(uuid.replace("-", ""), 16)
    return [value >> 64, value & 0xFFFF_FFFF_FFFF_FFFF]


def _ad(ad_type: int, data: bytes) -> bytes:
    return bytes((len(data) + 1, ad_type)) + data


def advertising_data(adv: Advertisement) -> bytes:
    """The boots' legacy advertising data (spec section 3): flags, manufacturer data, short name."""
    return (
        _ad(AD_FLAGS, bytes((FLAGS_LE_GENERAL,)))
        + _ad(AD_MANUFACTURER_DATA, MANUFACTURER_ID.to_bytes(2, "little") + adv.to_bytes())
        + _ad(AD_SHORTENED_NAME, LOCAL_NAME_PREFIX.encode())
    )


def scan_response(local_name: str) -> bytes:
    """The boots' scan response: the service UUID and the complete local name."""
    uuid = int(SERVICE_UUID.replace("-", ""), 16).to_bytes(16, "little")
    return _ad(AD_COMPLETE_128_BIT_UUIDS, uuid) + _ad(AD_COMPLETE_NAME, local_name.encode())
