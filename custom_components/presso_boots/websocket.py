"""Live chamber pressures for the card, straight from TELEMETRY, without writing states.

``presso_boots/subscribe`` (one pair of boots, by device id) sends a message
for every TELEMETRY frame (about 1 Hz during a session) and on every state
change: the garment's shape, session state, legs and chambers in use, the
active chamber and each chamber's pressure. Nothing listens to the boots for
it until a card subscribes, and the listeners go with the subscription.
"""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.components import websocket_api
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .const import DOMAIN
from .coordinator import PressoConfigEntry, PressoCoordinator
from .presso_ble import Phase, Telemetry
from .services import entry_for_device

TYPE_SUBSCRIBE = f"{DOMAIN}/subscribe"


@callback
def async_setup_websocket(hass: HomeAssistant) -> None:
    """Register the card's websocket command once for the integration."""
    websocket_api.async_register_command(hass, ws_subscribe)


def state_message(coordinator: PressoCoordinator | None) -> dict[str, Any]:
    """What the card shows besides the pressures, as of the last state change."""
    if coordinator is None:
        return {"available": False, "connected": False, "other_app": False, "state": None}
    data = coordinator.data
    return {
        "legs": coordinator.info.legs,
        "chambers": coordinator.info.chambers,
        "available": coordinator.available,
        "connected": coordinator.connected,
        "other_app": coordinator.link.other_central,
        "state": None if data.state is None else data.state.name.lower(),
        "legs_in_use": data.legs,
        "zones": data.zones,
    }


def live_message(state: dict[str, Any], telemetry: Telemetry | None) -> dict[str, Any]:
    """``state`` with the chambers as one TELEMETRY frame reports them."""
    if telemetry is None:
        return {**state, "phase": None, "active_chamber": 0, "pressures": []}
    phase = telemetry.phase
    return {
        **state,
        "phase": phase.name.lower() if isinstance(phase, Phase) else None,
        "active_chamber": telemetry.active_chamber,
        "pressures": telemetry.pressures,
    }


class LiveSubscription:
    """One card's subscription: follows the entry of its boots across reloads."""

    def __init__(
        self, connection: websocket_api.ActiveConnection, msg_id: int, entry: PressoConfigEntry
    ) -> None:
        self._connection = connection
        self._msg_id = msg_id
        self._entry = entry
        self._coordinator: PressoCoordinator | None = None
        self._state: dict[str, Any] = state_message(None)
        self._telemetry: Telemetry | None = None
        self._detach: list[CALLBACK_TYPE] = []
        self._stop_following = entry.async_on_state_change(self._entry_changed)

    @callback
    def start(self) -> None:
        """Attach to the boots if their entry is loaded, and send what is known now."""
        self._entry_changed()
        if self._coordinator is None:
            self._send()

    @callback
    def close(self) -> None:
        """Unsubscribed, or the websocket closed: let go of everything."""
        self._stop_following()
        self._release()

    @callback
    def _entry_changed(self) -> None:
        loaded = self._entry.state is ConfigEntryState.LOADED
        if loaded and self._coordinator is None:
            coordinator: PressoCoordinator = self._entry.runtime_data
            self._coordinator = coordinator
            self._detach = [
                coordinator.live.async_subscribe(self._on_telemetry),
                coordinator.async_add_listener(self._on_state),
            ]
            self._on_state()
        elif not loaded and self._coordinator is not None:
            self._release()
            self._state = state_message(None)
            self._telemetry = None
            self._send()

    @callback
    def _release(self) -> None:
        for detach in self._detach:
            detach()
        self._detach = []
        self._coordinator = None

    @callback
    def _on_state(self) -> None:
        coordinator = self._coordinator
        assert coordinator is not None
        state = state_message(coordinator)
        # the chambers vent at the end of a session
        telemetry = self._telemetry if coordinator.data.session_active else None
        if state == self._state and telemetry is self._telemetry:
            return  # an update of something the card does not show (such as the battery)
        self._state, self._telemetry = state, telemetry
        self._send()

    def _on_telemetry(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry
        self._send()

    def _send(self) -> None:
        self._connection.send_message(
            websocket_api.event_message(self._msg_id, live_message(self._state, self._telemetry))
        )


@websocket_api.websocket_command(
    {vol.Required("type"): TYPE_SUBSCRIBE, vol.Required(ATTR_DEVICE_ID): str}
)
@callback
def ws_subscribe(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Subscribe to one pair of boots' live chambers."""
    entry = entry_for_device(hass, msg[ATTR_DEVICE_ID])
    if entry is None:
        connection.send_error(
            msg["id"],
            websocket_api.ERR_NOT_FOUND,
            f"{msg[ATTR_DEVICE_ID]} is not a pair of Presso boots set up in Home Assistant",
            translation_key="unknown_device",
            translation_domain=DOMAIN,
            translation_placeholders={"device_id": msg[ATTR_DEVICE_ID]},
        )
        return
    subscription = LiveSubscription(connection, msg["id"], entry)
    connection.subscriptions[msg["id"]] = subscription.close
    connection.send_result(msg["id"])
    subscription.start()
