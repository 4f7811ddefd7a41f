"""The user: changes pressures and programs, pauses, stops, wakes and starts boots on their buttons."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.exceptions import HomeAssistantError

from custom_components.presso_boots.const import PROGRAM_KEYS
from custom_components.presso_boots.presso_ble import SessionState

from .clock import Day
from .oracle import Intent, Pair, Run

#: The user does something in Home Assistant about this often (simulated seconds, mean).
USER_EVERY = 240.0


class User:
    """Someone at home, acting through Home Assistant (and now and then the boots' buttons)."""

    def __init__(self, day: Day, every: float = USER_EVERY) -> None:
        self.day = day
        self.every = every
        #: Each stop asked of a running session: the pair, its run, the simulated second asked.
        self.stops: list[tuple[Pair, Run, float]] = []

    async def live(self, seconds: float) -> None:
        """Time passes; now and then the user changes something from Home Assistant."""
        day = self.day
        end = day.seconds + seconds
        while (left := end - day.seconds) > 1e-6:
            await day.run(min(left, day.rng.expovariate(1 / self.every)))
            if end - day.seconds > 1e-6:
                self.act()

    def act(self) -> None:
        pair = self.pick(lambda p: not p.device.asleep)
        device = pair.device
        roll = self.day.rng.random()
        if device.state == SessionState.PAUSED:
            self.press(pair, "resume_session", ("resume", None))
        elif device.state == SessionState.RUNNING and roll < 0.15:
            self.press(pair, "pause_session", ("pause", None))
        elif device.state == SessionState.RUNNING and roll < 0.25:
            self.stop(pair)
        elif not device.asleep:
            self.tweak(pair)

    def command(self, pair: Pair) -> asyncio.Task[bool]:
        """What the user asks for when a fault strikes: a change, or stopping the session."""
        if pair.device.session_active and self.day.rng.random() < 0.3:
            return self.stop(pair)
        return self.tweak(pair)

    def stop(self, pair: Pair) -> asyncio.Task[bool]:
        """The session switch turned off."""
        if pair.device.session_active:
            self.stops.append((pair, pair.runs[-1], self.day.seconds))
        data = {"entity_id": f"switch.{pair.slug}"}
        return self.call(pair, "switch", "turn_off", data, ("stop", None))

    def press(self, pair: Pair, button: str, wanted: Intent) -> asyncio.Task[bool]:
        data = {"entity_id": f"button.{pair.slug}_{button}"}
        return self.call(pair, "button", "press", data, wanted)

    def tweak(self, pair: Pair) -> asyncio.Task[bool]:
        """The user changes the pressure or the program from Home Assistant (a task)."""
        device, rng = pair.device, self.day.rng
        if rng.random() < 0.5:
            limit = min(100, device.spec.pressure_max)
            pressure = rng.choice(
                [p for p in range(30, limit + 1, 5) if p != device.settings.pressure]
            )
            data = {"entity_id": f"number.{pair.slug}_pressure", "value": pressure}
            return self.call(pair, "number", "set_value", data, ("pressure", pressure))
        programs = [p for p in PROGRAM_KEYS if device.spec.programs_mask >> (p - 1) & 1]
        program = rng.choice([p for p in programs if p != device.settings.program])
        data = {"entity_id": f"select.{pair.slug}_program", "option": PROGRAM_KEYS[program]}
        return self.call(pair, "select", "select_option", data, ("program", program))

    def call(
        self, pair: Pair, domain: str, service: str, data: dict[str, Any], wanted: Intent
    ) -> asyncio.Task[bool]:
        day = self.day
        pair.intend(wanted)
        day.figures.commands += 1
        day.log.append(f"{day.seconds:.0f} s {pair.slug} {wanted}")
        return day.spawn(self._call(domain, service, data))

    async def _call(self, domain: str, service: str, data: dict[str, Any]) -> bool:
        day = self.day
        during = day.during
        try:
            await day.hass.services.async_call(domain, service, data, blocking=True)
        except HomeAssistantError as err:
            reason = f"{err.translation_key} ({during or 'no fault'})"
            day.figures.refused[reason] = day.figures.refused.get(reason, 0) + 1
            day.log.append(f"{day.seconds:.0f} s {data['entity_id']}: {reason}")
            return False
        return True

    def wake(self, pair: Pair) -> None:
        """Someone picks the boots up: a sleeping pair wakes."""
        if pair.device.asleep:
            self.day.log.append(f"{self.day.seconds:.0f} s {pair.slug} woken")
            pair.device.press_button("power")

    def start_on_buttons(self, pair: Pair) -> None:
        """Someone starts a session on the boots' own buttons."""
        self.wake(pair)
        pair.device.press_button("start")
        self.day.log.append(f"{self.day.seconds:.0f} s {pair.slug} started on its buttons")

    def pick(self, wanted: Callable[[Pair], bool] | None = None) -> Pair:
        pairs = self.day.pairs
        chosen = [p for p in pairs if wanted is None or wanted(p)]
        return self.day.rng.choice(chosen or pairs)
