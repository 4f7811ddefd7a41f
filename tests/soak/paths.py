"""The three radio paths the soak runs on, and what each one's faults look like.

- ``esphome``: two emulated ESPHome proxies (``aioesphomeapi`` and ``bleak-esphome``
  in Home Assistant's ``esphome`` integration against ``presso_sim.esphome_proxy``);
- ``bluez``: a local adapter (Home Assistant's ``bluetooth`` integration,
  habluetooth and bleak's BlueZ backend against an emulated bluetoothd on a
  private D-Bus);
- ``virtual``: a remote scanner registered with Home Assistant's Bluetooth manager.

A proxy restart is the ESP rebooting, bluetoothd restarting, or (virtual) every
link of the scanner breaking at once; a stalled Bluetooth stack is the ESP's only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import habluetooth
from bleak.backends.bluezdbus import manager as bluez_manager
from freezegun.api import real_perf_counter

from presso_sim import SimRadio
from presso_sim.bluez import EmulatedBluetoothd
from presso_sim.esphome_proxy import ESPHomeProxy
from presso_sim.proxy import VirtualProxy

type Proxy = ESPHomeProxy | EmulatedBluetoothd | VirtualProxy

PATHS = ("esphome", "bluez", "virtual")


async def ping(proxy: Proxy) -> None:
    """Everything the proxy passed on has reached Home Assistant (the virtual one: at once).

    On a local adapter also: every call Home Assistant's scanner made to bluetoothd has
    its answer, so the clock never jumps past a D-Bus round trip still on its way (its
    timeout would fire at once: the soak's clock moves seconds while the bus takes
    microseconds of real time).
    """
    if isinstance(proxy, VirtualProxy):
        return
    await proxy.ping()
    if isinstance(proxy, EmulatedBluetoothd):
        await _scanner_calls_answered()


#: Loop rounds with no D-Bus call awaiting its reply after which a scanner that still holds
#: its start/stop lock is taken to wait on the clock (a retry's backoff), not on the bus.
_BETWEEN_CALLS = 50


async def _scanner_calls_answered(real_seconds: float = 5.0) -> None:
    """Until Home Assistant's scanner is done with bluetoothd: no call awaiting its reply,
    and no start, stop or change of scanning mode half way (between two of its calls).

    Those run under a timeout on the loop's clock; the soak's clock moves seconds at a
    step while the bus takes microseconds, so a step in the middle would time them out,
    which no real scanner meets (habluetooth then logs "Error starting scanner").
    """
    manager = bluez_manager._global_instances.get(asyncio.get_running_loop())
    bus = getattr(manager, "_bus", None)
    locks = [
        lock
        for scanner in habluetooth.get_manager().async_current_scanners()
        if (lock := getattr(scanner, "_start_stop_lock", None)) is not None
    ]
    deadline = real_perf_counter() + real_seconds
    quiet = 0
    while quiet < _BETWEEN_CALLS:
        if bus is not None and bus._method_return_handlers:
            quiet = 0
        elif not any(lock.locked() for lock in locks):
            return
        else:
            quiet += 1
        assert real_perf_counter() < deadline, "bluetoothd did not answer Home Assistant's call"
        await asyncio.sleep(0)  # the loop reads the bus (its clock is frozen: no timed sleep)


def drop_link(proxy: Proxy, radio: SimRadio, address: str) -> None:
    """The proxy reports the link closed (the virtual scanner's link breaks on the radio)."""
    if isinstance(proxy, VirtualProxy):
        radio.drop_link(address)
    else:
        proxy.drop_link(address)


async def restart(proxy: Proxy, radio: SimRadio) -> None:
    """The proxy goes down and comes back: its links drop at once."""
    if isinstance(proxy, ESPHomeProxy):
        proxy.reboot()
    elif isinstance(proxy, EmulatedBluetoothd):
        await proxy.restart()
    else:
        for address in proxy.in_use:
            radio.drop_link(address)


def back(proxy: Proxy) -> Callable[[], bool]:
    """Home Assistant hears the proxy's radio again."""
    if isinstance(proxy, ESPHomeProxy):
        return lambda: any(session.raw_advertisements for session in proxy.sessions)
    if isinstance(proxy, EmulatedBluetoothd):
        return lambda: bool(proxy.scan.monitors or proxy.scan.active)
    return lambda: True


def holds(proxy: Proxy, address: str) -> bool:
    """The proxy holds (or is setting up) a link to ``address``."""
    return address in (proxy.links if isinstance(proxy, ESPHomeProxy) else proxy.in_use)


def occupy_slots(proxy: Proxy) -> None:
    """Other devices take every connection slot of the proxy."""
    if isinstance(proxy, ESPHomeProxy):
        proxy.occupy_slots()
    elif isinstance(proxy, EmulatedBluetoothd):
        proxy.occupy_slots(proxy.slots)
    else:
        proxy.taken = proxy.slots


def release_slots(proxy: Proxy) -> None:
    if isinstance(proxy, VirtualProxy):
        proxy.taken = 0
    else:
        proxy.release_slots()
