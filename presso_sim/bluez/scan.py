"""Who asked the emulated bluetoothd to scan, and which advertisements they get.

Active scanning is a discovery session per D-Bus client (``StartDiscovery``);
passive scanning is an advertisement monitor per client (``RegisterMonitor``),
which only lets through advertisements that match one of its or_patterns.
bluetoothd reads a monitor's patterns from the application's object tree and
calls its ``Activate`` once it is in use. bleak exports the monitor only after
``RegisterMonitor`` returns: bluetoothd (its GDBusClient) hears of it from the
application's ``InterfacesAdded`` signal, and so does this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

MONITOR_INTERFACE: Final = "org.bluez.AdvertisementMonitor1"


def ad_structures(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(AD type, data) of each structure in legacy advertising data."""
    index = 0
    while index < len(data):
        length = data[index]
        if length == 0 or index + 1 + length > len(data):
            return
        yield data[index + 1], data[index + 2 : index + 1 + length]
        index += 1 + length


def matches(patterns: list[tuple[int, int, bytes]], data: bytes) -> bool:
    """Any or_pattern (start, AD type, content) found in the advertising data."""
    for ad_type, content in ad_structures(data):
        for start, wanted_type, wanted in patterns:
            if ad_type == wanted_type and content[start : start + len(wanted)] == wanted:
                return True
    return False


@dataclass(slots=True)
class Monitor:
    """One activated ``AdvertisementMonitor1`` of a client."""

    owner: str
    path: str
    patterns: list[tuple[int, int, bytes]]


@dataclass(slots=True)
class ScanClients:
    """Discovery sessions and monitors, by D-Bus client."""

    discovering: set[str] = field(default_factory=set)
    filters: dict[str, dict[str, object]] = field(default_factory=dict)
    applications: set[tuple[str, str]] = field(default_factory=set)
    monitors: list[Monitor] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def active(self) -> bool:
        """Someone runs a discovery session (scan responses are asked for)."""
        return bool(self.discovering)

    def hears(self, data: bytes) -> bool:
        """An advertisement reaches the object tree: active scanning, or a monitor matches."""
        return self.active or any(matches(m.patterns, data) for m in self.monitors)

    def forget(self, owner: str) -> None:
        """A client left the bus: its sessions and monitors go with it."""
        self.discovering.discard(owner)
        self.filters.pop(owner, None)
        self.applications = {a for a in self.applications if a[0] != owner}
        self.monitors = [m for m in self.monitors if m.owner != owner]

    def clear(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.discovering.clear()
        self.filters.clear()
        self.applications.clear()
        self.monitors.clear()

    def register(self, bus: MessageBus, owner: str, root: str) -> None:
        """Remember the application; its monitors count once it exports them."""
        self.applications.add((owner, root))
        task = asyncio.get_running_loop().create_task(self._look_up(bus, owner, root))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def unregister(self, owner: str, root: str) -> None:
        self.applications.discard((owner, root))
        self.monitors = [
            m for m in self.monitors if not (m.owner == owner and _under(m.path, root))
        ]

    def interfaces_added(self, bus: MessageBus, owner: str, path: str, interfaces: Any) -> None:
        """An application exported an object: an advertisement monitor is activated."""
        if not any(o == owner and _under(path, root) for o, root in self.applications):
            return
        if (props := interfaces.get(MONITOR_INTERFACE)) is None or "Patterns" not in props:
            return
        if any(m.owner == owner and m.path == path for m in self.monitors):
            return
        patterns = [
            (start, kind, bytes(content)) for start, kind, content in props["Patterns"].value
        ]
        self.monitors.append(Monitor(owner, path, patterns))
        bus.send(
            Message(destination=owner, path=path, interface=MONITOR_INTERFACE, member="Activate")
        )

    async def _look_up(self, bus: MessageBus, owner: str, root: str) -> None:
        """Watch the application's InterfacesAdded and read what it exported already."""
        await bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="AddMatch",
                signature="s",
                body=[
                    f"type='signal',sender='{owner}',"
                    "interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'"
                ],
            )
        )
        reply = await bus.call(
            Message(
                destination=owner,
                path=root,
                interface="org.freedesktop.DBus.ObjectManager",
                member="GetManagedObjects",
            )
        )
        if reply.message_type == MessageType.METHOD_RETURN:
            for path, interfaces in reply.body[0].items():
                self.interfaces_added(bus, owner, path, interfaces)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")
