"""Translated Home Assistant errors: refusals of a value, and the protocol's errors."""

from __future__ import annotations

from homeassistant.const import MATCH_ALL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util.language import matches

from .const import DOMAIN, TRANSLATED_LANGUAGES
from .presso_ble import (
    AuthenticationError,
    AuthRateLimitedError,
    CommandRejectedError,
    CommandTimeoutError,
    ConnectError,
    DeviceBusyError,
    DeviceBusyWithOtherCentralError,
    DeviceNotFoundError,
    FaultActiveError,
    ImpersonationSuspectedError,
    LockedOutError,
    NotConnectedError,
    OutOfConnectionSlotsError,
    PressoError,
)
from .presso_ble.const import Status


def refusal(key: str, **placeholders: object) -> ServiceValidationError:
    """A value the limits, the plan or the routine do not allow, in the user's words."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={k: str(v) for k, v in placeholders.items()},
    )


#: Most specific first: the first matching class gives the translation key.
ERROR_KEYS: tuple[tuple[type[PressoError], str], ...] = (
    (ImpersonationSuspectedError, "impersonation"),
    (AuthRateLimitedError, "auth_rate_limited"),
    (DeviceNotFoundError, "not_found"),
    (OutOfConnectionSlotsError, "out_of_slots"),
    (DeviceBusyWithOtherCentralError, "other_central"),
    (ConnectError, "cannot_connect"),
    (LockedOutError, "locked_out"),
    (AuthenticationError, "invalid_pin"),
    (FaultActiveError, "fault_active"),
    (DeviceBusyError, "device_busy"),
    (CommandRejectedError, "rejected"),
    (CommandTimeoutError, "timeout"),
    (NotConnectedError, "disconnected"),
)


#: Refusals whose status a user can act on get a sentence of their own.
REJECTED_KEYS: dict[Status | int, str] = {
    Status.WRONG_STATE: "wrong_state",
    Status.INVALID_PARAMETER: "invalid_parameter",
}


def error_key(err: PressoError) -> str:
    """Translation key that explains a protocol error to a user."""
    if isinstance(err, CommandRejectedError) and (key := REJECTED_KEYS.get(err.status)):
        return key
    for cls, key in ERROR_KEYS:
        if isinstance(err, cls):
            return key
    return "cannot_connect"


def to_ha_error(err: PressoError, name: str) -> HomeAssistantError:
    """A translated HomeAssistantError for a failed command."""
    status = getattr(err, "status", None)
    placeholders = {"name": name, "status": getattr(status, "name", str(status)).lower()}
    if isinstance(err, AuthRateLimitedError):
        placeholders["seconds"] = str(max(1, round(err.retry_after)))
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=error_key(err),
        translation_placeholders=placeholders,
    )


def language_of(hass: HomeAssistant, requested: str | None) -> str:
    """Our translation closest to ``requested``, else to Home Assistant's language.

    es-ES and es-419 get es; an unknown tag, a path or a NUL gets the fallback
    (English last): the request never names a translation file.
    """
    for wanted in (requested, hass.config.language):
        if wanted and wanted != MATCH_ALL and (found := matches(wanted, TRANSLATED_LANGUAGES)):
            return found[0]
    return "en"


async def async_text(
    hass: HomeAssistant, language: str | None, key: str, placeholders: dict[str, str] | None = None
) -> str | None:
    """Our ``exceptions`` text ``key`` in the user's language, or None if there is none."""
    texts = await async_get_translations(hass, language_of(hass, language), "exceptions", {DOMAIN})
    text = texts.get(f"component.{DOMAIN}.exceptions.{key}.message")
    return text.format(**(placeholders or {})) if text else None


async def async_words(hass: HomeAssistant, language: str | None, err: HomeAssistantError) -> str:
    """A refusal said in the user's language (voice and the check action answer with it)."""
    if err.translation_domain != DOMAIN or err.translation_key is None:
        return str(err)
    text = await async_text(hass, language, err.translation_key, err.translation_placeholders)
    return text if text is not None else str(err)
