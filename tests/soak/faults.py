"""The faults the soak injects, one kind at a time, and the check after each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from homeassistant.util import dt as dt_util

from custom_components.presso_boots.presso_ble.const import AdvertisementFlag
from presso_sim.esphome_proxy import ESPHomeProxy
from presso_sim.spoofer import Spoofer

from . import paths
from .clock import Day
from .oracle import ON_THE_WIRE, Pair
from .user import User

KINDS = (
    "link drop",
    "proxy restart",
    "boots reboot",
    "stalled responses",
    "corrupt frame",
    "slots exhausted",
    "entry reload",
    "Home Assistant restart",
    "spoofed advertisements",
)
#: A response this late misses the library's 2 s timeout once; the resend gets the answer.
LATE = 2.5


class Faults:
    """Injects faults into the day, mostly where the action is."""

    def __init__(self, day: Day, user: User) -> None:
        self.day = day
        self.user = user

    async def inject(self, kind: str) -> None:
        """Inject one fault, let it end, then check the entities from the next advertisement on."""
        day = self.day
        day.figures.faults[kind] = day.figures.faults.get(kind, 0) + 1
        day.log.append(f"{day.seconds:.0f} s {kind}")
        day.during = kind
        await FAULTS[kind](self)
        day.during = None
        await day.step(1.0)  # the next advertisement
        day.figures.after_fault.append((kind, await day.check(kind)))

    def _target(self) -> Pair:
        """Faults go where the action is: a pair in a session or holding a link, mostly."""
        user = self.user
        pair = user.pick(lambda p: p.device.session_active or p.device.central is not None)
        if self.day.rng.random() < 0.3:
            pair = user.pick()
        user.wake(pair)
        return pair

    async def _in_flight(self, pair: Pair) -> asyncio.Task[bool]:
        """A command whose response is on its way (late) when the fault strikes."""
        pair.boots.faults.response_delay = 1.0
        command = self.user.command(pair)
        await self.day.step(0.5)
        pair.boots.faults.response_delay = 0.0
        return command

    async def link_drop(self) -> None:
        """The radio link breaks under the proxy, the proxy reports it closed, or it drops as a
        command arrives (which the boots run first, or not)."""
        day, pair = self.day, self._target()
        address = pair.device.address
        how = day.rng.choice(("radio", "proxy", "on a command"))
        if how == "on a command":
            faults = pair.boots.faults
            faults.execute_before_disconnect = day.rng.random() < 0.5
            command = self.user.command(pair)  # a task: it goes out at the next step
            faults.disconnect_on_command = int(ON_THE_WIRE[pair.intended[-1][0]])
            await day.until(command.done, "a command that drops the link")
            faults.disconnect_on_command = None
            return
        if pair.device.central is None:
            await day.until(self.user.tweak(pair).done, "a setting change")
        if how == "proxy":
            for proxy in pair.proxies:
                paths.drop_link(proxy, day.radio, address)  # the proxy reports it closed
        else:
            day.radio.drop_link(address)  # the radio link breaks under the proxy

    async def proxy_restart(self) -> None:
        """The proxy holding the pair's link (or one that hears it) restarts: an ESP's API
        connection and every link drop at once (``paths.restart``); sometimes with a command's
        response on its way."""
        day, pair = self.day, self._target()
        holders = [p for p in pair.proxies if paths.holds(p, pair.device.address)]
        proxy = day.rng.choice(holders or pair.proxies)
        command = await self._in_flight(pair) if day.rng.random() < 0.5 else None
        await paths.restart(proxy, day.radio)
        await day.until(paths.back(proxy), "the proxy back")
        if command is not None:
            await day.until(command.done, "a command across a proxy restart")

    async def boots_reboot(self) -> None:
        """The boots power-cycle (the session is gone), sometimes with a response on its way."""
        day, pair = self.day, self._target()
        command = await self._in_flight(pair) if day.rng.random() < 0.5 else None
        pair.note_reboot(dt_util.utcnow())
        pair.device.reboot()
        if command is not None:
            await day.until(command.done, "a command across a reboot")

    async def stalled_responses(self) -> None:
        """A response later than the library's timeout, or the proxy's Bluetooth stack hung for
        3 to 45 s (past bleak-esphome's 30 s GATT timeout) with a command waiting."""
        day, pair = self.day, self._target()
        esps = [p for p in pair.proxies if isinstance(p, ESPHomeProxy)]
        if day.rng.random() < 0.5 or not esps:
            pair.boots.faults.response_delay = LATE
            await day.until(self.user.command(pair).done, "a command with a late response")
            pair.boots.faults.response_delay = 0.0
            return
        holders = [p for p in esps if paths.holds(p, pair.device.address)]
        proxy = day.rng.choice(holders or esps)
        proxy.stall()  # the ESP's Bluetooth stack hangs; its API still answers
        command = self.user.command(pair)
        await day.run(day.rng.uniform(3, 45))
        proxy.resume()
        await day.until(command.done, "a command held by a stalled proxy")

    async def corrupt_frame(self) -> None:
        """One frame to Home Assistant, or a burst of two (a response and its STATUS), damaged."""
        day, pair = self.day, self._target()
        faults = pair.boots.faults
        burst = day.rng.choice((1, 2))
        if day.rng.random() < 0.5:
            faults.corrupt_to_host = burst
        else:
            faults.truncate_to_host = burst
        if day.rng.random() < 0.7 or not pair.device.session_active:
            await day.until(self.user.command(pair).done, "a command through a bad frame")
        else:  # the session's own notifications take it
            await day.run(3)
        faults.corrupt_to_host = faults.truncate_to_host = 0

    async def slots_exhausted(self) -> None:
        """Other devices take every slot of the proxies that hear a pair, for a minute or two."""
        day, pair = self.day, self._target()
        for proxy in pair.proxies:
            paths.occupy_slots(proxy)
        if pair.device.central is not None and day.rng.random() < 0.5:
            day.radio.drop_link(pair.device.address)  # and its own link breaks meanwhile
        command = self.user.command(pair)
        await day.run(day.rng.uniform(30, 120))
        for proxy in pair.proxies:
            paths.release_slots(proxy)
        await day.until(command.done, "a command while the slots are taken")

    async def entry_reload(self) -> None:
        """``hass.config_entries.async_reload`` of one pair's entry."""
        day, pair = self.day, self._target()
        await day.complete(
            day.hass.config_entries.async_reload(pair.boots.entry_id), "an entry reload"
        )

    async def ha_restart(self) -> None:
        """Home Assistant restarts in the middle of a session (one is started on the buttons if
        none runs): every entry unloaded (the boots', then the proxies'), 5 to 30 s down, the
        proxies' entries set up again and, once they are connected, the boots'."""
        day = self.day
        if not any(p.device.session_active for p in day.pairs):
            self.user.start_on_buttons(self.user.pick())
            await day.run(day.rng.uniform(10, 60))
        entries = day.hass.config_entries
        presso = [p.boots.entry_id for p in day.pairs]
        esps = [proxy for proxy in day.proxies if isinstance(proxy, ESPHomeProxy)]
        proxies = [day.esphome.entry(proxy).entry_id for proxy in esps] if day.esphome else []
        day.restarting = True
        for entry_id in presso + proxies:
            await day.complete(entries.async_unload(entry_id), "unload")
        await day.run(day.rng.uniform(5, 30))
        for entry_id in proxies:
            await day.complete(entries.async_setup(entry_id), "esphome setup")
        for proxy in day.proxies:
            await day.until(paths.back(proxy), "the proxies back")
        for entry_id in presso:
            await day.complete(entries.async_setup(entry_id), "presso setup")
        day.restarting = False

    async def spoofed_advertisements(self) -> None:
        """Someone nearby sends forged advertisements under a pair's address for 10 to 60 s:
        any flags, the change counter ahead, values outside the boots' envelope."""
        day, pair = self.day, self._target()
        spoofer = Spoofer(pair.device)
        for _ in range(round(day.rng.uniform(10, 60))):
            spoofer.forge(
                flags=AdvertisementFlag(day.rng.randrange(0x80)),
                battery=day.rng.randrange(256),
                target_pressure=day.rng.randrange(256),
                remaining_seconds=day.rng.randrange(0x10000),
            )
            for proxy in pair.proxies:
                proxy.advertise(spoofer)
            await day.step(1.0)


FAULTS: dict[str, Callable[[Faults], Awaitable[None]]] = {
    "link drop": Faults.link_drop,
    "proxy restart": Faults.proxy_restart,
    "boots reboot": Faults.boots_reboot,
    "stalled responses": Faults.stalled_responses,
    "corrupt frame": Faults.corrupt_frame,
    "slots exhausted": Faults.slots_exhausted,
    "entry reload": Faults.entry_reload,
    "Home Assistant restart": Faults.ha_restart,
    "spoofed advertisements": Faults.spoofed_advertisements,
}
