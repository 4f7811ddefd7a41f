"""An emulated bluetoothd on a private D-Bus system bus: the local adapter path.

``PrivateSystemBus`` runs Debian's ``dbus-daemon``; ``EmulatedBluetoothd`` owns
``org.bluez`` on it with the simulated boots behind it, so Home Assistant's
``bluetooth`` integration, ``bluetooth-adapters``, ``habluetooth``'s scanner and
bleak's BlueZ backend run unchanged against it.
"""

from .bus import ADDRESS_VARIABLE, DBusDaemonMissing, PrivateSystemBus, dbus_daemon
from .daemon import EmulatedBluetoothd
from .link import AdapterFaults

__all__ = [
    "ADDRESS_VARIABLE",
    "AdapterFaults",
    "DBusDaemonMissing",
    "EmulatedBluetoothd",
    "PrivateSystemBus",
    "dbus_daemon",
]
