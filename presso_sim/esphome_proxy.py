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
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from .esphome_api import (
    Message,
    advertising_data,
    int_to_mac,
    mac_to_int,
    pb,
    scan_response,
)
from .esphome_gatt import ProxiedLink, Session, gatt_error
from .esphome_session import ApiSession
from .link import SimLinkClient, SimRadio
from .spoofer import Advertiser

_LOGGER = logging.getLogger(__name__)

# ESP-IDF connection reasons (esp_gatt_conn_reason_t) and errors, as aioesphomeapi names them
CONN_TERMINATED_BY_PEER: Final = 0x13
CONN_FAIL_ESTABLISH: Final = 0x3E
NOT_CONNECTED: Final = -1
ATT_REQUEST_NOT_SUPPORTED: Final = 0x06
ATT_UNLIKELY_ERROR: Final = 0x0E


@dataclass(slots=True)
class ProxyStats:
    """What went over the proxy's radio, for tests and benchmarks."""

    gatt_operations: list[tuple[str, str]] = field(default_factory=list)
    """(address, kind) per over-the-air GATT operation, in order."""
    connects: list[tuple[str, bool]] = field(default_factory=list)
    """(address, with cached services) per connect request."""
    connect_seconds: list[float] = field(default_factory=list)
    """Wall time from request to connected state, per successful connect."""
    gatt_seconds: list[float] = field(default_factory=list)
    """Wall time from request to reply, per completed GATT operation (its delay included)."""

    def operations(self, kind: str | None = None) -> int:
        """How many GATT operations (of one kind) ran."""
        return sum(1 for _, k in self.gatt_operations if kind is None or k == kind)


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
        active: bool = True,
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
        self.active = active
        """Active scanning: scan responses (the complete local name) are heard too."""
        self.refuse_connects = 0
        """Answer this many connect requests with ESP_GATT_CONN_FAIL_ESTABLISH."""
        self.stats = ProxyStats()
        self.port = 0
        self.links: dict[str, ProxiedLink] = {}
        self.sessions: list[ApiSession] = []
        self._allocated: list[str] = []
        self._others: list[str] = []
        self._pending: dict[str, tuple[ApiSession, asyncio.Task[None]]] = {}
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
        """Let go of every link and API connection and stop listening."""
        for address in list(self.links):
            if link := self._forget(address):
                await link.client.disconnect()
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
        if session not in self.sessions:
            return
        self.sessions.remove(session)
        if not any(s.raw_advertisements for s in self.sessions):
            self._subscribed.clear()
        for address, (owner, task) in list(self._pending.items()):
            if owner is session:
                task.cancel()
                del self._pending[address]
                self._free_slot(address)
        for link in [link for link in self.links.values() if link.session is session]:
            self._forget(link.address)
            link.client.lose_link()
        self._report_slots()

    # --- advertising --------------------------------------------------------------------

    def in_range(self, address: str) -> bool:
        """The proxy hears this device (and the radio has not put it out of range)."""
        faults = self.radio.faults.get(address)
        return (self.hears is None or address in self.hears) and not (
            faults is not None and faults.out_of_range
        )

    def advertise(self, device: Advertiser, rssi: int | None = None) -> bool:
        """Forward one advertisement (and scan response if active); False if unheard or asleep."""
        adv = device.advertisement()
        if adv is None or not self.in_range(device.address):
            return False
        rssi = rssi if rssi is not None else self.rssi.get(device.address, -60)
        address = mac_to_int(device.address)
        message = pb.BluetoothLERawAdvertisementsResponse(
            advertisements=[
                pb.BluetoothLERawAdvertisement(address=address, rssi=rssi, data=data)
                for data in (
                    advertising_data(adv),
                    *([scan_response(device.local_name)] if self.active else []),
                )
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

    def slots_message(self) -> Message:
        """Free and allocated slots as the ESP reports them (allocated is authoritative)."""
        return pb.BluetoothConnectionsFreeResponse(
            free=self.free_slots,
            limit=self.slots,
            allocated=[mac_to_int(address) for address in self._allocated],
        )

    def _report_slots(self) -> None:
        message = self.slots_message()
        for session in self.sessions:
            if session.connections_free:
                session.send(message)

    # --- faults --------------------------------------------------------------------------

    def drop_link(self, address: str) -> None:
        """The radio link to ``address`` breaks (the ESP reports it as closed by the peer)."""
        if link := self.links.get(address):
            self._link_lost(address)
            link.client.lose_link()

    def reboot(self) -> None:
        """The ESP restarts: the API connection and every link drop at once."""
        for session in list(self.sessions):
            session.close()
            self.session_closed(session)

    def occupy_slots(self, count: int | None = None) -> int:
        """Other Bluetooth devices (another integration's) take free slots: ``count``, or all.

        Returns how many were taken; ``release_slots`` gives them back.
        """
        count = self.free_slots if count is None else min(count, self.free_slots)
        for _ in range(count):
            address = f"0E:0E:0E:00:00:{len(self._others):02X}"
            self._others.append(address)
            self._allocated.append(address)
        self._report_slots()
        return count

    def release_slots(self) -> None:
        """The other devices let go of the slots ``occupy_slots`` gave them."""
        for address in self._others:
            self._free_slot(address)
        self._others.clear()
        self._report_slots()

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
            self.stats.connects.append((address, with_cache))
            if link := self.links.get(address):  # as ESPHome does: say so again
                self._connection_state(session, address, connected=True, mtu=link.client.mtu_size)
            elif address not in self._pending:  # a connect already in progress goes on
                task = self.spawn(self._connect(session, address))
                self._pending[address] = (session, task)
        elif kind == BluetoothDeviceRequestType.DISCONNECT:
            self._disconnect(session, address)
        else:
            session.send(
                pb.BluetoothGATTErrorResponse(
                    address=request.address, handle=0, error=ATT_REQUEST_NOT_SUPPORTED
                )
            )

    def _connection_state(
        self, session: Session, address: str, *, connected: bool, mtu: int = 0, error: int = 0
    ) -> None:
        session.send(
            pb.BluetoothDeviceConnectionResponse(
                address=mac_to_int(address), connected=connected, mtu=mtu, error=error
            )
        )

    async def _connect(self, session: ApiSession, address: str) -> None:
        """Reserve a slot, wait the connect delay, connect the simulated link; report each step."""
        requested = time.perf_counter()
        try:
            client = await self._establish(session, address) if self.free_slots else None
        finally:
            if self._pending.get(address, (None, None))[1] is asyncio.current_task():
                del self._pending[address]
        if client is None:
            self._free_slot(address)
            self._connection_state(session, address, connected=False, error=CONN_FAIL_ESTABLISH)
            self._report_slots()
            return
        self.links[address] = ProxiedLink(address, session, client)
        self._connection_state(session, address, connected=True, mtu=client.mtu_size)
        self.stats.connect_seconds.append(time.perf_counter() - requested)

    async def _establish(self, session: ApiSession, address: str) -> SimLinkClient | None:
        self._allocated.append(address)
        self._report_slots()
        await self._running.wait()
        if self.connect_delay:
            await asyncio.sleep(self.connect_delay)
        if self.refuse_connects:
            self.refuse_connects -= 1
            return None
        if not self.in_range(address):
            return None
        client = self._client_class(
            BLEDevice(address, None, {}), disconnected_callback=lambda: self._link_lost(address)
        )
        try:
            await client.connect()
        except BleakError as err:
            _LOGGER.debug("%s: connect to %s failed: %s", self.name, address, err)
            return None
        return client

    def _disconnect(self, session: ApiSession, address: str) -> None:
        if pending := self._pending.pop(address, None):
            pending[1].cancel()
        self._free_slot(address)
        if link := self._forget(address):
            self.spawn(link.client.disconnect())
        self._connection_state(session, address, connected=False)
        self._report_slots()

    def _forget(self, address: str) -> ProxiedLink | None:
        """Take a link out of service (its slot is free, nothing more goes through it)."""
        link = self.links.pop(address, None)
        if link is not None:
            link.closed = True
            self._free_slot(address)
        return link

    def _link_lost(self, address: str) -> None:
        """A link dropped without the API asking: disconnected state first, then the slots."""
        link = self._forget(address)
        if link is None:
            return
        self._connection_state(
            link.session, address, connected=False, error=CONN_TERMINATED_BY_PEER
        )
        self._report_slots()

    # --- GATT --------------------------------------------------------------------------------

    def gatt_request(self, session: ApiSession, kind: str, request: Any) -> None:
        """Queue one over-the-air GATT operation on its link."""
        link = self.links.get(int_to_mac(request.address))
        if link is None or link.session is not session:
            session.send(gatt_error(request, NOT_CONNECTED))
            return
        self.spawn(self._gatt_operation(link, kind, request, time.perf_counter()))

    async def _gatt_operation(
        self, link: ProxiedLink, kind: str, request: Any, received: float
    ) -> None:
        async with link.lock:
            await self._running.wait()
            # on air from when the request arrived or the previous operation ended
            begun = max(received, link.idle_since)
            if (wait := begun + self.gatt_delay - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            if link.closed:
                return  # the API client has heard that the link dropped
            self.stats.gatt_operations.append((link.address, kind))
            try:
                reply = await GATT_OPERATIONS[kind](link, request)
            except BleakError as err:  # the peripheral side failed: the ESP answers an error
                _LOGGER.debug("%s: %s on %s failed: %s", self.name, kind, link.address, err)
                reply = gatt_error(request, ATT_UNLIKELY_ERROR)
            if reply is not None and not link.closed:
                link.session.send(reply)
            link.idle_since = time.perf_counter()
            self.stats.gatt_seconds.append(link.idle_since - received)

    def notify_request(self, session: ApiSession, request: Any) -> None:
        """Forwarding notifications is local to the ESP: no delay, not counted."""
        link = self.links.get(int_to_mac(request.address))
        reply = link.notify_request(request) if link else gatt_error(request, NOT_CONNECTED)
        if reply is not None:
            session.send(reply)


GATT_OPERATIONS: Final[
    dict[str, Callable[[ProxiedLink, Any], Coroutine[Any, Any, Message | None]]]
] = {
    "discover services": ProxiedLink.discover_services,
    "write": ProxiedLink.write,
    "write without response": ProxiedLink.write,
    "write descriptor": ProxiedLink.write_descriptor,
    "read": ProxiedLink.read,
    "read descriptor": ProxiedLink.read,
}
