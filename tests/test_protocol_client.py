"""The library's client against the simulated boots, over a simulated bleak backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from custom_components.presso_boots.presso_ble import (
    AuthenticationError,
    ClientCallbacks,
    CommandRejectedError,
    CommandTimeoutError,
    ConnectError,
    DeviceBusyError,
    DeviceNotFoundError,
    DeviceStatus,
    DisconnectedError,
    Event,
    EventCode,
    FaultActiveError,
    LockedOutError,
    NotConnectedError,
    PressoClient,
    SessionState,
    Status,
    Telemetry,
)
from presso_sim import LinkFaults, SimRadio, SimulatedBoots

from .wire import START

ADDRESS = "C0:FF:EE:00:00:01"
FAST = 0.05  # response timeout for tests that wait for lost frames


class Recorder:
    """What a client's callbacks heard."""

    def __init__(self) -> None:
        self.statuses: list[DeviceStatus] = []
        self.telemetry: list[Telemetry] = []
        self.events: list[Event] = []
        self.disconnects: list[bool] = []

    def callbacks(self) -> ClientCallbacks:
        return ClientCallbacks(
            self.statuses.append, self.telemetry.append, self.events.append,
            self.disconnects.append,
        )  # fmt: skip


type ClientFactory = Callable[..., PressoClient]


@pytest.fixture
async def make_client(direct_radio: SimRadio) -> AsyncIterator[ClientFactory]:
    clients: list[PressoClient] = []

    def factory(device: SimulatedBoots, **kwargs: object) -> PressoClient:
        if device.address not in direct_radio.devices:
            direct_radio.add(device)
        client = PressoClient(direct_radio.ble_device(device.address), **kwargs)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.disconnect()
    await asyncio.sleep(0)


async def settle() -> None:
    """Let scheduled notifications reach the client."""
    for _ in range(5):
        await asyncio.sleep(0)


async def run_device(device: SimulatedBoots, seconds: float) -> None:
    """Advance the device clock second by second, letting frames flow."""
    for _ in range(round(seconds)):
        device.advance(1)
        await settle()


async def test_handshake_reports_the_device_envelope(make_client: ClientFactory) -> None:
    device = SimulatedBoots(ADDRESS, 3, serial="PRO80042")
    client = make_client(device)
    info = await client.connect()
    assert client.is_connected
    assert (info.model_name, info.legs, info.chambers) == ("Presso Pro 8", 2, 8)
    assert (info.pressure_min, info.pressure_max, info.pressure_step) == (20, 200, 5)
    assert info.serial == "PRO80042"
    assert info.programs == [1, 2, 3, 4, 5, 6]
    assert not info.pin_required
    assert device.central is not None
    assert await client.ping(b"\x01\x02") == b"\x01\x02"


async def test_right_pin_authenticates(make_client: ClientFactory) -> None:
    device = SimulatedBoots(ADDRESS, pin="123456")
    client = make_client(device, pin="123456")
    info = await client.connect()
    assert info.pin_required
    status = await client.get_status()
    assert status.state == SessionState.IDLE


async def test_missing_or_wrong_pin_fails_and_locks_out(make_client: ClientFactory) -> None:
    device = SimulatedBoots(ADDRESS, pin="123456")
    with pytest.raises(AuthenticationError) as missing:
        await make_client(device).connect()
    assert missing.value.status == Status.PIN_REQUIRED
    assert device.central is None  # a failed handshake releases the connection
    wrong = make_client(device, pin="654321")
    for _ in range(3):
        with pytest.raises(AuthenticationError) as failed:
            await wrong.connect()
        assert failed.value.status == Status.AUTH_FAILED
    right = make_client(device, pin="123456")
    with pytest.raises(LockedOutError):
        await right.connect()
    device.advance(61)
    await right.connect()
    assert right.is_connected


