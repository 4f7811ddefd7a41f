"""Entities and actions of a pair of boots, driven through Home Assistant."""

from __future__ import annotations

import math

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from custom_components.presso_boots.const import DOMAIN
from custom_components.presso_boots.presso_ble import SessionState
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, PRO, Boots, set_value, switch

P = "presso_e008"


@pytest.fixture
async def pro(hass: HomeAssistant, proxy: VirtualProxy) -> Boots:
    return await Boots.set_up(
        hass, proxy, SimulatedBoots(PRO, 3, serial="PRO00008"), max_pressure=120
    )


def _device(hass: HomeAssistant, address: str) -> dr.DeviceEntry:
    entry = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, address)
    assert entry is not None
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, address), entry.entry_id)
    assert device is not None
    return device


def _device_id(hass: HomeAssistant, address: str) -> str:
    return _device(hass, address).id


async def test_entities_and_device(hass: HomeAssistant, pro: Boots) -> None:
    device = _device(hass, PRO)
    assert (device.manufacturer, device.model, device.serial_number) == (
        "Presso",
        "Presso Pro 8",
        "PRO00008",
    )
    entities = er.async_entries_for_device(
        er.async_get(hass), device.id, include_disabled_entities=True
    )
    keys = {e.unique_id.removeprefix(f"{PRO}-") for e in entities}
    assert {"session", "pressure", "duration", "program", "legs", "session_state", "session_ends",
            "fault", "battery", "rssi", "pressure_left_1", "pressure_right_8", "chamber_8"} <= keys  # fmt: skip
    assert len([k for k in keys if k.startswith("pressure_")]) == 16
    rssi = next(e for e in entities if e.unique_id.endswith("-rssi"))
    assert rssi.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    select = hass.states.get(f"select.{P}_program")
    assert select is not None
    assert select.attributes["options"] == [
        "wave",
        "gradient",
        "flush",
        "warm_up",
        "interval",
        "lymph",
    ]
    pressure = hass.states.get(f"number.{P}_pressure")
    assert pressure is not None
    assert (
        pressure.attributes["min"],
        pressure.attributes["max"],
        pressure.attributes["step"],
    ) == (20, 120, 5)
    assert pressure.attributes["unit_of_measurement"] == "mmHg"
    assert pro.state(f"sensor.{P}_battery") == "80"
    assert pro.state(f"sensor.{P}_fault") == "none"


async def test_settings_from_entities_reach_the_boots(hass: HomeAssistant, pro: Boots) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": f"number.{P}_pressure", "value": 85}, blocking=True
    )
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": f"number.{P}_session_length", "value": 25},
        blocking=True,
    )
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": f"select.{P}_program", "option": "lymph"},
        blocking=True,
    )
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": f"select.{P}_legs", "option": "left"},
        blocking=True,
    )
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": f"switch.{P}_use_chamber_8"}, blocking=True
    )
    s = pro.device.settings
    assert (s.pressure, s.duration, s.program, s.legs, s.zones) == (85, 25, 6, 1, 0x7F)
    await hass.async_block_till_done()
    assert pro.state(f"number.{P}_pressure") == "85"
    assert pro.state(f"select.{P}_program") == "lymph"
    assert pro.state(f"select.{P}_legs") == "left"
    assert pro.state(f"switch.{P}_use_chamber_8") == "off"
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": f"switch.{P}_use_chamber_8"}, blocking=True
    )
    assert pro.device.settings.zones == 0xFF


async def test_bad_values_are_translated_errors_and_change_nothing(
    hass: HomeAssistant, pro: Boots
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "start_session",
            {"device_id": _device_id(hass, PRO), "pressure": 150},
            blocking=True,
        )
    assert err.value.translation_key == "pressure_above_cap"
    assert err.value.translation_placeholders == {"pressure": "150", "cap": "120"}
    for data, key in (
        ({"pressure": 42}, "pressure_invalid"),
        ({"duration": 7}, "duration_invalid"),
        ({"duration": 65}, "duration_invalid"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN, "start_session", {"device_id": _device_id(hass, PRO), **data}, blocking=True
            )
        assert err.value.translation_key == key
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "pause_session", {"device_id": "nope"}, blocking=True
        )
    assert err.value.translation_key == "unknown_device"
    for chamber in range(1, 8):
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": f"switch.{P}_use_chamber_{chamber}"}, blocking=True
        )
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": f"switch.{P}_use_chamber_8"}, blocking=True
        )
    assert err.value.translation_key == "zones_empty"
    assert pro.device.settings.zones == 0x80
    assert pro.device.counters.sessions_started == 0


