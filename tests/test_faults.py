"""Device faults, Repairs, lockout, diagnostics and the pressure cap on every entry point."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from homeassistant.components.repairs import RepairsFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.presso_boots import repairs
from custom_components.presso_boots.const import DOMAIN
from custom_components.presso_boots.presso_ble.messages import SetPressure, Start, decode_command
from presso_sim import SimulatedBoots
from presso_sim.esphome_proxy import ESPHomeProxy
from presso_sim.proxy import VirtualProxy

from .harness import DUO, PRO, Boots, set_value

pytestmark = pytest.mark.usefixtures("no_errors_logged")

P = "presso_e008"


@pytest.fixture
async def pro(hass: HomeAssistant, any_proxy: VirtualProxy | ESPHomeProxy) -> Boots:
    return await Boots.set_up(hass, any_proxy, SimulatedBoots(PRO, 3, serial="PRO00008"))


async def _fix_flow(hass: HomeAssistant, boots: Boots) -> repairs.ClearFaultFlow:
    """The Repairs fix flow of the boots' fault issue, as the UI opens it."""
    flow = await repairs.async_create_fix_flow(
        hass, f"fault_{boots.entry_id}", {"entry_id": boots.entry_id}
    )
    assert isinstance(flow, repairs.ClearFaultFlow)
    flow.hass = hass
    return flow


async def _fault_in_a_session(hass: HomeAssistant, boots: Boots, trip: Callable[[], None]) -> None:
    """A session runs for 3 s, then ``trip`` makes the boots fault."""
    await hass.services.async_call("switch", "turn_on", {"entity_id": f"switch.{P}"}, blocking=True)
    await boots.run(3)
    trip()
    await boots.run(2)


async def _clear_fault_flow(hass: HomeAssistant, boots: Boots) -> RepairsFlowResult:
    assert boots.entry is not None
    flow = await _fix_flow(hass, boots)
    result = await flow.async_step_init()
    assert result["step_id"] == "confirm"
    return await flow.async_step_confirm({})


@pytest.mark.parametrize(
    ("cause", "fault"),
    [
        ("leak", "leak"),
        ("garment", "garment_not_detected"),
        ("overheat", "pump_overheat"),
        ("sensor", "sensor_failure"),
        ("spike", "over_pressure"),
        ("battery", "battery_critical"),
    ],
)
async def test_fault_raises_repair_and_clears(
    hass: HomeAssistant, pro: Boots, cause: str, fault: str
) -> None:
    await hass.services.async_call("switch", "turn_on", {"entity_id": f"switch.{P}"}, blocking=True)
    await pro.run(3)
    causes = pro.device.causes
    match cause:
        case "leak":
            causes.leak_chamber = 1
            await pro.run(75)  # a wave cycle reaches the foot chamber again, then 15 s
        case "garment":
            causes.garment_missing = True
        case "overheat":
            causes.overheat = True
        case "sensor":
            causes.sensor_failure = True
        case "spike":
            pro.device.spike_pressure(1)
        case "battery":
            pro.device.battery = 3.0
    await pro.run(2)
    assert pro.device.state == 4
    assert all(p < pro.device.pressures[0] + 1 for p in pro.device.pressures)  # vented
    assert pro.state(f"sensor.{P}_fault") == fault
    assert pro.state(f"sensor.{P}_session_state") == "fault"
    assert pro.state(f"switch.{P}") == "off"
    event = hass.states.get(f"event.{P}_session")
    assert event is not None
    assert event.attributes["event_type"] == "aborted"
    assert event.attributes["fault"] == fault
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"fault_{pro.entry_id}")
    assert issue is not None
    assert issue.translation_key == f"fault_{fault}"
    assert issue.is_fixable
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": f"switch.{P}"}, blocking=True
        )
    assert err.value.translation_key == "fault_active"
    if fault != "over_pressure":  # the cause is still there: the repair says so
        result = await _clear_fault_flow(hass, pro)
        assert result["errors"] == {"base": "fault_active"}
    causes.leak_chamber = 0
    causes.garment_missing = causes.overheat = causes.sensor_failure = False
    pro.device.external_power = True
    result = await _clear_fault_flow(hass, pro)
    assert result["type"] == "create_entry"
    await pro.run(1)
    assert pro.state(f"sensor.{P}_fault") == "none"
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"fault_{pro.entry_id}") is None


async def test_a_fault_repair_opened_while_the_boots_are_unloaded_says_so(
    hass: HomeAssistant, pro: Boots
) -> None:
    await _fault_in_a_session(hass, pro, pro.device.spike_pressure)
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"fault_{pro.entry_id}") is not None
    await hass.config_entries.async_unload(pro.entry_id)
    result = await (await _fix_flow(hass, pro)).async_step_init()
    assert result["type"] == "abort"
    assert result["reason"] == "not_loaded"
    assert result["description_placeholders"] == {"name": "Presso E008"}


