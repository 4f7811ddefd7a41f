"""BlueZ's D-Bus interfaces as ``dbus-fast`` service objects, each a thin front on a model.

No ``from __future__ import annotations`` here: ``dbus-fast`` reads the D-Bus
signatures from the annotations at class creation. Every property is read from
the object's ``props`` dict; ``update`` changes it and sends ``PropertiesChanged``
for what changed. The methods hand over to the model (``daemon.py``, ``link.py``).
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol

from dbus_fast import DBusError, PropertyAccess, Variant
from dbus_fast.annotations import (
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusInt16,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
    DBusUInt16,
    DBusUInt32,
)
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

BLUEZ = "org.bluez"
ERROR_FAILED = "org.bluez.Error.Failed"
ERROR_IN_PROGRESS = "org.bluez.Error.InProgress"
ERROR_NOT_READY = "org.bluez.Error.NotReady"
ERROR_NOT_CONNECTED = "org.bluez.Error.NotConnected"
ERROR_NOT_SUPPORTED = "org.bluez.Error.NotSupported"
ERROR_DOES_NOT_EXIST = "org.bluez.Error.DoesNotExist"
ERROR_ALREADY_EXISTS = "org.bluez.Error.AlreadyExists"

StrList = Annotated[list[str], DBusSignature("as")]
ManufacturerData = Annotated[dict[int, Variant], DBusSignature("a{qv}")]


def bluez_error(name: str, text: str) -> DBusError:
    """An error reply as bluetoothd words it."""
    return DBusError(name, text)


class _Props(ServiceInterface):
    """Properties kept in a dict; changes announced with ``PropertiesChanged``."""

    def __init__(self, name: str, props: dict[str, Any]) -> None:
        super().__init__(name)
        self.props = props

    def update(self, changes: dict[str, Any], *, always: tuple[str, ...] = ()) -> None:
        """Set properties; signal those that changed (and those in ``always``)."""
        changed = {
            key: value
            for key, value in changes.items()
            if key in always or self.props.get(key) != value
        }
        self.props.update(changes)
        if changed:
            self.emit_properties_changed(changed)


class AdapterModel(Protocol):
    """What the adapter's methods ask of the emulated bluetoothd."""

    def set_discovery_filter(self, sender: str, filters: dict[str, Variant]) -> None: ...
    def start_discovery(self, sender: str) -> None: ...
    def stop_discovery(self, sender: str) -> None: ...
    def remove_device(self, path: str) -> None: ...
    def set_powered(self, powered: bool) -> None: ...
    def register_monitor(self, sender: str, root: str) -> None: ...
    def unregister_monitor(self, sender: str, root: str) -> None: ...


class Adapter1(_Props):
    """``org.bluez.Adapter1`` on ``/org/bluez/hciN``."""

    def __init__(self, model: AdapterModel, props: dict[str, Any]) -> None:
        super().__init__("org.bluez.Adapter1", props)
        self._model = model
        #: the D-Bus sender of the method call being handled (set by the daemon's filter)
        self.sender = ""

    @dbus_method()
    def SetDiscoveryFilter(self, filters: DBusDict) -> None:  # noqa: N802
        self._model.set_discovery_filter(self.sender, filters)

    @dbus_method()
    def StartDiscovery(self) -> None:  # noqa: N802
        self._model.start_discovery(self.sender)

    @dbus_method()
    def StopDiscovery(self) -> None:  # noqa: N802
        self._model.stop_discovery(self.sender)

    @dbus_method()
    def RemoveDevice(self, device: DBusObjectPath) -> None:  # noqa: N802
        self._model.remove_device(device)

    @dbus_method()
    def GetDiscoveryFilters(self) -> StrList:  # noqa: N802
        return ["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable"]

    @dbus_property(PropertyAccess.READ)
    def Address(self) -> DBusStr:  # noqa: N802
        return str(self.props["Address"])

    @dbus_property(PropertyAccess.READ)
    def AddressType(self) -> DBusStr:  # noqa: N802
        return "public"

    @dbus_property(PropertyAccess.READ)
    def Name(self) -> DBusStr:  # noqa: N802
        return str(self.props["Name"])

    @dbus_property(PropertyAccess.READ)
    def Alias(self) -> DBusStr:  # noqa: N802
        return str(self.props["Name"])

    @dbus_property(PropertyAccess.READ)
    def Class(self) -> DBusUInt32:  # noqa: N802
        return 0x7C0000

    @dbus_property()
    def Powered(self) -> DBusBool:  # noqa: N802
        return bool(self.props["Powered"])

    @Powered.setter
    def Powered(self, value: DBusBool) -> None:  # noqa: N802
        self._model.set_powered(value)

    @dbus_property(PropertyAccess.READ)
    def Discoverable(self) -> DBusBool:  # noqa: N802
        return False

    @dbus_property(PropertyAccess.READ)
    def Pairable(self) -> DBusBool:  # noqa: N802
        return True

    @dbus_property(PropertyAccess.READ)
    def Discovering(self) -> DBusBool:  # noqa: N802
        return bool(self.props["Discovering"])

    @dbus_property(PropertyAccess.READ)
    def UUIDs(self) -> StrList:  # noqa: N802
        return ["00001800-0000-1000-8000-00805f9b34fb", "00001801-0000-1000-8000-00805f9b34fb"]

    @dbus_property(PropertyAccess.READ)
    def Modalias(self) -> DBusStr:  # noqa: N802
        return "usb:v1D6Bp0246d0548"

    @dbus_property(PropertyAccess.READ)
    def Roles(self) -> StrList:  # noqa: N802
        return ["central", "peripheral"]


