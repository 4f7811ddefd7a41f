"""One remote device in the emulated bluetoothd: its ``Device1`` object, its link and GATT.

A connect goes to the simulated boots through a ``SimLinkClient`` of the radio,
so the radio's ``LinkFaults`` keep working under BlueZ: ``refuse_connections``
becomes BlueZ's ``le-connection-abort-by-local`` (``Connected`` goes true, then
false, then the error, as bluetoothd 5.62+ does), a dropped link becomes
``ServicesResolved`` and ``Connected`` going false. The GATT objects are exported
at BlueZ's paths while connected (bleak reads the handles from the paths).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from dbus_fast.aio import MessageBus

from custom_components.presso_boots.presso_ble.const import (
    CONTROL_POINT_UUID,
    EVENTS_UUID,
    SERVICE_UUID,
)

from ..link import SimLinkClient, SimRadio
from ..radio_stats import ProxyStats
from .gatt import GattCharacteristic1, GattService1
from .interfaces import ERROR_FAILED, ERROR_IN_PROGRESS, ERROR_NOT_READY, Device1, bluez_error


@dataclass(slots=True)
class AdapterFaults:
    """BlueZ's own faults (the link's are in the radio's ``LinkFaults``)."""

    in_progress_connects: int = 0
    """Answer this many ``Connect`` calls with ``org.bluez.Error.InProgress``."""
    services_resolved_delay: float = 0.0
    """``ServicesResolved`` comes this long after the ``Connect`` reply."""


class Adapter(Protocol):
    """What a device link asks of its adapter (``daemon.EmulatedBluetoothd``)."""

    adapter_path: str
    bus: MessageBus | None
    connect_delay: float
    gatt_delay: float
    faults: AdapterFaults
    link_class: type[SimLinkClient]
    name: str
    powered: bool
    radio: SimRadio
    slots: int
    stats: ProxyStats

    @property
    def connected_addresses(self) -> list[str]: ...


_LOGGER = logging.getLogger(__name__)

ABORT_BY_LOCAL = "le-connection-abort-by-local"
SERVICE_HANDLE = 0x000A
#: (value handle, UUID, flags) of the boots' two characteristics, in the service above
CHARACTERISTICS = (
    (0x000B, CONTROL_POINT_UUID, ["write", "write-without-response"]),
    (0x000D, EVENTS_UUID, ["notify"]),
)


def device_path(adapter_path: str, address: str) -> str:
    """BlueZ's object path of a device: ``/org/bluez/hci0/dev_AA_BB_...``."""
    return f"{adapter_path}/dev_{address.replace(':', '_')}"