async def test_every_command_changes_the_device(make_client: ClientFactory) -> None:
    device = SimulatedBoots(ADDRESS, 2)
    rec = Recorder()
    client = make_client(device, callbacks=rec.callbacks())
    await client.connect()
    await client.set_pressure(60)
    await client.set_program(3)
    await client.set_duration(20)
    await client.set_zones(0b01, 0b00111)
    assert (device.settings.pressure, device.settings.program) == (60, 3)
    assert (device.settings.duration, device.settings.legs, device.settings.zones) == (20, 1, 7)
    await client.set_telemetry(10)
    await client.start()
    await run_device(device, 3)
    assert device.state == SessionState.RUNNING
    assert rec.telemetry
    assert rec.telemetry[-1].pressure(0, 1) > 0  # foot chamber inflating
    assert rec.telemetry[-1].pressure(1, 1) == 0  # right leg not in use
    await client.pause()
    assert device.status().state == SessionState.PAUSED
    await client.resume()
    assert device.status().state == SessionState.RUNNING
    await client.stop()
    await run_device(device, 5)
    assert device.status().state == SessionState.IDLE
    codes = [e.code for e in rec.events]
    assert codes[-4:] == [
        EventCode.SESSION_STARTED, EventCode.PAUSED, EventCode.RESUMED, EventCode.SESSION_STOPPED,
    ]  # fmt: skip
    assert rec.statuses[-1].state == SessionState.IDLE


async def test_rejections_carry_the_status(make_client: ClientFactory) -> None:
    device = SimulatedBoots(ADDRESS, 1)  # Go 4: 20-100 mmHg, programs 1-4
    client = make_client(device)
    await client.connect()
    for call in (client.set_pressure(105), client.set_pressure(42), client.set_program(5),
                 client.set_zones(3, 0), client.set_duration(65), client.set_telemetry(51)):  # fmt: skip
        with pytest.raises(CommandRejectedError) as err:
            await call
        assert err.value.status == Status.INVALID_PARAMETER
    with pytest.raises(CommandRejectedError) as err:
        await client.pause()
    assert err.value.status == Status.WRONG_STATE
    assert device.settings.pressure == 40  # nothing changed


async def test_lost_response_is_resent_and_not_executed_twice(
    direct_radio: SimRadio, make_client: ClientFactory
) -> None:
    device = SimulatedBoots(ADDRESS)
    client = make_client(device, response_timeout=FAST)
    await client.connect()
    direct_radio.faults[ADDRESS].drop_to_host = 1
    await client.start(program=1)
    assert device.counters.executed[START] == 1
    assert device.counters.repeats_answered == 1
    assert client.stats.resends == 1
    assert device.lifetime_sessions == 1


async def test_lost_commands_time_out_after_three_tries(
    direct_radio: SimRadio, make_client: ClientFactory
) -> None:
    device = SimulatedBoots(ADDRESS)
    client = make_client(device, response_timeout=FAST)
    await client.connect()
    direct_radio.faults[ADDRESS].drop_to_device = 3
    with pytest.raises(CommandTimeoutError) as err:
        await client.set_pressure(60)
    assert err.value.attempts == 3
    assert device.settings.pressure == 40
    await client.set_pressure(60)  # the link works again
    assert device.settings.pressure == 60


async def test_late_response_to_an_old_try_is_not_mistaken(
    direct_radio: SimRadio, make_client: ClientFactory
) -> None:
    device = SimulatedBoots(ADDRESS)
    client = make_client(device, response_timeout=FAST)
    await client.connect()
    direct_radio.faults[ADDRESS].response_delay = FAST * 1.5
    await client.set_program(2)
    direct_radio.faults[ADDRESS].response_delay = 0
    status = await client.get_status()
    assert status.program == 2
    assert device.counters.executed[0x15] == 1


async def test_fragmentation_at_mtu_23(direct_radio: SimRadio, make_client: ClientFactory) -> None:
    device = SimulatedBoots(ADDRESS, 3)
    rec = Recorder()
    client = make_client(device, callbacks=rec.callbacks())
    direct_radio.add(device, LinkFaults(mtu=23))
    info = await client.connect()  # the HELLO response (39 bytes) is split too
    assert info.chambers == 8
    await client.set_telemetry(10)
    await client.start(program=2, pressure=80)
    await run_device(device, 10)
    assert rec.telemetry
    assert all(len(t.pressures) == 16 for t in rec.telemetry)
    assert max(t.pressure(0, 1) for t in rec.telemetry) >= 75
    assert client.stats.bytes_discarded == 0


