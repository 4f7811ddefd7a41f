"""The simulated radio: a bleak client backend that talks to simulated boots.

``SimRadio`` holds the devices in range and how each link misbehaves
(``LinkFaults``). ``SimRadio.client_class()`` is a ``BaseBleakClient``
subclass, so it plugs in wherever bleak takes a backend: behind Home
Assistant's Bluetooth stack as a remote scanner's connector (as ESPHome
proxies do), or directly under ``bleak.BleakClient(..., backend=...)``.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError

from custom_components.presso_boots.presso_ble.const import (
    CONTROL_POINT_UUID,
    EVENTS_UUID,
    SERVICE_UUID,
)
from custom_components.presso_boots.presso_ble.frames import split_for_mtu

from .device import SimulatedBoots
from .gatt import ConnectionRefused

DEFAULT_MTU = 247


@dataclass(slots=True)
class LinkFaults:
    """How one device's link misbehaves; counters count down as they fire."""

    latency: float = 0.0
    mtu: int = DEFAULT_MTU
    drop_to_device: int = 0
    drop_to_host: int = 0
    corrupt_to_host: int = 0
    truncate_to_host: int = 0
    response_delay: float = 0.0
    connection_interval: float = 0.0
    """Each frame to the host in its own connection event, this long after the one before
    (a real radio: 7.5-50 ms); 0 hands a burst over in one go."""
    loss_rate: float = 0.0
    disconnect_on_command: int | None = None
    """Drop the link when a command of this type arrives."""
    execute_before_disconnect: bool = True
    refuse_connections: int = 0
    fail_subscriptions: int = 0
    """Fail this many notification subscriptions (a link that breaks just after connecting)."""
    out_of_range: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(1))

    def lose(self) -> bool:
        """Random frame loss at ``loss_rate``."""
        return self.loss_rate > 0 and self.rng.random() < self.loss_rate


class SimRadio:
    """Devices in range, their links, and connection bookkeeping."""

    def __init__(self) -> None:
        self.devices: dict[str, SimulatedBoots] = {}
        self.faults: dict[str, LinkFaults] = {}
        self.links: dict[str, SimLinkClient] = {}
        self.connect_count = 0

    def add(self, device: SimulatedBoots, faults: LinkFaults | None = None) -> SimulatedBoots:
        """Put a device in range."""
        self.devices[device.address] = device
        self.faults[device.address] = faults or LinkFaults()
        return device

    def reaches(self, address: str, hears: set[str] | None) -> bool:
        """A listener that hears ``hears`` (None: every device) hears this one now."""
        faults = self.faults.get(address)
        return (hears is None or address in hears) and not (
            faults is not None and faults.out_of_range
        )

    def drop_link(self, address: str) -> None:
        """The radio link to a device breaks (range, interference)."""
        if link := self.links.get(address):
            link.lose_link()

    def client_class(self, on_change: Callable[[], None] | None = None) -> type[SimLinkClient]:
        """A backend class bound to this radio."""
        return type("SimLinkClient", (SimLinkClient,), {"radio": self, "on_change": on_change})

    def ble_device(self, address: str, details: Any = None) -> BLEDevice:
        """A BLEDevice for direct use with the library (no Home Assistant)."""
        return BLEDevice(address, self.devices[address].local_name, details or {})


def _services() -> BleakGATTServiceCollection:
    collection = BleakGATTServiceCollection()
    service = BleakGATTService(None, 1, SERVICE_UUID)
    collection.add_service(service)
    for handle, char_uuid, props in (
        (2, CONTROL_POINT_UUID, ["write", "write-without-response"]),
        (4, EVENTS_UUID, ["notify"]),
    ):
        char = BleakGATTCharacteristic(None, handle, char_uuid, props, lambda: 20, service)  # type: ignore[arg-type]
        collection.add_characteristic(char)
    return collection


