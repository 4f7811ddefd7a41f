"""What bleak's BlueZ backend needs from a client whose links come and go.

- A dropped link's D-Bus connection: bleak's BlueZ backend opens one per link and
  closes it only in ``disconnect()``; each drop would leak one until the system bus
  refuses Home Assistant more. (Not for other backends: bleak-esphome's
  ``disconnect()`` would ask the proxy to drop whatever link the address has by then.)
- A link bluetoothd lost without saying so: after it crashed, bleak still says the
  link is up while every call answers ``UnknownObject`` (or ``ServiceUnknown`` while
  it is down). That is a dropped link.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Final

from bleak import BleakClient
from bleak.exc import BleakDBusError, BleakError

_LOGGER = logging.getLogger(__name__)

LINK_GONE: Final = frozenset(
    {"org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.ServiceUnknown"}
)


def link_gone(err: BleakError) -> bool:
    """BlueZ no longer has the link's objects."""
    return isinstance(err, BleakDBusError) and err.dbus_error in LINK_GONE


async def release(client: BleakClient, locks: Sequence[asyncio.Lock], address: str) -> None:
    """Disconnect a dropped link's client once what is in flight on it is answered.

    Holding the client's locks first: closing the connection under a call would fail
    that call with a bare ``EOFError`` instead of BlueZ's answer.
    """
    try:
        async with contextlib.AsyncExitStack() as stack:
            for lock in locks:
                await stack.enter_async_context(lock)
            await client.disconnect()
    except (BleakError, TimeoutError) as err:
        _LOGGER.debug("%s: error releasing a dropped link: %s", address, err)
