"""Config flow: discover, pair (PIN), acknowledge safety; options; reauth."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import probatio as vol
from homeassistant.components import bluetooth
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_ADDRESS, CONF_DEVICE, CONF_PIN
from homeassistant.core import callback
from homeassistant.helpers import selector

from .const import (
    CONF_DAILY_MINUTES,
    CONF_GENTLE_SESSIONS,
    CONF_GENTLE_START,
    CONF_IDLE_DISCONNECT,
    CONF_LAST_ZONES,
    CONF_MAX_DURATION,
    CONF_MAX_PRESSURE,
    CONF_REST_MINUTES,
    CONF_SAFETY_ACKNOWLEDGED,
    DAILY_MINUTES_MAX,
    DEFAULT_GENTLE_SESSIONS,
    DEFAULT_IDLE_DISCONNECT,
    DEFAULT_MAX_DURATION,
    DEFAULT_MAX_PRESSURE,
    DOMAIN,
    GENTLE_SESSIONS_MAX,
    IDLE_DISCONNECT_RANGE,
    REST_MINUTES_MAX,
)
from .data import info_from_dict, info_to_dict
from .errors import error_key
from .frontend import async_offer_card
from .presso_ble import (
    AuthenticationError,
    AuthGuard,
    DeviceInfo,
    PressoClient,
    PressoError,
    device_name,
    parse_manufacturer_data,
)
from .presso_ble.const import (
    LOCKOUT_SECONDS,
    MAX_FAILED_AUTH,
    MODEL_NAMES,
    PIN_LENGTH,
    AdvertisementFlag,
)

PIN_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PIN): selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
        )
    }
)
SAFETY_SCHEMA = vol.Schema({vol.Required(CONF_SAFETY_ACKNOWLEDGED, default=False): bool})


def _is_boots(info: bluetooth.BluetoothServiceInfoBleak) -> bool:
    return parse_manufacturer_data(info.manufacturer_data) is not None


class PressoConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a pair of boots."""

    VERSION = 1

    def __init__(self) -> None:
        self._discovery: bluetooth.BluetoothServiceInfoBleak | None = None
        self._discovered: dict[str, bluetooth.BluetoothServiceInfoBleak] = {}
        self._info: DeviceInfo | None = None
        self._pin: str | None = None
        self._zones: dict[str, int] | None = None
        self._wrong_pins = 0  # in this flow: the boots lock out after MAX_FAILED_AUTH

    async def async_step_bluetooth(
        self, discovery_info: bluetooth.BluetoothServiceInfoBleak
    ) -> ConfigFlowResult:
        """Boots found by the manifest's Bluetooth matchers."""
        await self.async_set_unique_id(discovery_info.address)
        self._abort_if_unique_id_configured()
        if not _is_boots(discovery_info):
            return self.async_abort(reason="not_supported")
        self._discovery = discovery_info
        self.context["title_placeholders"] = {"name": device_name(discovery_info.address)}
        await async_offer_card(self.hass)  # the tab that adds the boots then has their card
        return await self.async_step_bluetooth_confirm()

    async def async_step_bluetooth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm discovered boots."""
        assert self._discovery is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            result, errors = await self._async_connect()
            if result is not None:
                return result
        adv = parse_manufacturer_data(self._discovery.manufacturer_data)
        model = MODEL_NAMES.get(adv.model_id, "Presso") if adv else "Presso"
        return self.async_show_form(
            step_id="bluetooth_confirm",
            errors=errors,
            description_placeholders={"name": device_name(self._discovery.address), "model": model},
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick from the boots in range that are not set up yet."""
        errors: dict[str, str] = {}
        if user_input is not None:
            address = user_input[CONF_ADDRESS]
            await self.async_set_unique_id(address, raise_on_progress=False)
            self._abort_if_unique_id_configured()
            self._discovery = self._discovered[address]
            result, errors = await self._async_connect()
            if result is not None:
                return result
        configured = self._async_current_ids(include_ignore=False)
        self._discovered = {
            info.address: info
            for info in bluetooth.async_discovered_service_info(self.hass, connectable=True)
            if info.address not in configured and _is_boots(info)
        }
        if not self._discovered:
            return self.async_abort(reason="no_devices_found")
        await async_offer_card(self.hass)
        options = [
            selector.SelectOptionDict(value=address, label=f"{device_name(address)} ({address})")
            for address in self._discovered
        ]
        return self.async_show_form(
            step_id="user",
            errors=errors,
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_ADDRESS): selector.SelectSelector(
                        selector.SelectSelectorConfig(options=options)
                    )
                }
            ),
        )

    async def _async_connect(self) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Handshake; the next step (the PIN when the boots want one), or what went wrong.

        A failure (asleep, held by the phone app, a slow proxy) is shown on the form the
        user is on, to try again: an aborted discovery would not come back until restart.
        """
        assert self._discovery is not None
        adv = parse_manufacturer_data(self._discovery.manufacturer_data)
        if adv is not None and AdvertisementFlag.PIN_REQUIRED in adv.flags:
            return await self.async_step_pin(), {}
        errors = await self._handshake(None)
        if errors.get("base") == "invalid_pin":
            return await self.async_step_pin(), {}
        if errors:
            return None, errors
        return await self.async_step_safety(), {}

    async def _handshake(self, pin: str | None) -> dict[str, str]:
        """Connect once, say HELLO (and AUTH), and let go."""
        assert self._discovery is not None
        device = (
            bluetooth.async_ble_device_from_address(self.hass, self._discovery.address, True)
            or self._discovery.device
        )
        # reauthentication proves the PIN only to the boots this entry paired with
        paired = (
            self._get_reauth_entry().data[CONF_DEVICE] if self.source == SOURCE_REAUTH else None
        )
        guard = AuthGuard(info_from_dict(paired)) if paired else None
        client = PressoClient(device, pin=pin, auth_guard=guard)
        try:
            self._info = await client.connect()
            status = await client.get_status()
        except AuthenticationError:
            return {"base": "invalid_pin"}
        except PressoError as err:  # locked out among them (not an AuthenticationError)
            return {"base": error_key(err)}
        finally:
            await client.disconnect()
        self._pin = pin
        # what the boots' first STATUS says: the lifetime figures are known from setup on
        self._zones = {
            "legs": status.legs,
            "zones": status.zones,
            "lifetime_sessions": status.lifetime_sessions,
            "lifetime_seconds": status.lifetime_seconds,
        }
        return {}

    async def async_step_pin(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The 6-digit PIN printed under the controller."""
        errors: dict[str, str] = {}
        if user_input is not None:
            pin = user_input[CONF_PIN].strip()
            if len(pin) != PIN_LENGTH or not (pin.isascii() and pin.isdigit()):
                errors[CONF_PIN] = "pin_format"
            else:
                errors = await self._handshake(pin)
                if not errors:
                    if self.source == SOURCE_REAUTH:
                        return self._finish_reauth()
                    return await self.async_step_safety()
                if errors.get("base") == "invalid_pin":
                    errors = {"base": self._wrong_pin()}
                elif errors.get("base") == "locked_out":
                    self._wrong_pins = 0  # the boots count again after the wait
        left = MAX_FAILED_AUTH - self._wrong_pins
        return self.async_show_form(
            step_id="pin",
            data_schema=PIN_SCHEMA,
            errors=errors,
            description_placeholders={"seconds": str(LOCKOUT_SECONDS), "tries": str(left)},
        )

    def _wrong_pin(self) -> str:
        """The error for one more wrong PIN: how many tries are left before the wait."""
        self._wrong_pins += 1
        left = MAX_FAILED_AUTH - self._wrong_pins
        if left <= 0:
            self._wrong_pins = 0
            return "wrong_pin_locked"
        return "wrong_pin_last" if left == 1 else "wrong_pin_tries"

    async def async_step_safety(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A one-time acknowledgement of who must not use compression therapy."""
        assert self._discovery is not None
        assert self._info is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input[CONF_SAFETY_ACKNOWLEDGED]:
                return self.async_create_entry(
                    title=device_name(self._discovery.address),
                    data={
                        CONF_ADDRESS: self._discovery.address,
                        CONF_PIN: self._pin,
                        CONF_DEVICE: info_to_dict(self._info),
                        CONF_LAST_ZONES: self._zones,
                    },
                    options={
                        CONF_MAX_PRESSURE: min(DEFAULT_MAX_PRESSURE, self._info.pressure_max),
                        CONF_MAX_DURATION: min(DEFAULT_MAX_DURATION, self._info.duration_max),
                        CONF_IDLE_DISCONNECT: DEFAULT_IDLE_DISCONNECT,
                        CONF_GENTLE_START: True,  # new boots start gently; older entries opt in
                        CONF_GENTLE_SESSIONS: DEFAULT_GENTLE_SESSIONS,
                    },
                )
            errors["base"] = "acknowledge_required"
        return self.async_show_form(step_id="safety", data_schema=SAFETY_SCHEMA, errors=errors)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The PIN stopped working."""
        address = entry_data[CONF_ADDRESS]
        info = bluetooth.async_last_service_info(self.hass, address, connectable=True)
        if info is None:
            return self.async_abort(reason="not_found")
        self._discovery = info
        return await self.async_step_pin()

    def _finish_reauth(self) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        return self.async_update_reload_and_abort(entry, data_updates={CONF_PIN: self._pin})

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> PressoOptionsFlow:
        """Options: the user's safety limits and the idle delay."""
        return PressoOptionsFlow()


class _Number(selector.NumberSelector):
    """A number field whose range the options step checks itself, naming field and limit."""

    def __call__(self, data: Any) -> float:
        """The value as a number; its range and step are the step's to check."""
        value: float = vol.Coerce(float)(data)
        return value


def _number(low: int, high: int, step: int, unit: str) -> _Number:
    return _Number(
        selector.NumberSelectorConfig(
            min=low,
            max=high,
            step=step,
            unit_of_measurement=unit,
            mode=selector.NumberSelectorMode.SLIDER,
        )
    )


def _ranges(info: DeviceInfo) -> dict[str, tuple[int, int, int]]:
    """Each numeric option's lowest, highest and step, the boots' own where they have one."""
    return {
        CONF_MAX_PRESSURE: (info.pressure_min, info.pressure_max, info.pressure_step),
        CONF_MAX_DURATION: (info.duration_min, info.duration_max, info.duration_step),
        CONF_IDLE_DISCONNECT: (*IDLE_DISCONNECT_RANGE, 5),
        CONF_GENTLE_SESSIONS: (1, GENTLE_SESSIONS_MAX, 1),
        CONF_REST_MINUTES: (0, REST_MINUTES_MAX, 15),
        CONF_DAILY_MINUTES: (0, DAILY_MINUTES_MAX, 5),
    }


def _checked(
    user_input: dict[str, Any], ranges: dict[str, tuple[int, int, int]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The options snapped to their steps, or an error per field out of its range."""
    options: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in user_input.items():
        if isinstance(value, bool):
            options[key] = value
            continue
        low, high, step = ranges[key]
        if not math.isfinite(value):  # the number fields let NaN and infinities through
            errors[key] = "not_a_number"
        elif not low <= value <= high:
            errors[key] = f"{key}_range"
        else:
            options[key] = min(high, low + round((value - low) / step) * step)
    return options, errors


class PressoOptionsFlow(OptionsFlowWithReload):
    """Change the pressure cap, maximum session length and idle disconnect delay."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form, titled with the boots' name; each error names its field and limit."""
        info = info_from_dict(self.config_entry.data[CONF_DEVICE])
        ranges = _ranges(info)
        errors: dict[str, str] = {}
        if user_input is not None:
            checked, errors = _checked(user_input, ranges)
            if not errors:
                return self.async_create_entry(data=checked)
        options = self.config_entry.options

        def number(key: str, unit: str) -> _Number:
            return _number(*ranges[key], unit)

        cap = options.get(CONF_MAX_PRESSURE, min(DEFAULT_MAX_PRESSURE, info.pressure_max))
        longest = options.get(CONF_MAX_DURATION, min(DEFAULT_MAX_DURATION, info.duration_max))
        idle = options.get(CONF_IDLE_DISCONNECT, DEFAULT_IDLE_DISCONNECT)
        gentle = options.get(CONF_GENTLE_START, False)  # entries from before the plan: off
        sessions = options.get(CONF_GENTLE_SESSIONS, DEFAULT_GENTLE_SESSIONS)
        rest = options.get(CONF_REST_MINUTES, 0)  # 0: off
        daily = options.get(CONF_DAILY_MINUTES, 0)

        schema = vol.Schema(
            {
                vol.Required(CONF_MAX_PRESSURE, default=cap): number(CONF_MAX_PRESSURE, "mmHg"),
                vol.Required(CONF_MAX_DURATION, default=longest): number(CONF_MAX_DURATION, "min"),
                vol.Required(CONF_IDLE_DISCONNECT, default=idle): number(CONF_IDLE_DISCONNECT, "s"),
                vol.Required(CONF_GENTLE_START, default=gentle): selector.BooleanSelector(),
                vol.Required(CONF_GENTLE_SESSIONS, default=sessions): number(
                    CONF_GENTLE_SESSIONS, ""
                ),
                vol.Required(CONF_REST_MINUTES, default=rest): number(CONF_REST_MINUTES, "min"),
                vol.Required(CONF_DAILY_MINUTES, default=daily): number(CONF_DAILY_MINUTES, "min"),
            }
        )
        placeholders = {"name": self.config_entry.title, "model": info.model_name}
        for key, (low, high, _step) in ranges.items():
            placeholders |= {f"{key}_min": str(low), f"{key}_max": str(high)}
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
            description_placeholders=placeholders,
        )
