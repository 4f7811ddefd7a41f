"""Run Home Assistant's Marketplace (2026.11 and later: HACS built in) over this repository.

Run with a Python whose ``homeassistant`` has ``components/marketplace``:
``python scripts/marketplace_layout.py`` (the release check does, in its 2026.11 venv).
It reads the repository as the Marketplace reads a GitHub tree, with the Marketplace's own
functions: ``hacs.json`` (``RepositoryManifest.from_dict``: only keys it knows, of the right
type), the integration directory (the first directory under ``custom_components/``, with a
``manifest.json``), the manifest (domain slug, codeowners/name/config_flow types, a version the
loader accepts) and the README it shows. ``tests/test_hacs.py`` holds the same rules offline
for the Home Assistant the suite pins.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Files git does not hold, which GitHub's tree never lists.
UNTRACKED = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def tree(root: Path = ROOT) -> list[tuple[str, str]]:
    """(path, "tree" or "blob") for custom_components/, in GitHub's order (sorted paths)."""
    entries = []
    for path in sorted((root / "custom_components").rglob("*")):
        relative = path.relative_to(root)
        if UNTRACKED & set(relative.parts):
            continue
        entries.append((relative.as_posix(), "tree" if path.is_dir() else "blob"))
    return entries


def problems(root: Path = ROOT) -> list[str]:
    """What the Marketplace's code finds wrong with this repository (empty: nothing)."""
    from aiogithubapi.models.git_tree import GitHubGitTreeEntryModel
    from homeassistant.components.marketplace.repositories import base, integration
    from homeassistant.components.marketplace.utils.filters import (
        get_first_directory_in_directory,
    )
    from homeassistant.components.marketplace.utils.validate import INTEGRATION_MANIFEST_VALUES

    found: list[str] = []
    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    handler = Collect()
    logging.getLogger().addHandler(handler)
    try:
        hacs: dict[str, Any] = json.loads((root / "hacs.json").read_text(encoding="utf-8"))
        manifest_of_repository = base.RepositoryManifest.from_dict(hacs)
        if manifest_of_repository.content_in_root or manifest_of_repository.zip_release:
            found.append("hacs.json: the content is custom_components/<domain>, no zip release")
        if manifest_of_repository.name != hacs.get("name"):
            found.append(f"hacs.json: name not read ({manifest_of_repository.name!r})")
        if manifest_of_repository.homeassistant != hacs.get("homeassistant"):
            found.append("hacs.json: homeassistant (the minimum version) not read")
        entries = [GitHubGitTreeEntryModel({"path": p, "type": t}) for p, t in tree(root)]
        directory = get_first_directory_in_directory(entries, "custom_components")
        if directory is None:
            return [*found, "no directory under custom_components/"]
        manifest_path = f"custom_components/{directory}/manifest.json"
        if manifest_path not in {entry.path for entry in entries}:
            found.append(f"{manifest_path} missing")
            return found
        manifest: dict[str, Any] = json.loads((root / manifest_path).read_text(encoding="utf-8"))
        domain = integration._validated_domain(manifest["domain"])
        if domain != directory:
            found.append(f"the manifest's domain {domain} is not its directory {directory}")
        for key in INTEGRATION_MANIFEST_VALUES:
            integration._manifest_value(manifest, key, None)
        if not any((root / name).is_file() for name in base.README_FILENAMES):
            found.append("no README the Marketplace shows")
        # What an install leaves on disk: the loader must load it (domain and version).
        integration._check_loadable_manifest(root / "custom_components" / directory, domain)
    except Exception as err:
        # Its translated message needs a running Home Assistant: name the key instead.
        key = getattr(err, "translation_key", None)
        found.append(f"{type(err).__name__}: {key or err!r}")
    finally:
        logging.getLogger().removeHandler(handler)
    return found + [f"logged: {message}" for message in warnings]


def main() -> None:
    if found := problems():
        print("\n".join(found))
        sys.exit(f"marketplace_layout: {len(found)} problem(s)")
    print("marketplace_layout: the Marketplace reads hacs.json, the integration and its manifest")


if __name__ == "__main__":
    main()
