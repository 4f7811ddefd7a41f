"""What the boots really did, beside what Home Assistant shows and counts.

Each ``Pair`` keeps the boots' own log of the sessions they ran (``Run``: start,
end, running seconds, how it ended, from the EVENTs the simulated boots raise), the user-level commands Home Assistant was asked for and the ones the
boots executed, and the session events Home Assistant fired. The checks compare
them: entities against the boots' state, events and totals against the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.presso_boots.const import FAULT_KEYS, PROGRAM_KEYS
from custom_components.presso_boots.presso_ble import SessionState
from custom_components.presso_boots.presso_ble.const import CommandType, EventCode
from custom_components.presso_boots.presso_ble.messages import (
    Command,
    Event,
    Pause,
    Resume,
    SetPressure,
    SetProgram,
    Start,
    Stop,
)
from presso_sim import SimulatedBoots

from ..harness import Boots

type Intent = tuple[str, object]

#: The EVENTs that end a session.
ENDS = (EventCode.SESSION_COMPLETED, EventCode.SESSION_STOPPED, EventCode.SESSION_ABORTED)

#: The command type each intention goes out as.
ON_THE_WIRE = {
    "pressure": CommandType.SET_PRESSURE,
    "program": CommandType.SET_PROGRAM,
    "stop": CommandType.STOP,
}


def intent(command: Command) -> Intent | None:
    """What a user-level command asks for, to compare intentions and executions; None: plumbing."""
    match command:
        case Start():
            return ("start", (command.program, command.pressure, command.duration))
        case SetPressure():
            return ("pressure", command.pressure)
        case SetProgram():
            return ("program", command.program)
        case Stop():
            return ("stop", None)
        case Pause():
            return ("pause", None)
        case Resume():
            return ("resume", None)
    return None


@dataclass(slots=True)
class Run:
    """One session in the boots' own log."""

    started: datetime
    ended: datetime | None = None
    seconds: float = 0.0
    """Running seconds (pauses excluded), as the boots count them."""
    completed: bool = False
    """It ran its full length."""


@dataclass(slots=True)
class Reported:
    """A session end as Home Assistant's event entity reported it."""

    at: datetime
    event_type: str
    minutes: float | None


@dataclass(slots=True)
class Pair:
    """One pair of boots in the soak: its harness, the proxies that hear it, what was asked of it."""

    boots: Boots
    proxies: list[Any]
    evening: dict[str, Any]
    intended: list[Intent] = field(default_factory=list)
    """User-level commands Home Assistant was asked for (by the user or a blueprint)."""
    executed: list[Intent] = field(default_factory=list)
    """User-level commands the boots executed (a resend answered from memory is not one)."""
    intended_at: list[datetime] = field(default_factory=list)
    executed_at: list[datetime] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    """The boots' log of the sessions they ran."""
    reported: list[Reported] = field(default_factory=list)
    """Session ends Home Assistant reported (its event entity), in order."""
    origin: datetime = field(default_factory=dt_util.utcnow)
    """The wall time the boots' clock counts from."""

    @property
    def device(self) -> SimulatedBoots:
        return self.boots.device

    @property
    def slug(self) -> str:
        return self.device.local_name.lower().replace(" ", "_")

    @property
    def sessions_ended(self) -> int:
        return sum(1 for run in self.runs if run.ended is not None)

    @property
    def sessions_completed(self) -> int:
        return sum(1 for run in self.runs if run.completed)

    @property
    def ends_reported(self) -> int:
        return len(self.reported)

    def intend(self, wanted: Intent) -> None:
        """Home Assistant is asked for this (by the user or a blueprint), now."""
        self.intended.append(wanted)
        self.intended_at.append(dt_util.utcnow())

    def on_execute(self, command: Command) -> None:
        if (executed := intent(command)) is not None:
            self.executed.append(executed)
            self.executed_at.append(dt_util.utcnow())

    def twice(self) -> list[Intent]:
        """Executions no intention accounts for (a command run twice shows here).

        Each execution, in order, takes the earliest intention like it not taken
        yet and asked for no later than it ran (a blueprint's START runs after
        its mobility delay, so executions need not come in the order asked).
        """
        extra, taken = [], [False] * len(self.intended)
        for done, ran in zip(self.executed, self.executed_at, strict=True):
            match = next(
                (
                    n
                    for n, (wanted, asked) in enumerate(
                        zip(self.intended, self.intended_at, strict=True)
                    )
                    if not taken[n] and wanted == done and asked <= ran
                ),
                None,
            )
            if match is None:
                extra.append(done)
            else:
                taken[match] = True
        return extra

    def on_event(self, event: Event) -> None:
        """The boots' own log: each session from its start EVENT to its end EVENT.

        Raised whether or not a link is up; timed on the boots' clock (``origin`` is the
        wall time their clock counts from, both clocks move together).
        """
        device = self.device
        at = self.origin + timedelta(seconds=device.now)
        if event.code == EventCode.SESSION_STARTED:
            self.runs.append(Run(at))
        elif event.code in ENDS and self.runs and self.runs[-1].ended is None:
            run = self.runs[-1]
            run.ended, run.seconds = at, device.elapsed
            run.completed = event.code == EventCode.SESSION_COMPLETED

    def note_reboot(self, now: datetime) -> None:
        """The boots power-cycle now: a session they ran ends (no EVENT) with what it had run."""
        if self.device.session_active and self.runs and self.runs[-1].ended is None:
            self.runs[-1].seconds = self.device.elapsed
            self.runs[-1].ended = now

    def expected(self) -> dict[str, set[str]]:
        """What each checked entity must show for the device's real state."""
        device = self.device
        state = device.state.name.lower()
        # advertisements have no "finishing" flag: venting boots advertise as idle
        states = {state, "idle"} if device.state == SessionState.FINISHING else {state}
        return {
            f"switch.{self.slug}": {"on" if device.session_active else "off"},
            f"sensor.{self.slug}_session_state": states,
            f"select.{self.slug}_program": {PROGRAM_KEYS[device.settings.program]},
            f"number.{self.slug}_pressure": {str(device.settings.pressure)},
            f"sensor.{self.slug}_fault": {FAULT_KEYS[int(device.fault)]},
            f"sensor.{self.slug}_battery": {str(round(device.battery))},
        }

    def mismatches(self, hass: HomeAssistant) -> list[str]:
        wrong = []
        for entity_id, allowed in self.expected().items():
            state = hass.states.get(entity_id)
            shown = state.state if state is not None else "missing"
            if entity_id.startswith("number.") and shown.endswith(".0"):
                shown = shown[:-2]
            if shown not in allowed:
                wrong.append(f"{entity_id}={shown} (boots: {'/'.join(sorted(allowed))})")
        return wrong


@dataclass(slots=True)
class Figures:
    """What the soak measured."""

    faults: dict[str, int] = field(default_factory=dict)
    after_fault: list[tuple[str, float]] = field(default_factory=list)
    """(fault kind, simulated seconds from the first advertisement to consistent entities)."""
    checks: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    """Commands that came back with a (translated) error, by its key and the fault it met."""
    commands: int = 0

    @property
    def worst(self) -> float:
        return max((seconds for _, seconds in self.after_fault), default=0.0)