class DeviceLink:
    """A ``Device1`` and, while connected, its link to the simulated boots."""

    def __init__(self, daemon: Adapter, address: str, props: dict[str, Any]) -> None:
        self.daemon = daemon
        self.address = address
        self.path = device_path(daemon.adapter_path, address)
        self.device = Device1(self, props)
        self.client: SimLinkClient | None = None
        self.connecting = False
        self.temporary = True
        """Never connected: bluetoothd forgets it when it restarts (it stores the others)."""
        self.gatt_cached = False
        """Services were discovered once: later connects resolve them from the cache."""
        self.last_seen = 0.0
        self._gatt: list[tuple[str, GattService1 | GattCharacteristic1]] = []
        self._characteristics: dict[str, GattCharacteristic1] = {}
        self._operations = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self.client is not None

    # --- Device1 methods ------------------------------------------------------------------

    async def connect(self) -> None:
        """``Device1.Connect``: the link, then the services; faults as bluetoothd reports them."""
        daemon = self.daemon
        if not daemon.powered:
            raise bluez_error(ERROR_NOT_READY, "Resource Not Ready")
        if self.connecting or daemon.faults.in_progress_connects:
            if not self.connecting:
                daemon.faults.in_progress_connects -= 1
            raise bluez_error(ERROR_IN_PROGRESS, "In Progress")
        if self.client is not None:
            return
        if len(daemon.connected_addresses) >= daemon.slots:
            # the controller has no room for another link (ECONNABORTED)
            raise bluez_error(ERROR_FAILED, "Software caused connection abort")
        requested = time.perf_counter()
        self.connecting = True
        daemon.stats.connects.append((self.address, self.gatt_cached))
        try:
            if daemon.connect_delay:
                await asyncio.sleep(daemon.connect_delay)
            await self._establish()
        finally:
            self.connecting = False
        daemon.stats.connect_seconds.append(time.perf_counter() - requested)
        await self._resolve_services()

    async def _establish(self) -> None:
        faults = self.daemon.radio.faults.get(self.address)
        if faults is not None and faults.refuse_connections:
            # the controller connected, then gave up: bleak retries on this error
            faults.refuse_connections -= 1
            self.device.update({"Connected": True})
            self.device.update({"Connected": False})
            raise bluez_error(ERROR_FAILED, ABORT_BY_LOCAL)
        client: SimLinkClient

        def on_lost() -> None:
            self.lost(client)

        client = self.daemon.link_class(
            BLEDevice(self.address, None, {}), disconnected_callback=on_lost
        )
        try:
            await client.connect()
        except BleakError as err:
            # the boots did not answer (asleep, out of range, another central)
            _LOGGER.debug("%s: connect to %s failed: %s", self.daemon.name, self.address, err)
            raise bluez_error(ERROR_FAILED, "Page Timeout") from err
        if not self.daemon.powered:  # powered off while connecting
            await client.disconnect()
            raise bluez_error(ERROR_FAILED, ABORT_BY_LOCAL)
        self.client = client
        self.temporary = False
        self.device.update({"Connected": True})

    async def _resolve_services(self) -> None:
        if not self._gatt:
            self._export_gatt()
        if not self.gatt_cached:
            await self._operation("discover services")
            self.gatt_cached = True
        if self.daemon.faults.services_resolved_delay:
            # the reply goes first; ServicesResolved follows (bleak waits for it)
            asyncio.get_running_loop().call_later(
                self.daemon.faults.services_resolved_delay, self._services_resolved
            )
        else:
            self._services_resolved()

    def _services_resolved(self) -> None:
        if self.client is not None:
            self.device.update({"ServicesResolved": True})

    async def disconnect(self) -> None:
        """``Device1.Disconnect``: bluetoothd answers once the link is down."""
        client, self.client = self.client, None
        if client is not None:
            await client.disconnect()
            self._down()

    def lost(self, client: SimLinkClient) -> None:
        """The link dropped under us (the boots, the radio)."""
        if self.client is client:
            self.client = None
            self._down()

    def renew(self) -> None:
        """bluetoothd started again: the stored device, disconnected, on a fresh object."""
        self.device = Device1(
            self, dict(self.device.props) | {"Connected": False, "ServicesResolved": False}
        )
        self.client = None
        self.connecting = False
        self._gatt.clear()
        self._characteristics.clear()

    def drop_silently(self) -> None:
        """bluetoothd is gone: the kernel drops the link, no one says so on the bus."""
        client, self.client = self.client, None
        if client is not None:
            client.lose_link()
        self._characteristics.clear()
        self._gatt.clear()

    def _down(self) -> None:
        self.device.update({"ServicesResolved": False})
        self.device.update({"Connected": False})
        self._unexport_gatt()

    # --- GATT -------------------------------------------------------------------------------

    def _export_gatt(self) -> None:
        bus = self.daemon.bus
        assert bus is not None
        service_path = f"{self.path}/service{SERVICE_HANDLE:04x}"
        service = GattService1(
            {"UUID": SERVICE_UUID, "Device": self.path, "Handle": SERVICE_HANDLE}
        )
        self._gatt.append((service_path, service))
        for handle, uuid, flags in CHARACTERISTICS:
            char = GattCharacteristic1(
                self,
                {
                    "UUID": uuid,
                    "Service": service_path,
                    "Value": b"",
                    "Notifying": False,
                    "Flags": flags,
                    "MTU": self.daemon.radio.faults[self.address].mtu,
                    "Handle": handle,
                },
            )
            self._characteristics[uuid] = char
            self._gatt.append((f"{service_path}/char{handle - 1:04x}", char))
        for path, interface in self._gatt:
            bus.export(path, interface)

    def _unexport_gatt(self) -> None:
        bus = self.daemon.bus
        for path, interface in reversed(self._gatt):
            if bus is not None and bus.connected:
                bus.unexport(path, interface)
        self._gatt.clear()
        self._characteristics.clear()

    async def _operation(self, kind: str) -> SimLinkClient:
        """One over-the-air GATT operation: one at a time per link, the adapter's delay each."""
        async with self._operations:
            if self.daemon.gatt_delay:
                await asyncio.sleep(self.daemon.gatt_delay)
            client = self.client
            if client is None:
                raise bluez_error(ERROR_FAILED, "Not connected")
            self.daemon.stats.gatt_operations.append((self.address, kind))
            return client

    async def write(self, uuid: str, value: bytes, with_response: bool) -> None:
        """``WriteValue`` on the control point."""
        begun = time.perf_counter()
        client = await self._operation("write" if with_response else "write without response")
        char = client.services.get_characteristic(uuid) if client.services else None
        if char is None:
            raise bluez_error(ERROR_FAILED, "Not connected")
        try:
            await client.write_gatt_char(char, value, with_response)
        except BleakError as err:
            raise bluez_error(ERROR_FAILED, "Not connected") from err
        self.daemon.stats.gatt_seconds.append(time.perf_counter() - begun)

    async def start_notify(self, uuid: str) -> None:
        """``StartNotify``: the CCCD write, then notifications as ``PropertiesChanged(Value)``."""
        client = await self._operation("write descriptor")
        char = client.services.get_characteristic(uuid) if client.services else None
        if char is None:
            raise bluez_error(ERROR_FAILED, "Not connected")
        target = self._characteristics[uuid]

        def notified(data: bytearray) -> None:
            target.update({"Value": bytes(data)}, always=("Value",))

        try:
            await client.start_notify(char, notified)
        except BleakError as err:
            raise bluez_error(ERROR_FAILED, "Not connected") from err

    async def stop_notify(self, uuid: str) -> None:
        """``StopNotify``."""
        client = await self._operation("write descriptor")
        char = client.services.get_characteristic(uuid) if client.services else None
        if char is not None:
            await client.stop_notify(char)
