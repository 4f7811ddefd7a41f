"""Async client for Presso boots over bleak and bleak-retry-connector."""

from __future__ import annotations

import asyncio
import itertools
import logging
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import bleak_retry_connector
from bleak import BleakClient
from bleak.backends import BleakBackend
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.exc import BleakDeviceNotFoundError, BleakError

from .answer_timeout import AnswerTimeout
from .bluez import link_gone, release
from .const import (
    COMMAND_ATTEMPTS,
    CONTROL_POINT_UUID,
    EVENTS_UUID,
    PROTOCOL_VERSION,
    RESPONSE_BIT,
    RESPONSE_TIMEOUT,
    CommandType,
    Status,
)
from .exceptions import (
    AuthenticationError,
    CommandTimeoutError,
    ConnectError,
    DeviceBusyError,
    DeviceNotFoundError,
    DisconnectedError,
    NotConnectedError,
    OutOfConnectionSlotsError,
    ProtocolError,
    rejection,
)
from .frames import Frame, FrameReassembler, encode_frame
from .guard import AuthGuard
from .messages import (
    Auth,
    ClearFault,
    Command,
    DeviceInfo,
    DeviceStatus,
    Event,
    GetStatus,
    Hello,
    Pause,
    Ping,
    Response,
    Resume,
    SetDuration,
    SetPressure,
    SetProgram,
    SetTelemetry,
    SetZones,
    Start,
    Stop,
    Telemetry,
    auth_proof,
    decode_notification,
)

_LOGGER = logging.getLogger(__name__)

BUSY_BACKOFF: Final = 0.25
RECENT_FRAMES: Final = 32
CONNECT_ATTEMPTS: Final = 3


@dataclass(slots=True)
class LinkStats:
    """Counters for diagnostics and benchmarks."""

    connects: int = 0
    connect_failures: int = 0
    disconnects: int = 0
    commands: int = 0
    resends: int = 0
    timeouts: int = 0
    rejections: int = 0
    frames_received: int = 0
    bytes_discarded: int = 0
    bad_payloads: int = 0


@dataclass(slots=True)
class ClientCallbacks:
    """What the owner of a client hears about."""

    on_status: Callable[[DeviceStatus], None] | None = None
    on_telemetry: Callable[[Telemetry], None] | None = None
    on_event: Callable[[Event], None] | None = None
    on_disconnect: Callable[[bool], None] | None = None
    """Called with True when we closed the link, False when it dropped."""


