"""One native API connection to the emulated ESPHome proxy: the device side of aioesphomeapi.

It answers the handshake (hello, device info, an empty entity list, pings),
records the Bluetooth subscriptions and hands Bluetooth requests to the
proxy. Subscriptions Home Assistant makes for entities and services are
accepted and never answered: a proxy has no entities.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final, Protocol

from aioesphomeapi import (
    BluetoothProxyFeature,
    BluetoothProxySubscriptionFlag,
    BluetoothScannerMode,
    BluetoothScannerState,
)

from .esphome_api import (
    FramingError,
    Message,
    decode_frames,
    encode_message,
    parse_message,
    pb,
)


class ProxyFirmware(Protocol):
    """What an API connection asks of the proxy's firmware (``esphome_proxy.ESPHomeProxy``)."""

    name: str
    mac: str
    bluetooth_mac: str
    sessions: list[ApiSession]

    def session_subscribed(self) -> None: ...

    def session_closed(self, session: ApiSession) -> None: ...

    def slots_message(self) -> Message: ...

    def device_request(self, session: ApiSession, request: Any) -> None: ...

    def gatt_request(self, session: ApiSession, kind: str, request: Any) -> None: ...

    def notify_request(self, session: ApiSession, request: Any) -> None: ...


_LOGGER = logging.getLogger(__name__)

#: The API version the emulated firmware speaks: feature flags, raw advertisements.
API_VERSION: Final = (1, 14)
#: A current release: Home Assistant raises a "firmware outdated" repair for proxies
#: older than its stable Bluetooth version (2026.5.1 in Home Assistant 2026.10).
ESPHOME_VERSION: Final = "2026.10.0"
#: What Home Assistant needs from a connecting proxy (aioesphomeapi requires remote caching).
FEATURES: Final = (
    BluetoothProxyFeature.PASSIVE_SCAN
    | BluetoothProxyFeature.ACTIVE_CONNECTIONS
    | BluetoothProxyFeature.REMOTE_CACHING
    | BluetoothProxyFeature.RAW_ADVERTISEMENTS
    | BluetoothProxyFeature.FEATURE_STATE_AND_MODE  # reports its scanner's state and mode
)

GATT_REQUESTS: Final = {
    "BluetoothGATTGetServicesRequest": "discover services",
    "BluetoothGATTWriteDescriptorRequest": "write descriptor",
    "BluetoothGATTReadRequest": "read",
    "BluetoothGATTReadDescriptorRequest": "read descriptor",
}


class ApiSession(asyncio.Protocol):
    """The plaintext native API on one TCP connection."""

    def __init__(self, proxy: ProxyFirmware) -> None:
        self.proxy = proxy
        self.transport: asyncio.Transport | None = None
        self.raw_advertisements = False
        self.connections_free = False
        #: What the firmware's scanner does: configured passive, switched on request.
        self.scanner_mode = BluetoothScannerMode.PASSIVE
        self._buffer = b""
        self._pongs: list[asyncio.Future[None]] = []
        self._said_bye = False  # DisconnectResponse sent: nothing more goes out

    # --- transport -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.proxy.sessions.append(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        for pong in self._pongs:
            if not pong.done():
                pong.set_result(None)
        self._pongs.clear()
        self.proxy.session_closed(self)

    def close(self) -> None:
        """Drop the TCP connection without a goodbye (a reboot or a crash)."""
        if self.transport is not None:
            self.transport.abort()

    def send(self, message: Message) -> None:
        if self.transport is not None and not self.transport.is_closing() and not self._said_bye:
            self.transport.write(encode_message(message))

    def data_received(self, data: bytes) -> None:
        try:
            frames, self._buffer = decode_frames(self._buffer + data)
            for msg_id, payload in frames:
                if (message := parse_message(msg_id, payload)) is not None:
                    self._handle(message)
        except FramingError as err:
            _LOGGER.warning("%s: closing the API connection: %s", self.proxy.name, err)
            self.close()

    async def ping(self) -> None:
        """Ping the client and wait for its answer (it answers after all it received before)."""
        if self.transport is None:
            return
        pong: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pongs.append(pong)
        self.send(pb.PingRequest())
        await pong

    # --- messages ----------------------------------------------------------------------------

    def _handle(self, message: Any) -> None:
        name = type(message).__name__
        proxy = self.proxy
        match name:
            case "HelloRequest":
                self.send(
                    pb.HelloResponse(
                        api_version_major=API_VERSION[0],
                        api_version_minor=API_VERSION[1],
                        server_info=f"{proxy.name} (ESPHome {ESPHOME_VERSION}, emulated)",
                        name=proxy.name,
                    )
                )
            case "DeviceInfoRequest":
                self.send(self._device_info())
            case "ListEntitiesRequest":
                self.send(pb.ListEntitiesDoneResponse())
            case "PingRequest":
                self.send(pb.PingResponse())
            case "PingResponse":
                if self._pongs:
                    self._pongs.pop(0).set_result(None)
            case "DisconnectRequest":
                self.send(pb.DisconnectResponse())
                # Half-close: the client reads the response and closes. A full close with
                # requests still unread would reset the connection and lose the response.
                self._said_bye = True
                if self.transport is not None and self.transport.can_write_eof():
                    self.transport.write_eof()
            case "SubscribeBluetoothLEAdvertisementsRequest":
                if message.flags & BluetoothProxySubscriptionFlag.RAW_ADVERTISEMENTS:
                    self.raw_advertisements = True
                    self.send(self._scanner_state())  # as the firmware answers a subscription
                    proxy.session_subscribed()
            case "BluetoothScannerSetModeRequest":
                self.scanner_mode = BluetoothScannerMode(message.mode)
                self.send(self._scanner_state())
            case "UnsubscribeBluetoothLEAdvertisementsRequest":
                self.raw_advertisements = False
            case "SubscribeBluetoothConnectionsFreeRequest":
                self.connections_free = True
                self.send(proxy.slots_message())
            case "BluetoothDeviceRequest":
                proxy.device_request(self, message)
            case "BluetoothGATTWriteRequest":
                kind = "write" if message.response else "write without response"
                proxy.gatt_request(self, kind, message)
            case "BluetoothGATTNotifyRequest":
                proxy.notify_request(self, message)
            case _ if name in GATT_REQUESTS:
                proxy.gatt_request(self, GATT_REQUESTS[name], message)
            case _:
                # state, service and log subscriptions: nothing to send for a proxy
                _LOGGER.debug("%s: ignoring %s", proxy.name, name)

    def _scanner_state(self) -> Message:
        return pb.BluetoothScannerStateResponse(
            state=BluetoothScannerState.RUNNING,
            mode=self.scanner_mode,
            configured_mode=BluetoothScannerMode.PASSIVE,
        )

    def _device_info(self) -> Message:
        proxy = self.proxy
        return pb.DeviceInfoResponse(
            name=proxy.name,
            friendly_name=proxy.name.replace("-", " ").title(),
            mac_address=proxy.mac,
            bluetooth_mac_address=proxy.bluetooth_mac,
            esphome_version=ESPHOME_VERSION,
            compilation_time="Oct  1 2025, 12:00:00",
            model="esp32dev",
            manufacturer="Espressif",
            bluetooth_proxy_feature_flags=int(FEATURES),
        )
