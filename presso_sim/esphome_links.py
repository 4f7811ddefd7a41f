"""The Bluetooth links an emulated ESPHome proxy holds: connects, disconnects, losses, GATT.

Each link the API asks for is a ``SimLinkClient`` from ``SimRadio.client_class()``,
so the radio's ``LinkFaults`` keep working behind the proxy. What an ESP32 adds
is here: a connection slot per link, a connect delay, one GATT operation at a
time per link with a delay each, and the ESP's own faults on the radio side
(refusing a connect, dropping a link, stalling).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Final

from aioesphomeapi import BluetoothDeviceRequestType
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from .esphome_api import Message, int_to_mac, mac_to_int, pb
from .esphome_gatt import ProxiedLink, Session, gatt_error
from .esphome_session import ApiSession
from .esphome_slots import ConnectionSlots
from .link import SimLinkClient, SimRadio
from .radio_stats import ProxyStats

_LOGGER = logging.getLogger(__name__)

# ESP-IDF connection reasons (esp_gatt_conn_reason_t) and errors, as aioesphomeapi names them
CONN_TERMINATED_BY_PEER: Final = 0x13
CONN_FAIL_ESTABLISH: Final = 0x3E
NOT_CONNECTED: Final = -1
ATT_REQUEST_NOT_SUPPORTED: Final = 0x06
ATT_UNLIKELY_ERROR: Final = 0x0E


class ProxyLinks:
    """The ESP32's Bluetooth side: the links it holds for its API clients, in its slots."""

    def __init__(
        self,
        radio: SimRadio,
        *,
        name: str,
        slots: int,
        connect_delay: float,
        gatt_delay: float,
        hears: Iterable[str] | None,
    ) -> None:
        self.radio = radio
        self.name = name
        self.slot_table = ConnectionSlots(slots)
        self.connect_delay = connect_delay
        self.gatt_delay = gatt_delay
        self.hears: set[str] | None = set(hears) if hears is not None else None
        """Addresses in this proxy's range; None: every device on the radio."""
        self.refuse_connects = 0
        """Answer this many connect requests with ESP_GATT_CONN_FAIL_ESTABLISH."""
        self.stats = ProxyStats()
        self.links: dict[str, ProxiedLink] = {}
        self._pending: dict[str, tuple[ApiSession, asyncio.Task[None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = asyncio.Event()
        self._running.set()
        self._client_class = radio.client_class()

    def _report_slots(self) -> None:
        """Tell the API clients how the slots stand (the proxy knows its clients)."""
        raise NotImplementedError

    def in_range(self, address: str) -> bool:
        """The proxy hears this device (and the radio has not put it out of range)."""
        return self.radio.reaches(address, self.hears)

    # --- connection slots ---------------------------------------------------------------

    @property
    def slots(self) -> int:
        """How many connections the ESP can hold at once."""
        return self.slot_table.limit

    @slots.setter
    def slots(self, value: int) -> None:
        self.slot_table.limit = value

    @property
    def in_use(self) -> list[str]:
        """Addresses holding a slot (connecting or connected)."""
        return self.slot_table.in_use

    @property
    def free_slots(self) -> int:
        return self.slot_table.free

    def slots_message(self) -> Message:
        """Free and allocated slots as the ESP reports them (allocated is authoritative)."""
        return self.slot_table.message()

    # --- faults on the radio side ---------------------------------------------------------

    def drop_link(self, address: str) -> None:
        """The radio link to ``address`` breaks (the ESP reports it as closed by the peer)."""
        if link := self.links.get(address):
            self._link_lost(address)
            link.client.lose_link()

    def occupy_slots(self, count: int | None = None) -> int:
        """Other Bluetooth devices (another integration's) take free slots: ``count``, or all.

        Returns how many were taken; ``release_slots`` gives them back.
        """
        count = self.slot_table.occupy(count)
        self._report_slots()
        return count

    def release_slots(self) -> None:
        """The other devices let go of the slots ``occupy_slots`` gave them."""
        self.slot_table.release()
        self._report_slots()

    def stall(self) -> None:
        """The ESP's Bluetooth stack hangs: connects and GATT operations wait until ``resume``."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    # --- connects and disconnects ---------------------------------------------------------

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
            self.slot_table.give_back(address)
            self._connection_state(session, address, connected=False, error=CONN_FAIL_ESTABLISH)
            self._report_slots()
            return
        self.links[address] = ProxiedLink(address, session, client)
        self._connection_state(session, address, connected=True, mtu=client.mtu_size)
        self.stats.connect_seconds.append(time.perf_counter() - requested)

    async def _establish(self, session: ApiSession, address: str) -> SimLinkClient | None:
        self.slot_table.take(address)
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
        self.slot_table.give_back(address)
        if link := self._forget(address):
            self.spawn(link.client.disconnect())
        self._connection_state(session, address, connected=False)
        self._report_slots()

    def _forget(self, address: str) -> ProxiedLink | None:
        """Take a link out of service (its slot is free, nothing more goes through it)."""
        link = self.links.pop(address, None)
        if link is not None:
            link.closed = True
            self.slot_table.give_back(address)
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

    def _drop_links_of(self, session: ApiSession) -> None:
        """An API connection is gone: its pending connects stop and its links drop."""
        for address, (owner, task) in list(self._pending.items()):
            if owner is session:
                task.cancel()
                del self._pending[address]
                self.slot_table.give_back(address)
        for link in [link for link in self.links.values() if link.session is session]:
            self._forget(link.address)
            link.client.lose_link()

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