class SimLinkClient(BaseBleakClient):
    """bleak backend whose peer is a ``SimulatedBoots`` on a ``SimRadio``."""

    radio: SimRadio
    on_change: Callable[[], None] | None

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        kwargs.setdefault("disconnected_callback", None)
        kwargs.setdefault("timeout", 10.0)
        known = {k: kwargs[k] for k in ("disconnected_callback", "timeout")}
        super().__init__(address_or_ble_device, **known)
        self._device: SimulatedBoots | None = None
        self._notify: NotifyCallback | None = None
        self._last_delivery = 0.0
        self._in_flight: set[asyncio.TimerHandle] = set()
        #: Chunks for the host in this loop round: handed over together, as a real stack
        #: reads a burst of notifications in one socket read (D-Bus, the ESPHome API).
        self._burst: list[bytes] = []
        self.id = uuid.uuid4().hex[:6]

    @property
    def faults(self) -> LinkFaults:
        """This address's link faults."""
        faults = self.radio.faults.get(self.address)
        if faults is None:  # built once: a LinkFaults seeds a Random
            faults = self.radio.faults[self.address] = LinkFaults()
        return faults

    @property
    def name(self) -> str:
        return self._device.local_name if self._device else self.address

    @property
    def mtu_size(self) -> int:
        return self.faults.mtu

    @property
    def is_connected(self) -> bool:
        return self._device is not None

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        device = self.radio.devices.get(self.address)
        if device is None or self.faults.out_of_range:
            raise BleakError(f"Device with address {self.address} was not found")
        await self._latency()
        faults = self.faults
        if faults.refuse_connections:
            faults.refuse_connections -= 1
            raise BleakError("ESP_GATT_CONN_FAIL_ESTABLISH")
        try:
            device.connect_central(f"host-{self.id}")
        except ConnectionRefused as err:
            raise BleakError(str(err)) from err
        self._device = device
        self.services = _services()
        device.transmit = self._deliver
        device.break_link = self.lose_link
        self.radio.links[self.address] = self
        self.radio.connect_count += 1
        self._changed()

    async def disconnect(self) -> None:
        self._end(notify=True)

    def lose_link(self) -> None:
        """The link drops without either side asking."""
        self._end(notify=True)

    def _end(self, *, notify: bool) -> None:
        device, self._device = self._device, None
        for handle in self._in_flight:
            handle.cancel()
        self._in_flight.clear()
        self._burst.clear()
        if device is None:
            return
        if device.central == f"host-{self.id}":
            device.disconnect_central()
        if self.radio.links.get(self.address) is self:
            del self.radio.links[self.address]
        self._changed()
        if notify and self._disconnected_callback:
            asyncio.get_running_loop().call_soon(self._disconnected_callback)

    def _changed(self) -> None:
        if self.on_change:
            self.on_change()

    async def _latency(self) -> None:
        if latency := self.faults.latency:
            await asyncio.sleep(latency)

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        if characteristic.uuid != CONTROL_POINT_UUID:
            raise BleakError(f"{characteristic.uuid} is not writable")
        await self._latency()
        device = self._device
        if device is None:
            raise BleakError("Not connected")
        faults = self.faults
        if faults.drop_to_device:
            faults.drop_to_device -= 1
            return
        if faults.lose():
            return
        if (
            faults.disconnect_on_command is not None
            and len(data) > 2
            and data[2] == faults.disconnect_on_command
        ):
            faults.disconnect_on_command = None
            if faults.execute_before_disconnect:
                device.transmit = None
                device.receive(bytes(data))
            self.lose_link()
            raise BleakError("Disconnected")
        device.receive(bytes(data))

    def _deliver(self, frame: bytes) -> None:
        faults = self.faults
        if faults.drop_to_host:
            faults.drop_to_host -= 1
            return
        if faults.lose():
            return
        if faults.corrupt_to_host:
            faults.corrupt_to_host -= 1
            frame = frame[:-1] + bytes((frame[-1] ^ 0x5A,))
        if faults.truncate_to_host:
            faults.truncate_to_host -= 1
            frame = frame[: max(1, len(frame) // 2)]
        delay = faults.latency + (faults.response_delay if frame[1] else 0.0)
        gap = max(faults.connection_interval, 1e-6)
        loop = asyncio.get_running_loop()
        for chunk in split_for_mtu(frame, faults.mtu):
            if delay <= 0 and not faults.connection_interval:
                if not self._burst:
                    loop.call_soon(self._hand_over_burst)
                self._burst.append(chunk)
                continue
            when = max(loop.time() + delay, self._last_delivery + gap)
            self._last_delivery = when
            handle = loop.call_at(when, self._hand_over, chunk)
            self._in_flight.add(handle)

    def _hand_over_burst(self) -> None:
        burst, self._burst = self._burst, []
        for chunk in burst:
            self._hand_over(chunk)

    def _hand_over(self, chunk: bytes) -> None:
        self._in_flight = {
            h for h in self._in_flight if h.when() > asyncio.get_running_loop().time()
        }
        if self._notify is not None and self._device is not None:
            self._notify(bytearray(chunk))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        if characteristic.uuid != EVENTS_UUID:
            raise BleakError(f"{characteristic.uuid} does not notify")
        if self.faults.fail_subscriptions:
            self.faults.fail_subscriptions -= 1
            raise BleakError("Failed to start notifications: the link is gone")
        self._notify = callback

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._notify = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    async def unpair(self) -> None:
        raise NotImplementedError

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        raise BleakError("no readable characteristics")

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        raise BleakError("no descriptors")

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        raise BleakError("no descriptors")
