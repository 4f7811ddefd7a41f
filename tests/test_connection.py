"""Connection policy: advertisements between sessions, connect on demand, idle release,
follow a running session, reconnect, and clear reasons when the boots cannot be reached.

The ``duo`` tests run twice: behind the virtual proxy and behind an emulated ESPHome
proxy through Home Assistant's esphome integration (``any_proxy``)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.presso_boots.presso_ble import SessionState
from custom_components.presso_boots.presso_ble.const import CommandType
from custom_components.presso_boots.presso_ble.messages import (
    Auth,
    Command,
    DeviceStatus,
    Event,
    Stop,
    Telemetry,
)
from presso_sim import SimulatedBoots
from presso_sim.bluez import EmulatedBluetoothd
from presso_sim.esphome_proxy import ESPHomeProxy
from presso_sim.proxy import VirtualProxy

from .harness import DUO, PRO, Boots, set_value, switch

pytestmark = pytest.mark.usefixtures("no_errors_logged")

SWITCH = "switch.presso_d005"
PRESSURE = "number.presso_d005_pressure"


#: Tests about the virtual proxy's own slot accounting (their ESPHome twins are in
#: test_esphome_proxy.py: the fourth boots on a 3-slot proxy, two proxies).
VIRTUAL_ONLY = pytest.mark.parametrize("any_proxy", ["virtual"], indirect=True)


@pytest.fixture
async def duo(hass: HomeAssistant, any_proxy: VirtualProxy | ESPHomeProxy) -> Boots:
    # the chamber sensors: checked during reconnects
    return await Boots.set_up(hass, any_proxy, SimulatedBoots(DUO, 2), chamber_sensors=True)


async def _wait_for(condition: object, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not condition():  # type: ignore[operator]
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.02)


async def test_command_connects_then_idle_releases(hass: HomeAssistant, duo: Boots) -> None:
    assert duo.proxy.in_use == []
    await set_value(hass, PRESSURE, 60)
    assert duo.device.settings.pressure == 60
    assert duo.proxy.in_use == [DUO]
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await hass.async_block_till_done()
    assert duo.proxy.in_use == [DUO]  # still inside the 30 s idle delay
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert duo.proxy.in_use == []
    assert duo.device.central is None
    assert duo.coordinator.connected is False
    assert duo.state(SWITCH) == "off"  # still known from advertisements


async def test_session_holds_connection_then_releases(hass: HomeAssistant, duo: Boots) -> None:
    await switch(hass, "turn_on", SWITCH)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=120))
    await hass.async_block_till_done()
    assert duo.device.central is not None  # a running session keeps the link
    assert duo.device.telemetry_interval == 10
    await set_value(hass, PRESSURE, 60)
    assert duo.device.counters.executed[0x19] == 1  # telemetry asked once per link
    await switch(hass, "turn_off", SWITCH)
    await duo.run(5)
    assert duo.state("sensor.presso_d005_session_state") == "idle"
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert duo.device.central is None


async def test_reconnects_after_a_drop_mid_session(hass: HomeAssistant, duo: Boots) -> None:
    await switch(hass, "turn_on", SWITCH)
    sent = _record_telemetry(duo)
    await duo.run(20)
    connects = duo.proxy.radio.connect_count
    duo.proxy.radio.drop_link(DUO)
    await duo.handed_over()  # through a proxy the drop is reported over its API
    await hass.async_block_till_done(wait_background_tasks=True)
    await _wait_for(lambda: duo.coordinator.connected)
    assert duo.proxy.radio.connect_count == connects + 1
    assert duo.device.telemetry_interval == 10  # telemetry back on after reconnect
    await duo.run(15)
    assert duo.state(SWITCH) == "on"
    assert duo.state("sensor.presso_d005_session_state") == "running"
    chamber = duo.state("sensor.presso_d005_left_chamber_1")
    assert chamber is not None
    assert int(chamber) in {pressures[0] for pressures in sent}, "a pressure the boots sent"
    assert any(pressures[0] for pressures in sent), "the chamber inflated"


async def test_a_session_started_over_a_cold_link_gets_its_telemetry(
    hass: HomeAssistant, duo: Boots, hass_ws_client: WebSocketGenerator
) -> None:
    """START's answer and the STATUS saying "running" come in separate connection events;
    the card's subscription then gets the chamber pressures the boots send."""
    sent = _record_telemetry(duo)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "presso_boots/subscribe", "device_id": duo.device_id})
    assert (await client.receive_json())["success"]
    await client.receive_json()  # the state as it is
    duo.faults.connection_interval = 0.03
    await switch(hass, "turn_on", SWITCH)
    await duo.run(3)
    assert duo.device.telemetry_interval == 10  # chamber pressures every second: the card is live
    assert sent, "the boots sent telemetry"
    received: list[tuple[int, ...]] = []
    while len(received) < len(sent):
        message = await asyncio.wait_for(client.receive_json(), 5)
        if message["event"]["pressures"]:
            received.append(tuple(message["event"]["pressures"]))
    assert received[-1] == sent[-1], "the card has the last pressures the boots sent"
    assert any(any(pressures) for pressures in received), "and saw the chambers inflate"


