"""Config flow through Bluetooth discovery against simulated boots."""

from __future__ import annotations

from homeassistant import config_entries
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_ADDRESS, CONF_PIN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.presso_boots.const import (
    CONF_IDLE_DISCONNECT,
    CONF_MAX_DURATION,
    CONF_MAX_PRESSURE,
    CONF_SAFETY_ACKNOWLEDGED,
    DOMAIN,
)
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, PRO, Boots

ACK = {CONF_SAFETY_ACKNOWLEDGED: True}


async def _discovered_flow(hass: HomeAssistant, boots: Boots) -> ConfigFlowResult:
    await boots.advertise()
    await hass.async_block_till_done(wait_background_tasks=True)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1, "the manifest matchers start one discovery flow"
    return flows[0]


async def test_discovery_confirm_safety_creates_entry(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2, serial="DUO00005"))
    flow = await _discovered_flow(hass, boots)
    assert flow["step_id"] == "bluetooth_confirm"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["step_id"] == "safety"
    assert boots.device.central is None  # the handshake let go of the boots
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_SAFETY_ACKNOWLEDGED: False}
    )
    assert result["errors"] == {"base": "acknowledge_required"}
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], ACK)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Presso D005"
    assert result["data"][CONF_ADDRESS] == DUO
    assert result["data"][CONF_PIN] is None
    assert result["data"]["device"]["chambers"] == 5
    assert result["options"] == {
        CONF_MAX_PRESSURE: 100, CONF_MAX_DURATION: 60, CONF_IDLE_DISCONNECT: 30,
        "gentle_start": True, "gentle_sessions": 7,  # new boots start gently
    }  # fmt: skip
    await hass.async_block_till_done()
    assert hass.states.get("switch.presso_d005") is not None
    # what the handshake read is shown from the first moment, not "unknown"
    await boots.advertise()
    legs = hass.states.get("select.presso_d005_legs")
    chamber = hass.states.get("switch.presso_d005_use_chamber_5")
    assert legs is not None
    assert chamber is not None
    assert (legs.state, chamber.state) == ("both", "on")
    assert boots.device.central is None  # known without a second connection


async def test_pin_step_wrong_then_locked_then_right(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(PRO, 3, pin="246810"))
    flow = await _discovered_flow(hass, boots)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["step_id"] == "pin"
    schema = result["data_schema"]  # a password field: the PIN is not shown
    assert schema is not None
    assert schema.schema[CONF_PIN].config["type"] == "password"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_PIN: "12ab"})
    assert result["errors"] == {CONF_PIN: "pin_format"}
    # full-width digits pass str.isdigit() but are not the ASCII the proof is made of
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PIN: "\uff12\uff14\uff16\uff18\uff11\uff10"}
    )
    assert result["errors"] == {CONF_PIN: "pin_format"}
    for _ in range(3):
        result = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {CONF_PIN: "111111"}
        )
        assert result["errors"] == {"base": "invalid_pin"}
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_PIN: "246810"})
    assert result["errors"] == {"base": "locked_out"}
    assert result["description_placeholders"] == {"seconds": "60"}
    boots.device.advance(61)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_PIN: "246810"})
    assert result["step_id"] == "safety"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], ACK)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PIN] == "246810"
    assert result["options"][CONF_MAX_PRESSURE] == 100


async def test_pin_asked_when_hello_says_so(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    """The advertisement did not flag a PIN, the HELLO did (firmware update)."""
    device = SimulatedBoots(DUO, 2)
    boots = Boots(hass, proxy, device)
    flow = await _discovered_flow(hass, boots)
    device.pin = "135790"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["step_id"] == "pin"


async def test_user_step_lists_unconfigured_boots(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_devices_found"
    duo = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    pro = Boots(hass, proxy, SimulatedBoots(PRO, 3))
    await pro.add_entry()
    await duo.advertise()
    await pro.advertise()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["step_id"] == "user"
    assert result["data_schema"] is not None
    options = result["data_schema"].schema[CONF_ADDRESS].config["options"]
    assert [o["value"] for o in options] == [DUO]
    assert [o["label"] for o in options] == [f"Presso D005 ({DUO})"]
    duo.device.connect_central("phone app")  # held by the app: said on the list, to try again
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_ADDRESS: DUO})
    assert (result["step_id"], result["errors"]) == ("user", {"base": "cannot_connect"})
    duo.device.disconnect_central()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_ADDRESS: DUO})
    assert result["step_id"] == "safety"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACK)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_busy_boots_are_explained_and_can_be_tried_again(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """An aborted discovery would not come back until a restart: the form says why instead."""
    device = SimulatedBoots(DUO, 2)
    boots = Boots(hass, proxy, device)
    flow = await _discovered_flow(hass, boots)
    device.connect_central("phone app")
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "bluetooth_confirm"
    assert result["errors"] == {"base": "cannot_connect"}
    device.disconnect_central()  # the phone app lets go
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["step_id"] == "safety"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], ACK)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_foreign_payload_is_not_supported(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    from homeassistant.components.bluetooth import BluetoothServiceInfoBleak

    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await boots.advertise()
    from homeassistant.components import bluetooth

    info = bluetooth.async_last_service_info(hass, DUO)
    assert info is not None
    foreign = BluetoothServiceInfoBleak(
        name="Not boots", address="C0:FF:EE:00:99:99", rssi=info.rssi,
        manufacturer_data={0xB007: b"\x51\x01" + bytes(10)}, service_data={},
        service_uuids=info.service_uuids, source=info.source, device=info.device,
        advertisement=info.advertisement, connectable=True, time=info.time, tx_power=None,
    )  # fmt: skip
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_BLUETOOTH}, data=foreign
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_supported"


async def test_reauth_with_new_pin(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    device = SimulatedBoots(DUO, 2, pin="111111")
    boots = Boots(hass, proxy, device)
    entry = await boots.add_entry(pin="111111")
    await boots.advertise()
    device.pin = "222222"
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.presso_d005_pressure", "value": 60},
        blocking=False,
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    flows = [
        f
        for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if f["context"]["source"] == "reauth"
    ]
    assert len(flows) == 1
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_PIN: "333333"}
    )
    assert result["errors"] == {"base": "invalid_pin"}
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_PIN: "222222"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PIN] == "222222"


async def test_reauth_aborts_when_boots_not_heard(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2, pin="111111"))
    entry = await boots.add_entry(pin="111111")
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_found"


async def test_options_flow_sets_limits(hass: HomeAssistant, proxy: VirtualProxy) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(PRO, 3))
    entry = await boots.add_entry()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_MAX_PRESSURE: 150.0, CONF_MAX_DURATION: 45.0, CONF_IDLE_DISCONNECT: 10.0},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {
        CONF_MAX_PRESSURE: 150,
        CONF_MAX_DURATION: 45,
        CONF_IDLE_DISCONNECT: 10,
        "gentle_start": False,  # entries from before the plan keep it off unless turned on
        "gentle_sessions": 7,
        "rest_minutes": 0,  # rest and daily limit: off unless chosen
        "daily_minutes": 0,
    }
    state = hass.states.get("number.presso_e008_pressure")
    assert state is not None
    assert state.attributes["max"] == 150
    # what the number selectors' range check lets through: said on the form, nothing saved
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MAX_PRESSURE: "nan", CONF_MAX_DURATION: 45.0}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_MAX_PRESSURE: "not_a_number"}
    assert entry.options[CONF_MAX_PRESSURE] == 150
