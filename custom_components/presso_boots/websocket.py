"""The card's one source: its view of the boots, its texts and its controls, over the websocket.

- ``presso_boots/subscribe`` (one pair of boots, by device id) sends the card's whole
  view (``card_view.py``) on every change that alters it, and the chambers of every
  TELEMETRY frame (about 1 Hz during a session) without writing states. It needs
  read permission on the boots' session switch. Nothing listens to the boots for it
  until a card subscribes, and the listeners go with the subscription.
- ``presso_boots/texts`` answers the card's texts in a language, from the
  integration's translations (``common`` and the entities' state names), so a
  language is added in one place.
- ``presso_boots/week`` answers this week's therapy minutes per day (the long-term
  statistics of Therapy today) and the gentle start plan's progress.
- ``presso_boots/control`` runs one of the card's controls with the user's control
  permission on that control's entity; a refusal is answered as a sentence in the
  user's language and, being the user's own doing, is not logged as an error.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import probatio as vol
from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.components import websocket_api
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.translation import async_get_translations

from .card_view import async_week, card_view, control_entities
from .const import DOMAIN, LEGS_KEYS, PROGRAM_KEYS
from .coordinator import PressoConfigEntry, PressoCoordinator
from .errors import async_words, language_of
from .presso_ble import Phase, Telemetry
from .services import entry_for_device

_LOGGER = logging.getLogger(__name__)

TYPE_SUBSCRIBE = f"{DOMAIN}/subscribe"
TYPE_TEXTS = f"{DOMAIN}/texts"
TYPE_CONTROL = f"{DOMAIN}/control"
TYPE_WEEK = f"{DOMAIN}/week"
ATTR_LANGUAGE = "language"


def _program(key: str) -> int:
    return next(k for k, v in PROGRAM_KEYS.items() if v == key)


def _legs(key: str) -> int:
    return next(k for k, v in LEGS_KEYS.items() if v == key)


_NUMBER = vol.All(vol.Coerce(float), vol.Range(min=0, max=1000))
#: Each control: its value, what it does, and the entity whose control permission it needs.
CONTROLS: dict[str, tuple[Any, str, Callable[[PressoCoordinator, Any], Awaitable[object]]]] = {
    "start": (
        vol.Any(None, vol.All(vol.Coerce(int), vol.Range(min=1, max=255))),
        "session",
        lambda c, minutes: c.async_start_session(duration=minutes),
    ),
    "stop": (None, "session", lambda c, _: c.async_stop_session()),
    "pause": (None, "session", lambda c, _: c.async_pause()),
    "resume": (None, "session", lambda c, _: c.async_resume()),
    "pressure": (_NUMBER, "pressure", lambda c, value: c.async_set_pressure(value)),
    "duration": (_NUMBER, "duration", lambda c, value: c.async_set_duration(value)),
    "program": (
        vol.In(list(PROGRAM_KEYS.values())),
        "program",
        lambda c, key: c.async_set_program(_program(key)),
    ),
    "legs": (
        vol.In(list(LEGS_KEYS.values())),
        "legs",
        lambda c, key: c.async_set_zones(legs=_legs(key)),
    ),
}
#: Translation categories whose texts the card uses, and the prefixes it reads them by.
TEXT_SOURCES = {
    f"component.{DOMAIN}.common.": "",
    f"component.{DOMAIN}.entity.select.program.state.": "program.",
    f"component.{DOMAIN}.entity.select.legs.state.": "legs.",
    f"component.{DOMAIN}.entity.sensor.session_state.state.": "state.",
    f"component.{DOMAIN}.entity.sensor.fault.state.": "fault.",
}


@callback
def async_setup_websocket(hass: HomeAssistant) -> None:
    """Register the card's websocket commands once for the integration."""
    websocket_api.async_register_command(hass, ws_subscribe)
    websocket_api.async_register_command(hass, ws_texts)
    websocket_api.async_register_command(hass, ws_control)
    websocket_api.async_register_command(hass, ws_week)


def live_message(view: dict[str, Any], telemetry: Telemetry | None) -> dict[str, Any]:
    """The view with the chambers as one TELEMETRY frame reports them."""
    if telemetry is None:
        return {**view, "phase": None, "active_chamber": 0, "pressures": []}
    phase = telemetry.phase
    return {
        **view,
        "phase": phase.name.lower() if isinstance(phase, Phase) else None,
        "active_chamber": telemetry.active_chamber,
        "pressures": telemetry.pressures,
    }


def _device_name(hass: HomeAssistant, device_id: str, entry: PressoConfigEntry) -> str:
    device = dr.async_get(hass).async_get(device_id)
    return (device.name_by_user or device.name or entry.title) if device else entry.title


