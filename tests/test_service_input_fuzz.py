"""Bad input at the service layer (issue 14): refused in words, never a crash, never above the cap.

Hypothesis draws calls of every action, entity service, the card's websocket command
and the voice intents (``service_fuzz.py``) and runs them against one Home Assistant
with simulated boots. Each call succeeds within the limits, or is refused by Home
Assistant's schema (``vol.Invalid``, which Home Assistant reports as invalid_format),
or raises a translated ``ServiceValidationError``/``HomeAssistantError`` whose text
exists in English and Spanish and renders with its placeholders. Every START and
SET_PRESSURE the boots execute stays within the user's cap (the phone app may have
set more on the boots), and a refused call leaves the boots as they were.

Hypothesis cannot run an async test, so it runs in a worker thread and hands each
example to Home Assistant's loop (``asyncio.run_coroutine_threadsafe``).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any

import probatio
import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import intent
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
from hypothesis import HealthCheck, Phase, given, seed, settings
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    MockHAClientWebSocket,
    WebSocketGenerator,
)

from custom_components.presso_boots.const import DOMAIN
from custom_components.presso_boots.intent import (
    INTENT_PAUSE,
    INTENT_RESUME,
    INTENT_START,
    INTENT_STOP,
    INTENT_TIME_LEFT,
)
from custom_components.presso_boots.presso_ble.messages import (
    Command,
    SetDuration,
    SetPressure,
    SetProgram,
    SetZones,
    Start,
)
from custom_components.presso_boots.services import START_SCHEMA
from custom_components.presso_boots.settings import SessionLimits
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, PRO, Boots
from .service_fuzz import Call, Example, IntentCall, Targets, WsCall, examples

pytestmark = pytest.mark.usefixtures("no_errors_logged")

STRINGS = json.loads(
    (Path(__file__).parent.parent / "custom_components/presso_boots/strings.json").read_text()
)
GO4 = "C0:FF:EE:00:60:04"
#: Two rigs: a Pro 8 (200 mmHg) capped at 100, and a one-leg Go 4 (100 mmHg) capped at
#: 80 with the gentle start plan, a rest period and a daily limit.
RIGS: dict[str, tuple[str, int, dict[str, Any]]] = {
    "pro8": (PRO, 3, {"max_pressure": 100, "max_duration": 45}),
    "go4_plan": (GO4, 1, {"max_pressure": 80, "max_duration": 45, "gentle_start": True,
                          "rest_minutes": 30, "daily_minutes": 90}),
}  # fmt: skip
#: Examples per rig: 10,000 in all fit in the default run (about 30 s of CPU here).
#: SERVICE_FUZZ_EXAMPLES runs more; SERVICE_FUZZ_SEED draws other examples (the
#: default run is derandomized: the same examples every time).
EXAMPLES = int(os.environ.get("SERVICE_FUZZ_EXAMPLES", "5000"))
SEED = os.environ.get("SERVICE_FUZZ_SEED")
VALUE_COMMANDS = (Start, SetPressure, SetDuration, SetProgram, SetZones)
SUCCEEDED, SCHEMA, TRANSLATED = "succeeded", "schema-refused", "translated error"
ENTRY_POINTS = {
    *(f"{DOMAIN}.{action}" for action in
      ("start_session", "check_session", "pause_session", "resume_session")),
    "number.set_value", "select.select_option", "select.select_first/last/next/previous",
    "switch.turn_on/off/toggle", "button.press", "homeassistant.update_entity",
    "homeassistant.turn_on/off/toggle", f"ws {DOMAIN}/subscribe",
    *(f"intent {i}" for i in (INTENT_START, INTENT_PAUSE, INTENT_RESUME, INTENT_STOP,
                              INTENT_TIME_LEFT)),
}  # fmt: skip


class ErrorsLogged(logging.Handler):
    """What ``no_errors_logged`` fails on, caught example by example (to name the call)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name.startswith(("custom_components", "presso_sim")) or any(
            text in message for text in ("never retrieved", "Error doing job")
        ):
            self.messages.append(f"{record.name}: {message}")


