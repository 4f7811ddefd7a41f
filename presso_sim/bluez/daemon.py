"""An emulated bluetoothd: ``org.bluez`` on a D-Bus system bus, the simulated boots behind it.

It exports what Home Assistant's Bluetooth stack reads from BlueZ: the
ObjectManager tree on ``/``, ``Adapter1`` and ``AdvertisementMonitorManager1`` on
``/org/bluez/hci0``, a ``Device1`` per pair of boots it has heard, and their GATT
objects while connected (``link.py``). Its faults are BlueZ's: an adapter
powered off and on, bluetoothd restarting cleanly (links dropped with their
signals, objects removed) or crashing (the name vanishes with no signal) and
coming back with a new tree, the controller's connection limit, ``InProgress``
and a late ``ServicesResolved``; the radio's ``LinkFaults`` act under it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from typing import Any, Final

from dbus_fast import BusType, Message, MessageType, Variant
from dbus_fast.aio import MessageBus

from custom_components.presso_boots.presso_ble.const import (
    LOCAL_NAME_PREFIX,
    MANUFACTURER_ID,
    SERVICE_UUID,
)

from ..esphome_api import FLAGS_LE_GENERAL, advertising_data
from ..link import SimLinkClient, SimRadio
from ..radio_stats import ProxyStats
from ..spoofer import Advertiser
from .bus import ADDRESS_VARIABLE
from .calls import DBUS, add_match, ping, unique_names, unknown_object
from .interfaces import (
    BLUEZ,
    ERROR_DOES_NOT_EXIST,
    ERROR_NOT_READY,
    Adapter1,
    AdvertisementMonitorManager1,
    bluez_error,
)
from .link import AdapterFaults, DeviceLink
from .scan import ScanClients

#: bluetoothd forgets a device it has not heard for this long (and never connected)
TEMPORARY_TIMEOUT: Final = 30.0


class EmulatedBluetoothd:
    """bluetoothd with one adapter (``hci0``) hearing some of the radio's boots."""

    adapter_path = "/org/bluez/hci0"

    def __init__(
        self,
        radio: SimRadio,
        *,
        address: str = "DC:A6:32:00:17:01",
        name: str = "presso-pi",
        slots: int = 5,
        connect_delay: float = 0.0,
        gatt_delay: float = 0.0,
        hears: Iterable[str] | None = None,
        bus_address: str | None = None,
    ) -> None:
        self.radio = radio
        self.address = address
        self.name = name
        self.slots = slots
        """The controller's connection limit (links of other devices count too)."""
        self.connect_delay = connect_delay
        self.gatt_delay = gatt_delay
        self.hears: set[str] | None = set(hears) if hears is not None else None
        self.bus_address = bus_address
        self.rssi: dict[str, int] = {}
        self.faults = AdapterFaults()
        self.stats = ProxyStats()
        self.powered = True
        self.links: dict[str, DeviceLink] = {}
        self.others: dict[str, DeviceLink] = {}
        self.scan = ScanClients()
        self.bus: MessageBus | None = None
        self.link_class: type[SimLinkClient] = radio.client_class()
        self._adapter: Adapter1 | None = None
        self._monitors: AdvertisementMonitorManager1 | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.bus is not None and self.bus.connected

    async def start(self) -> None:
        """Connect to the system bus, export the tree and own ``org.bluez``."""
        address = self.bus_address or os.environ.get(ADDRESS_VARIABLE)
        bus = await MessageBus(bus_address=address, bus_type=BusType.SYSTEM).connect()
        self.bus = bus
        bus.add_message_handler(self._on_message)
        await add_match(bus, f"type='signal',sender='{DBUS}',member='NameOwnerChanged'")
        self._adapter = Adapter1(
            self,
            {
                "Address": self.address,
                "Name": self.name,
                "Powered": self.powered,
                "Discovering": False,
            },
        )
        self._monitors = AdvertisementMonitorManager1(self)
        bus.export(self.adapter_path, self._adapter)
        bus.export(self.adapter_path, self._monitors)
        # bluetoothd loads the devices it stored (those it connected to), disconnected
        for link in self.links.values():
            link.renew()
            bus.export(link.path, link.device)
        for link in self.others.values():
            bus.export(link.path, link.device)
        await bus.request_name(BLUEZ)

    async def stop(self) -> None:
        """Exit cleanly: links dropped with their signals, objects removed, name released."""
        bus = self.bus
        if bus is None:
            return
        for link in list(self.links.values()):
            if link.connected:
                await link.disconnect()
        if bus.connected:
            for link in [*self.links.values(), *self.others.values()]:
                bus.unexport(link.path, link.device)
            bus.unexport(self.adapter_path)
            await bus.release_name(BLUEZ)
        self._forget_temporary()
        self._close_bus()
        await bus.wait_for_disconnect()  # type: ignore[no-untyped-call]

    async def restart(self) -> None:
        """``systemctl restart bluetooth``."""
        await self.stop()
        await self.start()

    def crash(self) -> None:
        """bluetoothd dies: its bus connection closes, no BlueZ signal is sent, links drop."""
        for link in self.links.values():
            link.drop_silently()
        self._forget_temporary()
        self._close_bus()

    def _close_bus(self) -> None:
        self.scan.clear()
        bus, self.bus = self.bus, None
        if bus is not None:
            bus.disconnect()

    def _forget_temporary(self) -> None:
        self.others.clear()  # their links drop with bluetoothd too
        self.links = {a: link for a, link in self.links.items() if not link.temporary}

    # --- the bus -----------------------------------------------------------------------------

    def _on_message(self, message: Message) -> Message | None:
        if message.message_type == MessageType.SIGNAL:
            if message.member == "NameOwnerChanged" and message.sender == DBUS:
                name, _, new_owner = message.body
                if name.startswith(":") and not new_owner:
                    self.scan.forget(name)
            elif message.member == "InterfacesAdded" and self.bus is not None:
                self.scan.interfaces_added(self.bus, message.sender or "", *message.body)
            return None
        if message.message_type != MessageType.METHOD_CALL:
            return None
        if self._adapter is not None and self._monitors is not None:
            self._adapter.sender = self._monitors.sender = message.sender or ""
        exported = self.bus is not None and message.path in self.bus._path_exports
        return None if exported else unknown_object(message)

    async def ping(self) -> None:
        """A round trip with each scanning client: every signal sent before has been handled.

        They (bleak's BlueZ manager) listen to the tree's signals, and a bus delivers
        one sender's messages to one receiver in order.
        """
        if self.bus is not None:
            owners = {owner for owner, _ in self.scan.applications} | self.scan.discovering
            await ping(self.bus, owners)

    async def bus_connections(self) -> int:
        """Connections open on the bus besides this bluetoothd's own."""
        assert self.bus is not None
        return len(await unique_names(self.bus))

    # --- Adapter1 and AdvertisementMonitorManager1 -------------------------------------------

    def set_discovery_filter(self, sender: str, filters: dict[str, Variant]) -> None:
        self.scan.filters[sender] = {k: v.value for k, v in filters.items()}

    def start_discovery(self, sender: str) -> None:
        if not self.powered:
            raise bluez_error(ERROR_NOT_READY, "Resource Not Ready")
        self.scan.discovering.add(sender)
        self._adapter_update({"Discovering": True})

    def stop_discovery(self, sender: str) -> None:
        if sender not in self.scan.discovering:
            raise bluez_error(ERROR_NOT_READY, "Resource Not Ready")
        self.scan.discovering.discard(sender)
        self._adapter_update({"Discovering": self.scan.active})

    def remove_device(self, path: str) -> None:
        link = next((link for link in self.links.values() if link.path == path), None)
        if link is None:
            raise bluez_error(ERROR_DOES_NOT_EXIST, "Does Not Exist")
        if link.connected and link.client is not None:
            link.client.lose_link()
        del self.links[link.address]
        if self.bus is not None:
            self.bus.unexport(link.path, link.device)

    def register_monitor(self, sender: str, root: str) -> None:
        assert self.bus is not None
        self.scan.register(self.bus, sender, root)

    def unregister_monitor(self, sender: str, root: str) -> None:
        self.scan.unregister(sender, root)

    def _adapter_update(self, changes: dict[str, Any]) -> None:
        if self._adapter is not None and self.running:
            self._adapter.update(changes)

    # --- advertising -------------------------------------------------------------------------

    def in_range(self, address: str) -> bool:
        return self.radio.reaches(address, self.hears)

    def advertise(self, device: Advertiser, rssi: int | None = None) -> bool:
        """One advertisement (and scan response while discovering); False if nobody heard it."""
        adv = device.advertisement()
        if adv is None or not self.powered or not self.running or not self.in_range(device.address):
            return False
        if not self.scan.hears(advertising_data(adv)):
            return False
        assert self.bus is not None
        active = self.scan.active
        changes: dict[str, Any] = {
            "RSSI": rssi if rssi is not None else self.rssi.get(device.address, -60),
            "ManufacturerData": {MANUFACTURER_ID: Variant("ay", adv.to_bytes())},
            "AdvertisingFlags": bytes((FLAGS_LE_GENERAL,)),
        }
        if active:  # the scan response: complete name and service UUID
            changes |= {"Name": device.local_name, "UUIDs": [SERVICE_UUID]}
        link = self.links.get(device.address)
        if link is None:
            link = DeviceLink(self, device.address, self._new_device(device.address) | changes)
            self.links[device.address] = link
            self.bus.export(link.path, link.device)
        else:
            link.device.update(changes, always=("RSSI",))
        link.last_seen = asyncio.get_running_loop().time()
        return True

    def advertise_all(self) -> None:
        """Every device in range advertises once; devices long unheard are forgotten."""
        for device in self.radio.devices.values():
            self.advertise(device)
        self.expire()

    def expire(self, timeout: float = TEMPORARY_TIMEOUT) -> None:
        """Remove temporary devices unheard for ``timeout`` s (bluetoothd's TemporaryTimeout)."""
        now = asyncio.get_running_loop().time()
        for address, link in list(self.links.items()):
            idle = link.temporary and not link.connected and not link.connecting
            if idle and now - link.last_seen >= timeout and self.bus is not None:
                del self.links[address]
                self.bus.unexport(link.path, link.device)

    def _new_device(self, address: str) -> dict[str, Any]:
        return {
            "Address": address,
            "Name": LOCAL_NAME_PREFIX,
            "Adapter": self.adapter_path,
            "Connected": False,
            "ServicesResolved": False,
            "UUIDs": [],
            "RSSI": -60,
            "ManufacturerData": {},
            "AdvertisingFlags": b"",
        }

    # --- connections and faults ----------------------------------------------------------------

    @property
    def in_use(self) -> list[str]:
        """Boots connected through this adapter."""
        return [a for a, link in self.links.items() if link.connected or link.connecting]

    @property
    def connected_addresses(self) -> list[str]:
        """Every link the controller holds (other devices' too)."""
        return [*self.in_use, *self.others]

    def drop_link(self, address: str) -> None:
        """The radio link to ``address`` breaks."""
        if (link := self.links.get(address)) and link.client is not None:
            link.client.lose_link()

    def power(self, on: bool) -> None:
        """The adapter is powered off (links drop, discovery ends, heard devices go) or on."""
        if on == self.powered:
            return
        self.powered = on
        if not on:
            for link in self.links.values():
                if link.client is not None:
                    link.client.lose_link()
            self.scan.discovering.clear()
            self.expire(0)  # bluetoothd drops the devices it only heard
        self._adapter_update({"Powered": on, "Discovering": self.scan.active})

    def occupy_slots(self, count: int) -> None:
        """Other devices (a keyboard, another app's sensor) hold ``count`` links on the adapter."""
        for _ in range(count):
            address = f"0E:0E:0E:00:00:{len(self.others):02X}"
            link = DeviceLink(self, address, self._new_device(address) | {"Connected": True})
            link.temporary = False
            self.others[address] = link
            if self.running:
                assert self.bus is not None
                self.bus.export(link.path, link.device)

    def release_slots(self) -> None:
        """The other devices disconnect and go (as temporary devices do), so they can come back."""
        for link in self.others.values():
            if self.running:
                assert self.bus is not None
                link.device.update({"Connected": False})
                self.bus.unexport(link.path, link.device)
        self.others.clear()
