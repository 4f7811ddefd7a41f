"""Repairs: device faults (with a fix flow that clears them), PIN lockouts, impostors."""

from __future__ import annotations

from inspect import signature
from typing import TYPE_CHECKING, Any, Final

import probatio as vol
from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, FAULT_KEYS, OTHER_FAULT

if TYPE_CHECKING:
    from .coordinator import PressoConfigEntry


# Home Assistant 2026.11 ties an issue to its config entry (removed with the entry, hidden
# while it is disabled); 2026.10 raises TypeError on the argument. Looked up once.
ISSUES_TAKE_CONFIG_ENTRY: Final = "config_entry_id" in signature(ir.async_create_issue).parameters


def _entry_link(entry: PressoConfigEntry) -> dict[str, Any]:
    """The keyword that ties an issue to the entry, where Home Assistant supports it."""
    return {"config_entry_id": entry.entry_id} if ISSUES_TAKE_CONFIG_ENTRY else {}


def _fault_issue_id(entry: PressoConfigEntry) -> str:
    return f"fault_{entry.entry_id}"


def _lockout_issue_id(entry: PressoConfigEntry) -> str:
    return f"locked_out_{entry.entry_id}"


def async_update_fault_issue(hass: HomeAssistant, entry: PressoConfigEntry, fault: int) -> None:
    """Raise a Repairs issue for an active device fault; remove it when cleared."""
    if not fault:
        ir.async_delete_issue(hass, DOMAIN, _fault_issue_id(entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        _fault_issue_id(entry),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=f"fault_{FAULT_KEYS.get(fault, OTHER_FAULT)}",
        translation_placeholders={"name": entry.title, "code": str(fault)},
        data={"entry_id": entry.entry_id},
        **_entry_link(entry),
    )


def async_create_lockout_issue(hass: HomeAssistant, entry: PressoConfigEntry) -> None:
    """Tell the user the boots refuse the PIN for a minute."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _lockout_issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="locked_out",
        translation_placeholders={"name": entry.title},
        **_entry_link(entry),
    )


def async_create_impersonation_issue(
    hass: HomeAssistant, entry: PressoConfigEntry, reason: str
) -> None:
    """Something at the boots' address answered like other boots, or replayed a HELLO.

    The PIN's proof was not sent to it. The user is told what to check; the issue goes
    away with the entry or when the user dismisses it.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"impersonation_{entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=f"impersonation_{reason}",
        translation_placeholders={"name": entry.title},
        **_entry_link(entry),
    )


def async_delete_lockout_issue(hass: HomeAssistant, entry: PressoConfigEntry) -> None:
    """Authentication worked again."""
    ir.async_delete_issue(hass, DOMAIN, _lockout_issue_id(entry))


class ClearFaultFlow(RepairsFlow):
    """Ask the user to confirm the cause is fixed, then send CLEAR_FAULT."""

    def __init__(self, entry: PressoConfigEntry) -> None:
        self._entry = entry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Start the flow."""
        return await self.async_step_confirm()

    def _not_loaded(self) -> RepairsFlowResult | None:
        """The entry is unloaded or failed: there is no link to send CLEAR_FAULT over."""
        if self._entry.state is ConfigEntryState.LOADED:
            return None
        return self.async_abort(
            reason="not_loaded", description_placeholders={"name": self._entry.title}
        )

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Confirm and clear."""
        if (unloaded := self._not_loaded()) is not None:
            return unloaded
        errors: dict[str, str] = {}
        if user_input is not None:
            coordinator = self._entry.runtime_data
            try:
                await coordinator.async_clear_fault()
            except HomeAssistantError as err:
                errors["base"] = err.translation_key or "cannot_connect"
            else:
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders={
                "name": self._entry.title,
                "code": str(self._entry.runtime_data.data.fault),
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow for a fault issue."""
    entry = hass.config_entries.async_get_entry(str((data or {})["entry_id"]))
    if entry is None:
        raise data_entry_flow.UnknownHandler
    return ClearFaultFlow(entry)
