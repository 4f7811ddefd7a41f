"""The trust boundary: what an advertisement, which anyone nearby can forge, may change.

Advertisements are unauthenticated. They fill in what is shown between links (held to
the envelope the boots reported in HELLO) and make Home Assistant follow a session,
but never end a session the link told of, never end or block a stop, and never count
towards the routine: those come over the link only (STATUS and EVENT notifications).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from .data import PressoData, settle
from .presso_ble import Advertisement, DeviceInfo, SessionState
from .presso_ble.const import AdvertisementFlag


@dataclass(frozen=True, slots=True)
class Verdict:
    """What Home Assistant does with one advertisement."""

    #: The state to show; None when the advertisement tells nothing new.
    shown: PressoData | None = None
    #: Connect (without the PIN unless Home Assistant started the session) to follow it.
    follow: bool = False
    #: Over the link a STATUS may have been lost: ask for it again.
    ask_status: bool = False


#: The two verdicts over an open link, made once: an advertisement heard while connected
#: (about one a second in a session) builds nothing.
_OVER_THE_LINK = Verdict()
_ASK_STATUS = Verdict(ask_status=True)


def judge(
    shown: PressoData,
    *,
    trusted_session: bool,
    connected: bool,
    last: Advertisement | None,
    adv: Advertisement,
    info: DeviceInfo,
    now: Callable[[], datetime],
) -> Verdict:
    """Apply the boundary to one advertisement of these boots.

    ``trusted_session``: the link last told of a session running. ``now`` is read only
    when the advertisement tells news (a repeated one costs a compare, not a clock).
    """
    if connected:  # STATUS notifications are the state over the link
        return _ASK_STATUS if counter_ahead(shown, adv) else _OVER_THE_LINK
    if trusted_session:  # only the link ends it: follow it there
        radio = merge_radio_only(shown, adv)
        return Verdict(shown=radio if radio != shown else None, follow=True)
    return Verdict(shown=advertised(shown, last, adv, info, now), follow=adv.session_active)


def _advertised_state(flags: AdvertisementFlag) -> SessionState:
    if AdvertisementFlag.FAULT in flags:
        return SessionState.FAULT
    if AdvertisementFlag.PAUSED in flags:
        return SessionState.PAUSED
    if AdvertisementFlag.SESSION_ACTIVE in flags:
        return SessionState.RUNNING
    return SessionState.IDLE


def _within(value: int, values: range) -> int | None:
    """An advertised setting the boots could really have, else unknown."""
    return value if value in values else None


def merge_advertisement(
    data: PressoData, adv: Advertisement, info: DeviceInfo, now: datetime
) -> PressoData:
    """The data with what an advertisement says (it carries no legs, zones or lifetime).

    Advertisements are unauthenticated: every value is held to the envelope the boots
    reported in HELLO, so a forged one shows nothing the boots could not have.
    """
    battery = adv.battery
    return settle(
        replace(
            data,
            state=_advertised_state(adv.flags),
            program=adv.program if adv.program in info.programs else None,
            pressure=_within(adv.target_pressure, info.pressures()),
            duration=_within(adv.duration_minutes, info.durations()),
            battery=battery if battery is not None and 0 <= battery <= 100 else None,
            charging=AdvertisementFlag.CHARGING in adv.flags,
            fault=int(adv.fault),
            change_counter=adv.change_counter,
        ),
        min(adv.remaining_seconds, info.duration_max * 60),
        now,
    )


def merge_radio_only(data: PressoData, adv: Advertisement) -> PressoData:
    """What an advertisement may change while a session known over the link runs.

    Only the battery and charging: the session's state, settings and end come from
    the link, so a forged advertisement cannot end a session or flip the switch.
    """
    battery = adv.battery
    return replace(
        data,
        battery=battery if battery is not None and 0 <= battery <= 100 else data.battery,
        charging=AdvertisementFlag.CHARGING in adv.flags,
    )


def advertised(
    data: PressoData,
    last: Advertisement | None,
    adv: Advertisement,
    info: DeviceInfo,
    now: Callable[[], datetime],
) -> PressoData | None:
    """What an advertisement heard without a link shows; None when it tells nothing new.

    It tells news when its counter differs from the state's (boots count from 0 again
    after a restart) or the time left moved, and while the state says "finishing",
    which venting boots advertise as idle.
    """
    news = (
        last is None
        or adv.change_counter != data.change_counter
        or adv.remaining_seconds != last.remaining_seconds
        or data.state == SessionState.FINISHING
    )
    return merge_advertisement(data, adv, info, now()) if news else None


def counter_ahead(data: PressoData, adv: Advertisement) -> bool:
    """The advertisement's change counter is ahead of the state's (a STATUS may be lost)."""
    counter = data.change_counter
    return counter is not None and 0 < (adv.change_counter - counter) % 256 < 128