@dataclass
class Rig:
    """Home Assistant with the boots, their targets, and what the boots executed."""

    hass: HomeAssistant
    boots: Boots
    targets: Targets
    ws: MockHAClientWebSocket
    errors: ErrorsLogged = field(default_factory=ErrorsLogged)
    executed: list[Command] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: STARTs sent while the boots held a pressure above the cap (the phone app's)
    starts_over_cap: int = 0

    # --- one example ---------------------------------------------------------------------

    async def run(self, example: Example) -> None:
        device = self.boots.device
        if example.app_pressure is not None:  # the phone app, above the cap too
            device.settings.pressure = example.app_pressure
            device.after_change()
        if example.button is not None:
            device.press_button(example.button)
        await self.hass.async_block_till_done()
        limits = self.boots.coordinator.limits
        before, held = _snapshot(device), device.settings.pressure
        self.executed.clear()
        self.errors.messages.clear()
        call = example.call
        try:
            match call:
                case Call():
                    outcome = await self._service(call, limits)
                case WsCall():
                    outcome = await self._websocket(call)
                case IntentCall():
                    outcome = await self._intent(call)
            await self.hass.async_block_till_done()
            logged = (
                self.errors.messages
            )  # one deferred (a debounced refresh) may name a later call
            assert not logged, logged
            for command in self.executed:
                _check_within(command, limits)
                if isinstance(command, Start) and held > limits.cap:
                    self.starts_over_cap += 1
            dry = isinstance(call, WsCall) or getattr(call, "service", "") == "check_session"
            if dry or (outcome != SUCCEEDED and getattr(call, "single", True)):
                values = [c for c in self.executed if isinstance(c, VALUE_COMMANDS)]
                assert not values, f"{outcome}, yet the boots executed {values}"
                assert _snapshot(device) == before, "the boots changed"
            if outcome == SUCCEEDED and (asked := _asked(call)):
                starts = [c for c in self.executed if isinstance(c, Start)]
                assert starts, "a start that succeeded sent no START"
                sent = {"pressure": starts[-1].pressure, "duration": starts[-1].duration}
                assert sent | asked == sent, f"asked for {asked}, sent {sent}"
        except AssertionError as err:
            # the boots carry state from example to example: say what they were like
            raise AssertionError(
                f"{err}\nboots before: {before}\nafter: {_snapshot(device)}"
                f"\nexecuted: {self.executed}\nlimits: {limits}"
            ) from err
        self.counts[call.entry, outcome] += 1

    async def _service(self, call: Call, limits: SessionLimits) -> str:
        try:
            response = await self.hass.services.async_call(
                call.domain, call.service, copy.deepcopy(call.data),
                blocking=True, return_response=call.response,
            )  # fmt: skip
        except probatio.Invalid as err:
            return _schema_refused(err)
        except HomeAssistantError as err:
            return await self._translated(err)
        if response is not None:  # check_session
            answer: dict[str, Any] = dict(response)
            if answer["allowed"]:
                assert answer["pressure"] in limits.info.pressures(limits.max_pressure), answer
                assert answer["duration"] in limits.info.durations(), answer
                assert answer["duration"] <= limits.max_duration, answer
            else:
                assert isinstance(answer["message"], str)
                assert answer["message"], answer
        return SUCCEEDED

    async def _websocket(self, call: WsCall) -> str:
        message = copy.deepcopy(call.message)
        await self.ws.send_json_auto_id(message)
        result = await self._result(message["id"])
        if result["success"]:
            await self.ws.send_json_auto_id(
                {"type": "unsubscribe_events", "subscription": message["id"]}
            )
            assert (await self._result(None))["success"]
            return SUCCEEDED
        error = result["error"]
        assert error["code"] in ("invalid_format", "not_found"), error
        if error["code"] == "invalid_format":
            return SCHEMA
        assert error["translation_domain"] == DOMAIN
        assert error["translation_key"] in STRINGS["exceptions"]
        await self._renders(DOMAIN, error["translation_key"], error["translation_placeholders"])
        return TRANSLATED

    async def _result(self, msg_id: int | None) -> dict[str, Any]:
        """The next result (of ``msg_id`` if given); events in between are skipped."""
        async with asyncio.timeout(30):  # a guard against a hang, not a measurement
            while True:
                message: dict[str, Any] = await self.ws.receive_json()
                if message["type"] == "result" and msg_id in (None, message["id"]):
                    return message

    async def _intent(self, call: IntentCall) -> str:
        try:
            await intent.async_handle(
                self.hass, "fuzz", call.intent, copy.deepcopy(call.slots), language=call.language
            )
        except intent.InvalidSlotInfo:
            return SCHEMA
        except intent.IntentHandleError as err:
            refusal = err
        else:
            return SUCCEEDED
        assert str(refusal)  # the answer in words
        assert isinstance(refusal.__cause__, HomeAssistantError), repr(refusal)
        return await self._translated(refusal.__cause__)

    async def _translated(self, err: HomeAssistantError) -> str:
        domain, key = err.translation_domain, err.translation_key
        assert domain, f"untranslated: {err!r}"
        assert key, f"untranslated: {err!r}"
        placeholders = err.translation_placeholders or {}
        assert key != "invalid_parameter", "the boots refused a value Home Assistant let through"
        if domain == DOMAIN:
            assert key in STRINGS["exceptions"]
        await self._renders(domain, key, placeholders)
        assert str(err)
        return TRANSLATED

    async def _renders(self, domain: str, key: str, placeholders: dict[str, Any]) -> None:
        """The message exists in English and Spanish and every placeholder is given."""
        for language in ("en", "es"):
            texts = await async_get_translations(self.hass, language, "exceptions", {domain})
            text = texts.get(f"component.{domain}.exceptions.{key}.message")
            assert text, (language, domain, key)
            names = {name for _, name, _, _ in Formatter().parse(text) if name}
            assert names <= placeholders.keys(), (language, key, names, placeholders)
            text.format(**placeholders)

    # --- many examples ---------------------------------------------------------------------

    def explore(self, count: int) -> None:
        """Run ``count`` examples (in a worker thread: Hypothesis drives, HA's loop runs)."""
        loop = self.hass.loop
        spec = self.boots.device.spec

        envelope = range(spec.pressure_min, spec.pressure_max + 1, spec.pressure_step)

        # The boots and Home Assistant keep their state from one example to the next,
        # so a shrunk example would meet other state: no shrinking, the first failure
        # is reported as it happened (with the boots' state).
        @settings(
            max_examples=count,
            derandomize=SEED is None,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(examples(self.targets, envelope))
        def one_example(example: Example) -> None:
            asyncio.run_coroutine_threadsafe(self.run(example), loop).result()

        (one_example if SEED is None else seed(int(SEED))(one_example))()


def _schema_refused(err: probatio.Invalid) -> str:
    assert str(err)  # what Home Assistant answers (invalid_format)
    return SCHEMA


def _asked(call: Call | WsCall | IntentCall) -> dict[str, int]:
    """The pressure and minutes a start asked for, as its schema reads them."""
    match call:
        case Call(service="start_session"):
            data = START_SCHEMA(copy.deepcopy(call.data))
            return {k: data[k] for k in ("pressure", "duration") if k in data}
        case IntentCall(intent=intent_type) if intent_type == INTENT_START:
            slots = {"pressure": "pressure", "minutes": "duration"}
            return {key: int(call.slots[slot]["value"]) for slot, key in slots.items()
                    if slot in call.slots}  # fmt: skip
    return {}


def _snapshot(device: SimulatedBoots) -> tuple[object, ...]:
    s = device.settings
    return (device.state, device.fault, s.program, s.pressure, s.duration, s.legs, s.zones)


def _check_within(command: Command, limits: SessionLimits) -> None:
    """What reached the boots: within the user's limits and the device's envelope."""
    info = limits.info

    def pressure(value: int) -> None:
        assert value in info.pressures(limits.max_pressure), command
        assert value <= limits.cap, command

    def minutes(value: int) -> None:
        assert value in info.durations(), command
        assert value <= limits.max_duration, command

    match command:
        case Start():
            pressure(command.pressure)  # never 0 ("keep"): the phone app's may be higher
            minutes(command.duration)
            assert command.program in (0, *info.programs), command  # 0 keeps the program
            assert 0 <= command.legs < 1 << info.legs, command
        case SetPressure():
            pressure(command.pressure)
        case SetDuration():
            minutes(command.minutes)
        case SetProgram():
            assert command.program in info.programs, command
        case SetZones():
            assert 0 < command.legs < 1 << info.legs, command
            assert 0 < command.zones <= info.all_zones, command


# --- setting up ----------------------------------------------------------------------------


async def _other_integration(hass: HomeAssistant) -> tuple[str, dict[str, str]]:
    """A device of another integration, and helpers' entities to aim at."""
    for domain, config in (
        ("input_boolean", {"lamp": {}}),
        ("input_number", {"level": {"min": 0, "max": 500, "step": 1}}),
        ("input_select", {"mode": {"options": ["wave", "both", "left"]}}),
        ("input_button", {"bell": {}}),
    ):
        assert await async_setup_component(hass, domain, {domain: config})
    entry = MockConfigEntry(domain="kitchen_lights", title="Kitchen")
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={("kitchen_lights", "lamp")}
    )
    others = {
        "input_number": "input_number.level",
        "input_select": "input_select.mode",
        "input_boolean": "input_boolean.lamp",
        "input_button": "input_button.bell",
    }
    return device.id, others


async def _rig(hass: HomeAssistant, proxy: VirtualProxy, ws: WebSocketGenerator, name: str) -> Rig:
    address, model, options = RIGS[name]
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "intent", {})
    other_device, others = await _other_integration(hass)
    unloaded = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await unloaded.add_entry()
    unloaded_device = unloaded.device_id
    assert await hass.config_entries.async_unload(unloaded.entry_id)
    boots = await Boots.set_up(hass, proxy, SimulatedBoots(address, model), **options)
    registry = er.async_get(hass)
    entities = {
        e.unique_id.removeprefix(f"{address}-"): e.entity_id
        for e in er.async_entries_for_config_entry(registry, boots.entry_id)
    }
    targets = Targets(
        boots=boots.device_id,
        title=boots.device.local_name,
        other_device=other_device,
        unloaded_device=unloaded_device,
        entities=entities,
        others=others,
    )
    return Rig(hass, boots, targets, await ws(hass))


