"""Write translations/en.json from strings.json, as core's translation script does.

``strings.json`` is the hand-edited English source; ``[%key:...%]`` references in
it point at another of its strings (``component::presso_boots::...``) or at
Home Assistant's common strings (``common::...``). ``translations/es.json`` is
edited by hand. Run after changing strings.json:
``uv run --frozen python scripts/translations.py``; a test checks the result.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import homeassistant

PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "presso_boots"
DOMAIN = "presso_boots"
REFERENCE = re.compile(r"\[%key:([a-z0-9_:]+)%\]")


def _lookup(tree: dict[str, Any], path: str) -> str:
    node: Any = tree
    for part in path.split("::"):
        node = node[part]
    if not isinstance(node, str):
        raise TypeError(f"[%key:{path}%] is not a string")
    return node


def resolve(strings: dict[str, Any]) -> dict[str, Any]:
    """strings.json with every reference replaced by the text it points at."""
    common = json.loads((Path(homeassistant.__file__).parent / "strings.json").read_text("utf-8"))
    sources = {"component": {DOMAIN: strings}, **common}

    def text(value: str) -> str:
        while match := REFERENCE.search(value):
            value = value.replace(match.group(0), _lookup(sources, match.group(1)))
        return value

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        return text(node) if isinstance(node, str) else node

    resolved: dict[str, Any] = walk(strings)
    return resolved


def render_english() -> str:
    """translations/en.json's text."""
    strings = json.loads((PACKAGE / "strings.json").read_text("utf-8"))
    return json.dumps(resolve(strings), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    """Write translations/en.json."""
    (PACKAGE / "translations" / "en.json").write_text(render_english(), encoding="utf-8")


if __name__ == "__main__":
    main()