async def test_resync_after_corrupt_and_truncated_frames(
    direct_radio: SimRadio, make_client: ClientFactory
) -> None:
    device = SimulatedBoots(ADDRESS)
    rec = Recorder()
    client = make_client(device, callbacks=rec.callbacks(), response_timeout=FAST)
    await client.connect()
    faults = direct_radio.faults[ADDRESS]
    faults.corrupt_to_host = 1
    await client.set_pressure(50)  # corrupt response: resent, remembered answer
    faults.truncate_to_host = 1
    await client.set_pressure(55)
    assert client.stats.resends == 2
    assert client.stats.bytes_discarded > 0
    await client.start()
    await settle()
    assert rec.events[-1].code == EventCode.SESSION_STARTED
    assert device.counters.sessions_started == 1


async def test_disconnect_mid_command(direct_radio: SimRadio, make_client: ClientFactory) -> None:
    device = SimulatedBoots(ADDRESS)
    rec = Recorder()
    client = make_client(device, callbacks=rec.callbacks())
    await client.connect()
    direct_radio.faults[ADDRESS].disconnect_on_command = START
    with pytest.raises(DisconnectedError):
        await client.start()
    await settle()
    assert rec.disconnects == [False]
    assert not client.is_connected
    with pytest.raises(NotConnectedError):
        await client.stop()
    await client.connect()  # after a reconnect, ask rather than resend
    status = await client.get_status()
    assert status.state == SessionState.RUNNING


async def test_whole_session_to_completion(make_client: ClientFactory) -> None:
    device = SimulatedBoots(ADDRESS, 1)
    rec = Recorder()
    client = make_client(device, callbacks=rec.callbacks())
    await client.connect()
    await client.start(program=1, pressure=60, duration=5)
    await run_device(device, 5 * 60 + 5)
    assert device.state == SessionState.IDLE
    assert [e.code for e in rec.events] == [
        EventCode.SETTINGS_CHANGED, EventCode.SESSION_STARTED, EventCode.SESSION_COMPLETED,
    ]  # fmt: skip
    states = [s.state for s in rec.statuses]
    assert states[0] == SessionState.RUNNING
    assert states[-2:] == [SessionState.FINISHING, SessionState.IDLE]
    assert 28 <= states.count(SessionState.RUNNING) <= 40  # every 10 s while running
    final = await client.get_status()
    assert final.cycles > 5
    assert final.lifetime_sessions == 1


async def test_busy_is_retried_then_reported(make_client: ClientFactory) -> None:
    device = SimulatedBoots(ADDRESS)
    client = make_client(device)
    await client.connect()
    device.busy_replies = 1
    await client.set_pressure(60)
    assert device.settings.pressure == 60
    device.busy_replies = 3
    with pytest.raises(DeviceBusyError):
        await client.set_pressure(70)


async def test_fault_blocks_start_until_cleared(make_client: ClientFactory) -> None:
    device = SimulatedBoots(ADDRESS)
    rec = Recorder()
    client = make_client(device, callbacks=rec.callbacks())
    await client.connect()
    await client.start()
    device.causes.garment_missing = True
    await run_device(device, 1)
    assert device.state == SessionState.FAULT
    assert [e.code for e in rec.events[-2:]] == [EventCode.FAULT_RAISED, EventCode.SESSION_ABORTED]
    with pytest.raises(FaultActiveError):
        await client.start()
    with pytest.raises(FaultActiveError):
        await client.clear_fault()
    device.causes.garment_missing = False
    await client.clear_fault()
    assert device.status().state == SessionState.IDLE


async def test_connect_errors_say_what_happened(make_client: ClientFactory) -> None:
    asleep = SimulatedBoots(ADDRESS)
    asleep.asleep = True
    with pytest.raises(DeviceNotFoundError):
        await make_client(asleep).connect()
    held = SimulatedBoots("C0:FF:EE:00:00:02")
    held.connect_central("phone app")
    with pytest.raises(ConnectError) as err:
        await make_client(held).connect()
    assert "another central" in str(err.value)
