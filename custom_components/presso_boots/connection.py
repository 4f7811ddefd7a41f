"""Connection policy: one link to the boots, opened on demand and released when idle.

Between sessions no connection is held: the state comes from advertisements,
so ESPHome proxies keep their few connection slots free. A command opens the
link; it closes after the idle delay once no session runs, or at once when the
boots ended a session themselves and have vented. A link lost during a session
is reopened with backoff and jitter until the session ends.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.components import bluetooth
from homeassistant.const import CONF_ADDRESS
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from . import repairs
from .const import (
    CONF_IDLE_DISCONNECT,
    CONF_STOP_PENDING,
    DEFAULT_IDLE_DISCONNECT,
    DOMAIN,
    RECONNECT_BACKOFF,
    TELEMETRY_INTERVAL,
)
from .data import PressoData
from .errors import to_ha_error
from .presso_ble import (
    Advertisement,
    AuthenticationError,
    DeviceBusyWithOtherCentralError,
    DeviceInfo,
    DeviceNotFoundError,
    ImpersonationSuspectedError,
    LockedOutError,
    OutOfConnectionSlotsError,
    PressoClient,
    PressoError,
    SessionState,
)
from .stored import async_remember

if TYPE_CHECKING:
    from .coordinator import PressoConfigEntry

_LOGGER = logging.getLogger(__name__)

#: An advertisement saying "a central is connected" this soon after our own
#: link closed may still describe our own link.
OWN_FLAG_GRACE = 3.0
#: At most one STATUS asked for an advertisement that is ahead, this often (seconds).
STATUS_REFRESH_INTERVAL = 2.0
#: Boots in a session send STATUS at least every 10 s: a link this long without one
#: (unauthenticated, so it cannot ask) shows they run none.
STATUS_SILENCE = 12.0


class BootsLink:
    """When to hold the one BLE connection to a pair of boots, and how to get it back."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PressoConfigEntry,
        client: PressoClient,
        *,
        state: Callable[[], PressoData],
        on_connected: Callable[[DeviceInfo], None],
        on_silent: Callable[[], None],
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.address: str = entry.data[CONF_ADDRESS]
        self.name = entry.title
        self._state = state
        self._on_connected = on_connected
        self._on_silent = on_silent
        self._cancel_silence: CALLBACK_TYPE | None = None
        self.connected = False
        self.connected_seconds = 0.0
        self.last_error: str | None = None
        self.other_central = False
        #: The boots ended the session themselves: let go once they are idle.
        self.release_when_idle = False
        #: Home Assistant started the session that runs: following it may prove the PIN.
        self.own_session = False
        self._connected_since: float | None = None
        self._disconnected_at = 0.0
        self._lock = asyncio.Lock()
        self._cancel_idle: CALLBACK_TYPE | None = None
        #: When the link is let go if no command comes first; None while one is under way.
        self._idle_deadline: datetime | None = None
        self._idle_job = HassJob(self._idle_timeout, f"{self.name} idle release")
        self._follow_task: asyncio.Task[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None
        self._pin_refused = False
        self._telemetry_on = False
        self._status_asked_at = 0.0
        #: Commands under way (their retries included): the idle timer waits for them.
        self._in_flight = 0

    # --- what the radio tells us ----------------------------------------------------

    @callback
    def note_advertisement(self, adv: Advertisement) -> None:
        """Another app holds the boots when they report a central and it is not us."""
        self.other_central = (
            not self.connected
            and adv.central_connected
            and time.monotonic() - self._disconnected_at > OWN_FLAG_GRACE
        )

    @callback
    def note_disconnected(self) -> None:
        """The link closed (asked for or not)."""
        self.connected = False
        self._disconnected_at = time.monotonic()
        if self._connected_since is not None:
            self.connected_seconds += self._disconnected_at - self._connected_since
            self._connected_since = None

    # --- opening the link ------------------------------------------------------------

    async def async_ensure_connected(
        self, *, authenticate: bool = True, stopping: bool = False, rationed: bool = False
    ) -> None:
        """Open the link if it is not open; raise PressoError if it cannot be.

        Reasons that need no radio time (asleep, held by another app, no free
        slot on any proxy that hears the boots) are given before trying. A stop
        is tried even when an advertisement says another app holds the boots:
        advertisements can be forged, and a stop must never be talked out of trying.
        ``authenticate=False`` (following a session started elsewhere) proves no PIN;
        ``rationed`` (following Home Assistant's own session) proves it from the guard's
        budget, since nobody asked for that link just now.
        """
        if self.client.authenticated and not self._lock.locked():
            return  # open and proven: what the block below would find, without its lock
        async with self._lock:
            if self.client.is_connected:
                if authenticate:
                    await self.client.authenticate(rationed=rationed)
                return
            if bluetooth.async_ble_device_from_address(self.hass, self.address, True) is None:
                raise DeviceNotFoundError(f"{self.address} is asleep or out of range")
            if self.other_central and not stopping:
                raise DeviceBusyWithOtherCentralError(f"{self.address} is held by another app")
            if self._paths_full():
                raise OutOfConnectionSlotsError(f"no free connection slot near {self.address}")
            try:
                info = await self.client.connect(authenticate=authenticate, rationed=rationed)
            except LockedOutError:
                self._pin_refused = True
                repairs.async_create_lockout_issue(self.hass, self.entry)
                raise
            except AuthenticationError:
                self._pin_refused = True
                self.entry.async_start_reauth(self.hass)
                raise
            self._pin_refused = False
            repairs.async_delete_lockout_issue(self.hass, self.entry)
            self.connected = True
            self._connected_since = time.monotonic()
            self._telemetry_on = False  # the boots turn it off on every connect
            self._on_connected(info)
            if self.client.authenticated:
                await self.client.get_status()  # the owner hears it as a STATUS
            else:  # GET_STATUS needs the PIN; in a session the boots send STATUS every 10 s
                self._cancel_silence_timer()
                self._cancel_silence = async_call_later(
                    self.hass, STATUS_SILENCE, self._status_silence
                )
            await self.async_ensure_telemetry()
            _LOGGER.debug("%s: connected", self.name)

    @callback
    def _status_silence(self, _now: datetime) -> None:
        self._cancel_silence = None
        self._on_silent()

    @callback
    def _cancel_silence_timer(self) -> None:
        if self._cancel_silence:
            self._cancel_silence()
            self._cancel_silence = None

    @callback
    def _paths_full(self) -> bool:
        """Every adapter or proxy that hears the boots has no free slot."""
        paths = bluetooth.async_scanner_devices_by_address(self.hass, self.address, True)
        allocations = [p.scanner.get_allocations() for p in paths]
        return bool(allocations) and all(a is not None and a.free == 0 for a in allocations)

    @callback
    def async_refresh_status(self) -> None:
        """Ask the boots for STATUS again (one in flight, at most every couple of seconds).

        An advertisement ahead of the state over the link means a STATUS was lost (a
        corrupt frame) or is on its way; the answer, not the advertisement, is taken.
        """
        now = time.monotonic()
        if now - self._status_asked_at < STATUS_REFRESH_INTERVAL:
            return
        if not self.client.authenticated:
            return  # GET_STATUS needs the PIN; the boots send STATUS every 10 s anyway
        self._status_asked_at = now

        async def refresh() -> None:
            try:
                await self.client.get_status()  # heard through the client's STATUS callback
            except PressoError as err:
                _LOGGER.debug("%s: STATUS not read again: %s", self.name, err)

        self.entry.async_create_background_task(self.hass, refresh(), f"{self.name} status")

    async def async_ensure_telemetry(self, *, session_starting: bool = False) -> None:
        """Chamber pressures every second while a session runs; asked once per link.

        ``session_starting``: START was just answered; the STATUS saying so may not have
        arrived yet (it comes in a later connection event).
        """
        active = session_starting or self._state().session_active
        # telemetry needs the PIN: a followed session on boots with one goes without
        if active and self.client.authenticated and not self._telemetry_on:
            await self.client.set_telemetry(TELEMETRY_INTERVAL)
            self._telemetry_on = True

    # --- running a command -------------------------------------------------------------

    async def async_command[T](
        self, action: Callable[[PressoClient], Awaitable[T]], *, stopping: bool = False
    ) -> T:
        """Run one command over a link opened on demand; errors come back translated."""
        self._idle_deadline = None  # the idle delay counts again from this command's end
        self.release_when_idle = False
        self._in_flight += 1  # the idle release waits for it
        try:
            await self.async_ensure_connected(stopping=stopping)
            result = await action(self.client)
            await self.async_ensure_telemetry()
        except PressoError as err:
            self._note_error(err)
            raise to_ha_error(err, self.name) from err
        finally:
            self._in_flight -= 1
            self.settle()
        return result

    # --- letting go ---------------------------------------------------------------------

    @callback
    def settle(self) -> None:
        """Hold the link while a session runs; otherwise schedule its release.

        One timer per idle spell, not one per command: a command moves the deadline
        (``async_command``) and the timer, when it fires early, waits for what is left.
        """
        data = self._state()
        if data.session_active:
            self._cancel_idle_timer()
        elif self.connected and self.release_when_idle and data.state == SessionState.IDLE:
            self.release_when_idle = False
            self._cancel_idle_timer()
            self._idle_deadline = dt_util.utcnow()
            self._cancel_idle = async_call_later(self.hass, 0, self._idle_job)
        elif self.connected:
            if self._idle_deadline is None:
                delay = self.entry.options.get(CONF_IDLE_DISCONNECT, DEFAULT_IDLE_DISCONNECT)
                self._idle_deadline = dt_util.utcnow() + timedelta(seconds=delay)
            if self._cancel_idle is None:
                self._cancel_idle = async_call_later(
                    self.hass, self._idle_deadline - dt_util.utcnow(), self._idle_job
                )

    @callback
    def _cancel_idle_timer(self) -> None:
        self._idle_deadline = None
        if self._cancel_idle:
            self._cancel_idle()
            self._cancel_idle = None

    @callback
    def _idle_timeout(self, now: datetime) -> None:
        self._cancel_idle = None
        if self._state().session_active or self._lock.locked() or self._in_flight:
            self._idle_deadline = None
            return  # the command settles the link again when it is done
        if self._idle_deadline is not None and now < self._idle_deadline:
            # a command came after the timer was set: wait out what is left of its delay
            self._cancel_idle = async_call_later(
                self.hass, self._idle_deadline - now, self._idle_job
            )
            return
        self.entry.async_create_background_task(
            self.hass, self.client.disconnect(), f"{self.name} idle disconnect"
        )

    async def async_close(self) -> None:
        """Stop every timer and retry, and close the link (unload)."""
        self.async_stop_retries()
        await self.client.disconnect()

    @callback
    def async_stop_retries(self) -> None:
        """Cancel the timers and the background reconnects."""
        self._cancel_idle_timer()
        self._cancel_silence_timer()
        for task in (self._follow_task, self._stop_task):
            if task:
                task.cancel()

    # --- getting the link back during a session --------------------------------------

    @callback
    def async_follow_session(self) -> None:
        """Connect (with backoff) to follow a session the boots are running."""
        if self._pin_refused:
            return  # background retries would lock the PIN out; wait for reauth
        if self.stop_pending:  # asked for before a reload or restart: still wanted
            self.async_keep_stopping()
            return
        if self._follow_task and not self._follow_task.done():
            return
        self._follow_task = self.entry.async_create_background_task(
            self.hass, self._follow_session(), f"{self.name} follow session"
        )

    async def _follow_session(self) -> None:
        async def follow() -> None:
            # a session Home Assistant started may prove the PIN; one started elsewhere
            # (or only claimed by an advertisement, which anyone can forge) does not
            await self.async_ensure_connected(authenticate=self.own_session, rationed=True)

        await self._retry(follow, first_delay=0.0, until=self._session_over)

    @property
    def stop_pending(self) -> bool:
        """A stop the user asked for has not landed yet (kept in the entry over reloads)."""
        return bool(self.entry.data.get(CONF_STOP_PENDING))

    @callback
    def note_session_over(self) -> None:
        """A STATUS over the link shows no session: a pending stop has nothing left to do.

        Only the link says so: an advertisement (anyone can send one) never ends a stop.
        """
        self.own_session = False
        self._set_stop_pending(False)

    @callback
    def async_cancel_stop(self) -> None:
        """The user started a session: a stop still retrying must not end it."""
        if self._stop_task:
            self._stop_task.cancel()
        self._set_stop_pending(False)

    @callback
    def _set_stop_pending(self, pending: bool) -> None:
        async_remember(self.hass, self.entry, CONF_STOP_PENDING, True if pending else None)

    async def async_stop(self, running: Callable[[], bool]) -> None:
        """Send STOP; if it cannot land now while ``running()``, keep trying until it does."""
        try:
            await self.async_command(lambda client: client.stop(), stopping=True)
        except HomeAssistantError as err:
            if not running():
                raise
            self.async_keep_stopping()
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="stop_pending",
                translation_placeholders={"name": self.name},
            ) from err

    @callback
    def async_keep_stopping(self) -> None:
        """Retry STOP in the background, through reconnects, until the session ends."""
        self._set_stop_pending(True)
        if self._stop_task and not self._stop_task.done():
            return
        self._stop_task = self.entry.async_create_background_task(
            self.hass, self._keep_stopping(), f"{self.name} stop"
        )

    async def _keep_stopping(self) -> None:
        async def stop() -> None:
            await self.async_ensure_connected(stopping=True)
            # the STATUS read on connecting may tell the stop already ran before the drop
            if self.stop_pending:
                self._in_flight += 1  # the idle release waits for it
                try:
                    await self.client.stop()
                finally:
                    self._in_flight -= 1
                self._set_stop_pending(False)  # answered over the link: it landed

        # only the link ends it: a STATUS with no session, or STOP answered
        if await self._retry(stop, first_delay=RECONNECT_BACKOFF[0], until=self._stop_over):
            _LOGGER.info("%s: stop landed", self.name)

    def _stop_over(self) -> bool:
        return not self.stop_pending

    @callback
    def _note_error(self, err: PressoError) -> None:
        self.last_error = type(err).__name__
        if isinstance(err, ImpersonationSuspectedError):
            repairs.async_create_impersonation_issue(self.hass, self.entry, err.reason)

    def _session_over(self) -> bool:
        return not self._state().session_active

    async def _retry(
        self,
        attempt: Callable[[], Awaitable[None]],
        *,
        first_delay: float,
        until: Callable[[], bool],
    ) -> bool:
        """Retry ``attempt`` with backoff and jitter until it works or ``until()`` holds.

        Gives up when the boots refuse the PIN: retrying would lock it out.
        """
        first, cap, jitter = RECONNECT_BACKOFF
        delay = first_delay
        while not until():
            if delay:
                await asyncio.sleep(delay * (1 + random.uniform(-jitter, jitter)))
            try:
                await attempt()
            except PressoError as err:
                self._note_error(err)
                if self._pin_refused:
                    _LOGGER.warning("%s: the PIN is not accepted; waiting for a new one", self.name)
                    return False
                _LOGGER.debug("%s: not yet, retrying: %s", self.name, err)
                delay = min(cap, delay * 2 or first)
            else:
                return True
        return False
