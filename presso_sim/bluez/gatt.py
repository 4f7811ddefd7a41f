"""BlueZ's GATT interfaces as ``dbus-fast`` service objects (see ``interfaces.py``).

No ``from __future__ import annotations`` here either: ``dbus-fast`` reads the
D-Bus signatures from the annotations.
"""

from typing import Any, Protocol

from dbus_fast import PropertyAccess
from dbus_fast.annotations import (
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusObjectPath,
    DBusStr,
    DBusUInt16,
)
from dbus_fast.service import dbus_method, dbus_property

from .interfaces import ERROR_NOT_SUPPORTED, StrList, _Props, bluez_error


class GattService1(_Props):
    """``org.bluez.GattService1`` at ``.../dev_XX/serviceXXXX``."""

    def __init__(self, props: dict[str, Any]) -> None:
        super().__init__("org.bluez.GattService1", props)

    @dbus_property(PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return str(self.props["UUID"])

    @dbus_property(PropertyAccess.READ)
    def Device(self) -> DBusObjectPath:
        return str(self.props["Device"])

    @dbus_property(PropertyAccess.READ)
    def Primary(self) -> DBusBool:
        return True

    @dbus_property(PropertyAccess.READ)
    def Handle(self) -> DBusUInt16:
        return int(self.props["Handle"])


class CharacteristicModel(Protocol):
    """What a characteristic's methods ask of its link."""

    async def write(self, uuid: str, value: bytes, with_response: bool) -> None: ...
    async def start_notify(self, uuid: str) -> None: ...
    async def stop_notify(self, uuid: str) -> None: ...


class GattCharacteristic1(_Props):
    """``org.bluez.GattCharacteristic1`` at ``.../serviceXXXX/charXXXX``."""

    def __init__(self, model: CharacteristicModel, props: dict[str, Any]) -> None:
        super().__init__("org.bluez.GattCharacteristic1", props)
        self._model = model

    @dbus_method()
    async def WriteValue(self, value: DBusBytes, options: DBusDict) -> None:
        kind = options["type"].value if "type" in options else "request"
        if (
            "write" not in self.props["Flags"]
            and "write-without-response" not in self.props["Flags"]
        ):
            raise bluez_error(ERROR_NOT_SUPPORTED, "Operation is not supported")
        await self._model.write(str(self.props["UUID"]), bytes(value), kind != "command")

    @dbus_method()
    def ReadValue(self, options: DBusDict) -> DBusBytes:
        raise bluez_error("org.bluez.Error.NotPermitted", "Read not permitted")

    @dbus_method()
    async def StartNotify(self) -> None:
        if "notify" not in self.props["Flags"]:
            raise bluez_error(ERROR_NOT_SUPPORTED, "Operation is not supported")
        await self._model.start_notify(str(self.props["UUID"]))
        self.update({"Notifying": True})

    @dbus_method()
    async def StopNotify(self) -> None:
        await self._model.stop_notify(str(self.props["UUID"]))
        self.update({"Notifying": False})

    @dbus_property(PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return str(self.props["UUID"])

    @dbus_property(PropertyAccess.READ)
    def Service(self) -> DBusObjectPath:
        return str(self.props["Service"])

    @dbus_property(PropertyAccess.READ)
    def Value(self) -> DBusBytes:
        return bytes(self.props["Value"])

    @dbus_property(PropertyAccess.READ)
    def Notifying(self) -> DBusBool:
        return bool(self.props["Notifying"])

    @dbus_property(PropertyAccess.READ)
    def Flags(self) -> StrList:
        return list(self.props["Flags"])

    @dbus_property(PropertyAccess.READ)
    def MTU(self) -> DBusUInt16:
        return int(self.props["MTU"])

    @dbus_property(PropertyAccess.READ)
    def Handle(self) -> DBusUInt16:
        return int(self.props["Handle"])
