"""A simulated day in Home Assistant: boots, proxies, one clock, a user, faults, and the checks.

``Day`` drives everything from one clock. Each step advances every simulated
boots, moves Home Assistant's frozen clock (and with it the event loop's: the
test plugin binds ``loop.time`` to the frozen monotonic clock, so timers,
response timeouts and reconnect backoffs all run on simulated time), lets each
proxy forward what it hears, and waits until both ends of every proxy's API
have handled what was sent.

Anything that may wait on the clock (a command during a fault, a reload, a
proxy reconnecting) runs as a task while the clock moves on: ``until`` steps
until it is done.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.presso_boots.const import FAULT_KEYS, PROGRAM_KEYS
from custom_components.presso_boots.presso_ble import SessionState
from custom_components.presso_boots.presso_ble.const import AdvertisementFlag, CommandType
from custom_components.presso_boots.presso_ble.messages import (
    Command,
    Pause,
    Resume,
    SetPressure,
    SetProgram,
    Start,
    Stop,
)
from presso_sim import SimRadio, SimulatedBoots
from presso_sim.esphome_proxy import ESPHomeProxy
from presso_sim.spoofer import Spoofer

from .esphome import ESPHomeProxies
from .harness import Boots

KINDS = (
    "link drop",
    "proxy restart",
    "boots reboot",
    "stalled responses",
    "corrupt frame",
    "slots exhausted",
    "entry reload",
    "Home Assistant restart",
    "spoofed advertisements",
)
#: Seconds from the first advertisement after a fault within which the entities must match.
CONSISTENT_WITHIN = 5
#: How long ``until`` steps before it gives up (simulated seconds).
PATIENCE = 300.0
#: The user does something in Home Assistant about this often (simulated seconds, mean).
USER_EVERY = 240.0
#: Entities are also compared with the boots this often between faults.
CHECK_EVERY = 60.0
#: A response this late misses the library's 2 s timeout once; the resend gets the answer.
LATE = 2.5

type Intent = tuple[str, object]

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
class Pair:
    """One pair of boots in the day: its harness, the proxies that hear it, what was asked of it."""

    boots: Boots
    proxies: list[ESPHomeProxy]
    evening: dict[str, Any]
    intended: list[Intent] = field(default_factory=list)
    """User-level commands Home Assistant was asked for (by the user or the blueprint)."""
    executed: list[Intent] = field(default_factory=list)
    """User-level commands the boots executed (a resend answered from memory is not one)."""
    sessions_completed: int = 0
    sessions_ended: int = 0
    ends_reported: int = 0
    _was_active: bool = False

    @property
    def device(self) -> SimulatedBoots:
        return self.boots.device

    @property
    def slug(self) -> str:
        return self.device.local_name.lower().replace(" ", "_")

    def on_execute(self, command: Command) -> None:
        if (executed := intent(command)) is not None:
            self.executed.append(executed)

    def twice(self) -> list[Intent]:
        """Executions no intention accounts for (a command run twice shows here).

        Both lists are in order, so each execution is matched with the next
        unmatched intention like it.
        """
        extra, start = [], 0
        for done in self.executed:
            if done in self.intended[start:]:
                start = self.intended.index(done, start) + 1
            else:
                extra.append(done)
        return extra

    def note_clock(self) -> None:
        """Count session ends on the device's side (completed: it ran its full length)."""
        device = self.device
        active = device.session_active
        if self._was_active and not active:
            self.sessions_ended += 1
            if device.elapsed >= device.settings.duration * 60 - 1e-6:
                self.sessions_completed += 1
        self._was_active = active

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
    """What the day measured."""

    faults: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    after_fault: list[tuple[str, float]] = field(default_factory=list)
    """(fault kind, simulated seconds from the first advertisement to consistent entities)."""
    checks: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    """Commands that came back with a (translated) error, by its key and the fault it met."""
    commands: int = 0

    @property
    def worst(self) -> float:
        return max((seconds for _, seconds in self.after_fault), default=0.0)


