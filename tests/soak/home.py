"""The home the soak runs in: Home Assistant, its Bluetooth, three pairs of boots.

On the ``esphome`` path (the default) two emulated ESPHome proxies: a Duo 5
heard in the living room, a Go 4 in the bedroom and a Pro 8 with a PIN heard by
both. On the ``bluez`` path one local adapter hears the three, on the
``virtual`` path one virtual proxy (``paths``). Each pair gets its evening
session from an automation made from one of the integration's blueprints; the
session events Home Assistant fires are logged beside the boots' own log
(``oracle.Pair``).
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import shutil
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, NonCallableMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import get_scheduled_timer_handles

from custom_components.presso_boots.const import PROGRAM_KEYS
from custom_components.presso_boots.presso_ble.const import Model
from presso_sim import SimRadio, SimulatedBoots
from presso_sim.bluez import EmulatedBluetoothd
from presso_sim.esphome_proxy import ProxyStats
from presso_sim.proxy import VirtualProxy

from ..esphome import ESPHomeProxies
from ..harness import DUO, PRO, Boots
from . import paths
from .clock import Day
from .oracle import Pair, Reported

GO = "C0:FF:EE:00:60:04"
PIN = "482916"
BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints"
KIB = 1024
MIB = 1024 * KIB
#: The recorder's database layer: its caches fill as the week's history grows (not ours).
RECORDER = (
    f"*{os.sep}sqlalchemy{os.sep}*",
    f"*{os.sep}sqlite3{os.sep}*",
    f"*{os.sep}components{os.sep}recorder{os.sep}*",
)

#: address, model, PIN, the proxies that hear it, battery
BOOTS: tuple[tuple[str, Model, str | None, tuple[str, ...], float], ...] = (
    (DUO, Model.DUO_5, None, ("living-room",), 90.0),
    (PRO, Model.PRO_8, PIN, ("living-room", "bedroom"), 60.0),
    (GO, Model.GO_4, None, ("bedroom",), 70.0),
)


def seeds(default: tuple[int, ...]) -> list[int]:
    """The seeds to run: ``SOAK_SEEDS`` (``1-10`` or ``3,7``), else ``SOAK_SEED``, else these."""
    if wanted := os.environ.get("SOAK_SEEDS"):
        first, dash, last = wanted.partition("-")
        if dash:
            return list(range(int(first), int(last) + 1))
        return [int(seed) for seed in wanted.split(",")]
    if seed := os.environ.get("SOAK_SEED"):
        return [int(seed)]
    return list(default)


@dataclass(slots=True)
class Home:
    """What the soak runs in: Home Assistant, its fixtures and the radio path's."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    radio: SimRadio
    caplog: pytest.LogCaptureFixture
    path: str = "esphome"
    esphome: ESPHomeProxies | None = None
    zeroconf: MagicMock | None = None
    adapter: EmulatedBluetoothd | None = None
    virtual: VirtualProxy | None = None


@pytest.fixture
def home(
    request: pytest.FixtureRequest,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    radio: SimRadio,
    caplog: pytest.LogCaptureFixture,
) -> Home:
    """The soak's home on the path the test asks for (``indirect`` parametrization)."""
    home = Home(hass, freezer, radio, caplog, getattr(request, "param", "esphome"))
    if home.path == "esphome":
        home.esphome = request.getfixturevalue("esphome_proxies")
        home.zeroconf = request.getfixturevalue("mock_async_zeroconf")
    elif home.path == "bluez":
        home.adapter = request.getfixturevalue("local_adapter")
        _scanner_on_the_soak_clock(request.getfixturevalue("monkeypatch"))
    else:
        home.virtual = request.getfixturevalue("proxy")
    return home


def _scanner_on_the_soak_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """habluetooth's scanner watchdog reads the frozen clock, as the event loop does.

    It restarts a local scanner that heard nothing for 90 s (after bluetoothd
    restarted, say), timing that silence on ``monotonic_time_coarse``: the soak's
    simulated 90 s take a fraction of a real second.
    """
    import habluetooth.base_scanner
    import habluetooth.manager
    import habluetooth.scanner_bleak

    for module in (habluetooth.base_scanner, habluetooth.manager, habluetooth.scanner_bleak):
        monkeypatch.setattr(module, "monotonic_time_coarse", _loop_time)


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


async def _proxies(home: Home) -> dict[str, paths.Proxy]:
    """The path's proxies by name (the rooms they are in)."""
    if home.esphome is not None:
        heard_in = {name for *_, names, _ in BOOTS for name in names}
        return {
            name: await home.esphome.start(
                name, hears=[address for address, *_, names, _ in BOOTS if name in names]
            )
            for name in sorted(heard_in, reverse=True)  # the living room first
        }
    one = home.adapter or home.virtual
    assert one is not None
    return {name: one for *_, names, _ in BOOTS for name in names}


