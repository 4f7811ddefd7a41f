"""The boots through Home Assistant's real esphome integration, aioesphomeapi and bleak-esphome.

Every test here talks to an emulated ESPHome Bluetooth proxy over the native
API on 127.0.0.1: discovery, config flow, sessions, telemetry, link drops,
proxy reboots and connection slots take the path most users have.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from unittest.mock import PropertyMock, patch

import pytest
from aioesphomeapi import BluetoothProxyFeature
from aioesphomeapi.client import APIClient
from aioesphomeapi.core import BluetoothGATTAPIError
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import bluetooth
from homeassistant.components.bluetooth import BluetoothScanningMode
from homeassistant.const import CONF_ADDRESS
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.presso_boots.const import CONF_SAFETY_ACKNOWLEDGED, DOMAIN
from custom_components.presso_boots.presso_ble import SessionState
from custom_components.presso_boots.presso_ble.const import (
    CONTROL_POINT_UUID,
    EVENTS_UUID,
    SERVICE_UUID,
)
from presso_sim import SimRadio, SimulatedBoots
from presso_sim.esphome_api import (
    FramingError,
    decode_frames,
    encode_message,
    mac_to_int,
    parse_message,
    pb,
)
from presso_sim.esphome_proxy import ESPHomeProxy
from presso_sim.proxy import VirtualProxy

from .esphome import ESPHomeProxies, barrier
from .harness import DUO, PRO, Boots, set_value, switch

pytestmark = pytest.mark.usefixtures("no_errors_logged")

SWITCH = "switch.presso_d005"
PRO_SWITCH = "switch.presso_e008"


def _running(boots: Boots) -> bool:
    return boots.device.state == SessionState.RUNNING


def _free_slots_seen_by_home_assistant(hass: HomeAssistant, proxy: ESPHomeProxy) -> int:
    scanner = bluetooth.async_scanner_by_source(hass, proxy.bluetooth_mac)
    assert scanner is not None, "the proxy's scanner is registered"
    allocations = scanner.get_allocations()
    assert allocations is not None
    return allocations.free


@pytest.fixture
def chamber_sensors_enabled() -> Iterator[None]:
    """Chamber pressure sensors are off by default; the telemetry test looks at them."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
async def duo(hass: HomeAssistant, esphome_proxy: ESPHomeProxy) -> Boots:
    return await Boots.set_up(hass, esphome_proxy, SimulatedBoots(DUO, 2))


async def test_discovery_through_the_esphome_scanner_creates_an_entry(
    hass: HomeAssistant, esphome_proxy: ESPHomeProxy
) -> None:
    device = esphome_proxy.radio.add(SimulatedBoots(DUO, 2, serial="DUO00005"))
    esphome_proxy.advertise(device)
    await barrier(hass, esphome_proxy)
    await hass.async_block_till_done(wait_background_tasks=True)
    info = bluetooth.async_last_service_info(hass, DUO, connectable=True)
    assert info is not None
    assert info.source == esphome_proxy.bluetooth_mac  # heard through the ESPHome scanner
    assert info.name == "Presso D005"  # the scan response's complete name
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "bluetooth_confirm"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["step_id"] == "safety"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_SAFETY_ACKNOWLEDGED: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_ADDRESS] == DUO
    assert result["data"]["device"]["chambers"] == 5
    await barrier(hass, esphome_proxy)
    assert esphome_proxy.stats.connects == [(DUO, False)]  # the handshake, services not cached yet
    assert esphome_proxy.in_use == []  # and it let go of the slot
    assert device.central is None
    assert hass.states.get(SWITCH) is not None


async def test_the_emulated_proxy_looks_current_to_home_assistant(
    hass: HomeAssistant, esphome_proxy: ESPHomeProxy
) -> None:
    """No repair for the proxy (a newcomer would read "firmware outdated" as our problem)."""
    from homeassistant.helpers import issue_registry as ir

    assert [i for i in ir.async_get(hass).issues.values() if i.domain == "esphome"] == []


async def test_the_emulated_proxy_reports_its_scanner_mode(
    hass: HomeAssistant, esphome_proxy: ESPHomeProxy
) -> None:
    """Settings -> Bluetooth shows how it scans, as for a real proxy, not "No scanning"."""
    await barrier(hass, esphome_proxy)
    scanner = bluetooth.async_scanner_by_source(hass, esphome_proxy.bluetooth_mac)
    assert scanner is not None
    assert scanner.current_mode is BluetoothScanningMode.PASSIVE


