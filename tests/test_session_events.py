"""Session events: what automations hear when a session starts and ends, once each.

The boots' EVENT notifications, and the end inferred from the first STATUS of a new
link when the EVENT was lost with the old one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.util import dt as dt_util

from custom_components.presso_boots.data import PressoData
from custom_components.presso_boots.presso_ble import Event, EventCode, EventSource, SessionState
from custom_components.presso_boots.session_events import (
    SessionEvents,
    ended_by_boots,
    session_summary,
)

RUNNING = PressoData(state=SessionState.RUNNING, program=2, pressure=60, duration=20)
IDLE = PressoData(state=SessionState.IDLE, program=2, pressure=60, duration=20)


class Heard:
    """What a listener (an automation) and the coordinator's hooks were told."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.changes: list[tuple[PressoData, PressoData]] = []
        self.ends: list[str] = []

    def listener(self, kind: str, data: dict[str, Any]) -> None:
        self.events.append((kind, dict(data)))

    def on_change(self, old: PressoData, new: PressoData) -> None:
        self.changes.append((old, new))

    def on_end(self, kind: str, data: dict[str, Any]) -> str:
        self.ends.append(kind)
        data["counted"] = True
        return kind


def _events(on_end: bool = False) -> tuple[SessionEvents, Heard]:
    heard = Heard()
    events = SessionEvents(heard.on_change, heard.on_end if on_end else None)
    events.async_add_listener(heard.listener)
    return events, heard


@pytest.mark.parametrize(
    ("event", "ended"),
    [
        (Event(EventCode.SESSION_COMPLETED), True),
        (Event(EventCode.SESSION_ABORTED, 2), True),
        (Event(EventCode.SESSION_STOPPED, EventSource.BUTTONS), True),
        (Event(EventCode.SESSION_STOPPED, EventSource.FIRMWARE), True),
        (Event(EventCode.SESSION_STOPPED, EventSource.CENTRAL), False),
        (Event(EventCode.SESSION_STARTED, EventSource.BUTTONS), False),
        (Event(EventCode.PAUSED, EventSource.BUTTONS), False),
    ],
)
def test_the_boots_ended_the_session_themselves(event: Event, ended: bool) -> None:
    assert ended_by_boots(event) is ended


def test_the_summary_names_the_program_and_the_settings() -> None:
    assert session_summary(RUNNING) == {"program": "gradient", "pressure": 60, "duration": 20}
    assert session_summary(PressoData())["program"] == "unknown"
    assert session_summary(PressoData(program=99))["program"] == "unknown"


@pytest.mark.parametrize(
    ("event", "kind", "extra"),
    [
        (Event(EventCode.SESSION_STARTED, EventSource.CENTRAL), "started", {"source": "app"}),
        (Event(EventCode.SESSION_STARTED, EventSource.BUTTONS), "started", {"source": "buttons"}),
        (Event(EventCode.SESSION_COMPLETED), "finished", {}),
        (Event(EventCode.SESSION_STOPPED, EventSource.CENTRAL), "stopped", {"source": "app"}),
        (Event(EventCode.SESSION_STOPPED, EventSource.BUTTONS), "stopped", {"source": "buttons"}),
        (
            Event(EventCode.SESSION_STOPPED, EventSource.FIRMWARE),
            "stopped",
            {"source": "firmware"},
        ),
        (Event(EventCode.SESSION_STOPPED, 3), "stopped", {"source": "unknown"}),
        (Event(EventCode.SESSION_ABORTED, 2), "aborted", {"fault": "leak"}),
        (Event(EventCode.SESSION_ABORTED, 200), "aborted", {"fault": "other"}),
    ],
)
def test_each_session_event_from_the_boots_is_reported_once(
    event: Event, kind: str, extra: dict[str, Any]
) -> None:
    events, heard = _events()
    events.from_device(event, RUNNING)
    assert heard.events == [
        (kind, {"program": "gradient", "pressure": 60, "duration": 20, **extra})
    ]


@pytest.mark.parametrize(
    "code", [EventCode.PAUSED, EventCode.RESUMED, EventCode.LOW_BATTERY, EventCode.FAULT_RAISED]
)
def test_other_events_are_not_session_events(code: EventCode) -> None:
    events, heard = _events()
    events.from_device(Event(code, 1), RUNNING)
    assert heard.events == []


def test_the_end_hook_sees_every_end_but_not_the_start() -> None:
    events, heard = _events(on_end=True)
    events.from_device(Event(EventCode.SESSION_STARTED, EventSource.BUTTONS), RUNNING)
    events.from_device(Event(EventCode.SESSION_COMPLETED), RUNNING)
    assert heard.ends == ["finished"]
    assert [data.get("counted") for _, data in heard.events] == [None, True]


def test_the_end_hook_names_the_event_type() -> None:
    heard = Heard()
    events = SessionEvents(heard.on_change, lambda kind, data: "stopped_early")
    events.async_add_listener(heard.listener)
    events.from_device(Event(EventCode.SESSION_STOPPED, EventSource.CENTRAL), RUNNING)
    assert [kind for kind, _ in heard.events] == ["stopped_early"]


def test_a_removed_listener_hears_nothing_more() -> None:
    events, heard = _events()
    other: list[str] = []
    remove = events.async_add_listener(lambda kind, _: other.append(kind))
    remove()
    events.from_device(Event(EventCode.SESSION_COMPLETED), RUNNING)
    assert other == []
    assert [kind for kind, _ in heard.events] == ["finished"]