class AdvertisementMonitorManager1(ServiceInterface):
    """``org.bluez.AdvertisementMonitorManager1``: passive scanning with or_patterns."""

    def __init__(self, model: AdapterModel) -> None:
        super().__init__("org.bluez.AdvertisementMonitorManager1")
        self._model = model
        self.sender = ""

    @dbus_method()
    def RegisterMonitor(self, application: DBusObjectPath) -> None:  # noqa: N802
        self._model.register_monitor(self.sender, application)

    @dbus_method()
    def UnregisterMonitor(self, application: DBusObjectPath) -> None:  # noqa: N802
        self._model.unregister_monitor(self.sender, application)

    @dbus_property(PropertyAccess.READ)
    def SupportedMonitorTypes(self) -> StrList:  # noqa: N802
        return ["or_patterns"]

    @dbus_property(PropertyAccess.READ)
    def SupportedFeatures(self) -> StrList:  # noqa: N802
        return []


class DeviceModel(Protocol):
    """What a device's methods ask of its link."""

    async def connect(self) -> None: ...
    async def disconnect(self) -> None: ...


class Device1(_Props):
    """``org.bluez.Device1`` on ``/org/bluez/hciN/dev_XX_XX_XX_XX_XX_XX``."""

    def __init__(self, model: DeviceModel, props: dict[str, Any]) -> None:
        super().__init__("org.bluez.Device1", props)
        self._model = model

    @dbus_method()
    async def Connect(self) -> None:  # noqa: N802
        await self._model.connect()

    @dbus_method()
    async def Disconnect(self) -> None:  # noqa: N802
        await self._model.disconnect()

    @dbus_method()
    def Pair(self) -> None:  # noqa: N802
        raise bluez_error(ERROR_NOT_SUPPORTED, "Operation is not supported")

    @dbus_method()
    def CancelPairing(self) -> None:  # noqa: N802
        raise bluez_error(ERROR_DOES_NOT_EXIST, "Does Not Exist")

    @dbus_property(PropertyAccess.READ)
    def Address(self) -> DBusStr:  # noqa: N802
        return str(self.props["Address"])

    @dbus_property(PropertyAccess.READ)
    def AddressType(self) -> DBusStr:  # noqa: N802
        return "public"

    @dbus_property(PropertyAccess.READ)
    def Name(self) -> DBusStr:  # noqa: N802
        return str(self.props["Name"])

    @dbus_property(PropertyAccess.READ)
    def Alias(self) -> DBusStr:  # noqa: N802
        return str(self.props["Name"])

    @dbus_property(PropertyAccess.READ)
    def Adapter(self) -> DBusObjectPath:  # noqa: N802
        return str(self.props["Adapter"])

    @dbus_property(PropertyAccess.READ)
    def Paired(self) -> DBusBool:  # noqa: N802
        return False

    @dbus_property(PropertyAccess.READ)
    def Bonded(self) -> DBusBool:  # noqa: N802
        return False

    @dbus_property(PropertyAccess.READ)
    def Trusted(self) -> DBusBool:  # noqa: N802
        return False

    @dbus_property(PropertyAccess.READ)
    def Blocked(self) -> DBusBool:  # noqa: N802
        return False

    @dbus_property(PropertyAccess.READ)
    def LegacyPairing(self) -> DBusBool:  # noqa: N802
        return False

    @dbus_property(PropertyAccess.READ)
    def RSSI(self) -> DBusInt16:  # noqa: N802
        return int(self.props["RSSI"])

    @dbus_property(PropertyAccess.READ)
    def Connected(self) -> DBusBool:  # noqa: N802
        return bool(self.props["Connected"])

    @dbus_property(PropertyAccess.READ)
    def UUIDs(self) -> StrList:  # noqa: N802
        return list(self.props["UUIDs"])

    @dbus_property(PropertyAccess.READ)
    def ManufacturerData(self) -> ManufacturerData:  # noqa: N802
        return dict(self.props["ManufacturerData"])

    @dbus_property(PropertyAccess.READ)
    def ServiceData(self) -> DBusDict:  # noqa: N802
        return {}

    @dbus_property(PropertyAccess.READ)
    def ServicesResolved(self) -> DBusBool:  # noqa: N802
        return bool(self.props["ServicesResolved"])

    @dbus_property(PropertyAccess.READ)
    def AdvertisingFlags(self) -> DBusBytes:  # noqa: N802
        return bytes(self.props["AdvertisingFlags"])