async def test_a_passive_proxy_still_names_the_boots_in_full(
    hass: HomeAssistant, esphome_proxies: ESPHomeProxies
) -> None:
    """A passive scan never hears the scan response: only the short name "Presso" is heard."""
    proxy = await esphome_proxies.start(active=False)
    device = proxy.radio.add(SimulatedBoots(DUO, 2))
    proxy.advertise(device)
    await barrier(hass, proxy)
    await hass.async_block_till_done(wait_background_tasks=True)
    info = bluetooth.async_last_service_info(hass, DUO, connectable=True)
    assert info is not None
    assert info.name == "Presso"  # what the advertising data carries
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["title_placeholders"] == {"name": "Presso D005"}
    await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_SAFETY_ACKNOWLEDGED: True}
    )
    assert result["title"] == "Presso D005"
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH) is not None  # switch.presso_d005, not switch.presso


async def test_session_start_telemetry_and_stop(
    hass: HomeAssistant,
    chamber_sensors_enabled: None,
    duo: Boots,
    esphome_proxy: ESPHomeProxy,
    freezer: FrozenDateTimeFactory,
) -> None:
    duo.clock = freezer
    await switch(hass, "turn_on", SWITCH)
    assert duo.device.state == SessionState.RUNNING
    # notifications only flow once bleak-esphome wrote the events characteristic's CCCD
    assert esphome_proxy.stats.operations("write descriptor") == 1
    await duo.run(20)
    assert duo.state(SWITCH) == "on"
    assert duo.state("sensor.presso_d005_session_state") == "running"
    pressures = [int(duo.state(f"sensor.presso_d005_left_chamber_{n}")) for n in range(1, 6)]
    assert max(pressures) > 0  # TELEMETRY notifications reached the chamber sensors
    await switch(hass, "turn_off", SWITCH)
    assert not _running(duo)
    await duo.run(10)
    assert duo.state(SWITCH) == "off"
    assert duo.state("sensor.presso_d005_session_state") == "idle"


async def test_link_drop_mid_session_reconnects_with_cached_services(
    hass: HomeAssistant, duo: Boots, esphome_proxy: ESPHomeProxy
) -> None:
    await switch(hass, "turn_on", SWITCH)
    await duo.run(5)
    assert esphome_proxy.stats.operations("discover services") == 1
    duo.proxy.radio.drop_link(DUO)  # the radio link breaks under the proxy
    await barrier(hass, esphome_proxy)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert duo.coordinator.connected
    assert esphome_proxy.stats.connects[-1] == (DUO, True)  # connect with cache ...
    assert esphome_proxy.stats.operations("discover services") == 1  # ... and no discovery
    assert duo.device.telemetry_interval == 10  # telemetry back on after the reconnect
    await duo.run(10)
    assert duo.state("sensor.presso_d005_session_state") == "running"


async def test_proxy_reboot_mid_session_the_sessions_run_on_and_stops_land(
    hass: HomeAssistant, duo: Boots, esphome_proxy: ESPHomeProxy
) -> None:
    pro = await Boots.set_up(hass, esphome_proxy, SimulatedBoots(PRO, 3))
    await switch(hass, "turn_on", SWITCH)
    await switch(hass, "turn_on", PRO_SWITCH)
    await duo.run(5)
    esphome_proxy.reboot()  # the API connection and every link drop at once
    assert duo.device.central is None
    assert pro.device.central is None
    await esphome_proxy.wait_for_client()  # Home Assistant reconnected the API
    await barrier(hass, esphome_proxy)
    assert _running(duo)  # the boots never noticed
    assert _running(pro)
    for boots in (duo, pro):
        await boots.advertise()  # heard again through the proxy's new scanner
    assert duo.state(SWITCH) == "on"
    await switch(hass, "turn_off", SWITCH)
    await switch(hass, "turn_off", PRO_SWITCH)
    assert not _running(duo)  # the stops landed over new links
    assert not _running(pro)
    await duo.run(10)
    await pro.run(1)
    assert duo.state(SWITCH) == "off"
    assert pro.state(PRO_SWITCH) == "off"


async def test_fourth_boots_on_a_three_slot_proxy_is_told_why(
    hass: HomeAssistant, esphome_proxy: ESPHomeProxy
) -> None:
    pairs = [
        Boots(hass, esphome_proxy, SimulatedBoots(f"C0:FF:EE:00:D0:0{n}", 2)) for n in (1, 2, 3, 4)
    ]
    for boots in pairs:
        await boots.add_entry()
        await boots.advertise()
    for boots in pairs[:3]:
        await switch(hass, "turn_on", f"switch.presso_d00{boots.device.address[-1]}")
    await barrier(hass, esphome_proxy)
    assert esphome_proxy.free_slots == 0
    assert _free_slots_seen_by_home_assistant(hass, esphome_proxy) == 0
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, "turn_on", "switch.presso_d004")
    assert err.value.translation_key == "out_of_slots"
    assert pairs[3].device.address not in {address for address, _ in esphome_proxy.stats.connects}
    assert pairs[3].device.state == SessionState.IDLE


