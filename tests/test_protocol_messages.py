"""Typed messages: round trips, tolerance for newer firmware, and bad payloads."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.presso_boots.presso_ble.advertisement import (
    Advertisement,
    parse_manufacturer_data,
)
from custom_components.presso_boots.presso_ble.const import (
    AdvertisementFlag,
    EventCode,
    Fault,
    SessionState,
)
from custom_components.presso_boots.presso_ble.exceptions import ProtocolError
from custom_components.presso_boots.presso_ble.messages import (
    COMMANDS,
    Command,
    DeviceInfo,
    DeviceStatus,
    Event,
    Ping,
    Response,
    Telemetry,
    bits_to_ids,
    decode_command,
    decode_notification,
    ids_to_bits,
)

from .wire import COMPANY_ID, EVENT, STATUS, TELEMETRY

u8 = st.integers(0, 255)
u16 = st.integers(0, 0xFFFF)


def _command_strategy(cls: type[Command]) -> st.SearchStrategy[Command]:
    if cls is Ping:
        return st.builds(Ping, st.binary(max_size=8))
    fields = cls.LAYOUT.format.lstrip("<")
    args: list[st.SearchStrategy[int] | st.SearchStrategy[bytes]]
    if fields == "8s":
        args = [st.binary(min_size=8, max_size=8)]
    else:
        args = [u8 if f == "B" else u16 for f in fields]
    return st.builds(cls, *args)


@given(st.sampled_from(sorted(COMMANDS)).flatmap(lambda t: _command_strategy(COMMANDS[t])))
def test_every_command_round_trips(command: Command) -> None:
    payload = command.to_bytes()
    assert len(payload) + 6 <= 20  # a host command always fits one write
    assert decode_command(command.TYPE, payload) == command
    if not isinstance(command, Ping):  # PING echoes all it carries
        assert decode_command(command.TYPE, payload + b"\x99") == command  # future fields


def test_unknown_command_type_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        decode_command(0x7F, b"")


status_strategy = st.builds(
    DeviceStatus, st.sampled_from(SessionState), u8, u8, u8, u16, u16, u8, u16, u8, u8,
    st.sampled_from(Fault), u16, u16, st.integers(0, 2**32 - 1), u8,
)  # fmt: skip


@given(status_strategy, st.binary(max_size=4))
def test_status_round_trips_with_trailing_bytes(status: DeviceStatus, extra: bytes) -> None:
    payload = status.to_bytes()
    assert len(payload) == 23
    assert decode_notification(STATUS, payload + extra) == status


info_strategy = st.builds(
    DeviceInfo, u8, u8, st.integers(1, 2), st.integers(1, 16), st.integers(1, 100),
    st.integers(100, 255), st.integers(1, 10), st.integers(1, 5), st.integers(5, 60),
    st.integers(1, 5), u16, u8, u8, u8, st.binary(min_size=8, max_size=8), st.booleans(),
    st.binary(min_size=8, max_size=8),
)  # fmt: skip


@given(info_strategy)
def test_hello_round_trips(info: DeviceInfo) -> None:
    body = info.to_bytes()
    assert len(body) == 32
    assert DeviceInfo.from_bytes(body + b"\x01\x02") == info


def test_hello_with_impossible_envelope_is_rejected() -> None:
    info = DeviceInfo(1, 3, 2, 0, 20, 200, 5, 5, 60, 5, 63, 1, 0, 0, b"X" * 8, False, bytes(8))
    with pytest.raises(ProtocolError):
        DeviceInfo.from_bytes(info.to_bytes())


def test_unknown_model_still_works() -> None:
    info = DeviceInfo(1, 0x7E, 2, 6, 30, 150, 10, 10, 40, 10, 0b1001, 2, 0, 1, b"AB12\0\0\0\0",
                      True, bytes(8))  # fmt: skip
    assert info.model_name == "Presso model 0x7e"
    assert info.serial == "AB12"
    assert info.programs == [1, 4]
    assert list(info.pressures(cap=70)) == [30, 40, 50, 60, 70]
    assert list(info.durations()) == [10, 20, 30, 40]


@given(st.integers(0, 3), u8, st.integers(1, 2), st.integers(1, 16), st.data())
def test_telemetry_round_trips(
    phase: int, active: int, legs: int, chambers: int, data: st.DataObject
) -> None:
    pressures = tuple(data.draw(st.lists(u8, min_size=legs * chambers, max_size=legs * chambers)))
    telemetry = Telemetry(phase, active, legs, chambers, pressures)
    assert decode_notification(TELEMETRY, telemetry.to_bytes()) == telemetry


def test_truncated_telemetry_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        Telemetry.from_bytes(bytes((1, 1, 2, 8)) + bytes(15))


def test_unknown_event_codes_and_notification_types_are_tolerated() -> None:
    assert decode_notification(EVENT, b"\x63\x01") == Event(0x63, 1)
    assert decode_notification(EVENT, b"\x02\x00") == Event(EventCode.SESSION_COMPLETED, 0)
    assert decode_notification(0x4F, b"anything") is None


def test_response_needs_a_status_byte() -> None:
    with pytest.raises(ProtocolError):
        Response.from_frame(0x91, b"")
    assert Response.from_frame(0x91, b"\x03").status == 3


@given(st.lists(st.integers(1, 16), unique=True))
def test_bit_masks_round_trip(ids: list[int]) -> None:
    assert bits_to_ids(ids_to_bits(ids)) == sorted(ids)


adv_strategy = st.builds(
    Advertisement, u8, st.integers(0, 0x7F).map(AdvertisementFlag),
    st.one_of(st.none(), st.integers(0, 100)), u8, u8, u8, u16, u8, st.sampled_from(Fault),
)  # fmt: skip


@given(adv_strategy, st.binary(max_size=6))
def test_advertisement_round_trips(adv: Advertisement, extra: bytes) -> None:
    assert parse_manufacturer_data({COMPANY_ID: adv.to_bytes() + extra}) == adv


def test_foreign_advertisements_are_ignored() -> None:
    good = bytes.fromhex("50 01 02 41 37 02 50 1e 08 07 05 00".replace(" ", ""))
    adv = parse_manufacturer_data({COMPANY_ID: good})
    assert adv is not None
    assert adv.session_active
    assert adv.central_connected
    assert adv.battery == 55
    assert adv.remaining_seconds == 0x0708
    assert parse_manufacturer_data({COMPANY_ID: b"\x51" + good[1:]}) is None  # magic
    assert parse_manufacturer_data({COMPANY_ID: good[:1] + b"\x02" + good[2:]}) is None  # version
    assert parse_manufacturer_data({COMPANY_ID: good[:11]}) is None  # short
    assert parse_manufacturer_data({0x004C: good}) is None  # another company
    unknown_battery = good[:4] + b"\xff" + good[5:]
    parsed = parse_manufacturer_data({COMPANY_ID: unknown_battery})
    assert parsed is not None
    assert parsed.battery is None


def test_a_ping_carries_up_to_eight_bytes() -> None:
    assert Ping(b"12345678").to_bytes() == b"12345678"
    with pytest.raises(ProtocolError, match="PING carries at most 8 bytes"):
        Ping(b"123456789").to_bytes()
    assert Ping.from_bytes(b"123456789") == Ping(b"12345678")  # what the boots echo


def test_a_response_is_its_status_byte_then_its_body() -> None:
    response = Response(0x01, 0, b"\x10\x20")
    assert response.to_bytes() == b"\x00\x10\x20"
    assert response.frame_type == 0x81
    assert Response.from_frame(0x81, response.to_bytes()) == response


GOOD_HELLO = dict(
    protocol_version=1, model_id=3, legs=2, chambers=16, pressure_min=20, pressure_max=20,
    pressure_step=1, duration_min=5, duration_max=5, duration_step=1, programs_mask=1,
    firmware_major=1, firmware_minor=0, firmware_patch=0, serial_raw=b"X" * 8,
    pin_required=True, nonce=bytes(8),
)  # fmt: skip


def test_the_smallest_possible_envelope_is_accepted() -> None:
    info = DeviceInfo(**GOOD_HELLO)  # type: ignore[arg-type]
    parsed = DeviceInfo.from_bytes(info.to_bytes())
    assert parsed == info
    assert parsed.pin_required is True
    assert DeviceInfo.from_bytes(replace(info, pin_required=False).to_bytes()).pin_required is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("legs", 0, "impossible garment 0x16"),
        ("chambers", 0, "impossible garment 2x0"),
        ("chambers", 17, "impossible garment 2x17"),
        ("pressure_min", 0, "impossible pressure range"),
        ("pressure_min", 21, "impossible pressure range"),
        ("pressure_step", 0, "impossible pressure range"),
        ("duration_min", 0, "impossible duration range"),
        ("duration_min", 6, "impossible duration range"),
        ("duration_step", 0, "impossible duration range"),
    ],
)
def test_hello_with_an_impossible_envelope_says_which(field: str, value: int, message: str) -> None:
    info = replace(DeviceInfo(**GOOD_HELLO), **{field: value})  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match=f"^HELLO: {message}$"):
        DeviceInfo.from_bytes(info.to_bytes())


def test_a_short_payload_says_how_short() -> None:
    with pytest.raises(ProtocolError, match=r"^HELLO: 31 bytes, need 32$"):
        DeviceInfo.from_bytes(bytes(31))
    with pytest.raises(ProtocolError, match=r"^STATUS: 22 bytes, need 23$"):
        DeviceStatus.from_bytes(bytes(22))
    with pytest.raises(ProtocolError, match=r"^TELEMETRY: 2x8 pressures, 19 bytes$"):
        Telemetry.from_bytes(bytes((1, 1, 2, 8)) + bytes(15))
    with pytest.raises(ProtocolError, match=r"^EVENT: 1 bytes, need 2$"):
        Event.from_bytes(b"\x02")
    with pytest.raises(ProtocolError, match=r"^START: 5 bytes, need 6$"):
        decode_command(0x10, bytes(5))
    with pytest.raises(ProtocolError, match=r"^unknown command type 0x7f$"):
        decode_command(0x7F, b"")
    with pytest.raises(ProtocolError, match=r"^response 0x91 without a status byte$"):
        Response.from_frame(0x91, b"")


def test_known_codes_come_back_by_name() -> None:
    event = decode_notification(EVENT, b"\x02\x00")
    assert isinstance(event, Event)
    assert isinstance(event.code, EventCode)
    assert event.code.name == "SESSION_COMPLETED"  # as logs and diagnostics show it


def test_a_short_telemetry_says_so() -> None:
    with pytest.raises(ProtocolError, match=r"^TELEMETRY: 3 bytes, need 4$"):
        Telemetry.from_bytes(bytes(3))


def test_a_one_unit_grid_ends_at_the_cap_and_at_the_longest() -> None:
    fine = replace(DeviceInfo(**GOOD_HELLO), pressure_max=120, duration_max=60)  # type: ignore[arg-type]
    assert list(fine.pressures(cap=50))[-1] == 50
    assert list(fine.pressures())[-1] == 120
    assert list(fine.durations())[-1] == 60
