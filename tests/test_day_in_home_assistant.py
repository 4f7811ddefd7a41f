"""A day in Home Assistant (issue 14): three boots on two ESPHome proxies, and a fault every so often.

A real Home Assistant with its ``esphome`` integration connected to two
emulated ESPHome Bluetooth proxies (``tests/esphome.py``): a Duo 5 heard in the
living room, a Go 4 in the bedroom and a Pro 8 with a PIN heard by both. Each
pair gets its evening session from an automation made from the
``evening_leg_session`` blueprint. The simulated day starts at 18:25 local
time, just before the three evening sessions; a user changes pressures and
programs, pauses and stops sessions from Home Assistant now and then, and a
seeded random fault comes about every 10 simulated minutes, cycling through
nine kinds (``day.KINDS``, injected as ``day.Day`` describes; the ninth is a
spoofing radio nearby).

Checked: after each fault (and every simulated minute) the entities match the
boots within 5 simulated seconds of the next advertisement (12 more on a link that
follows a session started elsewhere without the PIN: it waits for the boots' own
STATUS, protocol notes "Trust"); no command is
executed twice; no error is logged by us and no exception goes unhandled
(``no_errors_logged``); memory after the warm-up grows less than 1 MiB; no
task or timer of ours is left once the entries are unloaded.

The default run is one simulated hour with nine faults (one of each kind);
``-m slow`` runs 24 hours with 144. ``SOAK_SEED`` picks the seed (printed).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import random
import shutil
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import freezegun.api
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import storage
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import get_scheduled_timer_handles

from custom_components.presso_boots.connection import STATUS_SILENCE
from custom_components.presso_boots.const import PROGRAM_KEYS
from custom_components.presso_boots.presso_ble.const import Model
from presso_sim import SimRadio, SimulatedBoots
from presso_sim.esphome_proxy import ProxyStats

from . import day as day_module
from .day import KINDS, Day, Figures, Pair
from .esphome import ESPHomeProxies
from .harness import DUO, PRO, Boots

pytestmark = pytest.mark.usefixtures("no_errors_logged")

GO = "C0:FF:EE:00:60:04"
PIN = "482916"
BLUEPRINTS = Path(__file__).resolve().parent.parent / "blueprints"
#: Monday 30 November 2026, 18:25 in the test time zone (US/Pacific).
DUSK = "2026-12-01 02:25:00+00:00"
SEED = int(os.environ.get("SOAK_SEED", "14"))
#: The first fault at 18:31, after the three evening sessions started; none in the last 5 minutes.
FIRST_FAULT = 6 * 60
LAST_QUIET = 5 * 60
KIB = 1024
MIB = 1024 * KIB

#: address, model, PIN, the proxies that hear it, battery, its evening session (blueprint inputs)
BOOTS: tuple[tuple[str, Model, str | None, tuple[str, ...], float, dict[str, Any]], ...] = (
    (DUO, Model.DUO_5, None, ("living-room",), 90.0,
     {"start_time": "18:26:00", "program": "lymph", "pressure": 55, "duration": 20}),
    (PRO, Model.PRO_8, PIN, ("living-room", "bedroom"), 60.0,
     {"start_time": "18:27:00", "program": "gradient", "pressure": 80, "duration": 25}),
    (GO, Model.GO_4, None, ("bedroom",), 70.0,
     {"start_time": "18:28:00", "program": "wave", "pressure": 50, "duration": 15}),
)  # fmt: skip


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Home Assistant runs without asyncio's debug mode, and so does the day.

    Overrides the test plugin's fixture of that name, which turns it on for every
    test (its slow-callback check would also take every clock step for a stall).
    """
    asyncio.get_running_loop().set_debug(False)