async def test_a_number_set_to_nan_is_refused_in_words(hass: HomeAssistant, pro: Boots) -> None:
    """Home Assistant's range check lets NaN through to the entity: the limits refuse it."""
    for entity_id, key, text in (
        (f"number.{P}_pressure", "pressure_invalid",
         "nan mmHg is not a pressure these boots accept: use 20-120 mmHg in steps of 5"),
        (f"number.{P}_session_length", "duration_invalid",
         "nan minutes is not a session length you allow: use 5-60 minutes in steps of 5"),
    ):  # fmt: skip
        with pytest.raises(ServiceValidationError) as err:
            await set_value(hass, entity_id, math.nan)
        assert err.value.translation_key == key
        assert str(err.value) == text
    assert pro.device.central is None  # refused before connecting
    await hass.services.async_call(
        "number", "set_value", {"entity_id": f"number.{P}_pressure", "value": 84.6}, blocking=True
    )
    assert pro.device.settings.pressure == 85  # a fraction still goes to the whole mmHg


@pytest.mark.usefixtures("no_errors_logged")
async def test_update_entity_keeps_what_the_boots_pushed(hass: HomeAssistant, pro: Boots) -> None:
    """Home Assistant's update entity action on the boots' entities: no error, no change."""
    assert await async_setup_component(hass, "homeassistant", {})
    entities = [
        f"switch.{P}",
        f"number.{P}_pressure",
        f"sensor.{P}_battery",
        f"button.{P}_pause_session",
    ]
    before = [hass.states.get(entity_id) for entity_id in entities]
    for _ in range(2):
        await hass.services.async_call(
            "homeassistant", "update_entity", {"entity_id": entities}, blocking=True
        )
    await hass.async_block_till_done()
    after = [hass.states.get(entity_id) for entity_id in entities]
    assert [s.state if s else None for s in after] == [s.state if s else None for s in before]
    assert all(s is not None and s.state != "unavailable" for s in after)
    assert pro.device.central is None  # nothing asked of the boots


async def test_chamber_switches_changed_together_all_take(hass: HomeAssistant, pro: Boots) -> None:
    """One call on two switches: the second change builds on the first, not on old zones."""
    pro.faults.connection_interval = 0.03  # the STATUS after an answer comes a little later
    await hass.services.async_call(
        "switch",
        "turn_off",
        {"entity_id": [f"switch.{P}_use_chamber_7", f"switch.{P}_use_chamber_8"]},
        blocking=True,
    )
    await pro.run(2)
    assert pro.device.settings.zones == 0x3F  # chambers 1-6 in use
    assert pro.state(f"switch.{P}_use_chamber_7") == pro.state(f"switch.{P}_use_chamber_8") == "off"


async def test_a_changing_signal_strength_wakes_only_its_sensor(
    hass: HomeAssistant, proxy: VirtualProxy, writes: list[str]
) -> None:
    """In a session every advertisement differs (the time left) and its RSSI moves with it."""
    from homeassistant.helpers import entity_registry as er

    boots = Boots(hass, proxy, SimulatedBoots(PRO, 3))
    er.async_get(hass).async_get_or_create(  # enabled, as a user who wants it would
        "sensor", DOMAIN, f"{PRO}-rssi", suggested_object_id="presso_e008_signal_strength"
    )
    await boots.add_entry()
    await boots.advertise()
    await switch(hass, "turn_on", "switch.presso_e008")
    await boots.run(2)
    writes.clear()
    for n in range(10):
        boots.device.advance(1)
        proxy.advertise(boots.device, rssi=-60 - n)
        await hass.async_block_till_done()
    # the session switch: written at most by the STATUS the boots send every 10 s
    assert writes.count("switch.presso_e008") <= 1
    # one write per new RSSI: -61 ... -69 (-60 is what it showed already)
    assert writes.count("sensor.presso_e008_signal_strength") == 9
    assert boots.state("sensor.presso_e008_signal_strength") == "-69"


async def test_unsupported_program_on_a_go4(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    await Boots.set_up(hass, proxy, SimulatedBoots("C0:FF:EE:00:60:04", 1))
    state = hass.states.get("select.presso_6004_program")
    assert state is not None
    assert state.attributes["options"] == ["wave", "gradient", "flush", "warm_up"]
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "start_session",
            {"device_id": _device_id(hass, "C0:FF:EE:00:60:04"), "program": "lymph"},
            blocking=True,
        )
    assert err.value.translation_key == "program_unsupported"


