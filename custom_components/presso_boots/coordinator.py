"""Coordinator: one pair of boots, its state, and the connection policy.

Between sessions the state comes from advertisements and no connection is
held. A connection opens for a command or a running session and closes after
the idle delay once no session runs. A dropped link during a session is
followed up with backoff and jitter.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bleak.backends.device import BLEDevice
from homeassistant.components import bluetooth
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_ADDRESS
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from . import repairs
from .const import (
    CONF_DEVICE,
    CONF_IDLE_DISCONNECT,
    CONF_PIN,
    DEFAULT_IDLE_DISCONNECT,
    DOMAIN,
    EVENT_SOURCES,
    FAULT_KEYS,
    PRESSURE_PUBLISH_INTERVAL,
    PROGRAM_KEYS,
    RECONNECT_BACKOFF,
    SESSION_END_TOLERANCE,
    SESSION_EVENTS,
    TELEMETRY_INTERVAL,
    UNKNOWN,
)
from .data import PressoData, info_from_dict, info_to_dict, merge_advertisement, merge_status
from .errors import to_ha_error
from .presso_ble import (
    Advertisement,
    AuthenticationError,
    ClientCallbacks,
    DeviceBusyWithOtherCentralError,
    DeviceInfo,
    DeviceNotFoundError,
    DeviceStatus,
    Event,
    EventCode,
    EventSource,
    LockedOutError,
    OutOfConnectionSlotsError,
    PressoClient,
    PressoError,
    SessionState,
    Telemetry,
    parse_manufacturer_data,
)
from .settings import SessionLimits

_LOGGER = logging.getLogger(__name__)

#: An advertisement saying "a central is connected" this soon after our own
#: link closed may still describe our own link.
OWN_FLAG_GRACE = 3.0
#: A session that was this close to its end when the link went down is taken
#: as finished when it is next seen idle (else as stopped).
MISSED_END_TOLERANCE = timedelta(seconds=30)

type PressoConfigEntry = ConfigEntry[PressoCoordinator]


class PressoCoordinator(DataUpdateCoordinator[PressoData]):
    """Keeps one pair of boots' state and talks to them when needed."""

    config_entry: PressoConfigEntry

    def __init__(self, hass: HomeAssistant, entry: PressoConfigEntry) -> None:
        super().__init__(hass, _LOGGER, config_entry=entry, name=entry.title)
        self.data = PressoData()
        self.address: str = entry.data[CONF_ADDRESS]
        self.info = info_from_dict(entry.data[CONF_DEVICE])
        self.limits = SessionLimits.from_entry(self.info, entry.options)
        self.client = PressoClient(
            BLEDevice(self.address, entry.title, {}),
            pin=entry.data.get(CONF_PIN),
            callbacks=ClientCallbacks(
                self._on_status, self._on_telemetry, self._on_event, self._on_disconnect
            ),
            ble_device_callback=self._fresh_ble_device,
        )
        self.advertisement: Advertisement | None = None
        self.available_by_radio = False
        self.connected = False
        self.last_error: str | None = None
        self._other_central = False
        self._disconnected_at = 0.0
        self._connect_lock = asyncio.Lock()
        self._cancel_idle: CALLBACK_TYPE | None = None
        self._follow_task: asyncio.Task[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None
        self._published_at = 0.0
        self._release_when_idle = False
        self._pin_refused = False
        self._telemetry_on = False
        self._end_reported = True
        self._event_listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self._telemetry_listeners: list[Callable[[Telemetry], None]] = []
        self.connected_seconds = 0.0
        self._connected_since: float | None = None

    # --- lifecycle ---------------------------------------------------------------

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Listen to advertisements; never waits for the boots."""
        entry = self.config_entry
        if info := bluetooth.async_last_service_info(self.hass, self.address, connectable=False):
            self._async_on_advertisement(info, bluetooth.BluetoothChange.ADVERTISEMENT)
        cancel_adv = bluetooth.async_register_callback(
            self.hass,
            self._async_on_advertisement,
            bluetooth.BluetoothCallbackMatcher(address=self.address, connectable=False),
            bluetooth.BluetoothScanningMode.PASSIVE,
        )
        cancel_unavailable = bluetooth.async_track_unavailable(
            self.hass, self._async_on_unavailable, self.address, connectable=False
        )
        entry.async_on_unload(cancel_adv)
        entry.async_on_unload(cancel_unavailable)
        return self._async_stop_timers

    @callback
    def _async_stop_timers(self) -> None:
        self._cancel_idle_timer()
        for task in (self._follow_task, self._stop_task):
            if task:
                task.cancel()

    async def async_shutdown(self) -> None:
        """Release the connection on unload."""
        await super().async_shutdown()
        self._async_stop_timers()
        await self.client.disconnect()

    @property
    def available(self) -> bool:
        """The boots were heard recently or are connected."""
        return self.connected or self.available_by_radio

    def _fresh_ble_device(self) -> BLEDevice:
        device = bluetooth.async_ble_device_from_address(self.hass, self.address, connectable=True)
        if device is None:
            raise DeviceNotFoundError(f"{self.address} is asleep or out of range")
        return device

    # --- advertisements ----------------------------------------------------------

    @callback
    def _async_on_advertisement(
        self, service_info: bluetooth.BluetoothServiceInfoBleak, _change: bluetooth.BluetoothChange
    ) -> None:
        adv = parse_manufacturer_data(service_info.manufacturer_data)
        if adv is None:
            return
        if not self.available_by_radio:
            self.available_by_radio = True
            _LOGGER.info("%s is available again", self.name)
        self._other_central = (
            adv.central_connected
            and not self.connected
            and time.monotonic() - self._disconnected_at > OWN_FLAG_GRACE
        )
        previous, self.advertisement = self.advertisement, adv
        data = self.data
        changed = data.rssi != service_info.rssi
        data.rssi = service_info.rssi
        if not self.connected and (
            previous is None
            or previous.change_counter != adv.change_counter
            or previous.remaining_seconds != adv.remaining_seconds
        ):
            changed |= self._merge_advertisement(adv)
        if adv.session_active and not self.connected:
            self._async_follow_session()
        if changed:
            self.async_update_listeners()

    def _merge_advertisement(self, adv: Advertisement) -> bool:
        old = self.data
        new = merge_advertisement(old, adv)
        new.session_ends = self._session_end(new, adv.remaining_seconds)
        changed = self._commit(new)
        self._report_missed_end(old)
        return changed

    @callback
    def _async_on_unavailable(self, _info: bluetooth.BluetoothServiceInfoBleak) -> None:
        if not self.available_by_radio:
            return
        self.available_by_radio = False
        if not self.connected:
            _LOGGER.info("%s is unavailable (asleep or out of range)", self.name)
            self.async_update_listeners()

    # --- notifications from the connection -----------------------------------------

    def _on_status(self, status: DeviceStatus) -> None:
        new = merge_status(self.data, status)
        new.session_ends = self._session_end(new, status.remaining_seconds)
        if self._commit(new):
            self.async_update_listeners()
        self._after_state_change()

    def _on_telemetry(self, telemetry: Telemetry) -> None:
        for listener in self._telemetry_listeners:
            listener(telemetry)
        now = dt_util.utcnow().timestamp()
        if now - self._published_at < PRESSURE_PUBLISH_INTERVAL:
            return
        if self.data.pressures == telemetry.pressures:
            return
        self._published_at = now
        self.data.pressures = telemetry.pressures
        self.async_update_listeners()

    def _on_event(self, event: Event) -> None:
        kind = SESSION_EVENTS.get(int(event.code))
        if kind is None:
            return
        # A session the boots ended themselves needs no follow-up command:
        # let the link go once they are idle instead of after the idle delay.
        self._release_when_idle = kind in ("finished", "aborted") or (
            kind == "stopped" and event.argument != EventSource.CENTRAL
        )
        data = self._session_data()
        if event.code == EventCode.SESSION_ABORTED:
            data["fault"] = FAULT_KEYS.get(event.argument, UNKNOWN)
        elif event.code != EventCode.SESSION_COMPLETED:
            data["source"] = EVENT_SOURCES[event.argument] if event.argument < 3 else UNKNOWN
        self._fire(kind, data)

    def _session_data(self, data: PressoData | None = None) -> dict[str, Any]:
        data = data or self.data
        return {
            "program": PROGRAM_KEYS.get(data.program or 0, UNKNOWN),
            "pressure": data.pressure,
            "duration": data.duration,
        }

    def _fire(self, kind: str, data: dict[str, Any]) -> None:
        if kind != "started":
            self._end_reported = True
        for listener in self._event_listeners:
            listener(kind, data)

    def _report_missed_end(self, old: PressoData) -> None:
        """A session ended while the link was down: say so, as the boots would have."""
        new = self.data
        if not old.session_active or new.session_active or self._end_reported:
            return
        data = self._session_data(old)
        if new.fault:
            kind, data["fault"] = "aborted", FAULT_KEYS.get(new.fault, UNKNOWN)
        elif old.session_ends and old.session_ends - dt_util.utcnow() <= MISSED_END_TOLERANCE:
            kind = "finished"
        else:
            kind, data["source"] = "stopped", UNKNOWN
        self._fire(kind, data)

    @callback
    def async_add_event_listener(
        self, listener: Callable[[str, dict[str, Any]], None]
    ) -> CALLBACK_TYPE:
        """Hear about sessions starting and ending."""
        self._event_listeners.append(listener)
        return lambda: self._event_listeners.remove(listener)

    @callback
    def async_subscribe_telemetry(self, listener: Callable[[Telemetry], None]) -> CALLBACK_TYPE:
        """Hear every TELEMETRY frame as it arrives (about 1 Hz in a session), unthrottled."""
        self._telemetry_listeners.append(listener)
        return lambda: self._telemetry_listeners.remove(listener)

    def _on_disconnect(self, expected: bool) -> None:
        self.connected = False
        self._disconnected_at = time.monotonic()
        if self._connected_since is not None:
            self.connected_seconds += self._disconnected_at - self._connected_since
            self._connected_since = None
        if not expected:
            _LOGGER.debug("%s: link dropped", self.name)
            if self.data.session_active:
                self._async_follow_session()
        self.async_update_listeners()

    # --- state helpers -------------------------------------------------------------------

    def _session_end(self, new: PressoData, remaining: int) -> datetime | None:
        if new.state != SessionState.RUNNING or not remaining:
            return None if new.state != SessionState.PAUSED else self.data.session_ends
        end = dt_util.utcnow().replace(microsecond=0) + timedelta(seconds=remaining)
        old = self.data.session_ends
        if old is not None and abs(end - old) <= SESSION_END_TOLERANCE:
            return old
        return end

    def _commit(self, new: PressoData) -> bool:
        if new == self.data:
            return False
        if new.session_active and not self.data.session_active:
            self._end_reported = False
        fault_changed = new.fault != self.data.fault
        self.data = new
        if fault_changed:
            repairs.async_update_fault_issue(self.hass, self.config_entry, new.fault)
        return True

    def _after_state_change(self) -> None:
        if self.data.session_active:
            self._cancel_idle_timer()
        elif self.connected and self._release_when_idle and self.data.state == SessionState.IDLE:
            self._release_when_idle = False
            self._schedule_idle_disconnect(0)
        elif self.connected and self._cancel_idle is None:
            self._schedule_idle_disconnect()

    # --- connection policy ------------------------------------------------------------

    async def async_ensure_connected(self) -> None:
        """Open the connection if it is not open; raise PressoError if it cannot be."""
        async with self._connect_lock:
            if self.client.is_connected:
                return
            if bluetooth.async_ble_device_from_address(self.hass, self.address, True) is None:
                raise DeviceNotFoundError(f"{self.address} is asleep or out of range")
            if self._other_central:
                raise DeviceBusyWithOtherCentralError(f"{self.address} is held by another app")
            if self._paths_full():
                raise OutOfConnectionSlotsError(f"no free connection slot near {self.address}")
            try:
                info = await self.client.connect()
            except LockedOutError:
                self._pin_refused = True
                repairs.async_create_lockout_issue(self.hass, self.config_entry)
                raise
            except AuthenticationError:
                self._pin_refused = True
                self.config_entry.async_start_reauth(self.hass)
                raise
            self._pin_refused = False
            repairs.async_delete_lockout_issue(self.hass, self.config_entry)
            self.connected = True
            self._connected_since = time.monotonic()
            self._telemetry_on = False  # the boots turn it off on every connect
            self._remember_info(info)
            before = self.data
            self._on_status(await self.client.get_status())
            self._report_missed_end(before)
            await self._ensure_telemetry()
            _LOGGER.debug("%s: connected", self.name)

    def _paths_full(self) -> bool:
        """Every adapter or proxy that hears the boots has no free slot."""
        paths = bluetooth.async_scanner_devices_by_address(self.hass, self.address, True)
        allocations = [p.scanner.get_allocations() for p in paths]
        return bool(allocations) and all(a is not None and a.free == 0 for a in allocations)

    def _remember_info(self, info: DeviceInfo) -> None:
        if info_to_dict(info) == self.config_entry.data[CONF_DEVICE]:
            return
        self.info = info
        self.limits = SessionLimits.from_entry(info, self.config_entry.options)
        self.hass.config_entries.async_update_entry(
            self.config_entry,
            data={**self.config_entry.data, CONF_DEVICE: info_to_dict(info)},
        )

    async def async_command[T](self, action: Callable[[PressoClient], Awaitable[T]]) -> T:
        """Run one command over a connection opened on demand."""
        self._cancel_idle_timer()
        self._release_when_idle = False
        try:
            await self.async_ensure_connected()
            result = await action(self.client)
            await self._ensure_telemetry()
        except PressoError as err:
            self.last_error = type(err).__name__
            raise to_ha_error(err, self.name) from err
        finally:
            self._after_state_change()
        return result

    async def _ensure_telemetry(self) -> None:
        """Chamber pressures every second while a session runs; asked once per link."""
        if self.data.session_active and self.client.is_connected and not self._telemetry_on:
            await self.client.set_telemetry(TELEMETRY_INTERVAL)
            self._telemetry_on = True

    def _schedule_idle_disconnect(self, delay: float | None = None) -> None:
        self._cancel_idle_timer()
        if delay is None:
            delay = self.config_entry.options.get(CONF_IDLE_DISCONNECT, DEFAULT_IDLE_DISCONNECT)
        self._cancel_idle = async_call_later(self.hass, delay, self._idle_timeout)

    def _cancel_idle_timer(self) -> None:
        if self._cancel_idle:
            self._cancel_idle()
            self._cancel_idle = None

    @callback
    def _idle_timeout(self, _now: datetime) -> None:
        self._cancel_idle = None
        if self.data.session_active or self._connect_lock.locked():
            return
        self.config_entry.async_create_background_task(
            self.hass, self.client.disconnect(), f"{self.name} idle disconnect"
        )

    @callback
    def _async_follow_session(self) -> None:
        """Connect (with backoff) to follow a session the boots are running."""
        if self._pin_refused:
            return  # background retries would lock the PIN out; wait for reauth
        if self._follow_task and not self._follow_task.done():
            return
        self._follow_task = self.config_entry.async_create_background_task(
            self.hass, self._follow_session(), f"{self.name} follow session"
        )

    async def _follow_session(self) -> None:
        await self._while_session_active(self.async_ensure_connected, first_delay=0.0)

    async def _while_session_active(
        self, attempt: Callable[[], Awaitable[None]], first_delay: float
    ) -> bool:
        """Retry ``attempt`` with backoff and jitter until it works or the session ends.

        Gives up when the boots refuse the PIN: retrying would lock it out.
        """
        first, cap, jitter = RECONNECT_BACKOFF
        delay = first_delay
        while self.data.session_active:
            if delay:
                await asyncio.sleep(delay * (1 + random.uniform(-jitter, jitter)))
            try:
                await attempt()
            except PressoError as err:
                self.last_error = type(err).__name__
                if self._pin_refused:
                    _LOGGER.warning("%s: the PIN is not accepted; waiting for a new one", self.name)
                    return False
                _LOGGER.debug("%s: not yet, retrying: %s", self.name, err)
                delay = min(cap, delay * 2 or first)
            else:
                return True
        return False

    # --- what entities and actions ask for (all values pass SessionLimits) -------------

    async def async_start_session(
        self,
        program: int | None = None,
        pressure: int | None = None,
        duration: int | None = None,
        legs: int | None = None,
    ) -> None:
        """Start a session; unspecified values keep the device's, within the user's limits."""
        limits = self.limits
        data = self.data
        program = limits.check_program(program) if program else 0
        pressure = (
            limits.check_pressure(pressure) if pressure else limits.safe_pressure(data.pressure)
        )
        duration = (
            limits.check_duration(duration) if duration else limits.safe_duration(data.duration)
        )
        zones = data.zones or self.info.all_zones
        if legs:
            legs, zones = limits.check_zones(legs, zones)
        await self.async_command(
            lambda client: client.start(program, pressure, duration, legs or 0, 0)
        )

    async def async_set_pressure(self, pressure: int) -> None:
        """Change the target pressure."""
        pressure = self.limits.check_pressure(pressure)
        await self.async_command(lambda client: client.set_pressure(pressure))

    async def async_set_duration(self, minutes: int) -> None:
        """Change the session length."""
        minutes = self.limits.check_duration(minutes)
        await self.async_command(lambda client: client.set_duration(minutes))

    async def async_set_program(self, program: int) -> None:
        """Change the program."""
        program = self.limits.check_program(program)
        await self.async_command(lambda client: client.set_program(program))

    async def async_set_zones(
        self, legs: int | None = None, zones_on: int = 0, zones_off: int = 0
    ) -> None:
        """Change which legs and chambers are used."""

        async def change(client: PressoClient) -> None:
            # computed once connected: only STATUS carries the legs and zones
            data = self.data
            zones = ((data.zones or self.info.all_zones) | zones_on) & ~zones_off
            await client.set_zones(*self.limits.check_zones(legs or data.legs or 3, zones))

        await self.async_command(change)

    async def async_pause(self) -> None:
        """Pause the session."""
        await self.async_command(lambda client: client.pause())

    async def async_resume(self) -> None:
        """Resume the session."""
        await self.async_command(lambda client: client.resume())

    async def async_stop_session(self) -> None:
        """Send STOP; if it cannot land now, keep trying until the boots stop."""
        try:
            await self.async_command(lambda client: client.stop())
        except HomeAssistantError as err:
            if not self.data.session_active:
                raise
            if not self._stop_task or self._stop_task.done():
                self._stop_task = self.config_entry.async_create_background_task(
                    self.hass, self._keep_stopping(), f"{self.name} stop"
                )
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="stop_pending",
                translation_placeholders={"name": self.name},
            ) from err

    async def _keep_stopping(self) -> None:
        async def stop() -> None:
            await self.async_ensure_connected()
            await self.client.stop()

        if await self._while_session_active(stop, first_delay=RECONNECT_BACKOFF[0]):
            _LOGGER.info("%s: stop landed", self.name)
