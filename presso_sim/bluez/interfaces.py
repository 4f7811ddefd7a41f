"""BlueZ's D-Bus interfaces as ``dbus-fast`` service objects, each a thin front on a model.

No ``from __future__ import annotations`` here: ``dbus-fast`` reads the D-Bus
signatures from the annotations at class creation. Every property is read from
the object's ``props`` dict; ``update`` changes it and sends ``PropertiesChanged``
for what changed. The methods hand over to the model (``daemon.py``, ``link.py``).
"""

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
    def SetDiscoveryFilter(self, filters: DBusDict) -> None:
        self._model.set_discovery_filter(self.sender, filters)

    @dbus_method()
    def StartDiscovery(self) -> None:
        self._model.start_discovery(self.sender)

    @dbus_method()
    def StopDiscovery(self) -> None:
        self._model.stop_discovery(self.sender)

    @dbus_method()
    def RemoveDevice(self, device: DBusObjectPath) -> None:
        self._model.remove_device(device)

    @dbus_method()
    def GetDiscoveryFilters(self) -> StrList:
        return ["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable"]

    @dbus_property(PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return str(self.props["Address"])

    @dbus_property(PropertyAccess.READ)
    def AddressType(self) -> DBusStr:
        return "public"

    @dbus_property(PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return str(self.props["Name"])

    @dbus_property(PropertyAccess.READ)
    def Alias(self) -> DBusStr:
        return str(self.props["Name"])

    @dbus_property(PropertyAccess.READ)
    def Class(self) -> DBusUInt32:
        return 0x7C0000

    @dbus_property(PropertyAccess.READ)
    def Powered(self) -> DBusBool:
        return bool(self.props["Powered"])

    @dbus_property(PropertyAccess.READ)
    def Discoverable(self) -> DBusBool:
        return False

    @dbus_property(PropertyAccess.READ)
    def Pairable(self) -> DBusBool:
        return True

    @dbus_property(PropertyAccess.READ)
    def Discovering(self) -> DBusBool:
        return bool(self.props["Discovering"])

    @dbus_property(PropertyAccess.READ)
    def UUIDs(self) -> StrList:
        return ["00001800-0000-1000-8000-00805f9b34fb", "00001801-0000-1000-8000-00805f9b34fb"]

    @dbus_property(PropertyAccess.READ)
    def Modalias(self) -> DBusStr:
        return "usb:v1D6Bp0246d0548"

    @dbus_property(PropertyAccess.READ)
    def Roles(self) -> StrList:
        return ["central", "peripheral"]


class AdvertisementMonitorManager1(ServiceInterface):
    """``org.bluez.AdvertisementMonitorManager1``: passive scanning with or_patterns."""

    def __init__(self, model: AdapterModel) -> None:
        super().__init__("org.bluez.AdvertisementMonitorManager1")
        self._model = model
        self.sender = ""

    @dbus_method()
    def RegisterMonitor(self, application: DBusObjectPath) -> None:
        self._model.register_monitor(self.sender, application)

    @dbus_method()
    def UnregisterMonitor(self, application: DBusObjectPath) -> None:
        self._model.unregister_monitor(self.sender, application)

    @dbus_property(PropertyAccess.READ)
    def SupportedMonitorTypes(self) -> StrList:
        return ["or_patterns"]

    @dbus_property(PropertyAccess.READ)
    def SupportedFeatures(self) -> StrList:
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
    async def Connect(self) -> None:
        await self._model.connect()

    @dbus_method()
    async def Disconnect(self) -> None:
        await self._model.disconnect()

    @dbus_method()
    def Pair(self) -> None:
        raise bluez_error(ERROR_NOT_SUPPORTED, "Operation is not supported")

    @dbus_method()
    def CancelPairing(self) -> None:
        raise bluez_error(ERROR_DOES_NOT_EXIST, "Does Not Exist")

    @dbus_property(PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return str(self.props["Address"])

    @dbus_property(PropertyAccess.READ)
    def AddressType(self) -> DBusStr:
        return "public"

    @dbus_property(PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return str(self.props["Name"])

    @dbus_property(PropertyAccess.READ)
    def Alias(self) -> DBusStr:
        return str(self.props["Name"])

    @dbus_property(PropertyAccess.READ)
    def Adapter(self) -> DBusObjectPath:
        return str(self.props["Adapter"])

    @dbus_property(PropertyAccess.READ)
    def Paired(self) -> DBusBool:
        return False

    @dbus_property(PropertyAccess.READ)
    def Bonded(self) -> DBusBool:
        return False

    @dbus_property(PropertyAccess.READ)
    def Trusted(self) -> DBusBool:
        return False

    @dbus_property(PropertyAccess.READ)
    def Blocked(self) -> DBusBool:
        return False

    @dbus_property(PropertyAccess.READ)
    def LegacyPairing(self) -> DBusBool:
        return False

    @dbus_property(PropertyAccess.READ)
    def RSSI(self) -> DBusInt16:
        return int(self.props["RSSI"])

    @dbus_property(PropertyAccess.READ)
    def Connected(self) -> DBusBool:
        return bool(self.props["Connected"])

    @dbus_property(PropertyAccess.READ)
    def UUIDs(self) -> StrList:
        return list(self.props["UUIDs"])

    @dbus_property(PropertyAccess.READ)
    def ManufacturerData(self) -> ManufacturerData:
        return dict(self.props["ManufacturerData"])

    @dbus_property(PropertyAccess.READ)
    def ServiceData(self) -> DBusDict:
        return {}

    @dbus_property(PropertyAccess.READ)
    def ServicesResolved(self) -> DBusBool:
        return bool(self.props["ServicesResolved"])

    @dbus_property(PropertyAccess.READ)
    def AdvertisingFlags(self) -> DBusBytes:
        return bytes(self.props["AdvertisingFlags"])
