"""Routines: gentle start progress, rest between sessions, daily minutes, history.

Kept per pair of boots in a Store, so it survives restarts. The coordinator
tells it about every state change and every session end; the limits the plan
implies are built by ``SessionLimits`` (``settings.py``), the one chokepoint.
It never talks to the boots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import (
    CONF_DAILY_MINUTES,
    CONF_GENTLE_START,
    CONF_REST_MINUTES,
    DOMAIN,
    STOPPED_EARLY,
)
from .data import PressoData
from .errors import refusal
from .presso_ble import SessionState
from .settings import SessionLimits

STORAGE_VERSION = 1
SAVE_DELAY = 10
#: Sessions older than this are forgotten (a week and its first day are enough).
KEEP = timedelta(days=14)
#: Who can stop a session "early": the user, from Home Assistant or the boots' buttons.
USER_SOURCES = ("app", "buttons")
#: Where the week starts on Sunday or Saturday (CLDR weekData); elsewhere Monday.
_SUNDAY_FIRST = (
    "AG AS BD BR BS BT BW BZ CA CO DM DO ET GT GU HK HN ID IL IN JM JP KE KH KR LA MH MM MO "
    "MT MX MZ NI NP PA PE PH PK PR PT PY SA SG SV TH TT TW UM US VE VI WS YE ZA ZW"
)
_SATURDAY_FIRST = "AE AF BH DJ DZ EG IQ IR JO KW LY OM QA SD SY"
SUNDAY_FIRST = frozenset(_SUNDAY_FIRST.split())
SATURDAY_FIRST = frozenset(_SATURDAY_FIRST.split())


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}")


async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's routine."""
    await _store(hass, entry_id).async_remove()


def first_weekday(country: str | None, language: str) -> int:
    """The locale's first day of the week (0 = Monday), from the country or the language."""
    if country is None:  # a bare language as browsers read it: "en" is en-US
        lang, _, region = language.replace("_", "-").partition("-")
        country = region.upper() or ("US" if lang == "en" else None)
    if country in SUNDAY_FIRST:
        return 6
    return 5 if country in SATURDAY_FIRST else 0


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A session that ended: when, how long it ran, whether it ran to its end."""

    end: datetime
    seconds: int
    completed: bool


@dataclass(frozen=True, slots=True)
class Totals:
    """Therapy minutes today and this week, sessions this week, for one local day."""

    minutes_today: float
    minutes_this_week: float
    sessions_this_week: int
    #: When the day and the week they count began (the sensors' last reset).
    day_start: datetime
    week_start: datetime
    #: They hold until the next local midnight, in this time zone and locale.
    until: datetime
    locale: tuple[str | None, str, str]


class SessionClock:
    """Running time and time-weighted target pressure of the session in progress.

    Running time is what the boots report (duration minus time left), so it
    follows the device's clock through pauses and lost links. A session whose end
    Home Assistant learns late (the link was down) ran what the boots' lifetime
    therapy seconds moved by since it began, not until the moment Home Assistant
    heard of its end.
    """

    def __init__(self) -> None:
        #: The boots' lifetime therapy seconds when the session began (from a STATUS).
        self.lifetime_base: int | None = None
        self.ends: datetime | None = None
        self.paused_left: float | None = None
        self.duration: int | None = None
        self.pressure: int | None = None
        self.elapsed = 0.0
        self._pressure_seconds = 0.0
        self.stopped = False

    def _elapsed_at(self, now: datetime) -> float | None:
        left = self.paused_left
        if left is None and self.ends is not None:
            left = max(0.0, (self.ends - now).total_seconds())
        if left is None or not self.duration:
            return None
        return max(0.0, self.duration * 60 - left)

    def _catch_up(self, now: datetime) -> None:
        elapsed = self._elapsed_at(now)
        if elapsed is not None and elapsed > self.elapsed:
            self._pressure_seconds += (self.pressure or 0) * (elapsed - self.elapsed)
            self.elapsed = elapsed

    def update(self, data: PressoData, now: datetime) -> None:
        """The boots' new state during the session."""
        if self.stopped:
            return
        self._catch_up(now)
        self.pressure, self.duration = data.pressure, data.duration
        if data.state == SessionState.RUNNING:
            self.ends, self.paused_left = data.session_ends, None
        elif data.state == SessionState.PAUSED and self.paused_left is None and self.ends:
            self.paused_left = max(0.0, (self.ends - now).total_seconds())
        if self.lifetime_base is None:
            self.lifetime_base = data.lifetime_at_start

    def knows_time_left(self, now: datetime) -> bool:
        """The session was seen running (or paused after running): its time left is known."""
        return self._elapsed_at(now) is not None

    def stop(self, now: datetime, lifetime_seconds: int | None = None) -> None:
        """The session ended now, or (with the boots' lifetime seconds) before now."""
        if self.stopped:
            return
        self.stopped = True
        base = self.lifetime_base
        if lifetime_seconds is None or base is None or lifetime_seconds < base:
            self._catch_up(now)
            return
        ran = float(lifetime_seconds - base)
        if ran >= self.elapsed:
            self._pressure_seconds += (self.pressure or 0) * (ran - self.elapsed)
        elif self.elapsed:
            self._pressure_seconds *= ran / self.elapsed
        self.elapsed = ran

    @property
    def average_pressure(self) -> int | None:
        """Target pressure averaged over the running time."""
        if not self.elapsed:
            return self.pressure
        return round(self._pressure_seconds / self.elapsed)


