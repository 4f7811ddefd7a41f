"""Coordinator: one pair of boots, the one object its entities and actions talk to.

Advertisement (within ``trust.py``) or notification -> state (``data.py``) -> entities,
session events and Repairs; action -> limits (``settings.py``) -> link (``connection.py``).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Unpack

from bleak.backends.device import BLEDevice
from homeassistant.components import bluetooth
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_ADDRESS, CONF_DEVICE, CONF_PIN
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from . import repairs
from .connection import BootsLink
from .const import CONF_LAST_ZONES, SESSION_EVENTS
from .data import PressoData, changed_fields, info_from_dict, info_to_dict, merge_status
from .live import LiveData
from .presence import Presence, ble_device_now
from .presso_ble import (
    Advertisement,
    AuthGuard,
    ClientCallbacks,
    DeviceInfo,
    DeviceStatus,
    Event,
    PressoClient,
    SessionState,
    parse_manufacturer_data,
)
from .publisher import StatePublisher
from .routine import Routine
from .session_events import SessionEvents, SessionListener, ended_by_boots
from .settings import SessionLimits, StartRequest
from .stored import async_remember, async_remember_shown
from .trust import counter_ahead, judge

_LOGGER = logging.getLogger(__name__)

type PressoConfigEntry = ConfigEntry[PressoCoordinator]


class PressoCoordinator(StatePublisher):
    """Keeps one pair of boots' state, pushed by the radio, and talks to them when needed."""

    def __init__(self, hass: HomeAssistant, entry: PressoConfigEntry) -> None:
        super().__init__()
        self.hass, self.config_entry, self.name = hass, entry, entry.title
        # what the last link read of the legs and chambers in use (not advertised)
        self.data = PressoData(**entry.data.get(CONF_LAST_ZONES, {}))
        self.address: str = entry.data[CONF_ADDRESS]
        self.info = info_from_dict(entry.data[CONF_DEVICE])
        self.routine = Routine(hass, entry.entry_id, dict(entry.options), self._async_replan)
        self.live = LiveData(lambda: self.data)
        self.limits = self._build_limits()
        self.client = PressoClient(
            BLEDevice(self.address, entry.title, {}),
            pin=entry.data.get(CONF_PIN),
            callbacks=ClientCallbacks(
                self._async_status, self.live.on_telemetry, self._async_event, self._async_dropped
            ),
            ble_device_callback=lambda: ble_device_now(hass, self.address),
            auth_guard=AuthGuard(self.info),  # monotonic: a clock set back cannot jam it
        )
        self.link = BootsLink(
            hass,
            entry,
            self.client,
            state=lambda: self.data,
            on_connected=self._async_on_connected,
            on_silent=self._async_on_silent,
        )
        self.events = SessionEvents(self.routine.note_change, self.routine.session_ended)
        self.advertisement: Advertisement | None = None
        self.presence = Presence(entry.title)

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Listen to advertisements; never waits for the boots."""
        entry = self.config_entry
        if info := bluetooth.async_last_service_info(self.hass, self.address, connectable=False):
            self._async_on_advertisement(info, bluetooth.BluetoothChange.ADVERTISEMENT)
        entry.async_on_unload(
            bluetooth.async_register_callback(
                self.hass,
                self._async_on_advertisement,
                bluetooth.BluetoothCallbackMatcher(address=self.address, connectable=False),
                bluetooth.BluetoothScanningMode.PASSIVE,
            )
        )
        entry.async_on_unload(self.routine.async_track_days())
        entry.async_on_unload(
            bluetooth.async_track_unavailable(
                self.hass, self._async_on_unavailable, self.address, connectable=False
            )
        )
        return self.link.async_stop_retries

    async def async_shutdown(self) -> None:
        """Release the connection on unload; write the routine now."""
        await self.link.async_close()
        await self.routine.async_save()

    @property
    def available(self) -> bool:
        """The boots were heard recently or are connected."""
        return self.link.connected or self.presence.heard

    @property
    def session_running(self) -> bool:
        """A session runs or is paused, as the link last told (advertisements aside)."""
        return self.events.trusted.session_active

    @property
    def stop_pending(self) -> bool:
        """A stop the user asked for has not landed yet."""
        return self.link.stop_pending

    @property
    def connected(self) -> bool:
        """A link to the boots is open."""
        return self.link.connected

    # --- advertisements --------------------------------------------------------------

    @callback
    def _async_on_advertisement(
        self, service_info: bluetooth.BluetoothServiceInfoBleak, _change: bluetooth.BluetoothChange
    ) -> None:
        """Show what the boots advertise, within the trust boundary (``trust.py``)."""
        adv = parse_manufacturer_data(service_info.manufacturer_data)
        if adv is None or adv.model_id != self.info.model_id:
            return
        back = self.presence.heard_now()
        self.link.note_advertisement(adv)
        self.live.on_rssi(service_info.rssi)  # only the signal sensor wakes for it
        self._async_judge(adv, back)

    @callback
    def _async_judge(self, adv: Advertisement, back: bool, replay: bool = False) -> None:
        """Act on the trust boundary's verdict (a replay, heard before, only shows)."""
        last, self.advertisement, link = self.advertisement, adv, self.link
        connected = link.connected  # the common case in a session: judged on this alone
        verdict = judge(
            self.data,
            trusted_session=not connected and self.events.trusted.session_active,
            connected=connected,
            last=None if replay else last,
            adv=adv,
            info=self.info,
            now=dt_util.utcnow,
        )
        changed = self._async_commit(verdict.shown) if verdict.shown is not None else None
        if back or changed:  # heard again: availability may have changed for every entity
            self.async_update_listeners(None if back else changed)
        if verdict.ask_status:  # background tasks start eagerly: after the state is taken
            link.async_refresh_status()
        if verdict.follow and not replay:
            link.async_follow_session()

    @callback
    def _async_on_unavailable(self, _info: bluetooth.BluetoothServiceInfoBleak) -> None:
        if self.presence.lost(connected=self.connected):
            self.async_update_listeners()

    # --- notifications from the link ---------------------------------------------------

    def _async_on_connected(self, info: DeviceInfo) -> None:
        """A new link: the handshake's envelope; its first STATUS tells what happened."""
        self._remember_info(info)
        self.events.link_opened()
        if not self.presence.heard:  # available now, though not heard
            self.async_update_listeners()

    def _async_on_silent(self) -> None:
        """No STATUS on a fresh link for longer than a session allows: none runs."""
        if self.events.awaiting_first_status and self.connected:
            self.link.release_when_idle = True  # opened to follow it: advertisements show again
            idle = replace(self.events.trusted, state=SessionState.IDLE, session_ends=None)
            self._async_on_trusted(idle)

    def _async_status(self, status: DeviceStatus) -> None:
        """A STATUS over the link."""
        self._async_on_trusted(merge_status(self.data, status, dt_util.utcnow()))

    def _async_on_trusted(self, new: PressoData) -> None:
        """What the link told: the trusted state, and what it says happened."""
        self.events.on_link_state(new)
        if changed := self._async_commit(new):
            self.async_update_listeners(changed)
        if not new.session_active:
            self.link.note_session_over()
        self.link.settle()

    def _async_event(self, event: Event) -> None:
        if int(event.code) in SESSION_EVENTS:
            self.link.release_when_idle = ended_by_boots(event)
        self.events.from_device(event, self.data)

    def _async_dropped(self, expected: bool) -> None:
        self.link.note_disconnected()
        if not expected:
            _LOGGER.debug("%s: link dropped", self.name)
            if self.data.session_active:
                self.link.async_follow_session()
        if (adv := self.advertisement) is not None and counter_ahead(self.data, adv):
            # heard as the link closed, after its last STATUS: HA drops its repeats
            self._async_judge(adv, True, replay=True)
        else:
            self.async_update_listeners()

    @callback
    def async_add_event_listener(self, listener: SessionListener) -> CALLBACK_TYPE:
        """Hear about sessions starting and ending."""
        return self.events.async_add_listener(listener)

    # --- state ---------------------------------------------------------------------------

    def _async_commit(self, new: PressoData) -> frozenset[str]:
        """Show the new state; the fields that changed (entities re-check those)."""
        old = self.data
        if new == old:
            return frozenset()
        self.data = new
        if new.fault != old.fault:
            repairs.async_update_fault_issue(self.hass, self.config_entry, new.fault)
        async_remember_shown(self.hass, self.config_entry, new)
        return changed_fields(old, new)

    def _remember_info(self, info: DeviceInfo) -> None:
        if info_to_dict(info) == self.config_entry.data[CONF_DEVICE]:
            return
        self.info = info
        self._async_replan()  # the envelope moves the limits
        async_remember(self.hass, self.config_entry, CONF_DEVICE, info_to_dict(info))

    def _build_limits(self) -> SessionLimits:
        options = self.config_entry.options
        return SessionLimits.from_entry(self.info, options, self.routine.plan_done)

    def _async_replan(self) -> None:
        self.limits = self._build_limits()  # the plan may have moved on
        self.async_update_listeners()

    # --- what entities and actions ask for (every value passes SessionLimits) ----------

    def check_start(self, **request: Unpack[StartRequest]) -> tuple[int, int, int, int]:
        """START's values within the limits, the rest period and daily minutes, or a refusal."""
        values = self.limits.start_values(self.data, request)
        self.routine.check_start(values[2], request.get("override_rest", False))
        return values

    async def async_start_session(
        self, **request: Unpack[StartRequest]
    ) -> tuple[int, int, int, int]:
        """Start a session with values that pass ``check_start``; returns those values."""
        values = self.check_start(**request)

        async def start(client: PressoClient) -> None:
            await client.start(*values, 0)
            self.link.own_session = True
            await self.link.async_ensure_telemetry(session_starting=True)

        await self.link.async_command(start)
        self.link.async_cancel_stop()
        return values

    async def async_set_pressure(self, value: float) -> None:
        """Change the target pressure."""
        pressure = self.limits.check_pressure(value)
        await self.link.async_command(lambda client: client.set_pressure(pressure))

    async def async_set_duration(self, value: float) -> None:
        """Change the session length."""
        minutes = self.limits.check_duration(value)
        await self.link.async_command(lambda client: client.set_duration(minutes))

    async def async_set_program(self, program: int) -> None:
        """Change the program."""
        program = self.limits.check_program(program)
        await self.link.async_command(lambda client: client.set_program(program))

    async def async_set_zones(
        self, legs: int | None = None, zones_on: int = 0, zones_off: int = 0
    ) -> None:
        """Change which legs and chambers are used."""

        async def change(client: PressoClient) -> None:
            # computed once connected: only STATUS carries the legs and zones
            data = self.data
            zones = ((data.zones or self.info.all_zones) | zones_on) & ~zones_off
            chosen = self.limits.check_zones(legs or data.legs or 3, zones)
            await client.set_zones(*chosen)
            # answered: the next change builds on this one, not on the STATUS still to come
            if changed := self._async_commit(replace(self.data, legs=chosen[0], zones=chosen[1])):
                self.async_update_listeners(changed)

        await self.link.async_command(change)

    async def async_pause(self) -> None:
        """Pause the session."""
        await self.link.async_command(lambda client: client.pause())

    async def async_resume(self) -> None:
        """Resume the session."""
        await self.link.async_command(lambda client: client.resume())

    async def async_clear_fault(self) -> None:
        """Ask the boots to clear their fault (they refuse while its cause is present)."""
        await self.link.async_command(lambda client: client.clear_fault())

    async def async_stop_session(self) -> None:
        """Send STOP; if it cannot land now, keep trying until the boots stop."""
        await self.link.async_stop(lambda: self.data.session_active or self.session_running)
