"""The few D-Bus calls the emulated bluetoothd makes on the bus itself."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Final

from dbus_fast import Message
from dbus_fast.aio import MessageBus

from .interfaces import BLUEZ

DBUS: Final = "org.freedesktop.DBus"
UNKNOWN_OBJECT: Final = "org.freedesktop.DBus.Error.UnknownObject"


def _bus_call(member: str, signature: str = "", body: list[object] | None = None) -> Message:
    return Message(
        destination=DBUS,
        path="/org/freedesktop/DBus",
        interface=DBUS,
        member=member,
        signature=signature,
        body=body or [],
    )


async def add_match(bus: MessageBus, rule: str) -> None:
    """Receive the signals a match rule names."""
    await bus.call(_bus_call("AddMatch", "s", [rule]))


async def unique_names(bus: MessageBus) -> list[str]:
    """Every other connection on the bus."""
    reply = await bus.call(_bus_call("ListNames"))
    return [n for n in reply.body[0] if n.startswith(":") and n != bus.unique_name]


async def ping(bus: MessageBus, names: Iterable[str]) -> None:
    """A ``Peer.Ping`` round trip with each name: what we sent them before is handled."""
    await asyncio.gather(
        *(
            bus.call(Message(destination=n, path="/", interface=f"{DBUS}.Peer", member="Ping"))
            for n in names
        )
    )


def unknown_object(message: Message) -> Message | None:
    """bluetoothd's answer to a BlueZ method on an object it does not have (else None)."""
    interface = message.interface or ""
    if not interface.startswith(BLUEZ):
        return None
    return Message.new_error(
        message,
        UNKNOWN_OBJECT,
        f'Method "{message.member}" with signature "{message.signature}" on '
        f'interface "{interface}" doesn\'t exist',
    )