def _figures(name: str, rig: Rig, wall: float, cpu: float) -> str:
    """A table: each entry point's outcomes, and the run's time."""
    kinds = (SUCCEEDED, SCHEMA, TRANSLATED)
    rows = [(e, [rig.counts[e, kind] for kind in kinds]) for e in sorted(ENTRY_POINTS)]
    rows.append(("all", [sum(row[i] for _, row in rows) for i in range(len(kinds))]))
    lines = [
        f"\n{name}: {sum(rows[-1][1])} examples, wall {wall:.1f} s, CPU {cpu:.1f} s",
        f"  {'entry point':40} {kinds[0]:>10} {kinds[1]:>15} {kinds[2]:>17}",
    ]
    lines += [f"  {e:40} {r[0]:10} {r[1]:15} {r[2]:17}" for e, r in rows]
    return "\n".join(lines)


async def _fuzz(
    hass: HomeAssistant,
    proxy: VirtualProxy,
    hass_ws_client: WebSocketGenerator,
    name: str,
    count: int,
    report: Callable[[str], None],
) -> Rig:
    rig = await _rig(hass, proxy, hass_ws_client, name)
    device = rig.boots.device
    device.link.on_execute = rig.executed.append
    logging.getLogger().addHandler(rig.errors)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="hypothesis") as pool:
            await asyncio.get_running_loop().run_in_executor(pool, rig.explore, count)
    finally:
        logging.getLogger().removeHandler(rig.errors)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    report(_figures(name, rig, wall, cpu))
    return rig


@pytest.mark.parametrize("name", list(RIGS))
async def test_bad_input_is_refused_in_words_and_never_exceeds_the_cap(
    hass: HomeAssistant,
    proxy: VirtualProxy,
    hass_ws_client: WebSocketGenerator,
    name: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # no_errors_logged needs the errors only: thousands of calls' debug lines cost time
    caplog.set_level(logging.WARNING)
    rig = await _fuzz(hass, proxy, hass_ws_client, name, EXAMPLES, print)
    # the examples reached every entry point, and every kind of outcome
    assert {entry for entry, _ in rig.counts} == ENTRY_POINTS
    assert {outcome for _, outcome in rig.counts} == {SUCCEEDED, SCHEMA, TRANSLATED}
    assert rig.starts_over_cap > 0  # sessions started while the phone app's pressure was higher