def _record_telemetry(boots: Boots) -> list[tuple[int, ...]]:
    """The chamber pressures of every TELEMETRY the simulated boots send, in order."""
    sent: list[tuple[int, ...]] = []
    notify = boots.device._notify

    def recording(message: DeviceStatus | Telemetry | Event) -> None:
        if isinstance(message, Telemetry):
            sent.append(tuple(message.pressures))
        notify(message)

    boots.device._notify = recording  # type: ignore[method-assign]
    return sent


async def test_session_started_on_the_buttons_is_followed(hass: HomeAssistant, duo: Boots) -> None:
    duo.device.press_button("start")
    await duo.advertise()
    await hass.async_block_till_done(wait_background_tasks=True)
    await _wait_for(lambda: duo.coordinator.connected)
    assert duo.state(SWITCH) == "on"
    duo.device.press_button("stop")
    await duo.run(5)
    assert duo.state(SWITCH) == "off"
    assert duo.state("event.presso_d005_session") != "unknown"
    event = hass.states.get("event.presso_d005_session")
    assert event is not None
    assert event.attributes["event_type"] == "stopped_early"  # within its first third
    assert event.attributes["source"] == "buttons"


async def test_other_central_is_reported(hass: HomeAssistant, duo: Boots) -> None:
    duo.device.connect_central("phone app")
    await duo.advertise()
    with pytest.raises(HomeAssistantError) as err:
        await set_value(hass, PRESSURE, 60)
    assert err.value.translation_key == "other_central"
    assert duo.device.settings.pressure == 40


@VIRTUAL_ONLY
async def test_out_of_slots_is_reported_without_trying(
    hass: HomeAssistant, proxy: VirtualProxy, duo: Boots
) -> None:
    proxy.slots = 0
    with pytest.raises(HomeAssistantError) as err:
        await set_value(hass, PRESSURE, 60)
    assert err.value.translation_key == "out_of_slots"
    assert proxy.radio.connect_count == 0


async def test_out_of_range_is_reported(hass: HomeAssistant, duo: Boots) -> None:
    duo.faults.out_of_range = True
    with pytest.raises(HomeAssistantError) as err:
        await set_value(hass, PRESSURE, 60)
    # an ESPHome proxy or bluetoothd still holds the last advertisement: it tries and fails
    holds = isinstance(duo.proxy, ESPHomeProxy | EmulatedBluetoothd)
    expected = "cannot_connect" if holds else "not_found"
    assert err.value.translation_key == expected


async def test_stop_keeps_trying_while_the_link_is_down(hass: HomeAssistant, duo: Boots) -> None:
    await switch(hass, "turn_on", SWITCH)
    duo.faults.out_of_range = True
    duo.proxy.radio.drop_link(DUO)
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, "turn_off", SWITCH)
    assert err.value.translation_key == "stop_pending"
    assert duo.device.state == SessionState.RUNNING
    duo.faults.out_of_range = False  # back in range: the stop lands by itself
    await _wait_for(lambda: duo.device.state != SessionState.RUNNING, seconds=10)
    await duo.run(5)
    assert duo.state(SWITCH) == "off"


async def _stop_while_unreachable(hass: HomeAssistant, duo: Boots) -> None:
    """A session runs; the boots go out of range; the user's stop cannot land yet."""
    await switch(hass, "turn_on", SWITCH)
    duo.faults.out_of_range = True
    duo.proxy.radio.drop_link(DUO)
    await duo.handed_over()
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, "turn_off", SWITCH)
    assert err.value.translation_key == "stop_pending"


async def test_a_pending_stop_survives_a_reload(hass: HomeAssistant, duo: Boots) -> None:
    """Saving the options (or a restart) reloads the entry: the stop still lands."""
    await _stop_while_unreachable(hass, duo)
    await hass.config_entries.async_reload(duo.entry_id)
    await hass.async_block_till_done()
    assert duo.device.state == SessionState.RUNNING
    duo.faults.out_of_range = False
    await duo.advertise()  # heard again, still in a session: the stop goes on
    await _wait_for(lambda: duo.device.state != SessionState.RUNNING, seconds=10)
    await duo.run(5)
    assert duo.state(SWITCH) == "off"
    assert duo.entry is not None
    assert "stop_pending" not in duo.entry.data  # nothing left for the next session


