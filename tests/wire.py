"""The spec's wire constants, kept apart from the production enums on purpose.

Tests build and check bytes from these so a wrong enum in the library cannot
make a wrong test pass.
"""

SOF = 0xA5
HELLO, AUTH, GET_STATUS, PING = 0x01, 0x02, 0x03, 0x04
START, STOP, PAUSE, RESUME = 0x10, 0x11, 0x12, 0x13
SET_PRESSURE, SET_PROGRAM, SET_DURATION, SET_ZONES = 0x14, 0x15, 0x16, 0x17
CLEAR_FAULT, SET_TELEMETRY = 0x18, 0x19
STATUS, TELEMETRY, EVENT = 0x40, 0x41, 0x42
COMPANY_ID = 0xB007

VECTORS = {
    "hello": "a5 01 01 01 01 54 e6",
    "start": "a5 07 10 06 02 50 1e 03 1f 00 da 58",
    "start_zeros": "a5 08 10 06 00 00 00 00 00 00 1c ad",
    "stop": "a5 09 11 00 4f 62",
    "stop_ok": "a5 09 91 01 00 8f 0b",
    "event_completed": "a5 00 42 02 02 00 fa 9a",
    "telemetry_go4": "a5 00 41 0c 02 03 02 04 50 4e 51 00 4f 50 50 00 a8 d7",
    "auth": "a5 02 02 08 8c 71 6b fc 51 ea c0 eb 56 45",
}


def vector(name: str) -> bytes:
    return bytes.fromhex(VECTORS[name])
