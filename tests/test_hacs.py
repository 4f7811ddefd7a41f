"""What HACS's repository validation checks, offline.

HACS (its ``validate`` checks and schemas) looks at: the repository structure (one
integration under ``custom_components/``), ``manifest.json`` (codeowners, documentation,
domain, issue_tracker, name, version), ``hacs.json`` (only its known keys), brand
assets (``custom_components/<domain>/brand/icon.png``, since Home Assistant 2026.3),
a license, and an information file (README). GitHub-side checks (description,
topics, issues enabled, not archived) are repository settings, not files.
Home Assistant's brand rules (sizes, PNG) are checked here too: its brands view
serves these files.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.components.brands.const import ALLOWED_IMAGES
from homeassistant.const import __version__ as HA_VERSION
from PIL import Image

from scripts.check_ha_release import RELEASE

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / "presso_boots"
BRAND = PACKAGE / "brand"
# HACS's HACS_MANIFEST_JSON_SCHEMA: every key it allows, with its type (extra keys fail).
HACS_JSON_KEYS: dict[str, type] = {
    "name": str, "content_in_root": bool, "country": str, "filename": str, "hacs": str,
    "hide_default_branch": bool, "homeassistant": str, "persistent_directory": str,
    "render_readme": bool, "zip_release": bool,
}  # fmt: skip
URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$")


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_one_integration_under_custom_components() -> None:
    """HACS installs the first directory it finds in custom_components/."""
    directories = [p.name for p in (ROOT / "custom_components").iterdir() if p.is_dir()]
    assert [d for d in directories if d != "__pycache__"] == ["presso_boots"]
    assert _json(PACKAGE / "manifest.json")["domain"] == PACKAGE.name


def test_manifest_has_what_hacs_requires() -> None:
    """HACS's INTEGRATION_MANIFEST_JSON_SCHEMA."""
    manifest = _json(PACKAGE / "manifest.json")
    assert isinstance(manifest["codeowners"], list)
    assert manifest["codeowners"]
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    assert URL.match(manifest["documentation"])
    assert URL.match(manifest["issue_tracker"])
    assert isinstance(manifest["name"], str)
    assert manifest["name"]
    version = AwesomeVersion(manifest["version"])
    assert version.strategy is not AwesomeVersionStrategy.UNKNOWN
    # HACS shows the version; keep it the project's.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert manifest["version"] == pyproject["project"]["version"]


def test_hacs_json_keys_and_types() -> None:
    hacs = _json(ROOT / "hacs.json")
    assert set(hacs) <= set(HACS_JSON_KEYS), set(hacs) - set(HACS_JSON_KEYS)
    for key, value in hacs.items():
        assert isinstance(value, HACS_JSON_KEYS[key]), key
    assert hacs["name"]
    assert not hacs.get("zip_release") or hacs.get("filename"), "zip_release needs filename"
    assert not hacs.get("content_in_root"), "the integration lives in custom_components/"


def test_hacs_json_minimum_is_a_tested_release() -> None:
    """The minimum is the release the suite runs on; CI also runs a newer one."""
    minimum = _json(ROOT / "hacs.json")["homeassistant"]
    assert minimum == HA_VERSION
    assert AwesomeVersion(RELEASE) >= AwesomeVersion(minimum)


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header (what a validator reads first)."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert header[12:16] == b"IHDR"
    return int.from_bytes(header[16:20]), int.from_bytes(header[20:24])


def test_brand_images() -> None:
    """HACS needs brand/icon.png; Home Assistant's brands view serves only known names."""
    names = {p.name for p in BRAND.iterdir()}
    assert "icon.png" in names
    assert names <= ALLOWED_IMAGES, names - ALLOWED_IMAGES
    for name in names:
        path = BRAND / name
        width, height = _png_size(path)
        hidpi = "@2x" in name
        if "icon" in name:
            assert (width, height) == ((512, 512) if hidpi else (256, 256)), name
        else:
            shortest = min(width, height)
            assert (256 if hidpi else 128) <= shortest <= (512 if hidpi else 256), name
            assert width >= height, f"{name}: a landscape logo is preferred"
        with Image.open(path) as image:
            assert image.size == (width, height)
            assert image.mode == "RGBA", f"{name}: transparent background"
            alpha = image.getchannel("A")
            corners = [(0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1)]
            assert all(alpha.getpixel(xy) == 0 for xy in corners), f"{name}: background"
            assert alpha.getbbox() is not None, f"{name} is empty"


def test_brand_pairs() -> None:
    """Each image has its hDPI twin, and a dark variant has its light one."""
    names = {p.name for p in BRAND.iterdir()}
    for name in names:
        twin = name.replace("@2x", "") if "@2x" in name else name.replace(".png", "@2x.png")
        assert twin in names, f"{name} without {twin}"
        if name.startswith("dark_"):
            assert name.removeprefix("dark_") in names


def test_license_matches_pyproject() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_readme_is_the_information_file() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme.startswith("# Presso Boots")
    assert _json(ROOT / "hacs.json").get("render_readme") is True