def test_each_status_is_passed_on_with_the_state_before_it() -> None:
    events, heard = _events()
    events.on_link_state(RUNNING)
    events.on_link_state(IDLE)
    assert heard.changes == [(PressoData(), RUNNING), (RUNNING, IDLE)]
    assert events.trusted == IDLE


def _lost_end(events: SessionEvents, running: PressoData, after: PressoData) -> None:
    """A session runs, the link drops, and the next link's first STATUS shows ``after``."""
    events.on_link_state(running)
    events.link_opened()
    assert events.awaiting_first_status
    events.on_link_state(after)
    assert not events.awaiting_first_status


@pytest.mark.parametrize(
    ("ends_in", "kind", "extra"),
    [
        (timedelta(seconds=-300), "finished", {}),
        (timedelta(seconds=30), "finished", {}),  # the tolerance: close enough to its end
        (timedelta(seconds=31), "stopped", {"source": "unknown"}),
        (timedelta(minutes=10), "stopped", {"source": "unknown"}),
        (None, "stopped", {"source": "unknown"}),  # no end known
    ],
)
def test_an_end_lost_with_the_link_is_inferred_from_the_next_status(
    freezer: FrozenDateTimeFactory, ends_in: timedelta | None, kind: str, extra: dict[str, Any]
) -> None:
    freezer.move_to("2026-11-24 18:00:00+00:00")
    ends = None if ends_in is None else dt_util.utcnow() + ends_in
    running = PressoData(
        state=SessionState.RUNNING, program=1, pressure=50, duration=15, session_ends=ends
    )
    events, heard = _events(on_end=True)
    _lost_end(events, running, PressoData(state=SessionState.IDLE, pressure=40, duration=5))
    # the summary is the session's, not the settings the idle boots show now
    summary = {"program": "wave", "pressure": 50, "duration": 15, **extra, "counted": True}
    assert heard.events == [(kind, summary)]
    assert heard.ends == [kind]


@pytest.mark.parametrize(("fault", "key"), [(1, "over_pressure"), (77, "other")])
def test_a_fault_seen_after_a_lost_link_is_an_aborted_session(fault: int, key: str) -> None:
    events, heard = _events()
    soon = dt_util.utcnow() + timedelta(seconds=5)  # even one about to finish
    running = PressoData(state=SessionState.RUNNING, program=1, pressure=50, session_ends=soon)
    _lost_end(events, running, PressoData(state=SessionState.FAULT, fault=fault))
    assert heard.events == [
        ("aborted", {"program": "wave", "pressure": 50, "duration": None, "fault": key})
    ]


def test_no_end_is_inferred_while_the_session_still_runs_or_was_never_seen() -> None:
    events, heard = _events()
    _lost_end(events, RUNNING, PressoData(state=SessionState.PAUSED, program=2))
    assert heard.events == []
    events, heard = _events()
    _lost_end(events, IDLE, IDLE)  # nothing ran
    assert heard.events == []


def test_an_end_is_inferred_only_from_a_links_first_status() -> None:
    events, heard = _events()
    events.on_link_state(RUNNING)
    events.on_link_state(IDLE)  # the same link: its EVENT tells the end
    assert heard.events == []
    events.link_opened()
    events.on_link_state(IDLE)  # a later link: nothing ran before it
    assert heard.events == []


def test_an_end_the_boots_reported_is_not_reported_again() -> None:
    events, heard = _events()
    events.on_link_state(RUNNING)
    events.from_device(Event(EventCode.SESSION_COMPLETED), RUNNING)
    _lost_end(events, RUNNING, IDLE)
    assert [kind for kind, _ in heard.events] == ["finished"]


def test_a_new_session_after_a_reported_end_can_end_again() -> None:
    events, heard = _events()
    events.on_link_state(RUNNING)
    events.from_device(Event(EventCode.SESSION_COMPLETED), RUNNING)
    events.on_link_state(IDLE)
    _lost_end(events, RUNNING, IDLE)  # the next session's end was lost
    assert [kind for kind, _ in heard.events] == ["finished", "stopped"]


def test_a_late_event_of_an_end_already_inferred_is_not_reported_again() -> None:
    """Found by the week soak: a STOP ran as the link dropped; the new link's first STATUS
    told of the end, then the boots' EVENT of that same end came too."""
    events, heard = _events()
    fourth = replace(RUNNING, lifetime_sessions=4)
    _lost_end(events, fourth, replace(IDLE, lifetime_sessions=4))
    events.from_device(Event(EventCode.SESSION_STOPPED, EventSource.CENTRAL), IDLE)
    assert [kind for kind, _ in heard.events] == ["stopped"]
    # the fifth session is another one: its end is reported
    events.on_link_state(replace(RUNNING, lifetime_sessions=5))
    events.from_device(Event(EventCode.SESSION_COMPLETED), RUNNING)
    assert [kind for kind, _ in heard.events] == ["stopped", "finished"]


def test_a_start_reported_by_the_boots_does_not_count_as_an_end() -> None:
    events, heard = _events()
    events.on_link_state(RUNNING)
    events.from_device(Event(EventCode.SESSION_STARTED, EventSource.BUTTONS), RUNNING)
    _lost_end(events, RUNNING, IDLE)
    assert [kind for kind, _ in heard.events] == ["started", "stopped"]


def test_before_any_link_no_first_status_is_awaited() -> None:
    events, _ = _events()
    assert not events.awaiting_first_status
