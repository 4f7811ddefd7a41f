"""Errors raised by the Presso boots protocol library; all share PressoError."""

from __future__ import annotations

from .const import CommandType, Status


class PressoError(Exception):
    """Base class of every error this library raises."""


class ProtocolError(PressoError):
    """Bytes from the device do not form a valid protocol-1 frame or payload."""


class NotConnectedError(PressoError):
    """A command needs a connection and there is none."""


class DisconnectedError(NotConnectedError):
    """The link dropped while a command waited for its response."""


class ConnectError(PressoError):
    """The connection could not be opened."""


class DeviceNotFoundError(ConnectError):
    """No adapter or proxy can reach the boots: asleep or out of range."""


class OutOfConnectionSlotsError(ConnectError):
    """Every adapter or proxy in range has all its connection slots in use."""


class DeviceBusyWithOtherCentralError(ConnectError):
    """Another central (such as the phone app) holds the only connection."""


class AuthRefusedError(PressoError):
    """The client would not send the PIN's proof to whatever answered (see ``guard.py``)."""


class ImpersonationSuspectedError(AuthRefusedError):
    """The peer at the boots' address is not the boots paired (a repeated nonce, another id)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"refusing to authenticate: {reason}")
        self.reason = reason


class AuthRateLimitedError(AuthRefusedError):
    """Too many authentications in a short time; the next is allowed after ``retry_after`` s."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"authentication rate limit: next in {retry_after:.0f} s")
        self.retry_after = retry_after


class CommandTimeoutError(PressoError):
    """No response after every try of a command."""

    def __init__(self, command: CommandType, attempts: int) -> None:
        super().__init__(f"{command.name}: no response after {attempts} tries")
        self.command = command
        self.attempts = attempts


class CommandRejectedError(PressoError):
    """The device answered a command with a status other than ok."""

    def __init__(self, command: CommandType, status: Status | int) -> None:
        name = status.name if isinstance(status, Status) else f"0x{status:02x}"
        super().__init__(f"{command.name} rejected: {name}")
        self.command = command
        self.status = status


class AuthenticationError(CommandRejectedError):
    """The PIN is missing or wrong."""


class LockedOutError(CommandRejectedError):
    """Too many failed authentications; the device refuses AUTH for 60 s."""


class DeviceBusyError(CommandRejectedError):
    """The device asked to try again shortly."""


class FaultActiveError(CommandRejectedError):
    """A device fault blocks the command until it is cleared."""


_REJECTION_BY_STATUS: dict[int, type[CommandRejectedError]] = {
    Status.PIN_REQUIRED: AuthenticationError,
    Status.AUTH_FAILED: AuthenticationError,
    Status.LOCKED_OUT: LockedOutError,
    Status.BUSY: DeviceBusyError,
    Status.FAULT_ACTIVE: FaultActiveError,
}


def rejection(command: CommandType, status: int) -> CommandRejectedError:
    """Return the typed error for a non-ok response status."""
    try:
        known: Status | int = Status(status)
    except ValueError:
        known = status
    return _REJECTION_BY_STATUS.get(status, CommandRejectedError)(command, known)
