"""One Bluetooth link the emulated ESPHome proxy holds: GATT requests from the API, answered.

The peripheral's side is a ``SimLinkClient`` (the simulated radio's bleak
backend), so ``LinkFaults`` apply underneath. What this adds is how an ESP32
with remote caching presents the link: the GATT table as API messages (each
notifying characteristic with its CCCD, 0x2902, at the next handle),
notifications that flow only once the API asked to forward them *and* the CCCD
was written, and ATT errors for what the boots do not support.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from bleak.assigned_numbers import CHARACTERISTIC_PROPERTIES
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.service import BleakGATTServiceCollection
from bleak.exc import BleakError

from .esphome_api import Message, mac_to_int, pb, uuid_to_ints
from .link import SimLinkClient


class Session(Protocol):
    """The API connection a GATT answer goes back on (``esphome_session.ApiSession``)."""

    def send(self, message: Message) -> None: ...


CCCD_UUID: Final = "00002902-0000-1000-8000-00805f9b34fb"
CCCD_ON: Final = (b"\x01", b"\x02")  # notify, indicate (first byte, little-endian)
PROPERTY_MASK: Final = {name: mask for mask, name in CHARACTERISTIC_PROPERTIES.items()}
NOTIFYING: Final = frozenset({"notify", "indicate"})
# ATT errors as aioesphomeapi names them (ESPHOME_GATT_ERRORS)
ATT_INVALID_HANDLE: Final = 0x01
ATT_READ_NOT_PERMITTED: Final = 0x02
ATT_WRITE_NOT_PERMITTED: Final = 0x03


def gatt_error(request: Any, error: int) -> Message:
    """The ESP's answer to a GATT request it could not carry out."""
    return pb.BluetoothGATTErrorResponse(
        address=request.address, handle=request.handle, error=error
    )


@dataclass(slots=True, eq=False)
class ProxiedLink:
    """One Bluetooth connection the proxy holds for its API client."""

    address: str
    session: Session
    client: SimLinkClient
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """The ESP runs one GATT operation per link at a time."""
    forwarding: set[int] = field(default_factory=set)
    """Handles whose notifications go to the API client (BluetoothGATTNotifyRequest)."""
    closed: bool = False
    idle_since: float = 0.0
    """When the last GATT operation ended (``time.perf_counter``)."""

    @property
    def services(self) -> BleakGATTServiceCollection:
        """The peripheral's GATT table (the simulated link knows it once connected)."""
        services = self.client.services
        assert services is not None
        return services

    def characteristic(self, handle: int) -> BleakGATTCharacteristic | None:
        return self.services.get_characteristic(handle)

    def _cccd_owner(self, handle: int) -> BleakGATTCharacteristic | None:
        """The notifying characteristic whose CCCD sits at ``handle`` (its value handle + 1)."""
        char = self.characteristic(handle - 1)
        return char if char is not None and NOTIFYING & set(char.properties) else None

    # --- over the air (the proxy counts and delays these) ---------------------------------

    async def discover_services(self, request: Any) -> Message:
        """The GATT table, then the done marker."""
        services = [
            pb.BluetoothGATTService(
                uuid=uuid_to_ints(service.uuid),
                handle=service.handle,
                characteristics=[_characteristic(char) for char in service.characteristics],
            )
            for service in self.services
        ]
        self.session.send(
            pb.BluetoothGATTGetServicesResponse(address=request.address, services=services)
        )
        return pb.BluetoothGATTGetServicesDoneResponse(address=request.address)

    async def write(self, request: Any) -> Message | None:
        """A write to a characteristic; answered only when written with response."""
        char = self.characteristic(request.handle)
        if char is None:
            return gatt_error(request, ATT_INVALID_HANDLE)
        try:
            await self.client.write_gatt_char(char, request.data, request.response)
        except BleakError:
            if not self.client.is_connected:
                return None  # the drop is reported as a disconnect
            return gatt_error(request, ATT_WRITE_NOT_PERMITTED)
        if not request.response:
            return None
        return pb.BluetoothGATTWriteResponse(address=request.address, handle=request.handle)

    async def write_descriptor(self, request: Any) -> Message:
        """Only CCCDs are writable: they switch the peripheral's notifications on and off."""
        char = self._cccd_owner(request.handle)
        if char is None:
            return gatt_error(request, ATT_INVALID_HANDLE)
        if bytes(request.data[:1]) in CCCD_ON:
            handle = char.handle
            await self.client.start_notify(char, lambda data: self._notified(handle, bytes(data)))
        else:
            await self.client.stop_notify(char)
        return pb.BluetoothGATTWriteResponse(address=request.address, handle=request.handle)

    async def read(self, request: Any) -> Message:
        """The boots have nothing readable."""
        return gatt_error(request, ATT_READ_NOT_PERMITTED)

    # --- local to the ESP -------------------------------------------------------------------

    def notify_request(self, request: Any) -> Message | None:
        """Start (answered) or stop (not answered) forwarding a characteristic's notifications."""
        char = self.characteristic(request.handle)
        if char is None or not NOTIFYING & set(char.properties):
            return gatt_error(request, ATT_INVALID_HANDLE)
        if not request.enable:
            self.forwarding.discard(request.handle)
            return None
        self.forwarding.add(request.handle)
        return pb.BluetoothGATTNotifyResponse(address=request.address, handle=request.handle)

    def _notified(self, handle: int, data: bytes) -> None:
        if handle in self.forwarding and not self.closed:
            self.session.send(
                pb.BluetoothGATTNotifyDataResponse(
                    address=mac_to_int(self.address), handle=handle, data=data
                )
            )


def _characteristic(char: BleakGATTCharacteristic) -> Message:
    descriptors = (
        [pb.BluetoothGATTDescriptor(uuid=uuid_to_ints(CCCD_UUID), handle=char.handle + 1)]
        if NOTIFYING & set(char.properties)
        else []
    )
    return pb.BluetoothGATTCharacteristic(
        uuid=uuid_to_ints(char.uuid),
        handle=char.handle,
        properties=sum(PROPERTY_MASK[p] for p in char.properties),
        descriptors=descriptors,
    )