@dataclass(slots=True)
class Home:
    """What the day runs in: Home Assistant and its fixtures."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    esphome: ESPHomeProxies
    radio: SimRadio
    zeroconf: MagicMock
    caplog: pytest.LogCaptureFixture


@pytest.fixture
def home(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    esphome_proxies: ESPHomeProxies,
    radio: SimRadio,
    mock_async_zeroconf: MagicMock,
    caplog: pytest.LogCaptureFixture,
) -> Home:
    return Home(hass, freezer, esphome_proxies, radio, mock_async_zeroconf, caplog)


# --- building the day --------------------------------------------------------------------------


async def _evening_sessions(hass: HomeAssistant, pairs: list[Pair]) -> None:
    """One automation per pair from the blueprint; each trigger is an intended START."""
    shutil.copytree(BLUEPRINTS, hass.config.path("blueprints"), dirs_exist_ok=True)
    automations = [
        {
            "alias": f"Evening {pair.slug}",
            "use_blueprint": {
                "path": "presso_boots/evening_leg_session.yaml",
                "input": {
                    "boots": pair.boots.device_id,
                    "session_switch": f"switch.{pair.slug}",
                    **pair.evening,
                },
            },
        }
        for pair in pairs
    ]
    assert await async_setup_component(hass, "automation", {"automation": automations})
    await hass.async_block_till_done()
    by_name = {f"automation.evening_{pair.slug}": pair for pair in pairs}
    programs = {key: number for number, key in PROGRAM_KEYS.items()}

    @callback
    def triggered(event: Event) -> None:
        evening = (pair := by_name[event.data["entity_id"]]).evening
        start = (programs[evening["program"]], evening["pressure"], evening["duration"])
        pair.intended.append(("start", start))

    hass.bus.async_listen("automation_triggered", triggered)


def _count_session_ends(hass: HomeAssistant, pairs: list[Pair]) -> None:
    """Session ends the event entities report (each once: a state restored on setup is no new one)."""
    by_entity = {f"event.{pair.slug}_session": pair for pair in pairs}
    seen: set[str] = set()

    @callback
    def changed(event: Event) -> None:
        pair = by_entity.get(event.data["entity_id"])
        new = event.data["new_state"]
        if pair is None or new is None or new.state in ("unknown", "unavailable", *seen):
            return
        seen.add(new.state)
        if new.attributes.get("event_type") != "started":
            pair.ends_reported += 1

    hass.bus.async_listen("state_changed", changed)


async def _build(home: Home, rng: random.Random) -> Day:
    hass = home.hass
    heard_in = {name for *_, names, _, _ in BOOTS for name in names}
    proxies = {
        name: await home.esphome.start(
            name, hears=[address for address, *_, names, _, _ in BOOTS if name in names]
        )
        for name in sorted(heard_in, reverse=True)  # the living room first
    }
    pairs = []
    for address, model, pin, names, battery, evening in BOOTS:
        serial = "PB" + address.replace(":", "")[-6:]
        device = SimulatedBoots(address, model, pin=pin, battery=battery, serial=serial)
        boots = Boots(hass, proxies[names[0]], device)
        pair = Pair(boots, [proxies[name] for name in names], evening)
        device.link.on_execute = pair.on_execute
        await boots.add_entry(pin=pin)
        pairs.append(pair)
    day = Day(hass, home.freezer, home.esphome, list(proxies.values()), pairs, home.radio, rng)
    await day.step()
    await _evening_sessions(hass, pairs)
    _count_session_ends(hass, pairs)
    return day


def _schedule(rng: random.Random, hours: int, faults: int) -> list[tuple[float, str]]:
    """When (seconds into the day) and which faults come: evenly spread, jittered, all kinds in turn."""
    spacing = (hours * 3600 - FIRST_FAULT - LAST_QUIET) / faults
    kinds: list[str] = []
    while len(kinds) < faults:
        kinds += rng.sample(KINDS, len(KINDS))
    return [
        (FIRST_FAULT + n * spacing + rng.uniform(0, spacing / 2), kind)
        for n, kind in enumerate(kinds[:faults])
    ]


# --- memory and leftovers ----------------------------------------------------------------------


def _recording_mocks(home: Home) -> list[Any]:
    """The test plugin's mocks that record every call: its zeroconf, its storage (every write)."""
    methods = (storage.Store._async_write_data, storage.Store._async_load)
    return [home.zeroconf, *(method for method in methods if hasattr(method, "reset_mock"))]


def _memory(home: Home, day: Day) -> tracemalloc.Snapshot:
    """What is allocated now, but for what the test keeps by design.

    Emptied first: the proxies' benchmark counters (every GATT operation and
    connect timed) and the call records of the test plugin's mocks (its storage
    mock holds every write). Left out: allocations by the day's own bookkeeping.
    """
    for proxy in day.proxies:
        proxy.stats = ProxyStats()
    for mock in _recording_mocks(home):
        mock.reset_mock()
    gc.collect()
    return tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__),
         tracemalloc.Filter(False, day_module.__file__)]
    )  # fmt: skip


def _growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> tuple[int, str]:
    """Bytes more than at the baseline, and the lines that allocated the most of them."""
    diff = sorted(after.compare_to(before, "lineno"), key=lambda stat: -stat.size_diff)
    top = ", ".join(
        f"{Path(stat.traceback[0].filename).name}:{stat.traceback[0].lineno} "
        f"{stat.size_diff / KIB:+.0f} KiB"
        for stat in diff[:3]
    )
    return sum(stat.size_diff for stat in diff), top


def _ours(awaiting: Any) -> bool:
    """A coroutine of the integration's, here or anywhere down its await chain."""
    while awaiting is not None:
        code = getattr(awaiting, "cr_code", None)
        if code is not None and f"{os.sep}presso_boots{os.sep}" in code.co_filename:
            return True
        awaiting = getattr(awaiting, "cr_await", None)
    return False


