"""Someone nearby with a radio (issue 22): forged advertisements and a peer at the boots' address.

Advertisements carry no authentication and an address is only a claim. Whatever such a
radio sends, a stop the user asked for lands on the real boots, no session is ended or
counted on its word, and the PIN's proof goes to nobody beyond the guard's budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import intent
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockUser, async_fire_time_changed

from custom_components.presso_boots import connection
from custom_components.presso_boots.connection import STATUS_SILENCE
from custom_components.presso_boots.const import CONF_STOP_PENDING, DOMAIN
from custom_components.presso_boots.intent import INTENT_STOP
from custom_components.presso_boots.presso_ble import SessionState
from custom_components.presso_boots.presso_ble.const import AdvertisementFlag
from custom_components.presso_boots.presso_ble.guard import AUTH_BURST
from custom_components.presso_boots.presso_ble.messages import Auth, Command, Start, Stop
from presso_sim import SimulatedBoots
from presso_sim.esphome_proxy import ESPHomeProxy
from presso_sim.proxy import VirtualProxy
from presso_sim.spoofer import Impostor, Spoofer

from .harness import DUO, PRO, Boots, set_value, switch

pytestmark = pytest.mark.usefixtures("no_errors_logged")

IDLE = AdvertisementFlag(0)
ACTIVE = AdvertisementFlag.SESSION_ACTIVE
SWITCH = "switch.presso_d005"
PIN = "123456"


class Executed:
    """Commands the real boots executed, by kind."""

    def __init__(self, boots: SimulatedBoots) -> None:
        self.commands: list[Command] = []
        boots.link.on_execute = self.commands.append

    def count(self, kind: type[Command]) -> int:
        return sum(isinstance(command, kind) for command in self.commands)


def entity(hass: HomeAssistant, boots: Boots, platform: str, key: str) -> str:
    """An entity's id from its unique id (users rename entity ids)."""
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{boots.device.address}-{key}"
    )
    assert entity_id is not None, key
    return entity_id


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Let Home Assistant's background work run until ``condition`` holds."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (polls state the test does not own)
            await asyncio.sleep(0.01)


async def forge(boots: Boots, spoofer: Spoofer, **fields: object) -> None:
    """The spoofer sends one advertisement under the boots' address."""
    spoofer.forge(**fields)
    boots.proxy.advertise(spoofer)
    await boots.handed_over()
    await boots.hass.async_block_till_done()


@pytest.fixture
async def pro(hass: HomeAssistant, proxy: VirtualProxy) -> Boots:
    """Pro 8 boots with a PIN, known to Home Assistant and heard."""
    return await Boots.set_up(hass, proxy, SimulatedBoots(PRO, 3, pin=PIN), pin=PIN)


@pytest.fixture
async def duo(hass: HomeAssistant, any_proxy: VirtualProxy | ESPHomeProxy) -> Boots:
    return await Boots.set_up(hass, any_proxy, SimulatedBoots(DUO, 2))


@pytest.mark.parametrize("any_proxy", ["virtual"], indirect=True)
async def test_a_forged_idle_advertisement_does_not_cancel_a_pending_stop(
    hass: HomeAssistant, duo: Boots
) -> None:
    """Point 1: the stop keeps trying and lands once the real boots are reachable.

    Virtual proxy only: the emulated ESP hears nothing at an address that is out of its
    range, the spoofer included, so there the forged advertisement would not arrive.
    """
    executed = Executed(duo.device)
    spoofer = Spoofer(duo.device)
    await switch(hass, "turn_on", SWITCH)
    await duo.run(5)
    duo.faults.out_of_range = True
    duo.proxy.radio.drop_link(DUO)
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, "turn_off", SWITCH)
    assert err.value.translation_key == "stop_pending"
    await forge(duo, spoofer, flags=IDLE, remaining_seconds=0)  # "the session is over"
    assert duo.entry is not None
    assert duo.entry.data.get(CONF_STOP_PENDING) is True
    assert duo.state(SWITCH) == "on"
    duo.faults.out_of_range = False
    await duo.run(1)
    await hass.async_block_till_done(wait_background_tasks=True)  # the stop's backoff
    assert executed.count(Stop) == 1
    assert duo.device.state in (SessionState.FINISHING, SessionState.IDLE)
    assert duo.entry.data.get(CONF_STOP_PENDING) is None


