"""Demo only: simulated boots in real time behind Bluetooth proxies.

By default two emulated ESPHome Bluetooth proxies ("Living room" hears both
boots, "Bedroom" only the Pro 8) serve Home Assistant's real ``esphome``
integration on 127.0.0.1, added through its own config flow, so Settings ->
Devices shows the proxies and the Bluetooth panel their scanners and slots, as
with real proxies. ``PRESSO_DEMO_PROXY=virtual`` puts the boots behind one
virtual remote scanner instead (a Home Assistant whose esphome requirements are
not installed, as in the release check). Either way discovery, the config flow
and connections of presso_boots are the real ones.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import EVENT_HOMEASSISTANT_CLOSE, EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers.typing import ConfigType

from custom_components.presso_boots.presso_ble.const import Model
from presso_sim import SimRadio, SimulatedBoots
from presso_sim.proxy import VirtualProxy, register

DOMAIN = "presso_demo"
DUO_ADDRESS = "D0:5E:ED:00:D0:05"
PRO_ADDRESS = "D0:5E:ED:00:E0:08"


@dataclass(frozen=True, slots=True)
class ProxyPlace:
    """Where an emulated ESP32 stands and what it hears (RSSI per boots)."""

    name: str
    mac: str
    hears: dict[str, int]


#: An ESP32 proxy's timing: about 1 s to connect, 30-60 ms per GATT operation.
CONNECT_DELAY = 1.0
GATT_DELAY = 0.05
PLACES = (
    ProxyPlace("living-room", "AA:BB:CC:00:10:01", {DUO_ADDRESS: -58, PRO_ADDRESS: -78}),
    ProxyPlace("bedroom", "AA:BB:CC:00:20:01", {PRO_ADDRESS: -55}),
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the boots' clocks and the proxies they are heard through."""
    radio = SimRadio()
    devices = [
        radio.add(SimulatedBoots(DUO_ADDRESS, Model.DUO_5, serial="DUO50001", battery=90)),
        radio.add(
            SimulatedBoots(
                PRO_ADDRESS,
                Model.PRO_8,
                serial="PRO80001",
                pin=os.environ.get("PRESSO_DEMO_PIN", "246810"),
            )
        ),
    ]
    for device in devices:
        device.external_power = True  # the demo never runs flat
    if os.environ.get("PRESSO_DEMO_PROXY") == "virtual":
        advertise_all, stop_proxies = _virtual_proxy(hass, radio)
    else:
        advertise_all, stop_proxies = await _esphome_proxies(hass, radio)

    async def advertise() -> None:
        while True:
            advertise_all()
            await asyncio.sleep(1)

    tasks = [
        hass.async_create_background_task(d.run_realtime(), f"presso demo {d.address}")
        for d in devices
    ]
    tasks.append(hass.async_create_background_task(advertise(), "presso demo advertising"))

    async def stop(_event: Event) -> None:
        # at close: Home Assistant's esphome entries have disconnected on stop
        for task in tasks:
            task.cancel()
        await stop_proxies()
        for link in list(radio.links.values()):
            link.lose_link()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_CLOSE, stop)
    return True


def _virtual_proxy(
    hass: HomeAssistant, radio: SimRadio
) -> tuple[Callable[[], None], Callable[[], Awaitable[None]]]:
    proxy = VirtualProxy(radio, source="D0:5E:ED:00:00:01")
    unregister = register(hass, proxy)

    async def stop() -> None:
        unregister()

    return proxy.advertise_all, stop


async def _esphome_proxies(
    hass: HomeAssistant, radio: SimRadio
) -> tuple[Callable[[], None], Callable[[], Awaitable[None]]]:
    # here, not at the top: a Home Assistant without esphome's requirements runs the virtual one
    from presso_sim.esphome_proxy import ESPHomeProxy

    _loopback_zeroconf(hass)
    proxies = []
    for place in PLACES:
        proxy = ESPHomeProxy(
            radio, name=place.name, mac=place.mac, hears=place.hears,
            connect_delay=CONNECT_DELAY, gatt_delay=GATT_DELAY,
        )  # fmt: skip
        proxy.rssi.update(place.hears)
        await proxy.start()
        proxies.append(proxy)

    async def add_entries(_event: Event) -> None:
        # what a user does for a proxy that mDNS did not announce: its address and port
        for proxy in proxies:
            await hass.config_entries.flow.async_init(
                "esphome", context={"source": SOURCE_USER},
                data={"host": proxy.host, "port": proxy.port},
            )  # fmt: skip

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, add_entries)

    def advertise_all() -> None:
        for proxy in proxies:
            proxy.advertise_all()

    async def stop() -> None:
        # esphome closes its API connections at close too: let them say goodbye first
        for _ in range(100):
            if not any(proxy.sessions for proxy in proxies):
                break
            await asyncio.sleep(0.05)
        for proxy in proxies:
            await proxy.stop()

    return advertise_all, stop


def _loopback_zeroconf(hass: HomeAssistant) -> None:
    """The esphome integration's zeroconf, on 127.0.0.1: the demo sends nothing to the LAN."""
    from homeassistant.components.zeroconf.const import DATA_INSTANCE
    from homeassistant.components.zeroconf.models import HaAsyncZeroconf, HaZeroconf
    from zeroconf import IPVersion

    if DATA_INSTANCE in hass.data:
        return
    instance = HaAsyncZeroconf(zc=HaZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only))
    hass.data[DATA_INSTANCE] = instance

    async def close(_event: Event) -> None:
        await instance.ha_async_close()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_CLOSE, close)
