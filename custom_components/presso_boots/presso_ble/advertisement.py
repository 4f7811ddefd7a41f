"""Parser for the boots' manufacturer-specific advertisement data."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Self

from .const import (
    ADVERTISEMENT_MAGIC,
    BATTERY_UNKNOWN,
    LOCAL_NAME_PREFIX,
    MANUFACTURER_ID,
    PROTOCOL_VERSION,
    AdvertisementFlag,
    Fault,
)
from .messages import known

# magic u8 | version u8 | model u8 | flags u8 | battery u8 | program u8 |
# pressure u8 | duration u8 | remaining u16 | change counter u8 | fault u8
_LAYOUT = struct.Struct("<BBBBBBBBHBB")
#: Every flags byte (the top bit is reserved), made once: parsing looks it up.
_FLAGS = tuple(AdvertisementFlag(bits) for bits in range(0x80))


def device_name(address: str) -> str:
    """The boots' complete local name: "Presso" and the address's last four hex digits.

    The advertising data carries only the shortened name "Presso"; the complete one
    comes in the scan response, which a scanner may not have heard yet (an ESPHome
    proxy forwards the two as separate raw advertisements). The address gives it always.
    """
    return f"{LOCAL_NAME_PREFIX} {address.replace(':', '')[-4:].upper()}"


@dataclass(slots=True)
class Advertisement:
    """What a protocol-1 device tells everyone around it, every second.

    A value nobody changes once parsed, but not a frozen dataclass: one is parsed for
    every advertisement Home Assistant hands over, and a frozen dataclass's ``__init__``
    (an ``object.__setattr__`` per field) costs six times a plain one's.
    """

    LAYOUT: ClassVar[struct.Struct] = _LAYOUT
    model_id: int
    flags: AdvertisementFlag
    battery: int | None
    program: int
    target_pressure: int
    duration_minutes: int
    remaining_seconds: int
    change_counter: int
    fault: Fault | int

    def to_bytes(self) -> bytes:
        """Manufacturer data payload (without the company id)."""
        battery = BATTERY_UNKNOWN if self.battery is None else self.battery
        return _LAYOUT.pack(
            ADVERTISEMENT_MAGIC, PROTOCOL_VERSION, self.model_id, int(self.flags), battery,
            self.program, self.target_pressure, self.duration_minutes, self.remaining_seconds,
            self.change_counter, int(self.fault),
        )  # fmt: skip

    @classmethod
    def from_bytes(cls, data: bytes) -> Self | None:
        """Parse the payload; None if it is not from a protocol-1 device."""
        if len(data) < _LAYOUT.size:
            return None
        (magic, version, model, flags, battery, program, pressure, duration, remaining,
         counter, fault) = _LAYOUT.unpack_from(data)  # fmt: skip
        if magic != ADVERTISEMENT_MAGIC or version != PROTOCOL_VERSION:
            return None
        return cls(
            model,
            _FLAGS[flags & 0x7F],
            None if battery == BATTERY_UNKNOWN else battery,
            program,
            pressure,
            duration,
            remaining,
            counter,
            known(Fault, fault),
        )

    @property
    def session_active(self) -> bool:
        """A session is running or paused."""
        return AdvertisementFlag.SESSION_ACTIVE in self.flags

    @property
    def central_connected(self) -> bool:
        """Some central (maybe us) holds the connection."""
        return AdvertisementFlag.CENTRAL_CONNECTED in self.flags


def parse_manufacturer_data(manufacturer_data: Mapping[int, bytes]) -> Advertisement | None:
    """Find and parse the vendor's entry in a manufacturer-data mapping."""
    if (data := manufacturer_data.get(MANUFACTURER_ID)) is None:
        return None
    return Advertisement.from_bytes(data)