@pytest.mark.parametrize("any_proxy", ["virtual"], indirect=True)
async def test_a_forged_idle_advertisement_does_not_end_the_stop_of_a_session_seen_only_on_air(
    hass: HomeAssistant, duo: Boots
) -> None:
    """Point 1 for a session started on the buttons that Home Assistant could not reach yet."""
    executed = Executed(duo.device)
    spoofer = Spoofer(duo.device)
    duo.faults.out_of_range = True
    duo.device.press_button("start")
    await duo.run(2)
    assert duo.state(SWITCH) == "on"  # from the advertisements
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, "turn_off", SWITCH)
    assert err.value.translation_key == "stop_pending"
    await forge(duo, spoofer, flags=IDLE, remaining_seconds=0)
    assert duo.state(SWITCH) == "off"  # shown: advertisements fill in between links
    assert duo.entry is not None
    assert duo.entry.data.get(CONF_STOP_PENDING) is True  # but they do not end the stop
    duo.faults.out_of_range = False
    # the retry's backoff runs out on Home Assistant's clock; then it runs to the end
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert executed.count(Stop) == 1
    assert duo.device.state in (SessionState.FINISHING, SessionState.IDLE)
    assert duo.entry.data.get(CONF_STOP_PENDING) is None


async def test_a_forged_advertisement_over_the_link_neither_ends_nor_restarts_a_session(
    hass: HomeAssistant, duo: Boots
) -> None:
    """Point 2: one counter ahead and idle: the switch stays on, and toggle stops."""
    executed = Executed(duo.device)
    spoofer = Spoofer(duo.device)
    await switch(hass, "turn_on", SWITCH)
    await duo.run(120)
    assert duo.coordinator.connected
    await forge(duo, spoofer, flags=IDLE, remaining_seconds=0)
    assert duo.state(SWITCH) == "on"
    assert duo.state(entity(hass, duo, "sensor", "session_state")) == "running"
    assert duo.device.elapsed >= 120  # not restarted
    await switch(hass, "toggle", SWITCH)
    assert executed.count(Start) == 1  # only the user's
    assert executed.count(Stop) == 1
    assert duo.device.state != SessionState.RUNNING


@pytest.mark.parametrize("any_proxy", ["virtual"], indirect=True)
async def test_a_forged_other_app_bit_does_not_stop_a_stop_from_trying(
    hass: HomeAssistant, duo: Boots
) -> None:
    """Point 3: "another app is connected" in an advertisement; the stop is tried anyway."""
    executed = Executed(duo.device)
    spoofer = Spoofer(duo.device)
    duo.faults.out_of_range = True  # heard, but Home Assistant cannot follow yet
    duo.device.press_button("start")
    await duo.run(2)
    await forge(duo, spoofer, flags=ACTIVE | AdvertisementFlag.CENTRAL_CONNECTED)
    assert duo.coordinator.link.other_central
    duo.faults.out_of_range = False
    await switch(hass, "turn_off", SWITCH)  # lands at once: no "held by another app" refusal
    assert executed.count(Stop) == 1
    assert duo.device.state != SessionState.RUNNING