async def test_start_session_action_pause_resume_and_events(
    hass: HomeAssistant, pro: Boots
) -> None:
    events = []
    hass.bus.async_listen(
        "state_changed",
        lambda e: events.append(e) if e.data["entity_id"] == f"event.{P}_session" else None,
    )
    device_id = _device_id(hass, PRO)
    await hass.services.async_call(
        DOMAIN, "start_session",
        {"device_id": device_id, "program": "gradient", "pressure": 90, "duration": 5, "legs": "both"},
        blocking=True,
    )  # fmt: skip
    await hass.async_block_till_done()
    assert pro.device.state == 1
    assert (pro.device.settings.program, pro.device.settings.pressure) == (2, 90)
    started = hass.states.get(f"event.{P}_session")
    assert started is not None
    assert started.attributes["event_type"] == "started"
    assert started.attributes["source"] == "app"
    assert (started.attributes["program"], started.attributes["pressure"]) == ("gradient", 90)
    assert pro.state(f"sensor.{P}_session_state") == "running"
    await hass.services.async_call(DOMAIN, "pause_session", {"device_id": device_id}, blocking=True)
    assert pro.device.state == 2
    await pro.run(1)
    assert pro.state(f"sensor.{P}_session_state") == "paused"
    await hass.services.async_call(
        DOMAIN, "resume_session", {"device_id": device_id}, blocking=True
    )
    await pro.run(5 * 60 + 10, step=5)
    finished = hass.states.get(f"event.{P}_session")
    assert finished is not None
    assert finished.attributes["event_type"] == "finished"
    assert (
        finished.attributes["program"],
        finished.attributes["pressure"],
        finished.attributes["duration"],
    ) == ("gradient", 90, 5)
    kinds = [e.data["new_state"].attributes.get("event_type") for e in events]
    assert kinds.count("started") == 1
    assert kinds.count("finished") == 1  # never reported twice
    assert pro.state(f"switch.{P}") == "off"
    assert pro.state(f"sensor.{P}_lifetime_sessions") == "1"
    await hass.services.async_call(
        DOMAIN, "pause_session", {"device_id": device_id}, blocking=False
    )
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "pause_session", {"device_id": device_id}, blocking=True
        )
    assert err.value.translation_key == "wrong_state"  # said as a sentence, not a code
    assert err.value.translation_placeholders == {"name": "Presso E008", "status": "wrong_state"}


async def test_session_ends_is_a_stable_timestamp(
    hass: HomeAssistant, pro: Boots, freezer: FrozenDateTimeFactory
) -> None:
    pro.clock = freezer
    await hass.services.async_call("switch", "turn_on", {"entity_id": f"switch.{P}"}, blocking=True)
    await pro.run(2)
    first = pro.state(f"sensor.{P}_session_ends")
    assert first not in ("unknown", "unavailable")
    changes = []
    hass.bus.async_listen(
        "state_changed",
        lambda e: changes.append(e) if e.data["entity_id"] == f"sensor.{P}_session_ends" else None,
    )
    await pro.run(60)
    assert changes == []  # the end does not move, so nothing is written
    assert pro.state(f"sensor.{P}_session_ends") == first


async def test_no_pressure_within_the_cap_refuses_every_start(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """The device's lowest pressure (30 mmHg) above the user's cap (25): nothing starts."""
    from dataclasses import replace

    from presso_sim.model import MODELS

    device = SimulatedBoots(DUO, 2, spec=replace(MODELS[2], pressure_min=30))
    boots = Boots(hass, proxy, device)
    await boots.add_entry(max_pressure=25)
    await boots.advertise()
    for domain, service, data in (
        ("switch", "turn_on", {"entity_id": "switch.presso_d005"}),
        (DOMAIN, "start_session", {"device_id": boots.device_id}),
        (DOMAIN, "start_session", {"device_id": boots.device_id, "pressure": 30}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(domain, service, data, blocking=True)
        assert err.value.translation_key == "pressure_above_cap"
        assert err.value.translation_placeholders == {"pressure": "30", "cap": "25"}
    assert device.state == SessionState.IDLE
    assert device.central is None  # refused before any connection


async def test_implicit_pressure_above_cap_is_clamped(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """Someone set 150 mmHg with the phone app; turning the session on from HA uses the cap."""
    device = SimulatedBoots(DUO, 2)
    device.settings.pressure = 115
    boots = Boots(hass, proxy, device)
    await boots.add_entry(max_pressure=80)
    await boots.advertise()
    await switch(hass, "turn_on", "switch.presso_d005")
    assert device.settings.pressure == 80
    assert device.state == 1


async def test_display_precision_follows_the_unit(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    """Whole mmHg and minutes, as the boots count them: no "40.00 mmHg"."""
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await boots.add_entry(gentle_start=True)
    registry = er.async_get(hass)
    whole = [
        entry
        for entry in er.async_entries_for_config_entry(registry, boots.entry_id)
        if entry.domain == "sensor"
        and entry.unit_of_measurement in ("mmHg", "min")
        and not entry.disabled
    ]
    assert len(whole) >= 5  # today's limits, the suggested pressure, therapy today and week
    for entry in whole:
        assert entry.options["sensor"]["suggested_display_precision"] == 0, entry.entity_id