class Day:
    """Home Assistant, two ESPHome proxies and three pairs of boots on one simulated clock."""

    def __init__(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        esphome: ESPHomeProxies,
        proxies: list[ESPHomeProxy],
        pairs: list[Pair],
        radio: SimRadio,
        rng: random.Random,
    ) -> None:
        self.hass = hass
        self.freezer = freezer
        self.esphome = esphome
        self.proxies = proxies
        self.pairs = pairs
        self.radio = radio
        self.rng = rng
        self.figures = Figures()
        self.seconds = 0.0
        self.tasks: set[asyncio.Task[Any]] = set()
        self._next_check = CHECK_EVERY
        #: Home Assistant is down (a restart): its entities are unavailable, nothing to check.
        self.restarting = False
        #: The fault being injected, if any.
        self.during: str | None = None
        #: What happened, for a failure's message.
        self.log: deque[str] = deque(maxlen=20)

    # --- the clock ---------------------------------------------------------------------------

    async def step(self, seconds: float = 1.0) -> None:
        """Every device runs ``seconds``, Home Assistant's clock follows, every proxy advertises."""
        for pair in self.pairs:
            pair.device.advance(seconds)
            pair.note_clock()
            self._mind_the_battery(pair.device)
        self.freezer.tick(seconds)
        self.seconds += seconds
        for proxy in self.proxies:
            for pair in self.pairs:
                proxy.advertise(pair.device)
        await self.settle()

    async def settle(self) -> None:
        """Both ends of every proxy's API have handled what was sent, and Home Assistant is idle.

        Idle but for tasks that wait on the clock (a command in a fault, say): the
        wait for Home Assistant's tasks gives up after a few loop rounds, since
        only the next step can move the clock they wait on.
        """
        for proxy in self.proxies:
            await proxy.ping()
        waiter = asyncio.ensure_future(self.hass.async_block_till_done())
        for _ in range(50):
            if waiter.done():
                break
            await asyncio.sleep(0)
        waiter.cancel()
        for proxy in self.proxies:
            await proxy.ping()

    async def run(self, seconds: float) -> None:
        """Let time pass: 1 s steps while anything happens, 5 s ones while all is quiet.

        Every ``CHECK_EVERY`` seconds the entities are compared with the boots.
        """
        end = self.seconds + seconds
        while self.seconds < end - 1e-6:
            busy = any(p.device.session_active or p.device.central for p in self.pairs)
            busy |= any(not t.done() for t in self.tasks)
            await self.step(min(1.0 if busy else 5.0, end - self.seconds))
            if self.seconds >= self._next_check and not self.restarting:
                self._next_check = self.seconds + CHECK_EVERY
                await self.check("a periodic check")

    async def until(self, condition: Callable[[], bool], what: str) -> float:
        """Step 1 s at a time until ``condition`` holds; the simulated seconds it took."""
        start = self.seconds
        await self.settle()
        while not condition():
            assert self.seconds - start < PATIENCE, f"{what}: not within {PATIENCE:.0f} s"
            await self.step(1.0)
        return self.seconds - start

    def spawn[T](self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run something that may wait on the clock."""
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def complete[T](self, coro: Coroutine[Any, Any, T], what: str) -> T:
        task = self.spawn(coro)
        await self.until(task.done, what)
        return task.result()

    def _mind_the_battery(self, device: SimulatedBoots) -> None:
        """The user charges boots that run low and unplugs them when full."""
        if device.battery < 25 and not device.external_power:
            device.external_power = True
        elif device.battery >= 100 and device.external_power:
            device.external_power = False

    # --- the checks --------------------------------------------------------------------------

    async def check(self, what: str) -> float:
        """The entities of every awake pair match the boots within 5 s; the seconds it took."""
        self.figures.checks += 1
        waited = 0.0
        while wrong := [
            w for p in self.pairs if not p.device.asleep for w in p.mismatches(self.hass)
        ]:
            within = CONSISTENT_WITHIN + self._silence_allowed()
            assert waited < within, (
                f"after {what} at {self.seconds:.0f} s: not consistent within "
                f"{within} s: {wrong}; {self.diagnose()}"
            )
            await self.step(1.0)
            waited += 1.0
        return waited

    def _silence_allowed(self) -> float:
        """Seconds a link without the PIN may wait for the boots' own STATUS.

        Following a session started elsewhere proves no PIN, so the link cannot ask for
        STATUS; boots in a session send one at least every 10 s, and a longer silence
        tells they run none (protocol notes, "Following without the PIN").
        """
        from homeassistant.config_entries import ConfigEntryState

        from custom_components.presso_boots.connection import STATUS_SILENCE

        unproved = any(
            p.boots.coordinator.connected and not p.boots.coordinator.client.authenticated
            for p in self.pairs
            if p.boots.entry is not None and p.boots.entry.state is ConfigEntryState.LOADED
        )
        return STATUS_SILENCE if unproved else 0.0

    def diagnose(self) -> str:
        """What Home Assistant knows of each pair's link and radio, for a failure's message."""
        from homeassistant.components import bluetooth

        seen = []
        for pair in self.pairs:
            info = bluetooth.async_last_service_info(self.hass, pair.device.address, False)
            heard = f"last heard via {info.source} at {info.time:.0f}" if info else "never heard"
            link = "not loaded"
            if pair.boots.entry is not None and pair.boots.entry.state is ConfigEntryState.LOADED:
                coordinator = pair.boots.coordinator
                link = f"radio {coordinator.presence.heard}, connected {coordinator.connected}"
            seen.append(f"{pair.slug}: {heard}, {link}, central {pair.device.central}")
        return "; ".join(seen) + f"; log: {list(self.log)}"

    # --- the user ----------------------------------------------------------------------------

    async def live(self, seconds: float) -> None:
        """Time passes; now and then the user changes something from Home Assistant."""
        end = self.seconds + seconds
        while (left := end - self.seconds) > 1e-6:
            await self.run(min(left, self.rng.expovariate(1 / USER_EVERY)))
            if end - self.seconds > 1e-6:
                self.user_action()

    def user_action(self) -> None:
        pair = self._pick(lambda p: not p.device.asleep)
        device = pair.device
        roll = self.rng.random()
        if device.state == SessionState.PAUSED:
            self.press(pair, "resume_session", ("resume", None))
        elif device.state == SessionState.RUNNING and roll < 0.15:
            self.press(pair, "pause_session", ("pause", None))
        elif device.state == SessionState.RUNNING and roll < 0.25:
            self.call(
                pair, "switch", "turn_off", {"entity_id": f"switch.{pair.slug}"}, ("stop", None)
            )
        elif not device.asleep:
            self.tweak(pair)

    def command(self, pair: Pair) -> asyncio.Task[bool]:
        """What the user asks for when a fault strikes: a change, or stopping the session."""
        if pair.device.session_active and self.rng.random() < 0.3:
            data = {"entity_id": f"switch.{pair.slug}"}
            return self.call(pair, "switch", "turn_off", data, ("stop", None))
        return self.tweak(pair)

    def press(self, pair: Pair, button: str, wanted: Intent) -> asyncio.Task[bool]:
        data = {"entity_id": f"button.{pair.slug}_{button}"}
        return self.call(pair, "button", "press", data, wanted)

    def tweak(self, pair: Pair) -> asyncio.Task[bool]:
        """The user changes the pressure or the program from Home Assistant (a task)."""
        device = pair.device
        if self.rng.random() < 0.5:
            limit = min(100, device.spec.pressure_max)
            pressure = self.rng.choice(
                [p for p in range(30, limit + 1, 5) if p != device.settings.pressure]
            )
            data = {"entity_id": f"number.{pair.slug}_pressure", "value": pressure}
            return self.call(pair, "number", "set_value", data, ("pressure", pressure))
        programs = [p for p in PROGRAM_KEYS if device.spec.programs_mask >> (p - 1) & 1]
        program = self.rng.choice([p for p in programs if p != device.settings.program])
        data = {"entity_id": f"select.{pair.slug}_program", "option": PROGRAM_KEYS[program]}
        return self.call(pair, "select", "select_option", data, ("program", program))

    def call(
        self, pair: Pair, domain: str, service: str, data: dict[str, Any], wanted: Intent
    ) -> asyncio.Task[bool]:
        pair.intended.append(wanted)
        self.figures.commands += 1
        self.log.append(f"{self.seconds:.0f} s {pair.slug} {wanted}")
        return self.spawn(self._call(domain, service, data))

    async def _call(self, domain: str, service: str, data: dict[str, Any]) -> bool:
        during = self.during
        try:
            await self.hass.services.async_call(domain, service, data, blocking=True)
        except HomeAssistantError as err:
            reason = f"{err.translation_key} ({during or 'no fault'})"
            self.figures.refused[reason] = self.figures.refused.get(reason, 0) + 1
            self.log.append(f"{self.seconds:.0f} s {data['entity_id']}: {reason}")
            return False
        return True

    def wake(self, pair: Pair) -> None:
        """Someone picks the boots up: a sleeping pair wakes."""
        if pair.device.asleep:
            self.log.append(f"{self.seconds:.0f} s {pair.slug} woken")
            pair.device.press_button("power")

    def _pick(self, wanted: Callable[[Pair], bool] | None = None) -> Pair:
        chosen = [p for p in self.pairs if wanted is None or wanted(p)]
        return self.rng.choice(chosen or self.pairs)

    # --- faults ------------------------------------------------------------------------------

    async def fault(self, kind: str) -> None:
        """Inject one fault, let it end, then check the entities from the next advertisement on."""
        self.figures.faults[kind] += 1
        self.log.append(f"{self.seconds:.0f} s {kind}")
        self.during = kind
        await FAULTS[kind](self)
        self.during = None
        await self.step(1.0)  # the next advertisement
        self.figures.after_fault.append((kind, await self.check(kind)))

    def _target(self) -> Pair:
        """Faults go where the action is: a pair in a session or holding a link, mostly."""
        pair = self._pick(lambda p: p.device.session_active or p.device.central is not None)
        if self.rng.random() < 0.3:
            pair = self._pick()
        self.wake(pair)
        return pair

    async def _in_flight(self, pair: Pair) -> asyncio.Task[bool]:
        """A command whose response is on its way (late) when the fault strikes."""
        pair.boots.faults.response_delay = 1.0
        command = self.command(pair)
        await self.step(0.5)
        pair.boots.faults.response_delay = 0.0
        return command

    async def link_drop(self) -> None:
        """The radio link breaks under the proxy, the proxy reports it closed, or it drops as a
        command arrives (which the boots run first, or not)."""
        pair = self._target()
        address = pair.device.address
        how = self.rng.choice(("radio", "proxy", "on a command"))
        if how == "on a command":
            faults = pair.boots.faults
            faults.execute_before_disconnect = self.rng.random() < 0.5
            command = self.command(pair)  # a task: it goes out at the next step
            faults.disconnect_on_command = int(ON_THE_WIRE[pair.intended[-1][0]])
            await self.until(command.done, "a command that drops the link")
            faults.disconnect_on_command = None
            return
        if pair.device.central is None:
            await self.until(self.tweak(pair).done, "a setting change")
        if how == "proxy":
            for proxy in pair.proxies:
                proxy.drop_link(address)  # the ESP reports it closed by the peer
        else:
            self.radio.drop_link(address)  # the radio link breaks under the proxy

    async def proxy_restart(self) -> None:
        """The ESP holding the pair's link (or one that hears it) reboots: its API connection and
        every link drop at once; sometimes with a command's response on its way."""
        pair = self._target()
        holders = [p for p in pair.proxies if pair.device.address in p.links]
        proxy = self.rng.choice(holders or pair.proxies)
        command = await self._in_flight(pair) if self.rng.random() < 0.5 else None
        proxy.reboot()
        await self.until(_subscribed(proxy), f"{proxy.name} back")
        if command is not None:
            await self.until(command.done, "a command across a proxy restart")

    async def boots_reboot(self) -> None:
        """The boots power-cycle (the session is gone), sometimes with a response on its way."""
        pair = self._target()
        command = await self._in_flight(pair) if self.rng.random() < 0.5 else None
        pair.device.reboot()
        if command is not None:
            await self.until(command.done, "a command across a reboot")

    async def stalled_responses(self) -> None:
        """A response later than the library's timeout, or the proxy's Bluetooth stack hung for
        3 to 45 s (past bleak-esphome's 30 s GATT timeout) with a command waiting."""
        pair = self._target()
        if self.rng.random() < 0.5:
            pair.boots.faults.response_delay = LATE
            await self.until(self.command(pair).done, "a command with a late response")
            pair.boots.faults.response_delay = 0.0
            return
        holders = [p for p in pair.proxies if pair.device.address in p.links]
        proxy = self.rng.choice(holders or pair.proxies)
        proxy.stall()  # the ESP's Bluetooth stack hangs; its API still answers
        command = self.command(pair)
        await self.run(self.rng.uniform(3, 45))
        proxy.resume()
        await self.until(command.done, "a command held by a stalled proxy")

    async def corrupt_frame(self) -> None:
        """One frame to Home Assistant, or a burst of two (a response and its STATUS), damaged."""
        pair = self._target()
        faults = pair.boots.faults
        burst = self.rng.choice((1, 2))
        if self.rng.random() < 0.5:
            faults.corrupt_to_host = burst
        else:
            faults.truncate_to_host = burst
        if self.rng.random() < 0.7 or not pair.device.session_active:
            await self.until(self.command(pair).done, "a command through a bad frame")
        else:  # the session's own notifications take it
            await self.run(3)
        faults.corrupt_to_host = faults.truncate_to_host = 0

    async def slots_exhausted(self) -> None:
        """Other devices take every slot of the proxies that hear a pair, for a minute or two."""
        pair = self._target()
        for proxy in pair.proxies:
            proxy.occupy_slots()
        if pair.device.central is not None and self.rng.random() < 0.5:
            self.radio.drop_link(pair.device.address)  # and its own link breaks meanwhile
        command = self.command(pair)
        await self.run(self.rng.uniform(30, 120))
        for proxy in pair.proxies:
            proxy.release_slots()
        await self.until(command.done, "a command while the slots are taken")

    async def entry_reload(self) -> None:
        """``hass.config_entries.async_reload`` of one pair's entry."""
        pair = self._target()
        await self.complete(
            self.hass.config_entries.async_reload(pair.boots.entry_id), "an entry reload"
        )

    async def ha_restart(self) -> None:
        """Home Assistant restarts in the middle of a session (one is started on the buttons if
        none runs): every entry unloaded (the boots', then the proxies'), 5 to 30 s down, the
        proxies' entries set up again and, once they are connected, the boots'."""
        if not any(p.device.session_active for p in self.pairs):
            pair = self._pick()
            self.wake(pair)
            pair.device.press_button("start")  # someone starts one on the boots' buttons
            self.log.append(f"{self.seconds:.0f} s {pair.slug} started on its buttons")
            await self.run(self.rng.uniform(10, 60))
        entries = self.hass.config_entries
        presso = [p.boots.entry_id for p in self.pairs]
        proxies = [self.esphome.entry(proxy).entry_id for proxy in self.proxies]
        self.restarting = True
        for entry_id in presso + proxies:
            await self.complete(entries.async_unload(entry_id), "unload")
        await self.run(self.rng.uniform(5, 30))
        for entry_id in proxies:
            await self.complete(entries.async_setup(entry_id), "esphome setup")
        for proxy in self.proxies:
            await self.until(_subscribed(proxy), f"{proxy.name} back")
        for entry_id in presso:
            await self.complete(entries.async_setup(entry_id), "presso setup")
        self.restarting = False

    async def spoofed_advertisements(self) -> None:
        """Someone nearby sends forged advertisements under a pair's address for 10 to 60 s:
        any flags, the change counter ahead, values outside the boots' envelope."""
        pair = self._target()
        spoofer = Spoofer(pair.device)
        for _ in range(round(self.rng.uniform(10, 60))):
            spoofer.forge(
                flags=AdvertisementFlag(self.rng.randrange(0x80)),
                battery=self.rng.randrange(256),
                target_pressure=self.rng.randrange(256),
                remaining_seconds=self.rng.randrange(0x10000),
            )
            for proxy in pair.proxies:
                proxy.advertise(spoofer)
            await self.step(1.0)


def _subscribed(proxy: ESPHomeProxy) -> Callable[[], bool]:
    return lambda: any(session.raw_advertisements for session in proxy.sessions)


FAULTS: dict[str, Callable[[Day], Awaitable[None]]] = {
    "link drop": Day.link_drop,
    "proxy restart": Day.proxy_restart,
    "boots reboot": Day.boots_reboot,
    "stalled responses": Day.stalled_responses,
    "corrupt frame": Day.corrupt_frame,
    "slots exhausted": Day.slots_exhausted,
    "entry reload": Day.entry_reload,
    "Home Assistant restart": Day.ha_restart,
    "spoofed advertisements": Day.spoofed_advertisements,
}
