"""One clock for Home Assistant, the proxies and every simulated pair of boots.

``Day.step`` advances every simulated boots, moves Home Assistant's frozen
clock (and with it the event loop's: the test plugin binds ``loop.time`` to the
frozen monotonic clock, so timers, response timeouts and reconnect backoffs all
run on simulated time), lets each proxy forward what it hears, and waits until
both ends of every proxy's API have handled what was sent.

Anything that may wait on the clock (a command during a fault, a reload, a
proxy reconnecting) runs as a task while the clock moves on: ``until`` steps
until it is done. While nothing happens (no session, no link, no task) the
clock takes longer steps, each ending with one advertisement of every awake
pair: the ones in between would repeat it byte for byte, and Home Assistant
drops a repeat before any integration sees it.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from presso_sim import SimRadio, SimulatedBoots

from ..esphome import ESPHomeProxies
from . import paths
from .oracle import Figures, Pair

#: Seconds from the first advertisement after a fault within which the entities must match.
CONSISTENT_WITHIN = 5
#: How long ``until`` steps before it gives up (simulated seconds).
PATIENCE = 300.0
#: Entities are also compared with the boots this often between faults.
CHECK_EVERY = 60.0


class Day:
    """Home Assistant, its proxies (or local adapter) and the pairs of boots on one clock."""

    def __init__(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        esphome: ESPHomeProxies | None,
        proxies: list[paths.Proxy],
        pairs: list[Pair],
        radio: SimRadio,
        rng: random.Random,
        *,
        quiet_step: float = 5.0,
    ) -> None:
        self.hass = hass
        self.freezer = freezer
        self.esphome = esphome
        self.proxies = proxies
        self.pairs = pairs
        self.radio = radio
        self.rng = rng
        self.quiet_step = quiet_step
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
        #: Called after every step (the oracle's periodic checks).
        self.after_step: list[Callable[[], Coroutine[Any, Any, None]]] = []

    # --- the clock ---------------------------------------------------------------------------

    async def step(self, seconds: float = 1.0) -> None:
        """Every device runs ``seconds``, Home Assistant's clock follows, every proxy advertises."""
        for pair in self.pairs:
            pair.device.advance(seconds)
            self._mind_the_battery(pair.device)
        self.freezer.tick(seconds)
        self.seconds += seconds
        for proxy in self.proxies:
            for pair in self.pairs:
                proxy.advertise(pair.device)
        await self.settle()
        for hook in self.after_step:
            await hook()

    async def settle(self) -> None:
        """Both ends of every proxy's API have handled what was sent, and Home Assistant is idle.

        Idle but for tasks that wait on the clock (a command in a fault, say): the
        wait for Home Assistant's tasks gives up after a few loop rounds, since
        only the next step can move the clock they wait on.
        """
        for proxy in self.proxies:
            await paths.ping(proxy)
        waiter = asyncio.ensure_future(self.hass.async_block_till_done())
        for _ in range(50):
            if waiter.done():
                break
            await asyncio.sleep(0)
        waiter.cancel()
        for proxy in self.proxies:
            await paths.ping(proxy)

    def busy(self) -> bool:
        """A session runs, a link is up, or something waits on the clock."""
        return any(p.device.session_active or p.device.central for p in self.pairs) or any(
            not t.done() for t in self.tasks
        )

    async def run(self, seconds: float) -> None:
        """Let time pass: 1 s steps while anything happens, longer ones while all is quiet.

        Every ``CHECK_EVERY`` seconds the entities are compared with the boots.
        """
        end = self.seconds + seconds
        while self.seconds < end - 1e-6:
            await self.step(min(1.0 if self.busy() else self.quiet_step, end - self.seconds))
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
