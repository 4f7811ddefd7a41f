"""Session events: started, finished, stopped and aborted, each reported once.

The boots send an EVENT when a session starts or ends. When the link was down
at that moment, the end is inferred from the next advertisement or STATUS,
the way the boots would have reported it, so automations hear every end once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.util import dt as dt_util

from .const import (
    EVENT_SOURCES,
    FAULT_KEYS,
    OTHER_FAULT,
    PROGRAM_KEYS,
    SESSION_EVENTS,
    UNKNOWN,
)
from .data import PressoData
from .presso_ble import Event, EventCode, EventSource

#: A session that was this close to its end when the link went down is taken
#: as finished when it is next seen idle (else as stopped).
MISSED_END_TOLERANCE = timedelta(seconds=30)

type SessionListener = Callable[[str, dict[str, Any]], None]
#: Follows the trusted state from one STATUS to the next (the routine's session clock).
type ChangeHook = Callable[[PressoData, PressoData], None]
#: Sees each session end before it is reported; may add to its data and name its type.
type EndHook = Callable[[str, dict[str, Any]], str]


def ended_by_boots(event: Event) -> bool:
    """The boots ended the session themselves: nothing more to send them."""
    return event.code in (EventCode.SESSION_COMPLETED, EventCode.SESSION_ABORTED) or (
        event.code == EventCode.SESSION_STOPPED and event.argument != EventSource.CENTRAL
    )


def session_summary(data: PressoData) -> dict[str, Any]:
    """What the event data says about a session: program, pressure, duration."""
    return {
        "program": PROGRAM_KEYS.get(data.program or 0, UNKNOWN),
        "pressure": data.pressure,
        "duration": data.duration,
    }


class SessionEvents:
    """Turns the boots' events (or their absence over a lost link) into one report each.

    Only what comes over the link counts: STATUS (``on_link_state``) and EVENT
    notifications. Advertisements never start or end a session here.
    """

    def __init__(self, on_change: ChangeHook, on_end: EndHook | None = None) -> None:
        self._listeners: list[SessionListener] = []
        self._end_reported = True
        #: The boots' number of the session whose end was reported last.
        self._ended_number: int | None = None
        self._on_change = on_change
        self._on_end = on_end
        #: The state as the link last told it.
        self.trusted = PressoData()
        #: The next STATUS is a link's first: it tells what happened while it was down.
        self._first_of_link = False

    @callback
    def link_opened(self) -> None:
        """A new link: its first STATUS may tell of an end whose EVENT was lost."""
        self._first_of_link = True

    @property
    def awaiting_first_status(self) -> bool:
        """The link has not told the state yet."""
        return self._first_of_link

    @callback
    def on_link_state(self, new: PressoData) -> None:
        """A STATUS (or the link's silence) gives the trusted state."""
        before, self.trusted = self.trusted, new
        self.note_change(before, new)
        self._on_change(before, new)
        if self._first_of_link:
            self._first_of_link = False
            self.report_missed_end(before, new)

    @callback
    def async_add_listener(self, listener: SessionListener) -> CALLBACK_TYPE:
        """Hear about sessions starting and ending."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def note_change(self, old: PressoData, new: PressoData) -> None:
        """A new session is seen: its end is still to be reported."""
        if new.session_active and not old.session_active:
            self._end_reported = False

    @callback
    def from_device(self, event: Event, data: PressoData) -> None:
        """Report an EVENT notification from the boots."""
        kind = SESSION_EVENTS.get(int(event.code))
        if kind is None:
            return
        summary = session_summary(data)
        if event.code == EventCode.SESSION_ABORTED:
            summary["fault"] = FAULT_KEYS.get(event.argument, OTHER_FAULT)
        elif event.code != EventCode.SESSION_COMPLETED:
            summary["source"] = EVENT_SOURCES[event.argument] if event.argument < 3 else UNKNOWN
        self._fire(kind, summary)

    @callback
    def report_missed_end(self, old: PressoData, new: PressoData) -> None:
        """A session ended while the link was down: say so, as the boots would have."""
        if not old.session_active or new.session_active or self._end_reported:
            return
        summary = session_summary(old)
        if new.fault:
            kind, summary["fault"] = "aborted", FAULT_KEYS.get(new.fault, OTHER_FAULT)
        elif old.session_ends and old.session_ends - dt_util.utcnow() <= MISSED_END_TOLERANCE:
            kind = "finished"
        else:
            kind, summary["source"] = "stopped", UNKNOWN
        self._fire(kind, summary)

    @callback
    def _fire(self, kind: str, summary: dict[str, Any]) -> None:
        if kind != "started":
            # the boots number their sessions (lifetime sessions, counted at each start):
            # an end of the session already reported (its EVENT late, after the link's
            # first STATUS told of it) is the same end, not another one
            number = self.trusted.lifetime_sessions
            if number is not None and number == self._ended_number:
                return
            self._ended_number = number
            self._end_reported = True
            if self._on_end is not None:
                kind = self._on_end(kind, summary)
        for listener in self._listeners:
            listener(kind, summary)