async def test_boots_heard_by_two_proxies_connect_through_the_one_with_a_free_slot(
    hass: HomeAssistant, esphome_proxies: ESPHomeProxies
) -> None:
    living_room = await esphome_proxies.start("living-room", slots=1)
    bedroom = await esphome_proxies.start("bedroom", hears=[DUO])
    other = Boots(hass, living_room, SimulatedBoots("C0:FF:EE:00:D0:01", 2))
    duo = Boots(hass, living_room, SimulatedBoots(DUO, 2))
    living_room.rssi[DUO] = -50  # the living room hears the Duo best ...
    bedroom.rssi[DUO] = -85
    for boots in (other, duo):
        await boots.add_entry()
        await boots.advertise()
    bedroom.advertise(duo.device)
    await switch(hass, "turn_on", "switch.presso_d001")  # ... but its one slot is taken
    await barrier(hass, living_room, bedroom)
    await switch(hass, "turn_on", SWITCH)
    assert duo.device.state == SessionState.RUNNING
    assert DUO in bedroom.links
    assert DUO not in living_room.links


async def test_slots_taken_by_other_devices_are_reported_and_given_back(
    hass: HomeAssistant, duo: Boots, esphome_proxy: ESPHomeProxy
) -> None:
    assert esphome_proxy.occupy_slots() == 3  # another integration's devices take them all
    await barrier(hass, esphome_proxy)
    assert _free_slots_seen_by_home_assistant(hass, esphome_proxy) == 0
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, "turn_on", SWITCH)
    assert err.value.translation_key == "out_of_slots"
    esphome_proxy.release_slots()
    await barrier(hass, esphome_proxy)
    assert _free_slots_seen_by_home_assistant(hass, esphome_proxy) == 3
    await switch(hass, "turn_on", SWITCH)
    assert _running(duo)


async def test_after_the_idle_delay_the_proxy_reports_every_slot_free(
    hass: HomeAssistant, duo: Boots, esphome_proxy: ESPHomeProxy
) -> None:
    await set_value(hass, "number.presso_d005_pressure", 60)
    assert duo.device.settings.pressure == 60
    await barrier(hass, esphome_proxy)
    assert _free_slots_seen_by_home_assistant(hass, esphome_proxy) == 2
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)
    await barrier(hass, esphome_proxy)
    assert esphome_proxy.in_use == []
    assert _free_slots_seen_by_home_assistant(hass, esphome_proxy) == 3
    assert duo.device.central is None


async def test_a_refused_connect_is_retried(
    hass: HomeAssistant, duo: Boots, esphome_proxy: ESPHomeProxy
) -> None:
    esphome_proxy.refuse_connects = 1  # ESP_GATT_CONN_FAIL_ESTABLISH once
    await switch(hass, "turn_on", SWITCH)
    assert duo.device.state == SessionState.RUNNING
    assert [address for address, _ in esphome_proxy.stats.connects] == [DUO, DUO]


@pytest.mark.parametrize("where", ["radio", "proxy"])
async def test_a_link_dropped_anywhere_is_reported_before_the_free_slot(
    hass: HomeAssistant, duo: Boots, esphome_proxy: ESPHomeProxy, where: str
) -> None:
    await switch(hass, "turn_on", SWITCH)
    if where == "radio":
        duo.faults.disconnect_on_command = 0x14  # LinkFaults: SET_PRESSURE drops the link
        with pytest.raises(HomeAssistantError):
            await set_value(hass, "number.presso_d005_pressure", 60)
    else:
        esphome_proxy.drop_link(DUO)
    await barrier(hass, esphome_proxy)
    await hass.async_block_till_done(wait_background_tasks=True)
    # bleak-esphome kept the link it was told about first: no stale-link teardown warning
    assert duo.coordinator.connected
    assert _running(duo)
    assert [address for address, _ in esphome_proxy.stats.connects] == [DUO, DUO]


