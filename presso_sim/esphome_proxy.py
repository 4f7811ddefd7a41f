"""An emulated ESPHome Bluetooth proxy: the native API on 127.0.0.1 in front of the simulated radio.

Home Assistant's real ``esphome`` config entry connects to it, so frames to
and from the boots travel through ``aioesphomeapi`` and ``bleak-esphome``, the
path most users have. This module is the ESP as the API sees it: the server,
its API connections, the advertisements it forwards (scan responses too while
scanning actively), its ``BluetoothConnectionsFree`` reports and a reboot (the
API and every link drop at once). The links it holds for its clients, their
slots, delays, GATT queue and radio-side faults are ``esphome_links.ProxyLinks``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from .esphome_api import advertising_data, mac_to_int, pb, scan_response
from .esphome_links import ProxyLinks
from .esphome_session import ApiSession
from .link import SimRadio
from .radio_stats import ProxyStats
from .spoofer import Advertiser

__all__ = ["ESPHomeProxy", "ProxyStats"]


class ESPHomeProxy(ProxyLinks):
    """An ESP32 running ESPHome's ``bluetooth_proxy``, hearing some of the radio's boots."""

    host = "127.0.0.1"

    def __init__(
        self,
        radio: SimRadio,
        *,
        name: str = "presso-proxy",
        mac: str = "AA:BB:CC:00:00:01",
        slots: int = 3,
        connect_delay: float = 0.0,
        gatt_delay: float = 0.0,
        hears: Iterable[str] | None = None,
        active: bool = True,
    ) -> None:
        super().__init__(
            radio,
            name=name,
            slots=slots,
            connect_delay=connect_delay,
            gatt_delay=gatt_delay,
            hears=hears,
        )
        self.mac = mac
        self.bluetooth_mac = mac[:-2] + f"{(int(mac[-2:], 16) + 1) % 256:02X}"
        self.rssi: dict[str, int] = {}
        self.active = active
        """Active scanning: scan responses (the complete local name) are heard too."""
        self.port = 0
        self.sessions: list[ApiSession] = []
        self._server: asyncio.Server | None = None
        self._subscribed = asyncio.Event()

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> int:
        """Listen on 127.0.0.1 (a free port); returns the port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: ApiSession(self), self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Let go of every link and API connection and stop listening."""
        for address in list(self.links):
            if link := self._forget(address):
                await link.client.disconnect()
        self.reboot()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def wait_for_client(self) -> None:
        """Until an API client has subscribed to advertisements (its scanner is registered)."""
        await self._subscribed.wait()

    async def ping(self) -> None:
        """A ping round trip with every API client: all sent before it has been handled."""
        await asyncio.gather(*(session.ping() for session in list(self.sessions)))

    def reboot(self) -> None:
        """The ESP restarts: the API connection and every link drop at once."""
        for session in list(self.sessions):
            session.close()
            self.session_closed(session)

    # --- what the API sessions report ---------------------------------------------------

    def session_subscribed(self) -> None:
        self._subscribed.set()

    def session_closed(self, session: ApiSession) -> None:
        """The API connection is gone: the ESP drops every link it held for it."""
        if session not in self.sessions:
            return
        self.sessions.remove(session)
        if not any(s.raw_advertisements for s in self.sessions):
            self._subscribed.clear()
        self._drop_links_of(session)
        self._report_slots()

    def _report_slots(self) -> None:
        message = self.slots_message()
        for session in self.sessions:
            if session.connections_free:
                session.send(message)

    # --- advertising --------------------------------------------------------------------

    def advertise(self, device: Advertiser, rssi: int | None = None) -> bool:
        """Forward one advertisement (and scan response if active); False if unheard or asleep."""
        adv = device.advertisement()
        if adv is None or not self.in_range(device.address):
            return False
        rssi = rssi if rssi is not None else self.rssi.get(device.address, -60)
        address = mac_to_int(device.address)
        message = pb.BluetoothLERawAdvertisementsResponse(
            advertisements=[
                pb.BluetoothLERawAdvertisement(address=address, rssi=rssi, data=data)
                for data in (
                    advertising_data(adv),
                    *([scan_response(device.local_name)] if self.active else []),
                )
            ]
        )
        for session in self.sessions:
            if session.raw_advertisements:
                session.send(message)
        return True

    def advertise_all(self) -> None:
        """Every device in range advertises once."""
        for device in self.radio.devices.values():
            self.advertise(device)
