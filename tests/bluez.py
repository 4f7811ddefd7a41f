"""Home Assistant's real ``bluetooth`` integration on a local BlueZ adapter: an emulated bluetoothd.

Fixtures (loaded for every test module through ``pytest_plugins`` in conftest):

- ``system_bus``: a private D-Bus system bus (Debian's ``dbus-daemon``) for the session.
- ``local_adapter``: an ``EmulatedBluetoothd`` owning ``org.bluez`` on it with the test's
  radio behind it, and the ``bluetooth`` config entry of its adapter set up, so
  Home Assistant enumerates it with ``bluetooth-adapters``, scans passively
  through ``habluetooth`` and connects through bleak's BlueZ backend.
  ``bluez_knobs`` (a dict) sets its connect and GATT delays, slots, range, and
  ``occupied``: links other devices hold when Home Assistant starts.

Only what stands for the kernel is patched: the management socket
(``MGMTBluetoothCtl.setup``) and the HCI ioctl (``get_adapters_from_hci``);
pytest-socket turns their AF_BLUETOOTH sockets into ``SocketBlockedError`` where a
machine without Bluetooth raises ``OSError``. The test plugin's session-wide
``mock_bluetooth_adapters`` is undone for these tests only (monkeypatch restores it).
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_socket
from bleak.backends.bluezdbus import manager as bluez_manager
from bleak_retry_connector import bleak_manager
from bluetooth_adapters.systems import linux as linux_adapters
from freezegun.api import real_perf_counter
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from presso_sim import SimRadio
from presso_sim.bluez import (
    ADDRESS_VARIABLE,
    DBusDaemonMissing,
    EmulatedBluetoothd,
    PrivateSystemBus,
    dbus_daemon,
)

# Taken at import, before the test plugin's session fixture replaces them.
_REAL_REFRESH = linux_adapters.LinuxAdapters.refresh
_REAL_ADAPTERS = linux_adapters.LinuxAdapters.adapters
SCANNER_READY_SECONDS = 10.0


@pytest.fixture(scope="session")
def system_bus() -> Iterator[str]:
    """A private system bus for the session; its address."""
    if dbus_daemon() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(str(DBusDaemonMissing()))
        pytest.skip(str(DBusDaemonMissing()))
    with PrivateSystemBus() as bus:
        yield bus.address


async def _kernel_without_bluetooth_sockets(_ctl: object) -> None:
    raise OSError(errno.EAFNOSUPPORT, "Address family not supported by protocol")


@pytest.fixture
def bluez_system(system_bus: str, socket_enabled: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """Clients find the private bus; adapters come from BlueZ, not from the test plugin's list."""
    # the bus is a unix socket: connects to it allowed on the real socket class (after
    # socket_enabled put it back, so a later hass_ws_client keeps it); the plugin's next
    # test setup allows 127.0.0.1 only again
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    monkeypatch.setenv(ADDRESS_VARIABLE, system_bus)
    monkeypatch.setattr(linux_adapters.LinuxAdapters, "refresh", _REAL_REFRESH)
    monkeypatch.setattr(linux_adapters.LinuxAdapters, "adapters", _REAL_ADAPTERS)
    monkeypatch.setattr(linux_adapters, "get_adapters_from_hci", dict)
    monkeypatch.setattr(
        "habluetooth.channels.bluez.MGMTBluetoothCtl.setup", _kernel_without_bluetooth_sockets
    )
    monkeypatch.setattr(
        bleak_manager.get_global_bluez_manager_with_timeout, "_has_dbus_socket", None
    )
    return system_bus


@pytest.fixture
def bluez_knobs() -> dict[str, Any]:
    """Keyword arguments for the emulated bluetoothd (override in a module or test)."""
    return {}


async def close_bleak_manager() -> None:
    """bleak keeps a BlueZ manager per event loop (a bus, a watcher task): close this loop's."""
    manager = bluez_manager._global_instances.pop(asyncio.get_running_loop(), None)
    if manager is None or manager._bus is None:
        return
    bus = manager._bus
    bus.disconnect()
    # bleak 3.1 watches the bus with a task; 3.0.2 (Home Assistant's pin) does not
    if (watcher := getattr(manager, "_bus_watcher_task", None)) is not None:
        await asyncio.wait({watcher})
    else:
        await bus.wait_for_disconnect()  # type: ignore[no-untyped-call]


async def wait_for_scanner(adapter: EmulatedBluetoothd) -> None:
    """Until Home Assistant's scanner has a monitor (passive) or a discovery session (active).

    The deadline is real time and the wait a bare yield: under a frozen clock (the soak)
    the loop's time stands still, so a timed sleep would never end.
    """
    end = real_perf_counter() + SCANNER_READY_SECONDS
    while not (adapter.scan.monitors or adapter.scan.active):
        assert real_perf_counter() < end, "Home Assistant's scanner did not start on the adapter"
        await asyncio.sleep(0)


@pytest.fixture
async def local_adapter(
    hass: HomeAssistant,
    enable_custom_integrations: None,
    bluez_system: str,
    bluez_knobs: dict[str, Any],
    radio: SimRadio,
) -> AsyncIterator[EmulatedBluetoothd]:
    """An emulated bluetoothd with the radio's boots, and Home Assistant scanning through it."""
    knobs = dict(bluez_knobs)
    occupied = knobs.pop("occupied", 0)
    adapter = EmulatedBluetoothd(radio, **knobs)
    adapter.occupy_slots(occupied)  # other devices connected before Home Assistant starts
    await adapter.start()
    entry = MockConfigEntry(domain="bluetooth", unique_id=adapter.address)
    entry.add_to_hass(hass)
    try:
        # custom integrations are loaded (enable_custom_integrations) before bluetooth,
        # so its matchers include ours and discovery starts flows
        assert await async_setup_component(hass, "bluetooth", {})
        await hass.async_block_till_done()
        await wait_for_scanner(adapter)
        yield adapter
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await adapter.stop()
        await close_bleak_manager()