class Routine:
    """What the boots' sessions so far mean for the next one."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        options: dict[str, Any],
        on_change: Callable[[], None],
    ) -> None:
        self._hass = hass
        self._store = _store(hass, entry_id)
        self._options = options
        self._on_change = on_change
        #: Completed sessions counted by the gentle start plan; None once the user finished it.
        self.plan_done: int | None = 0
        self.sessions: list[SessionRecord] = []
        #: Suggested pressure: the last comfortable one, less a step per early stop not yet undone.
        self.comfortable: int | None = None
        self.steps_down = 0
        self._clock: SessionClock | None = None
        #: The boots' lifetime therapy seconds in the last trusted state.
        self._lifetime_seconds: int | None = None
        #: Today's totals, recomputed when a session is counted and when the day changes.
        self._totals: Totals | None = None

    async def async_load(self) -> None:
        """Read the stored progress and history."""
        stored = await self._store.async_load() or {}
        self.plan_done = stored.get("plan_done", 0)
        self.comfortable = stored.get("comfortable")
        self.steps_down = stored.get("steps_down", 0)
        self.sessions = [
            SessionRecord(datetime.fromisoformat(end), seconds, completed)
            for end, seconds, completed in stored.get("sessions", [])
        ]
        self._totals = None
        self._on_change()

    @callback
    def async_track_days(self) -> CALLBACK_TYPE:
        """Refresh what depends on the day (today's and this week's totals) at midnight."""

        @callback
        def midnight(_now: datetime) -> None:
            self._on_change()

        return async_track_time_change(self._hass, midnight, hour=0, minute=0, second=0)

    async def async_save(self) -> None:
        """Write now (on unload, so a reload reads the latest)."""
        await self._store.async_save(self._as_dict())

    def _changed(self) -> None:
        self._store.async_delay_save(self._as_dict, SAVE_DELAY)
        self._on_change()

    def _as_dict(self) -> dict[str, Any]:
        return {
            "plan_done": self.plan_done,
            "comfortable": self.comfortable,
            "steps_down": self.steps_down,
            "sessions": [[s.end.isoformat(), s.seconds, s.completed] for s in self.sessions],
        }

    # --- gentle start plan -------------------------------------------------------------

    def _require_plan(self) -> None:
        if not self._options.get(CONF_GENTLE_START):
            raise refusal("plan_off")

    def finish_plan(self) -> None:
        """The user's own limits apply from now on."""
        self._require_plan()
        self.plan_done = None
        self._changed()

    def restart_plan(self) -> None:
        """Start the gentle start plan again from its first session."""
        self._require_plan()
        self.plan_done = 0
        self._changed()

    # --- rest and daily limit ------------------------------------------------------------

    def _rest_end(self) -> datetime | None:
        rest = self._options.get(CONF_REST_MINUTES, 0)
        return self.sessions[-1].end + timedelta(minutes=rest) if rest and self.sessions else None

    def _daily_left(self, now: datetime) -> tuple[int, int] | None:
        """Today's minutes used and the daily limit, when there is one."""
        daily: int = self._options.get(CONF_DAILY_MINUTES, 0)
        return (round(self.minutes(self.day_start(now), now)), daily) if daily else None

    def allowed_from(self, now: datetime) -> datetime | None:
        """When the rest period and today's minutes let the next session start (None: no limit)."""
        later = self._rest_end()
        if (daily := self._daily_left(now)) and daily[0] >= daily[1]:
            later = self.day_start(now) + timedelta(days=1)
        return later

    def rest_over(self, duration: int = 0) -> bool:
        """A session (of ``duration`` minutes) may start now as far as rest and daily minutes go."""
        now = dt_util.utcnow()
        if (allowed := self.allowed_from(now)) is not None and allowed > now:
            return False
        daily = self._daily_left(now)
        return daily is None or daily[0] + duration <= daily[1]

    def check_start(self, duration: int, override: bool) -> None:
        """Refuse a start inside the rest period or past the daily minutes."""
        now = dt_util.utcnow()
        if override:
            return
        if (rest_end := self._rest_end()) and rest_end > now:
            raise refusal(
                "rest_period",
                rest=self._options[CONF_REST_MINUTES],
                time=dt_util.as_local(rest_end).strftime("%H:%M"),
            )
        if (daily := self._daily_left(now)) and daily[0] + duration > daily[1]:
            used, limit = daily
            raise refusal(
                "daily_limit", used=used, limit=limit, left=max(0, limit - used), duration=duration
            )

    # --- history ---------------------------------------------------------------------------

    def day_start(self, now: datetime) -> datetime:
        """Local midnight that began ``now``'s day."""
        return dt_util.start_of_local_day(dt_util.as_local(now))

    def week_start(self, now: datetime) -> datetime:
        """Local midnight that began ``now``'s week, in the locale's convention."""
        day = self.day_start(now)
        first = first_weekday(self._hass.config.country, self._hass.config.language)
        return dt_util.start_of_local_day(day.date() - timedelta(days=(day.weekday() - first) % 7))

    def minutes(self, since: datetime, now: datetime) -> float:
        """Therapy minutes of the sessions that ended since then."""
        return sum(s.seconds for s in self.sessions if since <= s.end <= now) / 60

    def count(self, since: datetime, now: datetime) -> int:
        """Sessions that ended since then."""
        return sum(1 for s in self.sessions if since <= s.end <= now)

    def totals(self) -> Totals:
        """Today's and this week's totals: worked out once per local day and counted session.

        Every state change asks for them (three sensors and the card); only a counted
        session or the next local midnight moves them.
        """
        now, config = dt_util.utcnow(), self._hass.config
        locale = (config.country, config.language, config.time_zone)
        totals = self._totals
        if totals is None or not totals.day_start <= now < totals.until or totals.locale != locale:
            day, week = self.day_start(now), self.week_start(now)
            self._totals = totals = Totals(
                round(self.minutes(day, now), 1),
                round(self.minutes(week, now), 1),
                self.count(week, now),
                day,
                week,
                dt_util.start_of_local_day(day.date() + timedelta(days=1)),
                locale,
            )
        return totals

    def minutes_today(self) -> float:
        """Therapy minutes since local midnight."""
        return self.totals().minutes_today

    def minutes_this_week(self) -> float:
        """Therapy minutes since the week began."""
        return self.totals().minutes_this_week

    def sessions_this_week(self) -> int:
        """Sessions since the week began."""
        return self.totals().sessions_this_week

    # --- suggested pressure -------------------------------------------------------------

    def _suggest(self, kind: str, pressure: int | None) -> None:
        """A step down after a session stopped early, back up with each completed one."""
        if pressure is None:
            return
        if kind == STOPPED_EARLY:
            self.comfortable = self.comfortable or pressure
            self.steps_down += 1
        elif kind == "finished":
            if self.steps_down:
                self.steps_down -= 1
            else:
                self.comfortable = pressure

    def suggested_pressure(self, limits: SessionLimits) -> int | None:
        """The pressure to suggest for the next session, within today's limits."""
        if self.comfortable is None:
            return None
        return limits.safe_pressure(self.comfortable - self.steps_down * limits.info.pressure_step)

    # --- sessions ------------------------------------------------------------------------

    def note_change(self, old: PressoData, new: PressoData) -> None:
        """Follow the session in progress (called on every state change)."""
        now = dt_util.utcnow()
        self._lifetime_seconds = new.lifetime_seconds
        if new.session_active and not old.session_active:
            self._clock = SessionClock()
        if self._clock is None:
            return
        if new.session_active:
            self._clock.update(new, now)
        elif old.session_active:
            self._clock.stop(now, new.lifetime_seconds)

    def session_ended(self, kind: str, summary: dict[str, Any]) -> str:
        """Count a session that ended, add its summary; returns the event type to report."""
        now = dt_util.utcnow()
        clock, self._clock = self._clock or SessionClock(), None
        # the time left tells the running time, unless the session was only ever seen
        # paused: then the boots' lifetime seconds (frozen while paused) tell it
        clock.stop(now, None if clock.knows_time_left(now) else self._lifetime_seconds)
        duration = summary.get("duration") or 0
        seconds = duration * 60 if kind == "finished" else round(clock.elapsed)
        summary.update(
            average_pressure=clock.average_pressure or summary.get("pressure"),
            minutes=round(seconds / 60, 1),
            completed=kind == "finished",
        )
        user_stop = kind == "stopped" and summary.get("source") in USER_SOURCES
        if user_stop and clock.ends is not None and seconds < duration * 20:
            kind = STOPPED_EARLY  # by the user, within the first third
        self._suggest(kind, summary.get("pressure"))
        if kind == "finished" and self.plan_done is not None:
            self.plan_done += 1
        self.sessions = [s for s in self.sessions if s.end > now - KEEP]
        self.sessions.append(SessionRecord(now, seconds, kind == "finished"))
        self._totals = None
        self._changed()
        return kind
