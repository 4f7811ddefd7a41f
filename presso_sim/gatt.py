"""The boots' side of the link: one central, the control point, and notifications.

Frames written to the control point are reassembled and executed once: a
repeated sequence number gets the remembered response again (the spec's
idempotent retry). After a command, the STATUS it caused leaves before the
events it caused, and both after the response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from custom_components.presso_boots.presso_ble import const as c
from custom_components.presso_boots.presso_ble.const import CommandType, EventSource, Status
from custom_components.presso_boots.presso_ble.exceptions import ProtocolError
from custom_components.presso_boots.presso_ble.frames import FrameReassembler, encode_frame
from custom_components.presso_boots.presso_ble.messages import (
    Auth,
    Command,
    DeviceInfo,
    DeviceStatus,
    Event,
    Hello,
    Ping,
    SetTelemetry,
    Start,
    Telemetry,
    decode_command,
)

from .auth import PinLock
from .model import Counters


class Firmware(Protocol):
    """What the GATT server asks of the boots' firmware (``device.SimulatedBoots``)."""

    asleep: bool
    busy_replies: int
    counters: Counters
    now: float
    pin_lock: PinLock

    @property
    def info(self) -> DeviceInfo: ...

    def status(self) -> DeviceStatus: ...

    def start(self, command: Start, source: EventSource) -> int: ...

    def stop(self, source: EventSource) -> None: ...

    def pause(self, source: EventSource) -> int: ...

    def resume(self, source: EventSource) -> int: ...

    def change_setting(self, command: Command) -> int: ...

    def set_telemetry(self, interval: int) -> int: ...

    def clear_fault(self) -> int: ...

    def after_change(self) -> None: ...


class ConnectionRefused(Exception):
    """The device will not accept this central now."""


class ControlPoint:
    """The GATT server of one pair of boots, as a link sees it."""

    def __init__(self, device: Firmware) -> None:
        self._device = device
        self.central: str | None = None
        #: Frames to the host leave through here (set by the link while connected).
        self.transmit: Callable[[bytes], None] | None = None
        #: Drops the link from the device's side (set by the link while connected).
        self.break_link: Callable[[], None] | None = None
        self._frames = FrameReassembler()
        self._last_seq = 0
        self._last_response: bytes | None = None
        self._outbox: list[bytes] | None = None
        #: Test hook: sees every command the device executes (retries answered
        #: from the remembered response are not executed again).
        self.on_execute: Callable[[Command], None] | None = None

    def connect(self, who: str) -> None:
        """A central connects; the sequence memory starts afresh."""
        if self._device.asleep:
            raise ConnectionRefused("device not found: asleep")
        if self.central is not None:
            raise ConnectionRefused("connection refused: another central is connected")
        self.central = who
        self._last_seq = 0
        self._last_response = None
        self._frames.reset()

    def disconnect(self) -> None:
        """The central went away (or the link dropped)."""
        self.central = None
        self.transmit = None
        self.break_link = None

    def receive(self, data: bytes) -> None:
        """Bytes the host wrote to the control point."""
        device = self._device
        before = self._frames.discarded
        frames = self._frames.feed(data)
        if self._frames.discarded != before:
            device.counters.corrupt_frames += 1
        for frame in frames:
            if frame.seq == 0 or frame.is_response:
                continue
            if frame.seq == self._last_seq and self._last_response is not None:
                device.counters.repeats_answered += 1
                self._send(self._last_response)
                continue
            outbox: list[bytes] = []
            self._outbox = outbox
            try:
                status, body = self._execute(frame.type, frame.payload)
                device.after_change()
            finally:
                self._outbox = None
            response = encode_frame(frame.seq, frame.type | c.RESPONSE_BIT, bytes((status,)) + body)
            self._last_seq, self._last_response = frame.seq, response
            self._send(response)
            for notification in outbox:
                self._send(notification)

    def _execute(self, command_type: int, payload: bytes) -> tuple[int, bytes]:
        device = self._device
        try:
            command = decode_command(command_type, payload)
        except ProtocolError:
            known = command_type in CommandType._value2member_map_
            return (Status.INVALID_PARAMETER if known else Status.UNKNOWN_COMMAND), b""
        device.counters.executed[command_type] = device.counters.executed.get(command_type, 0) + 1
        if self.on_execute is not None:
            self.on_execute(command)
        if device.busy_replies and command.TYPE not in (CommandType.HELLO, CommandType.PING):
            device.busy_replies -= 1
            return Status.BUSY, b""
        if not device.pin_lock.permits(command.TYPE):
            return Status.PIN_REQUIRED, b""
        return self._dispatch(command)

    def _dispatch(self, command: Command) -> tuple[int, bytes]:
        """Hand a decoded command to the device; the response's status and body."""
        device = self._device
        match command:
            case Hello(version=version):
                if version == 0:
                    return Status.INVALID_PARAMETER, b""
                device.pin_lock.challenge()
                return Status.OK, device.info.to_bytes()
            case Auth(proof=proof):
                return device.pin_lock.verify(proof, device.now), b""
            case Ping(data=data):
                return Status.OK, data
            case Start():
                return device.start(command, EventSource.CENTRAL), b""
            case SetTelemetry(interval=interval):
                return device.set_telemetry(interval), b""
        match command.TYPE:
            case CommandType.GET_STATUS:
                return Status.OK, device.status().to_bytes()
            case CommandType.STOP:
                device.stop(EventSource.CENTRAL)
                return Status.OK, b""
            case CommandType.PAUSE:
                return device.pause(EventSource.CENTRAL), b""
            case CommandType.RESUME:
                return device.resume(EventSource.CENTRAL), b""
            case CommandType.CLEAR_FAULT:
                return device.clear_fault(), b""
        return device.change_setting(command), b""

    def notify(self, message: DeviceStatus | Telemetry | Event) -> None:
        """Send a notification to the connected central, if any."""
        if self.central is None:
            return
        frame = encode_frame(c.NOTIFICATION_SEQUENCE, message.TYPE, message.to_bytes())
        if self._outbox is not None:
            # after a command: the new STATUS first, then the events it caused
            self._outbox.insert(
                0 if isinstance(message, DeviceStatus) else len(self._outbox), frame
            )
        else:
            self._send(frame)

    def _send(self, frame: bytes) -> None:
        if self.transmit is not None:
            self.transmit(frame)