async def build(
    home: Home,
    rng: random.Random,
    options: list[dict[str, Any]] | None = None,
    *,
    quiet_step: float = 5.0,
) -> Day:
    """The proxies, the three pairs added to Home Assistant (with these options), one clock."""
    hass = home.hass
    proxies = await _proxies(home)
    pairs = []
    for n, (address, model, pin, names, battery) in enumerate(BOOTS):
        serial = "PB" + address.replace(":", "")[-6:]
        device = SimulatedBoots(address, model, pin=pin, battery=battery, serial=serial)
        boots = Boots(hass, proxies[names[0]], device)
        pair = Pair(boots, list({id(p): p for p in (proxies[n] for n in names)}.values()), {})
        device.link.on_execute = pair.on_execute
        device.on_event = pair.on_event
        pair.origin = dt_util.utcnow() - timedelta(seconds=device.now)
        await boots.add_entry(pin=pin, **(options[n] if options else {}))
        pairs.append(pair)
    unique = list({id(proxy): proxy for proxy in proxies.values()}.values())
    day = Day(
        hass, home.freezer, home.esphome, unique, pairs, home.radio, rng, quiet_step=quiet_step,
    )  # fmt: skip
    await day.step()
    log_session_ends(hass, pairs)
    return day


async def evening_automations(
    hass: HomeAssistant, pairs: list[Pair], blueprint: str, inputs: list[dict[str, Any]]
) -> None:
    """One automation per pair from the blueprint; each trigger is an intended START."""
    shutil.copytree(BLUEPRINTS, hass.config.path("blueprints"), dirs_exist_ok=True)
    for pair, evening in zip(pairs, inputs, strict=True):
        pair.evening = evening
    automations = [
        {
            "alias": f"Evening {pair.slug}",
            "use_blueprint": {
                "path": f"presso_boots/{blueprint}",
                "input": {"boots": pair.boots.device_id, **pair.evening},
            },
        }
        for pair in pairs
    ]
    assert await async_setup_component(hass, "automation", {"automation": automations})
    await hass.async_block_till_done()


def intend_evening_starts(hass: HomeAssistant, pairs: list[Pair]) -> None:
    """Every trigger of an evening automation is an intended START of its session."""
    by_name = {f"automation.evening_{pair.slug}": pair for pair in pairs}
    programs = {key: number for number, key in PROGRAM_KEYS.items()}

    @callback
    def triggered(event: Event) -> None:
        evening = (pair := by_name[event.data["entity_id"]]).evening
        start = (programs[evening["program"]], evening["pressure"], evening["duration"])
        pair.intend(("start", start))

    hass.bus.async_listen("automation_triggered", triggered)


def log_session_ends(hass: HomeAssistant, pairs: list[Pair]) -> None:
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
        if (event_type := new.attributes.get("event_type")) != "started":
            at = dt_util.utcnow()
            pair.reported.append(Reported(at, event_type, new.attributes.get("minutes")))

    hass.bus.async_listen("state_changed", changed)


# --- memory and leftovers ----------------------------------------------------------------------


def _recording_mocks() -> list[Any]:
    """Every mock alive: the test plugin's (its zeroconf, its storage, its recorder, its
    Bluetooth adapters...) record each call, which is the test's memory, not ours."""
    return [obj for obj in gc.get_objects() if isinstance(obj, NonCallableMock)]


def memory(home: Home, day: Day, *keep: str) -> tracemalloc.Snapshot:
    """What is allocated now, but for what the test keeps by design.

    Emptied first: the proxies' benchmark counters (every GATT operation and
    connect timed) and the call records of the test plugin's mocks (its storage
    mock holds every write). Left out: allocations by the soak's own bookkeeping
    (this package and the files in ``keep``) and by the recorder's database layer.
    """
    for proxy in day.proxies:
        if not isinstance(proxy, VirtualProxy):
            proxy.stats = ProxyStats()
    for mock in _recording_mocks():
        mock.reset_mock()
    gc.collect()
    ours = [tracemalloc.Filter(False, f"{Path(__file__).parent}{os.sep}*"), *(
        tracemalloc.Filter(False, name) for name in (*keep, *RECORDER)
    )]  # fmt: skip
    return tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__), *ours]
    )


def growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> tuple[int, str]:
    """Bytes more than at the baseline, and the lines that allocated the most of them."""
    diff = sorted(after.compare_to(before, "lineno"), key=lambda stat: -stat.size_diff)
    top = ", ".join(
        f"{'/'.join(Path(stat.traceback[0].filename).parts[-2:])}:{stat.traceback[0].lineno} "
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


def leftovers(hass: HomeAssistant) -> list[str]:
    """The integration's tasks and timers still alive."""
    tasks = [repr(t) for t in asyncio.all_tasks() if not t.done() and _ours(t.get_coro())]
    timers = [
        repr(handle)
        for handle in get_scheduled_timer_handles(hass.loop)
        if not handle.cancelled() and "presso_boots" in repr(handle)
    ]
    return tasks + timers