async def test_a_stalled_proxy_holds_the_command_until_it_recovers(
    hass: HomeAssistant, duo: Boots, esphome_proxy: ESPHomeProxy
) -> None:
    await switch(hass, "turn_on", SWITCH)
    esphome_proxy.stall()
    command = hass.async_create_task(
        hass.services.async_call(
            "number",
            "set_value",
            {"entity_id": "number.presso_d005_pressure", "value": 60},
            blocking=True,
        )
    )
    await esphome_proxy.ping()  # the API still answers; the radio does not
    assert not command.done()
    assert duo.device.settings.pressure != 60
    esphome_proxy.resume()
    await command
    assert duo.device.settings.pressure == 60


async def test_boots_harness_on_either_proxy(
    hass: HomeAssistant, any_proxy: VirtualProxy | ESPHomeProxy
) -> None:
    duo = await Boots.set_up(hass, any_proxy, SimulatedBoots(DUO, 2))
    await switch(hass, "turn_on", SWITCH)
    await duo.run(5)
    assert duo.state("sensor.presso_d005_session_state") == "running"
    await switch(hass, "turn_off", SWITCH)
    await duo.run(10)
    assert duo.state(SWITCH) == "off"


# --- the emulator on its own, under aioesphomeapi -------------------------------------------


@pytest.fixture
async def api_client(
    socket_enabled: None, radio: SimRadio
) -> AsyncIterator[tuple[APIClient, ESPHomeProxy]]:
    proxy = ESPHomeProxy(radio)
    port = await proxy.start()
    client = APIClient(proxy.host, port, None, zeroconf_instance=None)
    await client.connect(login=False)
    yield client, proxy
    await client.disconnect()
    await proxy.stop()


async def test_device_info_says_what_home_assistant_needs(
    api_client: tuple[APIClient, ESPHomeProxy],
) -> None:
    client, proxy = api_client
    info = await client.device_info()
    assert info.bluetooth_mac_address == proxy.bluetooth_mac
    assert info.bluetooth_proxy_feature_flags == (
        BluetoothProxyFeature.PASSIVE_SCAN
        | BluetoothProxyFeature.ACTIVE_CONNECTIONS
        | BluetoothProxyFeature.REMOTE_CACHING
        | BluetoothProxyFeature.RAW_ADVERTISEMENTS
        | BluetoothProxyFeature.FEATURE_STATE_AND_MODE
    )
    entities, services = await client.list_entities_services()
    assert (entities, services) == ([], [])


async def test_services_carry_a_cccd_and_unsupported_requests_get_gatt_errors(
    api_client: tuple[APIClient, ESPHomeProxy],
) -> None:
    client, proxy = api_client
    proxy.radio.add(SimulatedBoots(DUO, 2))
    address = mac_to_int(DUO)
    states: list[tuple[bool, int, int]] = []
    await client.bluetooth_device_connect(
        address,
        lambda connected, mtu, error: states.append((connected, mtu, error)),
        feature_flags=BluetoothProxyFeature.REMOTE_CACHING,
        address_type=0,
    )
    assert states == [(True, 247, 0)]
    (service,) = (await client.bluetooth_gatt_get_services(address)).services
    assert service.uuid == SERVICE_UUID
    chars = {char.uuid: char for char in service.characteristics}
    assert [d.uuid for d in chars[EVENTS_UUID].descriptors] == [
        "00002902-0000-1000-8000-00805f9b34fb"
    ]
    assert chars[CONTROL_POINT_UUID].descriptors == []
    with pytest.raises(BluetoothGATTAPIError, match="Read not permitted"):
        await client.bluetooth_gatt_read(address, chars[CONTROL_POINT_UUID].handle)
    with pytest.raises(BluetoothGATTAPIError, match="Invalid handle"):
        await client.bluetooth_gatt_write(address, 0x77, b"\x00", response=True)
    await client.bluetooth_device_disconnect(address)
    assert states[-1][0] is False
    assert proxy.in_use == []


def test_plaintext_frames_round_trip_in_pieces() -> None:
    hello = pb.HelloResponse(api_version_major=1, api_version_minor=14, name="p" * 200)
    stream = encode_message(pb.PingRequest()) + encode_message(hello)
    assert stream[:3] == bytes((0x00, 0x00, 7))  # preamble, empty payload, PingRequest
    frames, rest = decode_frames(stream[:-5])
    assert [msg_id for msg_id, _ in frames] == [7]
    frames, rest = decode_frames(rest + stream[-5:])
    ((msg_id, payload),) = frames
    assert rest == b""
    assert parse_message(msg_id, payload) == hello


def test_an_encrypted_client_is_refused() -> None:
    with pytest.raises(FramingError, match="preamble"):
        decode_frames(b"\x01\x00\x05")