async def test_a_session_started_after_a_pending_stop_is_not_stopped(
    hass: HomeAssistant, duo: Boots
) -> None:
    await _stop_while_unreachable(hass, duo)
    duo.faults.out_of_range = False
    await duo.advertise()
    await switch(hass, "turn_on", SWITCH)
    await asyncio.sleep(3)  # longer than the stop's retry delay (1 s, then 2 s)
    await duo.run(5)
    assert duo.device.state == SessionState.RUNNING
    assert duo.state(SWITCH) == "on"


async def test_a_stop_whose_link_breaks_while_subscribing_still_lands(
    hass: HomeAssistant, duo: Boots
) -> None:
    """The link comes up and breaks before notifications are on: a translated error, and retries."""
    await switch(hass, "turn_on", SWITCH)
    duo.proxy.radio.drop_link(DUO)
    await duo.handed_over()
    await hass.async_block_till_done()
    duo.coordinator.link.async_stop_retries()  # not following the session: the stop connects
    duo.faults.fail_subscriptions = 1
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, "turn_off", SWITCH)
    assert err.value.translation_key == "stop_pending"
    await _wait_for(lambda: duo.device.state != SessionState.RUNNING, seconds=10)
    await duo.run(5)
    assert duo.state(SWITCH) == "off"


@VIRTUAL_ONLY
async def test_two_boots_through_one_proxy(
    hass: HomeAssistant, proxy: VirtualProxy, duo: Boots
) -> None:
    pro = await Boots.set_up(hass, proxy, SimulatedBoots(PRO, 3))
    await switch(hass, "turn_on", SWITCH)
    await switch(hass, "turn_on", "switch.presso_e008")
    assert proxy.get_allocations().free == 1
    await duo.run(10)
    await pro.run(10)
    assert duo.device.state == pro.device.state == SessionState.RUNNING
    await hass.config_entries.async_unload(duo.entry_id)
    assert proxy.get_allocations().free == 2  # unloading released the link
    await hass.config_entries.async_reload(pro.entry_id)
    await pro.advertise()  # the boots no longer flag a central: ours let go on unload
    await _wait_for(lambda: pro.coordinator.connected)  # follows its running session again
    assert pro.state("switch.presso_e008") == "on"


DOMAIN_SWITCH = "switch"


async def test_following_a_session_started_elsewhere_proves_no_pin(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """A session only seen in advertisements (anyone can send them) gets no AUTH.

    Home Assistant follows it over the link without the PIN: the boots' own STATUS
    notifications need none. A wrong stored PIN is not even tried, so it neither
    locks the boots out nor starts a reauthentication nobody asked for.
    """
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2, pin="111111"))
    await boots.add_entry(pin="999999")
    auths: list[Command] = []
    boots.device.link.on_execute = lambda c: auths.append(c) if isinstance(c, Auth) else None
    boots.device.press_button("start")
    await boots.run(3)
    assert boots.coordinator.connected  # following the session
    assert auths == []
    assert boots.device.pin_lock.failed_attempts == 0
    assert hass.config_entries.flow.async_progress_by_handler("presso_boots") == []
    assert boots.state(SWITCH) == "on"
    boots.device.press_button("stop")
    await boots.run(2)
    assert boots.state(SWITCH) == "off"  # the STATUS over the link ended it
    assert auths == []


async def test_a_session_the_boots_ended_themselves_releases_the_link_once_they_are_idle(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await boots.add_entry()
    await boots.advertise()
    await hass.services.async_call(DOMAIN_SWITCH, "turn_on", {"entity_id": SWITCH}, blocking=True)
    await boots.run(3)
    boots.device.press_button("stop")  # the boots end it: nothing more to send them
    await boots.run(1)
    while boots.device.state != SessionState.IDLE:  # venting: the link stays
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=0.5))
        await hass.async_block_till_done(wait_background_tasks=True)
        assert boots.proxy.in_use == [DUO]
        await boots.run(1)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=0.5))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert boots.proxy.in_use == []  # at once, not after the 30 s idle delay


