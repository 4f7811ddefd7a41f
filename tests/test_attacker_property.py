"""Whatever a nearby radio sends, a stop lands (issue 22): a property over forged advertisements.

Hypothesis draws what a spoofer sends under the boots' address (any flags, counters,
time left, battery, pressure, the other-app bit), interleaved with time passing, the
link dropping, the boots going out of reach and the user's own stop, during a session
Home Assistant started, or while the boots idle. Then the boots come back in reach and
the retries run out their backoff. Whatever was forged:

- a stop the user asked for has landed on the real boots;
- nothing forged caused a START or a STOP, and boots with a PIN got no AUTH unless the
  user started something;
- the routine counted exactly the sessions the boots ran and ended.

Hypothesis cannot run an async test, so it runs in a worker thread and hands each
example to Home Assistant's loop (as in ``test_service_input_fuzz.py``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.presso_boots.const import CONF_STOP_PENDING
from custom_components.presso_boots.presso_ble import SessionState
from custom_components.presso_boots.presso_ble.const import AdvertisementFlag, Model
from custom_components.presso_boots.presso_ble.messages import Auth, Start, Stop
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy
from presso_sim.spoofer import Spoofer

from .harness import Boots, switch
from .test_attacker import Executed

pytestmark = pytest.mark.usefixtures("no_errors_logged")

EXAMPLES = int(os.environ.get("ATTACKER_EXAMPLES", "30"))
PIN = "123456"


@dataclass(frozen=True, slots=True)
class Forge:
    flags: int
    counter_step: int
    remaining: int
    battery: int
    pressure: int


@dataclass(frozen=True, slots=True)
class Tick:
    seconds: int


@dataclass(frozen=True, slots=True)
class Drop:
    pass


@dataclass(frozen=True, slots=True)
class Reach:
    reachable: bool


@dataclass(frozen=True, slots=True)
class UserStop:
    """The user stops the session they started: turn_off, or toggle on the tile card."""

    toggle: bool


type Step = Forge | Tick | Drop | Reach | UserStop


@dataclass(frozen=True, slots=True)
class Scenario:
    user_starts: bool
    steps: list[Step]


steps = st.one_of(
    st.builds(
        Forge,
        flags=st.integers(0, 0x7F),
        counter_step=st.integers(0, 255),
        remaining=st.integers(0, 0xFFFF),
        battery=st.integers(0, 255),
        pressure=st.integers(0, 255),
    ),
    st.builds(Tick, seconds=st.integers(1, 40)),
    st.just(Drop()),
    st.builds(Reach, reachable=st.booleans()),
    st.builds(UserStop, toggle=st.booleans()),
)
scenarios = st.builds(Scenario, st.booleans(), st.lists(steps, max_size=10))


class Rig:
    """One Home Assistant; fresh boots for every example (their routine starts empty)."""

    def __init__(
        self, hass: HomeAssistant, proxy: VirtualProxy, freezer: FrozenDateTimeFactory
    ) -> None:
        self.hass = hass
        self.proxy = proxy
        self.freezer = freezer
        self.examples = 0
        self.stops = 0

    async def run(self, scenario: Scenario) -> None:
        self.examples += 1
        address = f"C0:FF:EE:02:{self.examples // 256:02X}:{self.examples % 256:02X}"
        boots = Boots(self.hass, self.proxy, SimulatedBoots(address, Model.PRO_8, pin=PIN))
        boots.clock = self.freezer
        await boots.add_entry(pin=PIN)
        await boots.advertise()
        try:
            await self._play(boots, scenario)
        finally:
            await self.hass.config_entries.async_remove(boots.entry_id)
            self.proxy.radio.devices.pop(address)

    async def _play(self, boots: Boots, scenario: Scenario) -> None:
        executed = Executed(boots.device)
        spoofer = Spoofer(boots.device)
        switch = f"switch.presso_{boots.device.address.replace(':', '')[-4:].lower()}"
        if scenario.user_starts:
            await self._call(switch, "turn_on")
        stopped = False
        for step in scenario.steps:
            match step:
                case Forge():
                    last = spoofer.advertisement() or boots.device.advertisement()
                    assert last is not None
                    spoofer.forge(
                        flags=AdvertisementFlag(step.flags),
                        change_counter=(last.change_counter + step.counter_step) % 256,
                        remaining_seconds=step.remaining,
                        battery=step.battery,
                        target_pressure=step.pressure,
                    )
                    boots.proxy.advertise(spoofer)
                    await self.hass.async_block_till_done()
                case Tick():
                    await boots.run(step.seconds, step=1.0)
                case Drop():
                    boots.proxy.radio.drop_link(boots.device.address)
                    await self.hass.async_block_till_done()
                case Reach():
                    boots.faults.out_of_range = not step.reachable
                case UserStop() if scenario.user_starts and not stopped:
                    stopped = True
                    self.stops += 1
                    await self._call(switch, "toggle" if step.toggle else "turn_off")
        await self._settle(boots)
        state = boots.device.state
        if stopped:
            assert state not in (SessionState.RUNNING, SessionState.PAUSED), scenario
            assert boots.entry is not None
            assert boots.entry.data.get(CONF_STOP_PENDING) is None, scenario
        elif scenario.user_starts:
            assert state in (SessionState.RUNNING, SessionState.PAUSED), scenario
        assert executed.count(Start) == int(scenario.user_starts), scenario
        assert executed.count(Stop) <= int(stopped), scenario
        if not scenario.user_starts:
            assert executed.count(Auth) == 0, scenario
        routine = boots.coordinator.routine
        assert len(routine.sessions) == int(stopped), (scenario, routine.sessions)
        assert routine.plan_done == 0, scenario

    async def _call(self, entity_id: str, service: str) -> None:
        refusal: HomeAssistantError | None = None
        try:
            await switch(self.hass, service, entity_id)
        except HomeAssistantError as err:  # out of reach: said in words, retried if a stop
            refusal = err
        assert refusal is None or refusal.translation_key, refusal

    async def _settle(self, boots: Boots) -> None:
        """Back in reach; the retries' backoff runs out on Home Assistant's clock."""
        boots.faults.out_of_range = False
        for _ in range(8):
            await boots.run(30, step=5.0)
            async_fire_time_changed(self.hass, dt_util.utcnow() + timedelta(seconds=61))
            await self.hass.async_block_till_done()

    def explore(self, count: int) -> None:
        """Run ``count`` examples; each starts from fresh boots, so shrinking is sound."""
        loop = self.hass.loop

        @settings(
            max_examples=count,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(scenarios)
        def one_example(scenario: Scenario) -> None:
            asyncio.run_coroutine_threadsafe(self.run(scenario), loop).result()

        one_example()


async def test_whatever_is_forged_a_stop_lands_and_the_routine_counts_what_ran(
    hass: HomeAssistant,
    proxy: VirtualProxy,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    rig = Rig(hass, proxy, freezer)
    with ThreadPoolExecutor(1, thread_name_prefix="hypothesis") as pool:
        await asyncio.get_running_loop().run_in_executor(pool, rig.explore, EXAMPLES)
    assert rig.examples >= EXAMPLES
    assert rig.stops > 0  # the examples reached the user's stop