class PressoClient:
    """One connection to one pair of boots; commands never interleave."""

    def __init__(
        self,
        ble_device: BLEDevice,
        *,
        pin: str | None = None,
        callbacks: ClientCallbacks | None = None,
        ble_device_callback: Callable[[], BLEDevice] | None = None,
        response_timeout: float = RESPONSE_TIMEOUT,
        attempts: int = COMMAND_ATTEMPTS,
        connect_attempts: int = CONNECT_ATTEMPTS,
        auth_guard: AuthGuard | None = None,
    ) -> None:
        self._ble_device = ble_device
        self.pin = pin
        self.callbacks = callbacks or ClientCallbacks()
        self._ble_device_callback = ble_device_callback
        self._answer_timeout = AnswerTimeout(response_timeout)
        self._attempts = attempts
        self._connect_attempts = connect_attempts
        self._client: BleakClient | None = None
        self._connect_lock = asyncio.Lock()
        self._command_lock = asyncio.Lock()
        self._frames = FrameReassembler()
        self._sequence = itertools.cycle(range(1, 256))
        self._pending: tuple[int, int, asyncio.Future[Response]] | None = None
        self._expected_disconnect = False
        self._establishing = False
        self._releasing: set[asyncio.Task[None]] = set()
        self._dropped: weakref.WeakSet[BleakClient] = weakref.WeakSet()
        self._auth_guard = auth_guard
        #: The boots want a PIN and this link has not proved it yet.
        self._needs_auth = False
        self.device_info: DeviceInfo | None = None
        self.stats = LinkStats()
        self._recent: deque[tuple[str, int, int, bytes]] = deque(maxlen=RECENT_FRAMES)

    @property
    def recent_frames(self) -> list[tuple[str, str]]:
        """The last frames each way, as text (AUTH proofs redacted)."""
        return [(way, _describe(seq, kind, payload)) for way, seq, kind, payload in self._recent]

    @property
    def address(self) -> str:
        """Bluetooth address of the boots."""
        return self._ble_device.address

    @property
    def is_connected(self) -> bool:
        """True while the link is up."""
        return self._client is not None and self._client.is_connected

    # --- connection -------------------------------------------------------

    async def connect(self, *, authenticate: bool = True, rationed: bool = False) -> DeviceInfo:
        """Connect, subscribe and say HELLO; authenticate when a PIN is required.

        With ``authenticate=False`` the link stays unauthenticated until a command
        that needs the PIN (notifications still arrive): following a session needs
        no proof, so none is handed out for it. ``rationed``: nobody asked for this
        link just now, so its proof comes from the guard's budget.
        """
        async with self._connect_lock:
            if self.is_connected and self.device_info is not None:
                if authenticate:
                    await self.authenticate(rationed=rationed)
                return self.device_info
            client = await self._establish()
            self._client = client
            self._expected_disconnect = False
            self._frames.reset()
            try:
                await client.start_notify(EVENTS_UUID, self._on_notify)
                info = await self.hello()
                if self._auth_guard is not None:
                    self._auth_guard.check_identity(info)
                self.device_info = info
                self._needs_auth = info.pin_required
                if authenticate:
                    await self.authenticate(rationed=rationed)
            except (BleakError, TimeoutError) as err:
                # e.g. the link broke while subscribing (common through weak proxies)
                await self._close()
                self.stats.connect_failures += 1
                raise ConnectError(str(err) or type(err).__name__) from err
            except BaseException:
                await self._close()
                raise
            self.stats.connects += 1
            return info

    @property
    def auth_guard_refusals(self) -> int:
        """Proofs of the PIN the guard did not let out (impostor, replay, rate limit)."""
        return 0 if self._auth_guard is None else self._auth_guard.refused

    @property
    def authenticated(self) -> bool:
        """Commands that need the PIN may run on this link."""
        return self.is_connected and not self._needs_auth

    async def _establish(self) -> BleakClient:
        device = self._ble_device_callback() if self._ble_device_callback else self._ble_device
        # Looked up on the module at call time: Home Assistant swaps the class
        # for its wrapper after this module may have been imported.
        client_class = bleak_retry_connector.BleakClientWithServiceCache
        self._establishing = True
        try:
            return await bleak_retry_connector.establish_connection(
                client_class,
                device,
                device.name or device.address,
                disconnected_callback=self._on_bleak_disconnect,
                max_attempts=self._connect_attempts,
                ble_device_callback=self._ble_device_callback,
            )
        except bleak_retry_connector.BleakOutOfConnectionSlotsError as err:
            self.stats.connect_failures += 1
            raise OutOfConnectionSlotsError(str(err)) from err
        except (bleak_retry_connector.BleakNotFoundError, BleakDeviceNotFoundError) as err:
            self.stats.connect_failures += 1
            raise DeviceNotFoundError(str(err)) from err
        except (BleakError, TimeoutError) as err:
            self.stats.connect_failures += 1
            raise ConnectError(str(err) or type(err).__name__) from err
        finally:
            self._establishing = False

    async def authenticate(self, *, rationed: bool = False) -> None:
        """Prove the PIN on this link if the boots want it and the guard allows it."""
        info = self.device_info
        if not self._needs_auth or info is None:
            return
        if not self.pin:
            raise AuthenticationError(CommandType.AUTH, Status.PIN_REQUIRED)
        if self._auth_guard is not None:
            self._auth_guard.check(info, rationed=rationed)
        await self._execute(Auth(auth_proof(self.pin, info.nonce)))
        self._needs_auth = False

    async def disconnect(self) -> None:
        """Close the link on purpose."""
        async with self._connect_lock:
            await self._close()

    async def _close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        self._expected_disconnect = True
        try:
            await client.disconnect()
        except (BleakError, AssertionError, EOFError) as err:
            # a link already half gone: bleak's BlueZ backend may even assert on its state;
            # the close must not replace the error that made us close
            _LOGGER.debug("%s: error while disconnecting: %r", self.address, err)
        self._fail_pending(DisconnectedError("disconnected"))

    def _on_bleak_disconnect(self, client: BleakClient) -> None:
        if self._client is not None and client is not self._client:
            return
        if self._client is None and (self._establishing or client in self._dropped):
            return  # a try bleak-retry-connector retries itself, or a drop already handled
        expected = self._expected_disconnect
        self._client = None
        self._dropped.add(client)
        self.stats.disconnects += 1
        self._fail_pending(DisconnectedError("the link dropped"))
        _LOGGER.debug("%s: disconnected (expected: %s)", self.address, expected)
        if not expected and client.backend_id == BleakBackend.BLUEZ_DBUS:
            self._release(client)
        if self.callbacks.on_disconnect:
            self.callbacks.on_disconnect(expected)

    def _release(self, client: BleakClient) -> None:
        """Let bleak close what it holds for a dropped link (``bluez.release``)."""
        locks = (self._connect_lock, self._command_lock)
        task = asyncio.get_running_loop().create_task(release(client, locks, self.address))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    def _fail_pending(self, error: Exception) -> None:
        self._answer_timeout.cancel()
        if self._pending and not self._pending[2].done():
            self._pending[2].set_exception(error)

    # --- frames -------------------------------------------------------------

    def _on_notify(self, _char: BleakGATTCharacteristic | int | str, data: bytearray) -> None:
        before = self._frames.discarded
        frames = self._frames.feed(data)
        self.stats.bytes_discarded += self._frames.discarded - before
        for frame in frames:
            self.stats.frames_received += 1
            self._recent.append(("rx", frame.seq, frame.type, frame.payload))
            try:
                self._handle_frame(frame)
            except ProtocolError as err:
                self.stats.bad_payloads += 1
                _LOGGER.debug("%s: dropped a malformed frame: %s", self.address, err)

    def _handle_frame(self, frame: Frame) -> None:
        if frame.is_response:
            pending = self._pending
            if pending and pending[0] == frame.seq and pending[1] | RESPONSE_BIT == frame.type:
                response = Response.from_frame(frame.type, frame.payload)
                if not pending[2].done():
                    pending[2].set_result(response)
            return
        if frame.seq != 0:
            return
        match decode_notification(frame.type, frame.payload):
            case DeviceStatus() as status if self.callbacks.on_status:
                self.callbacks.on_status(status)
            case Telemetry() as telemetry if self.callbacks.on_telemetry:
                self.callbacks.on_telemetry(telemetry)
            case Event() as event if self.callbacks.on_event:
                self.callbacks.on_event(event)

    # --- commands -----------------------------------------------------------

    async def _execute(self, command: Command) -> Response:
        """Send a command; resend on timeout with the same sequence, back off on busy."""
        async with self._command_lock:
            for busy_try in range(1, self._attempts + 1):
                response = await self._request(command)
                if response.status == Status.OK:
                    return response
                if response.status != Status.BUSY or busy_try == self._attempts:
                    self.stats.rejections += 1
                    raise rejection(command.TYPE, response.status)
                await asyncio.sleep(BUSY_BACKOFF * busy_try)
        raise DeviceBusyError(command.TYPE, Status.BUSY)  # pragma: no cover

    async def _request(self, command: Command) -> Response:
        seq = next(self._sequence)
        frame = encode_frame(seq, command.TYPE, command.to_bytes())
        loop = asyncio.get_running_loop()
        self.stats.commands += 1
        for attempt in range(1, self._attempts + 1):
            client = self._client
            if client is None or not client.is_connected:
                raise NotConnectedError(f"{command.TYPE.name}: not connected")
            if attempt > 1:
                self.stats.resends += 1
            future: asyncio.Future[Response] = loop.create_future()
            self._pending = (seq, command.TYPE, future)
            self._recent.append(("tx", seq, command.TYPE, frame[4:-2]))
            try:
                await client.write_gatt_char(CONTROL_POINT_UUID, frame, response=True)
                self._answer_timeout.watch(future)
                return await future
            except TimeoutError:
                self.stats.timeouts += 1
                _LOGGER.debug("%s: %s timed out (try %s)", self.address, command.TYPE.name, attempt)
            except BleakError as err:
                if link_gone(err) and client is self._client:  # bleak still says it is up
                    self._on_bleak_disconnect(client)
                if not self.is_connected:
                    raise DisconnectedError(f"{command.TYPE.name}: {err}") from err
                _LOGGER.debug("%s: write failed: %s", self.address, err)
            finally:
                self._pending = None
                self._answer_timeout.forget()
                if future.done() and not future.cancelled():
                    # Through an ESPHome proxy the link can drop (failing the
                    # future) before the write in flight fails; the write's own
                    # error is what we raise, so mark this one as seen.
                    future.exception()
        raise CommandTimeoutError(command.TYPE, self._attempts)

    async def _run(self, command: Command) -> Response:
        """A command that needs the PIN on boots that have one."""
        if self._needs_auth:
            await self.authenticate()
        return await self._execute(command)

    async def hello(self) -> DeviceInfo:
        """Exchange protocol versions and read the device's envelope and nonce."""
        response = await self._execute(Hello(PROTOCOL_VERSION))
        return DeviceInfo.from_bytes(response.body)

    async def get_status(self) -> DeviceStatus:
        """Read the full status; the owner hears it like a notified STATUS."""
        response = await self._run(GetStatus())
        status = DeviceStatus.from_bytes(response.body)
        if self.callbacks.on_status:
            self.callbacks.on_status(status)
        return status

    async def ping(self, data: bytes = b"") -> bytes:
        """Round trip up to 8 bytes."""
        return (await self._execute(Ping(data))).body

    async def start(
        self, program: int = 0, pressure: int = 0, duration: int = 0, legs: int = 0, zones: int = 0
    ) -> None:
        """Start or restart a session; 0 keeps the current setting."""
        await self._run(Start(program, pressure, duration, legs, zones))

    async def stop(self) -> None:
        """Stop the session; the device vents."""
        await self._run(Stop())

    async def pause(self) -> None:
        """Hold the chambers (the device stops after 5 minutes)."""
        await self._run(Pause())

    async def resume(self) -> None:
        """Continue a paused session."""
        await self._run(Resume())

    async def set_pressure(self, pressure: int) -> None:
        """Change the target pressure (mmHg)."""
        await self._run(SetPressure(pressure))

    async def set_program(self, program: int) -> None:
        """Change the program."""
        await self._run(SetProgram(program))

    async def set_duration(self, minutes: int) -> None:
        """Change the session length."""
        await self._run(SetDuration(minutes))

    async def set_zones(self, legs: int, zones: int) -> None:
        """Choose legs and chambers."""
        await self._run(SetZones(legs, zones))

    async def clear_fault(self) -> None:
        """Clear a fault whose cause is gone."""
        await self._run(ClearFault())

    async def set_telemetry(self, interval: int) -> None:
        """Telemetry every interval x 100 ms; 0 turns it off."""
        await self._run(SetTelemetry(interval))


#: HELLO's answer up to the firmware version (status, envelope, programs, firmware); the
#: serial number and the nonce after it stay out of the recent frames (diagnostics).
_HELLO_SHOWN = 16


def _describe(seq: int, frame_type: int, payload: bytes) -> str:
    if frame_type == CommandType.AUTH:
        return f"seq={seq} type=0x{frame_type:02x} <proof redacted>"
    if frame_type == CommandType.HELLO | RESPONSE_BIT and len(payload) > _HELLO_SHOWN:
        shown = payload[:_HELLO_SHOWN].hex(" ")
        return f"seq={seq} type=0x{frame_type:02x} {shown} <serial and nonce redacted>"
    return f"seq={seq} type=0x{frame_type:02x} {payload.hex(' ')}".rstrip()
