"""Demo only: a virtual Bluetooth proxy hosting simulated boots in real time.

It plugs simulated boots into Home Assistant's Bluetooth stack as a remote
scanner, the way an ESPHome proxy does, so discovery, the config flow and
connections of presso_boots are the real ones.
"""

from __future__ import annotations

import asyncio
import os

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers.typing import ConfigType

from custom_components.presso_boots.presso_ble.const import Model
from presso_sim import SimRadio, SimulatedBoots
from presso_sim.proxy import VirtualProxy, register

DOMAIN = "presso_demo"
DUO_ADDRESS = "D0:5E:ED:00:D0:05"
PRO_ADDRESS = "D0:5E:ED:00:E0:08"


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the virtual proxy and the boots' clocks."""
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
    proxy = VirtualProxy(radio, source="D0:5E:ED:00:00:01")
    unregister = register(hass, proxy)

    async def advertise() -> None:
        while True:
            proxy.advertise_all()
            await asyncio.sleep(1)

    tasks = [
        hass.async_create_background_task(d.run_realtime(), f"presso demo {d.address}")
        for d in devices
    ]
    tasks.append(hass.async_create_background_task(advertise(), "presso demo advertising"))

    async def stop(_event: Event) -> None:
        for task in tasks:
            task.cancel()
        for link in list(radio.links.values()):
            link.lose_link()
        unregister()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop)
    return True