async def test_a_fault_issue_is_tied_to_the_entry_where_home_assistant_can(
    hass: HomeAssistant, pro: Boots
) -> None:
    """2026.11 removes an issue with its entry and hides it while the entry is disabled;
    2026.10 refuses the argument, so the issue is raised without it there."""
    await _fault_in_a_session(hass, pro, pro.device.spike_pressure)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"fault_{pro.entry_id}")
    assert issue is not None
    if repairs.ISSUES_TAKE_CONFIG_ENTRY:
        assert getattr(issue, "config_entry_id", None) == pro.entry_id
        await hass.config_entries.async_remove(pro.entry_id)
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"fault_{pro.entry_id}") is None
        return
    with pytest.raises(TypeError):
        ir.async_create_issue(  # type: ignore[call-arg]
            hass, DOMAIN, "probe", config_entry_id=pro.entry_id, is_fixable=False,
            severity=ir.IssueSeverity.WARNING, translation_key="locked_out",
        )  # fmt: skip


async def test_a_fault_code_from_newer_firmware_is_still_a_fault(
    hass: HomeAssistant, pro: Boots
) -> None:
    """Not "unknown" (which the frontend shows as no data, and triggers and the card skip)."""
    await _fault_in_a_session(hass, pro, lambda: pro.device.trip_newer_fault(9))
    assert pro.state(f"sensor.{P}_fault") == "other"
    assert pro.state(f"sensor.{P}_session_state") == "fault"
    event = hass.states.get(f"event.{P}_session")
    assert event is not None
    assert (event.attributes["event_type"], event.attributes["fault"]) == ("aborted", "other")
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"fault_{pro.entry_id}")
    assert issue is not None
    assert issue.translation_key == "fault_other"


async def test_wrong_pin_locks_out_with_a_repair(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2, pin="111111"))
    entry = await boots.add_entry(pin="999999")
    await boots.advertise()
    keys = []
    for _ in range(4):
        with pytest.raises(HomeAssistantError) as err:
            await set_value(hass, "number.presso_d005_pressure", 60)
        keys.append(err.value.translation_key)
    assert keys == ["invalid_pin", "invalid_pin", "invalid_pin", "locked_out"]
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"locked_out_{entry.entry_id}") is not None
    assert boots.device.settings.pressure == 40
    assert boots.device.central is None  # a failed handshake never holds the slot


async def test_diagnostics_are_redacted(
    hass: HomeAssistant, hass_client: object, pro: Boots
) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": f"number.{P}_pressure", "value": 60}, blocking=True
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, pro.entry)
    text = str(diagnostics)
    assert PRO not in text
    assert "PRO00008" not in text
    assert b"PRO00008".hex(" ") not in text  # nor in HELLO's answer among the recent frames
    assert any("serial and nonce redacted" in frame[1] for frame in diagnostics["recent_frames"])
    assert diagnostics["entry"]["data"]["address"] == "**REDACTED**"
    assert "E008" not in text  # the local name ends with the address's last two bytes
    assert diagnostics["advertisement"]["local_name"] == "**REDACTED**"
    assert diagnostics["advertisement"]["source"] == "**REDACTED**"  # the proxy's own address
    assert diagnostics["connection"]["proofs_refused"] == 0
    assert diagnostics["device"]["model"] == "Presso Pro 8"
    assert diagnostics["connection"]["connects"] == 1
    assert diagnostics["advertisement"]["manufacturer_data"].startswith("5001")
    assert any("0x14" in frame[1] for frame in diagnostics["recent_frames"])


async def test_no_entry_point_puts_a_pressure_above_the_cap_on_the_wire(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """Property: across random calls of every entry point, no frame asks for more than the cap."""
    device = SimulatedBoots(PRO, 3)
    boots = Boots(hass, proxy, device)
    cap = 85
    await boots.add_entry(max_pressure=cap)
    await boots.advertise()
    wire: list[int] = []
    receive = device.receive

    def spy(data: bytes) -> None:
        frame_type, payload = data[2], data[4:-2]
        if frame_type in (0x10, 0x14):
            command = decode_command(frame_type, payload)
            assert isinstance(command, Start | SetPressure)
            wire.append(command.pressure)
        receive(data)

    device.receive = spy  # type: ignore[method-assign]

    device_id = boots.device_id
    rng = random.Random(20261122)
    for _ in range(150):
        value = rng.choice((rng.randint(0, 255), rng.randrange(20, 205, 5), cap, cap + 5))
        device.settings.pressure = rng.randrange(20, 205, 5)  # the phone app changed it
        call = rng.choice(("number", "action", "switch", "select_then_switch"))
        try:
            if call == "number":
                await hass.services.async_call(
                    "number",
                    "set_value",
                    {"entity_id": f"number.{P}_pressure", "value": value},
                    blocking=True,
                )
            elif call == "action":
                await hass.services.async_call(
                    DOMAIN,
                    "start_session",
                    {"device_id": device_id, "pressure": value},
                    blocking=True,
                )
            elif call == "switch":
                await hass.services.async_call(
                    "switch", "turn_on", {"entity_id": f"switch.{P}"}, blocking=True
                )
            else:
                await hass.services.async_call(
                    "select",
                    "select_option",
                    {"entity_id": f"select.{P}_program", "option": "flush"},
                    blocking=True,
                )
                await hass.services.async_call(
                    DOMAIN, "start_session", {"device_id": device_id}, blocking=True
                )
        except HomeAssistantError:
            pass
        await boots.advertise()
    assert wire, "the entry points did send pressures"
    assert max(wire) <= cap
    assert 0 not in wire  # START always carries an explicit, checked pressure
