"""Presso boots BLE protocol, version 1: frames, messages, advertisements, client.

This package imports nothing from Home Assistant so it can be published alone.
"""

from .advertisement import Advertisement, device_name, parse_manufacturer_data
from .client import ClientCallbacks, LinkStats, PressoClient
from .const import (
    CommandType,
    EventCode,
    EventSource,
    Fault,
    Model,
    Phase,
    Program,
    SessionState,
    Status,
)
from .exceptions import (
    AuthenticationError,
    AuthRateLimitedError,
    AuthRefusedError,
    CommandRejectedError,
    CommandTimeoutError,
    ConnectError,
    DeviceBusyError,
    DeviceBusyWithOtherCentralError,
    DeviceNotFoundError,
    DisconnectedError,
    FaultActiveError,
    ImpersonationSuspectedError,
    LockedOutError,
    NotConnectedError,
    OutOfConnectionSlotsError,
    PressoError,
    ProtocolError,
)
from .frames import Frame, FrameReassembler, encode_frame
from .guard import AuthGuard
from .messages import DeviceInfo, DeviceStatus, Event, Telemetry

__all__ = [
    "Advertisement",
    "AuthGuard",
    "AuthRateLimitedError",
    "AuthRefusedError",
    "AuthenticationError",
    "ClientCallbacks",
    "CommandRejectedError",
    "CommandTimeoutError",
    "CommandType",
    "ConnectError",
    "DeviceBusyError",
    "DeviceBusyWithOtherCentralError",
    "DeviceInfo",
    "DeviceNotFoundError",
    "DeviceStatus",
    "DisconnectedError",
    "Event",
    "EventCode",
    "EventSource",
    "Fault",
    "FaultActiveError",
    "Frame",
    "FrameReassembler",
    "ImpersonationSuspectedError",
    "LinkStats",
    "LockedOutError",
    "Model",
    "NotConnectedError",
    "OutOfConnectionSlotsError",
    "Phase",
    "PressoClient",
    "PressoError",
    "Program",
    "ProtocolError",
    "SessionState",
    "Status",
    "Telemetry",
    "device_name",
    "encode_frame",
    "parse_manufacturer_data",
]