class GattService1(_Props):
    """``org.bluez.GattService1`` at ``.../dev_XX/serviceXXXX``."""

    def __init__(self, props: dict[str, Any]) -> None:
        super().__init__("org.bluez.GattService1", props)

    @dbus_property(PropertyAccess.READ)
    def UUID(self) -> DBusStr:  # noqa: N802
        return str(self.props["UUID"])

    @dbus_property(PropertyAccess.READ)
    def Device(self) -> DBusObjectPath:  # noqa: N802
        return str(self.props["Device"])

    @dbus_property(PropertyAccess.READ)
    def Primary(self) -> DBusBool:  # noqa: N802
        return True

    @dbus_property(PropertyAccess.READ)
    def Handle(self) -> DBusUInt16:  # noqa: N802
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
    async def WriteValue(self, value: DBusBytes, options: DBusDict) -> None:  # noqa: N802
        kind = options["type"].value if "type" in options else "request"
        if "write" not in self.props["Flags"] and "write-without-response" not in self.props[
            "Flags"
        ]:
            raise bluez_error(ERROR_NOT_SUPPORTED, "Operation is not supported")
        await self._model.write(str(self.props["UUID"]), bytes(value), kind != "command")

    @dbus_method()
    def ReadValue(self, options: DBusDict) -> DBusBytes:  # noqa: N802
        raise bluez_error("org.bluez.Error.NotPermitted", "Read not permitted")

    @dbus_method()
    async def StartNotify(self) -> None:  # noqa: N802
        if "notify" not in self.props["Flags"]:
            raise bluez_error(ERROR_NOT_SUPPORTED, "Operation is not supported")
        await self._model.start_notify(str(self.props["UUID"]))
        self.update({"Notifying": True})

    @dbus_method()
    async def StopNotify(self) -> None:  # noqa: N802
        await self._model.stop_notify(str(self.props["UUID"]))
        self.update({"Notifying": False})

    @dbus_property(PropertyAccess.READ)
    def UUID(self) -> DBusStr:  # noqa: N802
        return str(self.props["UUID"])

    @dbus_property(PropertyAccess.READ)
    def Service(self) -> DBusObjectPath:  # noqa: N802
        return str(self.props["Service"])

    @dbus_property(PropertyAccess.READ)
    def Value(self) -> DBusBytes:  # noqa: N802
        return bytes(self.props["Value"])

    @dbus_property(PropertyAccess.READ)
    def Notifying(self) -> DBusBool:  # noqa: N802
        return bool(self.props["Notifying"])

    @dbus_property(PropertyAccess.READ)
    def Flags(self) -> StrList:  # noqa: N802
        return list(self.props["Flags"])

    @dbus_property(PropertyAccess.READ)
    def MTU(self) -> DBusUInt16:  # noqa: N802
        return int(self.props["MTU"])

    @dbus_property(PropertyAccess.READ)
    def Handle(self) -> DBusUInt16:  # noqa: N802
        return int(self.props["Handle"])


#: A coroutine the daemon runs for a method (kept for typing the models' callbacks).
Handler = Callable[[], Awaitable[None]]
