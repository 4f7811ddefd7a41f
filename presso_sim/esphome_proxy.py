"""An emulated ESPHome Bluetooth proxy: the native API on 127.0.0.1 in front of the simulated radio.

Home Assistant's real ``esphome`` config entry connects to it, so frames to
and from the boots travel through ``aioesphomeapi`` and ``bleak-esphome``, the
path most users have. Each Bluetooth connection the API asks for is a
``SimLinkClient`` from ``SimRadio.client_class()``: the radio's ``LinkFaults``
keep working behind the proxy. What the proxy adds is what an ESP32 adds:
connection slots and their ``BluetoothConnectionsFree`` reports, a connect
delay, one GATT operation at a time per link with a delay each, remote service
caching (notifications need a CCCD write), and its own faults: refusing a
connect, dropping a link, rebooting (the API and every link drop at once) and
stalling.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from aioesphomeapi import BluetoothDeviceRequestType
from bleak.assigned_numbers import CHARACTERISTIC_PROPERTIES
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTServiceCollection
from bleak.exc import BleakError

from .device import SimulatedBoots
from .esphome_api import (
    Message,
    advertising_data,
    int_to_mac,
    mac_to_int,
    pb,
    scan_response,
    uuid_to_ints,
)
from .esphome_session import ApiSession
from .link import SimLinkClient, SimRadio

_LOGGER = logging.getLogger(__name__)

CCCD_UUID: Final = "00002902-0000-1000-8000-00805f9b34fb"
PROPERTY_MASK: Final = {name: mask for mask, name in CHARACTERISTIC_PROPERTIES.items()}
# ESP-IDF connection errors (esp_gatt_conn_reason_t) and ATT errors, as aioesphomeapi names them
CONN_TERMINATED_BY_PEER: Final = 0x13
CONN_FAIL_ESTABLISH: Final = 0x3E
ATT_INVALID_HANDLE: Final = 0x01
ATT_READ_NOT_PERMITTED: Final = 0x02
ATT_WRITE_NOT_PERMITTED: Final = 0x03
ATT_REQUEST_NOT_SUPPORTED: Final = 0x06


@dataclass(slots=True)
class ProxyStats:
    """What went over the proxy's radio, for tests and benchmarks."""

    gatt_operations: list[tuple[str, str]] = field(default_factory=list)
    """(address, kind) per over-the-air GATT operation, in order."""
    connects: list[tuple[str, bool]] = field(default_factory=list)
    """(address, with cached services) per connect request."""
    connect_seconds: list[float] = field(default_factory=list)
    """Wall time from request to connected state, per successful connect."""

    def operations(self, kind: str | None = None) -> int:
        """How many GATT operations (of one kind) ran."""
        return sum(1 for _, k in self.gatt_operations if kind is None or k == kind)


@dataclass(slots=True, eq=False)
class ProxiedLink:
    """One Bluetooth connection the proxy holds for its API client."""

    address: str
    session: ApiSession
    client: SimLinkClient
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    forwarding: set[int] = field(default_factory=set)
    """Handles whose notifications go to the API client (BluetoothGATTNotifyRequest)."""

    @property
    def services(self) -> BleakGATTServiceCollection:
        """The peripheral's GATT table (the simulated link knows it once connected)."""
        services = self.client.services
        assert services is not None
        return services

    def characteristic(self, handle: int) -> BleakGATTCharacteristic | None:
        return self.services.get_characteristic(handle)

    def cccd_owner(self, handle: int) -> BleakGATTCharacteristic | None:
        """The notifying characteristic whose CCCD sits at ``handle`` (its value handle + 1)."""
        char = self.characteristic(handle - 1)
        if char is not None and {"notify", "indicate"} & set(char.properties):
            return char
        return None


