"""Who hears that the boots' state changed: entities and the card subscribe, nobody polls."""

from __future__ import annotations

from homeassistant.core import CALLBACK_TYPE, callback


class StatePublisher:
    """Calls each subscriber when what it reads changed; the state is pushed, never fetched.

    A subscriber names the state fields it reads (``PressoData``'s): a change of other
    fields passes it by. Everything else it may show (availability, the limits in force,
    the routine) is published as a change of everything.
    """

    def __init__(self) -> None:
        self._listeners: dict[CALLBACK_TYPE, frozenset[str] | None] = {}

    @callback
    def async_add_listener(
        self, update: CALLBACK_TYPE, reads: frozenset[str] | None = None
    ) -> CALLBACK_TYPE:
        """Be called when a field in ``reads`` changes (None: on every change)."""
        self._listeners[update] = reads

        @callback
        def remove() -> None:
            self._listeners.pop(update, None)

        return remove

    @callback
    def async_update_listeners(self, changed: frozenset[str] | None = None) -> None:
        """These state fields changed (None: anything may have): tell who reads them."""
        for update, reads in list(self._listeners.items()):
            if changed is None or reads is None or not changed.isdisjoint(reads):
                update()