class LiveSubscription:
    """One card's subscription: follows the entry of its boots across reloads."""

    def __init__(
        self,
        connection: websocket_api.ActiveConnection,
        msg_id: int,
        entry: PressoConfigEntry,
        device_id: str,
    ) -> None:
        self._connection = connection
        self._msg_id = msg_id
        self._entry = entry
        self._device_id = device_id
        self._coordinator: PressoCoordinator | None = None
        self._view: dict[str, Any] = {}
        self._telemetry: Telemetry | None = None
        self._detach: list[CALLBACK_TYPE] = []
        self._timer: CALLBACK_TYPE | None = None
        self._stop_following = entry.async_on_state_change(self._entry_changed)

    @callback
    def start(self) -> None:
        """Attach to the boots if their entry is loaded, and send what is known now."""
        self._entry_changed()
        if self._coordinator is None:
            self._on_state()

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
            self._telemetry = None
            self._on_state()

    @callback
    def _release(self) -> None:
        for detach in self._detach:
            detach()
        self._detach = []
        self._coordinator = None
        self._cancel_timer()

    @callback
    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None

    @callback
    def _on_state(self, _now: datetime | None = None) -> None:
        coordinator = self._coordinator
        hass = self._connection.hass
        name = _device_name(hass, self._device_id, self._entry)
        view = card_view(hass, self._entry, name, coordinator)
        self._cancel_timer()
        if allowed := (view.get("limits") or {}).get("allowed_from"):
            # the rest ends without any state changing: tell the card then
            self._timer = async_track_point_in_utc_time(
                hass, self._on_state, datetime.fromisoformat(allowed)
            )
        # the chambers vent at the end of a session
        active = coordinator is not None and coordinator.data.session_active
        telemetry = self._telemetry if active else None
        if view == self._view and telemetry is self._telemetry:
            return  # an update of something the card does not show (such as the battery)
        self._view, self._telemetry = view, telemetry
        self._send()

    def _on_telemetry(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry
        self._send()

    def _send(self) -> None:
        self._connection.send_message(
            websocket_api.event_message(self._msg_id, live_message(self._view, self._telemetry))
        )


def _entry_or_error(
    connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> PressoConfigEntry | None:
    entry = entry_for_device(connection.hass, msg[ATTR_DEVICE_ID])
    if entry is None:
        connection.send_error(
            msg["id"],
            websocket_api.ERR_NOT_FOUND,
            f"{msg[ATTR_DEVICE_ID]} is not a pair of Presso boots set up in Home Assistant",
            translation_key="unknown_device",
            translation_domain=DOMAIN,
            translation_placeholders={"device_id": msg[ATTR_DEVICE_ID]},
        )
    return entry


def _require(
    connection: websocket_api.ActiveConnection, entity_id: str | None, policy: str
) -> None:
    """The user's permission on one of the boots' entities, as core checks it."""
    user = connection.user
    if user.is_admin:
        return
    if entity_id is None or not user.permissions.check_entity(entity_id, policy):
        raise Unauthorized(entity_id=entity_id, permission=policy)


@websocket_api.websocket_command(
    {vol.Required("type"): TYPE_SUBSCRIBE, vol.Required(ATTR_DEVICE_ID): str}
)
@callback
def ws_subscribe(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Subscribe to the card's view of one pair of boots."""
    if (entry := _entry_or_error(connection, msg)) is None:
        return
    _require(connection, control_entities(hass, entry)["session"], POLICY_READ)
    subscription = LiveSubscription(connection, msg["id"], entry, msg[ATTR_DEVICE_ID])
    connection.subscriptions[msg["id"]] = subscription.close
    connection.send_result(msg["id"])
    subscription.start()


@websocket_api.websocket_command(
    {vol.Required("type"): TYPE_TEXTS, vol.Optional(ATTR_LANGUAGE): str}
)
@websocket_api.async_response
async def ws_texts(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """The card's texts in the closest language the integration is translated to."""
    language = language_of(hass, msg.get(ATTR_LANGUAGE))
    texts: dict[str, str] = {}
    for category in ("common", "entity"):
        found = await async_get_translations(hass, language, category, {DOMAIN})
        for key, value in found.items():
            for prefix, short in TEXT_SOURCES.items():
                if key.startswith(prefix):
                    texts[short + key.removeprefix(prefix)] = value
    connection.send_result(msg["id"], {"language": language, "texts": texts})


@websocket_api.websocket_command(
    {vol.Required("type"): TYPE_WEEK, vol.Required(ATTR_DEVICE_ID): str}
)
@websocket_api.async_response
async def ws_week(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """The week's therapy minutes per day, and the gentle start plan's progress."""
    if (entry := _entry_or_error(connection, msg)) is None:
        return
    entities = control_entities(hass, entry)
    _require(connection, entities["therapy_today"], POLICY_READ)
    if entry.state is not ConfigEntryState.LOADED:
        connection.send_result(msg["id"], {"days": [], "plan": None})
        return
    connection.send_result(msg["id"], await async_week(hass, entry, entry.runtime_data))


@websocket_api.websocket_command(
    {
        vol.Required("type"): TYPE_CONTROL,
        vol.Required(ATTR_DEVICE_ID): str,
        vol.Required("action"): vol.In(list(CONTROLS)),
        vol.Optional("value"): vol.Any(int, float, str, None),
        vol.Optional(ATTR_LANGUAGE): str,
    }
)
@websocket_api.async_response
async def ws_control(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """One of the card's controls, with the user's permission and limits."""
    if (entry := _entry_or_error(connection, msg)) is None:
        return
    schema, which, run = CONTROLS[msg["action"]]
    _require(connection, control_entities(hass, entry)[which], POLICY_CONTROL)
    try:
        value = None if schema is None else vol.Schema(schema)(msg.get("value"))
    except vol.Invalid as err:
        connection.send_error(msg["id"], websocket_api.ERR_INVALID_FORMAT, str(err))
        return
    if entry.state is not ConfigEntryState.LOADED:
        connection.send_error(msg["id"], websocket_api.ERR_NOT_FOUND, "not loaded")
        return
    try:
        await run(entry.runtime_data, value)
    except HomeAssistantError as err:
        # a refusal is the answer, not a fault of Home Assistant's: said, not logged as one
        _LOGGER.debug("%s refused for %s: %r", msg["action"], entry.title, err)
        connection.send_error(
            msg["id"],
            websocket_api.ERR_HOME_ASSISTANT_ERROR,
            await async_words(hass, msg.get(ATTR_LANGUAGE), err),
            translation_key=err.translation_key,
            translation_domain=err.translation_domain,
            translation_placeholders=err.translation_placeholders,
        )
        return
    connection.send_result(msg["id"])
