"""Run an emulated bluetoothd with one pair of boots on the bus ``DBUS_SYSTEM_BUS_ADDRESS`` names.

Run: ``python -m presso_sim.bluez`` (the demo starts it beside Home Assistant). The
boots (a Go 4) keep their own clock in real time and advertise every second;
SIGTERM or SIGINT stops it cleanly (links dropped, ``org.bluez`` released).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from custom_components.presso_boots.presso_ble.const import Model

from ..device import SimulatedBoots
from ..link import SimRadio
from .daemon import EmulatedBluetoothd

GO_ADDRESS = "D0:5E:ED:00:60:04"
ADAPTER_ADDRESS = "DC:A6:32:00:17:01"
#: A USB dongle's timing: about 300 ms to connect, 15 ms per GATT operation.
CONNECT_DELAY = 0.3
GATT_DELAY = 0.015


async def run() -> None:
    """Serve until asked to stop."""
    radio = SimRadio()
    boots = radio.add(SimulatedBoots(GO_ADDRESS, Model.GO_4, serial="GO400001", battery=80))
    boots.external_power = True
    adapter = EmulatedBluetoothd(
        radio, address=ADAPTER_ADDRESS, connect_delay=CONNECT_DELAY, gatt_delay=GATT_DELAY
    )
    adapter.rssi[GO_ADDRESS] = -62
    await adapter.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    clock = loop.create_task(boots.run_realtime())
    print(f"bluetoothd (emulated) serves hci0 {adapter.address}", flush=True)
    while not stop.is_set():
        adapter.advertise_all()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
    clock.cancel()
    await adapter.stop()


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(run())