@pytest.mark.parametrize("any_proxy", ["virtual"], indirect=True)
async def test_forged_session_ends_do_not_move_the_routine(
    hass: HomeAssistant, any_proxy: VirtualProxy
) -> None:
    """Point 4: three forged active -> idle pairs count nothing; values stay in the envelope."""
    duo = Boots(hass, any_proxy, SimulatedBoots(DUO, 2))
    duo.faults.out_of_range = True  # so nothing is verified over the link either
    await duo.add_entry(gentle_start=True)
    await duo.advertise()
    limit = entity(hass, duo, "sensor", "limit_pressure")
    today = entity(hass, duo, "sensor", "therapy_today")
    suggested = entity(hass, duo, "sensor", "suggested_pressure")
    before = (duo.state(limit), duo.state(today), duo.state(suggested))
    spoofer = Spoofer(duo.device)
    for _ in range(3):
        await forge(duo, spoofer, flags=ACTIVE, remaining_seconds=900, target_pressure=100)
        await forge(duo, spoofer, flags=IDLE, remaining_seconds=0)
    assert (duo.state(limit), duo.state(today), duo.state(suggested)) == before
    assert duo.coordinator.routine.sessions == []
    assert duo.coordinator.routine.plan_done == 0
    await forge(duo, spoofer, battery=254, target_pressure=255, duration_minutes=200)
    assert duo.state(entity(hass, duo, "sensor", "battery")) == "unknown"
    assert duo.state(entity(hass, duo, "number", "pressure")) == "unknown"
    assert duo.state(entity(hass, duo, "number", "duration")) == "unknown"


async def test_following_a_forged_session_on_boots_with_a_pin_sends_no_proof(
    hass: HomeAssistant, proxy: VirtualProxy, pro: Boots
) -> None:
    """Point 5: a forged "session active" makes Home Assistant look, without the PIN."""
    executed = Executed(pro.device)
    spoofer = Spoofer(pro.device)
    battery = entity(hass, pro, "sensor", "battery")
    real = pro.state(battery)
    await forge(pro, spoofer, flags=ACTIVE | AdvertisementFlag.PIN_REQUIRED, battery=254)
    await pro.run(1)
    assert pro.coordinator.connected  # it looks
    assert pro.state(battery) == "unknown"  # a battery the boots cannot have
    # the boots send no STATUS: the link's silence shows no session runs
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=STATUS_SILENCE + 1))
    await hass.async_block_till_done()
    assert executed.count(Auth) == 0
    assert pro.state("switch.presso_e008") == "off"
    # a link that found no session to follow lets go at once (not after the idle delay),
    # and the boots' own next advertisement shows the truth again
    await _until(lambda: pro.device.central is None)
    await pro.advertise()
    assert pro.state(battery) == real


async def _own_session_then_link_to(pro: Boots, impostor: Impostor) -> None:
    """Home Assistant starts a session, then the impostor answers at the boots' address."""
    await switch(pro.hass, "turn_on", "switch.presso_e008")
    await pro.run(3)
    pro.proxy.radio.drop_link(PRO)
    pro.proxy.radio.devices[PRO] = impostor
    await pro.run(2)
    await pro.hass.async_block_till_done(wait_background_tasks=False)


@pytest.mark.parametrize(("serial", "reason"), [("FAKE0001", "identity"), ("PB000001", "nonce")])
async def test_a_peer_at_the_boots_address_gets_no_proof_of_the_pin(
    hass: HomeAssistant, pro: Boots, serial: str, reason: str
) -> None:
    """Point 5: another identity, or a replayed HELLO (a nonce seen before): no AUTH, a repair."""
    await switch(hass, "turn_on", "switch.presso_e008")
    seen_nonce = pro.device.pin_lock.nonce  # sent in the clear in HELLO's answer
    impostor = Impostor(pro.device, serial=serial, nonce=seen_nonce)
    await _own_session_then_link_to(pro, impostor)
    assert impostor.proofs == []
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"impersonation_{pro.entry_id}")
    assert issue is not None
    assert issue.translation_key == f"impersonation_{reason}"
    await pro.coordinator.link.async_close()