class ESPHomeProxy:
    """An ESP32 running ESPHome's ``bluetooth_proxy``, hearing some of the radio's boots."""

    host = "127.0.0.1"

    def __init__(
        self,
        radio: SimRadio,
        *,
        name: str = "presso-proxy",
        mac: str = "AA:BB:CC:00:00:01",
        slots: int = 3,
        connect_delay: float = 0.0,
        gatt_delay: float = 0.0,
        hears: Iterable[str] | None = None,
    ) -> None:
        self.radio = radio
        self.name = name
        self.mac = mac
        self.bluetooth_mac = mac[:-2] + f"{(int(mac[-2:], 16) + 1) % 256:02X}"
        self.slots = slots
        self.connect_delay = connect_delay
        self.gatt_delay = gatt_delay
        self.hears: set[str] | None = set(hears) if hears is not None else None
        """Addresses in this proxy's range; None: every device on the radio."""
        self.rssi: dict[str, int] = {}
        self.refuse_connects = 0
        """Answer this many connect requests with ESP_GATT_CONN_FAIL_ESTABLISH."""
        self.stats = ProxyStats()
        self.port = 0
        self.links: dict[str, ProxiedLink] = {}
        self.sessions: list[ApiSession] = []
        self._allocated: list[str] = []
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._running = asyncio.Event()
        self._running.set()
        self._subscribed = asyncio.Event()
        self._client_class = radio.client_class()

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> int:
        """Listen on 127.0.0.1 (a free port); returns the port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: ApiSession(self), self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Close every API connection and stop listening."""
        self.reboot()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def wait_for_client(self) -> None:
        """Until an API client has subscribed to advertisements (its scanner is registered)."""
        await self._subscribed.wait()

    async def ping(self) -> None:
        """A ping round trip with every API client: all sent before it has been handled."""
        await asyncio.gather(*(session.ping() for session in list(self.sessions)))

    # --- what the API sessions report ---------------------------------------------------

    def session_subscribed(self) -> None:
        self._subscribed.set()

    def session_closed(self, session: ApiSession) -> None:
        """The API connection is gone: the ESP drops every link it held for it."""
        if session in self.sessions:
            self.sessions.remove(session)
        if not any(s.raw_advertisements for s in self.sessions):
            self._subscribed.clear()
        for address, task in list(self._pending.items()):
            task.cancel()
            self._free_slot(address)
        for link in [link for link in self.links.values() if link.session is session]:
            del self.links[link.address]
            self._free_slot(link.address)
            asyncio.get_running_loop().create_task(link.client.disconnect())
        self._report_slots()

    # --- advertising --------------------------------------------------------------------

    def in_range(self, address: str) -> bool:
        """The proxy hears this device (and the radio has not put it out of range)."""
        faults = self.radio.faults.get(address)
        return (self.hears is None or address in self.hears) and not (
            faults is not None and faults.out_of_range
        )

    def advertise(self, device: SimulatedBoots, rssi: int | None = None) -> bool:
        """Forward one advertisement and scan response; False if not heard or asleep."""
        adv = device.advertisement()
        if adv is None or not self.in_range(device.address):
            return False
        rssi = rssi if rssi is not None else self.rssi.get(device.address, -60)
        address = mac_to_int(device.address)
        message = pb.BluetoothLERawAdvertisementsResponse(
            advertisements=[
                pb.BluetoothLERawAdvertisement(address=address, rssi=rssi, data=data)
                for data in (advertising_data(adv), scan_response(device.local_name))
            ]
        )
        for session in self.sessions:
            if session.raw_advertisements:
                session.send(message)
        return True

    def advertise_all(self) -> None:
        """Every device in range advertises once."""
        for device in self.radio.devices.values():
            self.advertise(device)

    # --- connection slots ---------------------------------------------------------------

    @property
    def in_use(self) -> list[str]:
        """Addresses holding a slot (connecting or connected)."""
        return list(self._allocated)

    @property
    def free_slots(self) -> int:
        return self.slots - len(self._allocated)

    def _free_slot(self, address: str) -> None:
        if address in self._allocated:
            self._allocated.remove(address)

    def _report_slots(self) -> None:
        message = pb.BluetoothConnectionsFreeResponse(
            free=self.free_slots,
            limit=self.slots,
            allocated=[mac_to_int(address) for address in self._allocated],
        )
        for session in self.sessions:
            if session.connections_free:
                session.send(message)

    def slots_message_for(self, session: ApiSession) -> None:
        """Answer a connections-free subscription with the current state."""
        session.send(
            pb.BluetoothConnectionsFreeResponse(
                free=self.free_slots,
                limit=self.slots,
                allocated=[mac_to_int(address) for address in self._allocated],
            )
        )

    # --- faults --------------------------------------------------------------------------

    def drop_link(self, address: str) -> None:
        """The radio link to ``address`` breaks (the ESP reports it as closed by the peer)."""
        if link := self.links.get(address):
            link.client.lose_link()
            self._link_lost(address)

    def reboot(self) -> None:
        """The ESP restarts: the API connection and every link drop at once."""
        self._subscribed.clear()
        for session in list(self.sessions):
            session.close()

    def stall(self) -> None:
        """The ESP's Bluetooth stack hangs: connects and GATT operations wait until ``resume``."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    # --- Bluetooth requests from the API ----------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a request in the background (the ESP answers asynchronously)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def device_request(self, session: ApiSession, request: Any) -> None:
        """Connect, disconnect; anything else (pairing, cache clearing) is not supported."""
        address = int_to_mac(request.address)
        kind = request.request_type
        if kind in (
            BluetoothDeviceRequestType.CONNECT_V3_WITH_CACHE,
            BluetoothDeviceRequestType.CONNECT_V3_WITHOUT_CACHE,
        ):
            with_cache = kind == BluetoothDeviceRequestType.CONNECT_V3_WITH_CACHE
            self._pending[address] = self.spawn(self._connect(session, address, with_cache))
        elif kind == BluetoothDeviceRequestType.DISCONNECT:
            self._disconnect(session, address)
        else:
            session.send(
                pb.BluetoothGATTErrorResponse(
                    address=request.address, handle=0, error=ATT_REQUEST_NOT_SUPPORTED
                )
            )

    def _connection_state(
        self, session: ApiSession, address: str, *, connected: bool, mtu: int = 0, error: int = 0
    ) -> None:
        session.send(
            pb.BluetoothDeviceConnectionResponse(
                address=mac_to_int(address), connected=connected, mtu=mtu, error=error
            )
        )

    async def _connect(self, session: ApiSession, address: str, with_cache: bool) -> None:
        self.stats.connects.append((address, with_cache))
        requested = time.perf_counter()
        if address in self.links or address in self._allocated or not self.free_slots:
            self._pending.pop(address, None)
            self._connection_state(session, address, connected=False)
            return
        self._allocated.append(address)
        self._report_slots()
        error = CONN_FAIL_ESTABLISH
        client: SimLinkClient | None = None
        try:
            await self._running.wait()
            if self.connect_delay:
                await asyncio.sleep(self.connect_delay)
            if self.refuse_connects:
                self.refuse_connects -= 1
            elif self.in_range(address):
                client = self._client_class(
                    BLEDevice(address, None, {}),
                    disconnected_callback=lambda: self._link_lost(address),
                )
                await client.connect()
                error = 0
        except BleakError as err:
            _LOGGER.debug("%s: connect to %s failed: %s", self.name, address, err)
        finally:
            self._pending.pop(address, None)
        if client is None or error:
            self._free_slot(address)
            self._connection_state(session, address, connected=False, error=error)
            self._report_slots()
            return
        self.links[address] = ProxiedLink(address, session, client)
        self._connection_state(session, address, connected=True, mtu=client.mtu_size)
        self.stats.connect_seconds.append(time.perf_counter() - requested)

    def _disconnect(self, session: ApiSession, address: str) -> None:
        if task := self._pending.pop(address, None):
            task.cancel()
        link = self.links.pop(address, None)
        self._free_slot(address)
        if link is not None:
            self.spawn(link.client.disconnect())
        self._connection_state(session, address, connected=False)
        self._report_slots()

    def _link_lost(self, address: str) -> None:
        """A link dropped without the API asking: disconnected state first, then the slots."""
        link = self.links.pop(address, None)
        if link is None:
            return
        self._free_slot(address)
        self._connection_state(
            link.session, address, connected=False, error=CONN_TERMINATED_BY_PEER
        )
        self._report_slots()

    # --- GATT ----------------------------------------------------------------------------------

    def gatt_request(self, session: ApiSession, kind: str, request: Any) -> None:
        """Queue one over-the-air GATT operation on its link."""
        address = int_to_mac(request.address)
        link = self.links.get(address)
        if link is None or link.session is not session:
            session.send(pb.BluetoothGATTErrorResponse(address=request.address, handle=0, error=-1))
            return
        self.spawn(self._gatt_operation(link, kind, request))

    async def _gatt_operation(self, link: ProxiedLink, kind: str, request: Any) -> None:
        async with link.lock:  # the ESP runs one GATT operation per link at a time
            await self._running.wait()
            if self.gatt_delay:
                await asyncio.sleep(self.gatt_delay)
            if self.links.get(link.address) is not link:
                return  # the link dropped; the API client has heard so
            self.stats.gatt_operations.append((link.address, kind))
            handler = _GATT_HANDLERS[kind]
            reply = await handler(self, link, request)
            if reply is not None and self.links.get(link.address) is link:
                link.session.send(reply)

    async def _discover_services(self, link: ProxiedLink, request: Any) -> Message | None:
        services = []
        for service in link.services:
            characteristics = []
            for char in service.characteristics:
                descriptors = []
                if {"notify", "indicate"} & set(char.properties):
                    descriptors.append(
                        pb.BluetoothGATTDescriptor(
                            uuid=uuid_to_ints(CCCD_UUID), handle=char.handle + 1
                        )
                    )
                characteristics.append(
                    pb.BluetoothGATTCharacteristic(
                        uuid=uuid_to_ints(char.uuid),
                        handle=char.handle,
                        properties=sum(PROPERTY_MASK[p] for p in char.properties),
                        descriptors=descriptors,
                    )
                )
            services.append(
                pb.BluetoothGATTService(
                    uuid=uuid_to_ints(service.uuid),
                    handle=service.handle,
                    characteristics=characteristics,
                )
            )
        link.session.send(
            pb.BluetoothGATTGetServicesResponse(address=request.address, services=services)
        )
        return pb.BluetoothGATTGetServicesDoneResponse(address=request.address)

    async def _write(self, link: ProxiedLink, request: Any) -> Message | None:
        char = link.characteristic(request.handle)
        if char is None:
            return _gatt_error(request, ATT_INVALID_HANDLE)
        try:
            await link.client.write_gatt_char(char, request.data, request.response)
        except BleakError:
            if not link.client.is_connected:
                return None  # the drop is reported as a disconnect
            return _gatt_error(request, ATT_WRITE_NOT_PERMITTED)
        if not request.response:
            return None
        return pb.BluetoothGATTWriteResponse(address=request.address, handle=request.handle)

    async def _write_descriptor(self, link: ProxiedLink, request: Any) -> Message | None:
        char = link.cccd_owner(request.handle)
        if char is None:
            return _gatt_error(request, ATT_INVALID_HANDLE)
        if request.data[:1] in (b"\x01", b"\x02"):
            handle = char.handle
            await link.client.start_notify(
                char, lambda data: self._notified(link, handle, bytes(data))
            )
        else:
            await link.client.stop_notify(char)
        return pb.BluetoothGATTWriteResponse(address=request.address, handle=request.handle)

    async def _read(self, link: ProxiedLink, request: Any) -> Message | None:
        return _gatt_error(request, ATT_READ_NOT_PERMITTED)

    def notify_request(self, session: ApiSession, request: Any) -> None:
        """Register (or drop) forwarding of a characteristic's notifications; local to the ESP."""
        link = self.links.get(int_to_mac(request.address))
        char = link.characteristic(request.handle) if link else None
        if link is None or char is None or not {"notify", "indicate"} & set(char.properties):
            session.send(_gatt_error(request, ATT_INVALID_HANDLE))
            return
        if not request.enable:
            link.forwarding.discard(request.handle)
            return
        link.forwarding.add(request.handle)
        session.send(pb.BluetoothGATTNotifyResponse(address=request.address, handle=request.handle))

    def _notified(self, link: ProxiedLink, handle: int, data: bytes) -> None:
        if handle in link.forwarding and self.links.get(link.address) is link:
            link.session.send(
                pb.BluetoothGATTNotifyDataResponse(
                    address=mac_to_int(link.address), handle=handle, data=data
                )
            )


def _gatt_error(request: Any, error: int) -> Message:
    return pb.BluetoothGATTErrorResponse(
        address=request.address, handle=request.handle, error=error
    )


GattHandler = Callable[[ESPHomeProxy, ProxiedLink, Any], Coroutine[Any, Any, Message | None]]
_GATT_HANDLERS: Final[dict[str, GattHandler]] = {
    "discover services": ESPHomeProxy._discover_services,
    "write": ESPHomeProxy._write,
    "write without response": ESPHomeProxy._write,
    "write descriptor": ESPHomeProxy._write_descriptor,
    "read": ESPHomeProxy._read,
    "read descriptor": ESPHomeProxy._read,
}
