"""mutmut 3.8.1, also mutating functions marked with Home Assistant's ``@callback``.

mutmut leaves every decorated function alone (other than ``@staticmethod`` and
``@classmethod``): a decorator may run code when the function is defined, and some
(``@property``) break the trampoline mutmut puts in the function's place. ``@callback``
does neither: it only sets ``_hass_callback`` on the function (on the trampoline here, so
Home Assistant still runs it in the event loop). Without this, the session events'
logic (``session_events.py``, all ``@callback``) would not be mutated at all.

    uv run --frozen --with mutmut==3.8.1 python scripts/mutmut_run.py run --max-children 1
    uv run --frozen --with mutmut==3.8.1 python scripts/mutmut_run.py results

Any mutmut command and option goes through unchanged (docs/mutation.md).
"""

from __future__ import annotations

import sys
from typing import Any

import libcst as cst
from mutmut.__main__ import cli
from mutmut.mutation import file_mutation

_skip = file_mutation.MutationVisitor._skip_node_and_children


def _only_callback(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.FunctionDef)
        and bool(node.decorators)
        and all(
            isinstance(d.decorator, cst.Name) and d.decorator.value == "callback"
            for d in node.decorators
        )
    )


def _skip_node_and_children(self: Any, node: cst.CSTNode) -> bool:
    if _only_callback(node):
        assert isinstance(node, cst.FunctionDef)
        # judged as the same function without the decorator (the decorator itself is
        # still never mutated: mutmut skips every Decorator node)
        return bool(_skip(self, node.with_changes(decorators=[])))
    return bool(_skip(self, node))


file_mutation.MutationVisitor._skip_node_and_children = _skip_node_and_children

if __name__ == "__main__":
    sys.argv[0] = "mutmut"
    cli()
