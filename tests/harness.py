"""Drive Home Assistant and simulated boots together."""

from __future__ import annotations

import asyncio

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_ADDRESS, CONF_DEVICE, CONF_PIN
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.presso_boots.const import (
    CONF_IDLE_DISCONNECT,
    CONF_MAX_DURATION,
    CONF_MAX_PRESSURE,
    DOMAIN,
)
from custom_components.presso_boots.coordinator import PressoCoordinator
from custom_components.presso_boots.data import info_to_dict
from presso_sim import LinkFaults, SimulatedBoots
from presso_sim.bluez import EmulatedBluetoothd
from presso_sim.esphome_proxy import ESPHomeProxy
from presso_sim.proxy import VirtualProxy

DUO = "C0:FF:EE:00:D0:05"
PRO = "C0:FF:EE:00:E0:08"


class Boots:
    """One simulated pair of boots seen by Home Assistant through a proxy."""

    def __init__(
        self,
        hass: HomeAssistant,
        proxy: VirtualProxy | ESPHomeProxy | EmulatedBluetoothd,
        device: SimulatedBoots,
    ) -> None:
        self.hass = hass
        self.proxy = proxy
        self.device = device
        self.entry: MockConfigEntry | None = None
        #: A freezer: Home Assistant's clock then follows the device's.
        self.clock: FrozenDateTimeFactory | None = None
        self.connected_seconds = 0.0  # device-clock seconds with a central connected
        proxy.radio.add(device)

    @classmethod
    async def set_up(
        cls,
        hass: HomeAssistant,
        proxy: VirtualProxy | ESPHomeProxy | EmulatedBluetoothd,
        device: SimulatedBoots,
        *,
        pin: str | None = None,
        chamber_sensors: bool = False,
        **options: int,
    ) -> Boots:
        """The boots in range, configured (``add_entry``) and heard once (``advertise``).

        With ``chamber_sensors`` their chamber pressure sensors are enabled first.
        """
        boots = cls(hass, proxy, device)
        if chamber_sensors:
            boots.enable_chamber_sensors()
        await boots.add_entry(pin=pin, **options)
        await boots.advertise()
        return boots

    @property
    def entry_id(self) -> str:
        """The config entry's id (the entry must have been added)."""
        assert self.entry is not None
        entry_id: str = self.entry.entry_id
        return entry_id

    @property
    def coordinator(self) -> PressoCoordinator:
        assert self.entry is not None
        coordinator: PressoCoordinator = self.entry.runtime_data
        return coordinator

    @property
    def device_id(self) -> str:
        """Home Assistant's device registry id of these boots."""
        from homeassistant.helpers import device_registry as dr

        assert self.entry is not None
        device = dr.async_get(self.hass).async_get_device_by_identifier(
            (DOMAIN, self.device.address), self.entry.entry_id
        )
        assert device is not None
        return device.id

    @property
    def faults(self) -> LinkFaults:
        return self.proxy.radio.faults[self.device.address]

    async def advertise(self) -> None:
        self.proxy.advertise(self.device)
        await self.handed_over()
        await self.hass.async_block_till_done()

    async def handed_over(self) -> None:
        """Wait until what the proxy passed on reached Home Assistant (ESPHome: an API ping)."""
        if isinstance(self.proxy, ESPHomeProxy | EmulatedBluetoothd):
            await self.proxy.ping()

    async def run(self, seconds: float, step: float = 1.0, *, block: bool = True) -> None:
        """Advance the device clock, advertising and letting frames flow each step.

        With ``block=False`` it does not wait for every task (an automation in a
        delay would never finish); it lets the loop run a few rounds instead.
        """
        for _ in range(round(seconds / step)):
            self.device.advance(step)
            if self.device.central is not None:
                self.connected_seconds += step
            if self.clock is not None:
                self.clock.tick(step)
            self.proxy.advertise(self.device)
            await self.handed_over()
            if block:
                await self.hass.async_block_till_done()
            else:
                for _ in range(10):
                    await asyncio.sleep(0)

    def enable_chamber_sensors(self) -> None:
        """Register the chamber pressure sensors enabled, as a user who wants their history would.

        They are disabled by default (the card shows the pressures live); call before
        ``add_entry``.
        """
        from homeassistant.helpers import entity_registry as er

        registry = er.async_get(self.hass)
        slug = self.device.local_name.lower().replace(" ", "_")
        for leg in ("left", "right")[: self.device.info.legs]:
            for chamber in range(1, self.device.info.chambers + 1):
                registry.async_get_or_create(
                    "sensor",
                    DOMAIN,
                    f"{self.device.address}-pressure_{leg}_{chamber}",
                    suggested_object_id=f"{slug}_{leg}_chamber_{chamber}",
                )

    async def add_entry(self, *, pin: str | None = None, **options: int) -> MockConfigEntry:
        """Configure the boots as a finished config flow would, and set them up."""
        self.device.pin_lock.nonce = bytes(8)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=self.device.local_name,
            unique_id=self.device.address,
            data={
                CONF_ADDRESS: self.device.address,
                CONF_PIN: pin,
                CONF_DEVICE: info_to_dict(self.device.info),
            },
            options={
                CONF_MAX_PRESSURE: 100,
                CONF_MAX_DURATION: 60,
                CONF_IDLE_DISCONNECT: 30,
                **options,
            },
        )
        entry.add_to_hass(self.hass)
        self.entry = entry
        await self.hass.config_entries.async_setup(entry.entry_id)
        await self.hass.async_block_till_done()
        return entry

    def state(self, entity_id: str) -> str:
        state = self.hass.states.get(entity_id)
        assert state is not None, entity_id
        return state.state


async def set_value(hass: HomeAssistant, entity_id: str, value: float) -> None:
    """Set a number entity as the UI does (``number.set_value``, waiting for the answer)."""
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": value}, blocking=True
    )


async def switch(hass: HomeAssistant, service: str, entity_id: str) -> None:
    """A switch's ``turn_on``, ``turn_off`` or ``toggle``, as the UI calls it (waiting)."""
    await hass.services.async_call("switch", service, {"entity_id": entity_id}, blocking=True)