async def test_once_its_own_session_is_over_home_assistant_follows_the_next_without_the_pin(
    hass: HomeAssistant, proxy: VirtualProxy
) -> None:
    """Only following a session Home Assistant started proves the PIN, and only while it runs."""
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2, pin="111111"))
    await boots.add_entry(pin="111111")
    await boots.advertise()
    await hass.services.async_call(DOMAIN_SWITCH, "turn_on", {"entity_id": SWITCH}, blocking=True)
    await boots.run(3)
    boots.device.press_button("stop")
    await boots.run(3)
    assert boots.state(SWITCH) == "off"  # the STATUS over the link ended it
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert boots.proxy.in_use == []  # the link let go
    auths: list[Command] = []
    boots.device.link.on_execute = lambda c: auths.append(c) if isinstance(c, Auth) else None
    boots.device.press_button("start")
    await boots.run(3)
    assert boots.coordinator.connected  # following the session started on the buttons
    assert auths == []


async def test_a_session_that_ends_while_the_link_is_down_still_fires_its_event(
    hass: HomeAssistant, duo: Boots, freezer: FrozenDateTimeFactory
) -> None:
    duo.clock = freezer
    await switch(hass, "turn_on", SWITCH)
    await set_value(hass, "number.presso_d005_session_length", 5)
    await duo.run(4 * 60 + 50)
    duo.faults.out_of_range = True
    duo.proxy.radio.drop_link(DUO)
    await duo.run(30)  # the boots finish on their own while we cannot reach them
    assert duo.device.state == SessionState.IDLE
    # the advertisements say the session is over; only the link may end it
    assert duo.state(SWITCH) == "on"
    duo.faults.out_of_range = False
    await duo.run(70)  # the reconnect's backoff (at most 32 s by now) runs on the frozen clock
    event = hass.states.get("event.presso_d005_session")
    assert event is not None
    assert event.attributes["event_type"] == "finished"
    assert event.attributes["duration"] == 5
    assert duo.state(SWITCH) == "off"


async def test_a_session_stopped_while_the_link_is_down_is_reported_stopped(
    hass: HomeAssistant, duo: Boots, freezer: FrozenDateTimeFactory
) -> None:
    """Its twin above ends on its own; this one is stopped on the buttons mid-way, minutes
    before its end: when the boots are next seen idle it is "stopped", not "finished", and it
    counts the minutes the boots ran, not the ones until Home Assistant heard of the end."""
    duo.clock = freezer
    await switch(hass, "turn_on", SWITCH)
    await set_value(hass, "number.presso_d005_session_length", 5)
    await duo.run(2 * 60)  # past the first third: a stop now is not "stopped early"
    duo.faults.out_of_range = True
    duo.proxy.radio.drop_link(DUO)
    await duo.run(10)
    ran = duo.device.elapsed
    duo.device.press_button("stop")  # 2 min 50 s before its end
    await duo.run(20)
    assert duo.device.state == SessionState.IDLE
    # An advertisement saying "idle" this early is not taken on its word (the link
    # decides): back in range, the link the integration keeps trying tells.
    duo.faults.out_of_range = False
    await duo.run(30)
    event = hass.states.get("event.presso_d005_session")
    assert event is not None
    assert event.attributes["event_type"] == "stopped"
    assert event.attributes["source"] == "unknown"  # nobody told us who stopped it
    assert event.attributes["duration"] == 5
    assert duo.state(SWITCH) == "off"
    # heard of 50 s after it: the boots' lifetime therapy seconds tell how long it ran
    assert event.attributes["minutes"] == pytest.approx(ran / 60, abs=0.1)
    assert float(duo.state("sensor.presso_d005_therapy_today")) == pytest.approx(ran / 60, abs=0.1)


async def test_a_stop_that_ran_before_the_link_dropped_is_not_sent_again(
    hass: HomeAssistant, duo: Boots, freezer: FrozenDateTimeFactory
) -> None:
    duo.clock = freezer  # the link's latency and the retry's backoff run on the boots' clock
    stops: list[Command] = []
    duo.device.link.on_execute = lambda command: (
        stops.append(command) if isinstance(command, Stop) else None
    )
    await switch(hass, "turn_on", SWITCH)
    duo.faults.disconnect_on_command = CommandType.STOP  # it runs, then the link drops
    duo.faults.latency = 0.5  # getting the link back takes 1.5 s: the stop's retry comes first
    turn_off = asyncio.ensure_future(
        hass.services.async_call(DOMAIN_SWITCH, "turn_off", {"entity_id": SWITCH}, blocking=True)
    )
    await duo.run(10, step=0.25, block=False)
    with pytest.raises(HomeAssistantError) as err:
        await turn_off
    assert err.value.translation_key == "stop_pending"
    await duo.run(5)
    assert duo.device.state == SessionState.IDLE
    assert duo.state(SWITCH) == "off"
    assert len(stops) == 1  # the STATUS read on reconnecting told the session had ended