def _leftovers(hass: HomeAssistant) -> list[str]:
    """The integration's tasks and timers still alive."""
    tasks = [repr(t) for t in asyncio.all_tasks() if not t.done() and _ours(t.get_coro())]
    timers = [
        repr(handle)
        for handle in get_scheduled_timer_handles(hass.loop)
        if not handle.cancelled() and "presso_boots" in repr(handle)
    ]
    return tasks + timers


# --- the day -----------------------------------------------------------------------------------


def _warnings(caplog: pytest.LogCaptureFixture) -> str:
    """Warnings logged during the day, by logger."""
    names = Counter(r.name for r in caplog.get_records("call") if r.levelno == logging.WARNING)
    return ", ".join(f"{n} {name}" for name, n in names.most_common()) or "none"


def _summary(day: Day, hours: int, growth: int, top: str, wall: float, cpu: float) -> str:
    figures: Figures = day.figures
    pairs = day.pairs
    faults = ", ".join(f"{kind} {n}" for kind, n in figures.faults.items())
    refused = ", ".join(f"{n} {why}" for why, n in sorted(figures.refused.items()))
    return (
        f"a day in Home Assistant, {hours} h simulated, seed {SEED}: "
        f"{sum(figures.faults.values())} faults ({faults}); "
        f"{sum(p.sessions_completed for p in pairs)} sessions completed, "
        f"{sum(p.sessions_ended for p in pairs)} ended, "
        f"{sum(p.ends_reported for p in pairs)} ends reported; "
        f"max {figures.worst:.0f} s from the next advertisement to consistent entities after a "
        f"fault ({figures.checks} checks); {figures.commands} user commands, "
        f"{sum(figures.refused.values())} refused ({refused or 'none'}); "
        f"executed {sum(len(p.executed) for p in pairs)} of {sum(len(p.intended) for p in pairs)}"
        f" intended, {sum(len(p.twice()) for p in pairs)} twice; "
        f"memory growth after warm-up {growth / KIB:.0f} KiB ({top}); "
        f"wall {wall:.1f} s, CPU {cpu:.1f} s"
    )


async def _a_day(home: Home, *, hours: int, faults: int, warm_up: float) -> None:
    print(f"\nSOAK_SEED={SEED}")
    # Home Assistant logs warnings by default; no_errors_logged still sees every error
    home.caplog.set_level(logging.WARNING)
    wall, cpu = freezegun.api.real_perf_counter(), time.process_time()
    tracemalloc.start()
    rng = random.Random(SEED)
    day = await _build(home, rng)
    hass = home.hass
    try:
        baseline: tracemalloc.Snapshot | None = None
        for at, kind in _schedule(rng, hours, faults):
            if baseline is None and at > warm_up:
                await day.live(warm_up - day.seconds)
                baseline = _memory(home, day)
            await day.live(max(0.0, at - day.seconds))
            await day.fault(kind)
        await day.live(hours * 3600 - day.seconds)
        assert baseline is not None
        growth, top = _growth(baseline, _memory(home, day))
    finally:
        tracemalloc.stop()
        # the time triggers would wait for tomorrow evening
        await hass.services.async_call(
            "automation", "turn_off", {"entity_id": "all"}, blocking=True
        )
    for pair in day.pairs:
        await day.complete(hass.config_entries.async_unload(pair.boots.entry_id), "unload")
    await day.settle()
    wall, cpu = freezegun.api.real_perf_counter() - wall, time.process_time() - cpu
    print(_summary(day, hours, growth, top, wall, cpu))
    print(f"warnings logged: {_warnings(home.caplog)}")

    for pair in day.pairs:
        assert not pair.twice(), f"{pair.slug} executed twice or unasked: {pair.twice()}"
        # sessions are started on the boots' buttons otherwise: every START is the blueprint's
        starts = [command for command in pair.executed if command[0] == "start"]
        assert len(starts) == 1, f"{pair.slug}: one evening session from the blueprint, {starts}"
        assert pair.ends_reported == pair.sessions_ended, pair.slug
    assert all(n >= faults // len(KINDS) for n in day.figures.faults.values())
    # each check holds its own bound: 5 s, plus the boots' STATUS interval on a link that
    # follows a session started elsewhere without the PIN (``Day.check``)
    assert day.figures.worst <= day_module.CONSISTENT_WITHIN + STATUS_SILENCE
    assert growth < MIB, top
    assert not _leftovers(hass), _leftovers(hass)


@pytest.mark.freeze_time(DUSK)
async def test_an_hour_in_home_assistant(home: Home) -> None:
    await _a_day(home, hours=1, faults=len(KINDS), warm_up=10 * 60)


@pytest.mark.slow
@pytest.mark.freeze_time(DUSK)
async def test_a_day_in_home_assistant(home: Home) -> None:
    await _a_day(home, hours=24, faults=24 * 6, warm_up=60 * 60)