async def test_proofs_nobody_asked_for_are_rate_limited(
    hass: HomeAssistant, proxy: VirtualProxy, pro: Boots, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point 5: a peer that keeps dropping the link during Home Assistant's own session
    collects a handful of proofs, not one per drop; a user's command is not held back.

    The reconnects' backoff is cut to milliseconds: at its real 1 s doubling, the drops
    took seconds of wall time and a loaded machine ran past the wait (the guard's budget
    earns a proof back every 30 s of that same clock).
    """
    monkeypatch.setattr(connection, "RECONNECT_BACKOFF", (0.01, 0.05, 0.25))
    await switch(hass, "turn_on", "switch.presso_e008")  # Home Assistant's own session
    impostor = Impostor(pro.device, serial="PB000001")  # the serial, read from the air
    impostor.press_button("start")  # it claims a session too, so the link is followed
    proxy.radio.drop_link(PRO)
    proxy.radio.devices[PRO] = impostor
    link = pro.coordinator.link
    limited = False
    for _ in range(2 * AUTH_BURST):  # each drop: the follow reconnects, proving the PIN
        proofs = len(impostor.proofs)
        await _until(
            lambda: (
                len(impostor.proofs) > proofs  # noqa: B023
                or link.last_error == "AuthRateLimitedError"
            )
        )
        if limited := link.last_error == "AuthRateLimitedError":
            break
        proxy.radio.drop_link(PRO)
    assert limited
    assert len(impostor.proofs) == AUTH_BURST
    # the user asks for something: their command is not rationed
    await set_value(hass, "number.presso_e008_pressure", 45)
    assert len(impostor.proofs) == AUTH_BURST + 1
    await pro.coordinator.link.async_close()


async def test_a_read_only_user_cannot_start_the_boots_by_action(
    hass: HomeAssistant, duo: Boots, hass_read_only_user: MockUser, hass_admin_user: MockUser
) -> None:
    """Point 6: the boots' actions check control of the boots, as entity services do."""
    executed = Executed(duo.device)
    read_only = Context(user_id=hass_read_only_user.id)
    for service in ("start_session", "pause_session", "resume_session", "stop_session"):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                DOMAIN, service, {"device_id": duo.device_id}, blocking=True, context=read_only
            )
    assert executed.commands == []
    # reading is allowed: would a session start now?
    answer = await hass.services.async_call(
        DOMAIN,
        "check_session",
        {"device_id": duo.device_id},
        blocking=True,
        return_response=True,
        context=read_only,
    )
    assert answer is not None
    assert answer["allowed"] is True
    status = await hass.services.async_call(
        DOMAIN,
        "session_status",
        {"device_id": duo.device_id},
        blocking=True,
        return_response=True,
        context=read_only,
    )
    assert status == {"active": False, "state": "idle", "minutes_left": None}
    await hass.services.async_call(
        DOMAIN,
        "start_session",
        {"device_id": duo.device_id},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    assert executed.count(Start) == 1


async def test_voice_checks_the_user_and_what_is_exposed(
    hass: HomeAssistant, duo: Boots, hass_read_only_user: MockUser
) -> None:
    """Point 6: the stop intent (also reachable over /api/intent/handle) checks the user,
    and boots not exposed to the assistant asking are not found."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "intent", {})
    await hass.async_block_till_done()
    await switch(hass, "turn_on", SWITCH)
    stop = INTENT_STOP
    with pytest.raises(intent.IntentHandleError) as err:
        await intent.async_handle(
            hass, "test", stop, {}, context=Context(user_id=hass_read_only_user.id)
        )
    assert "not allowed" in str(err.value)
    assert duo.device.state == SessionState.RUNNING
    async_expose_entity(hass, conversation.DOMAIN, SWITCH, False)
    with pytest.raises(intent.IntentHandleError) as err:
        await intent.async_handle(hass, "test", stop, {}, assistant=conversation.DOMAIN)
    assert "which leg boots" in str(err.value)
    assert duo.device.state == SessionState.RUNNING
    async_expose_entity(hass, conversation.DOMAIN, SWITCH, True)
    await intent.async_handle(hass, "test", stop, {}, assistant=conversation.DOMAIN)
    assert duo.device.state != SessionState.RUNNING
