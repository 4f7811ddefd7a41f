"""What HACS's repository validation checks, and what the Marketplace reads, offline.

HACS (its ``validate`` checks and schemas) looks at: the repository structure (one
integration under ``custom_components/``), ``manifest.json`` (codeowners, documentation,
domain, issue_tracker, name, version), ``hacs.json`` (only its known keys), brand
assets (``custom_components/<domain>/brand/icon.png``, since Home Assistant 2026.3),
a license, and an information file (README). GitHub-side checks (description,
topics, issues enabled, not archived) are repository settings, not files.
Home Assistant's brand rules (sizes, PNG) are checked here too: its brands view
serves these files.

Home Assistant 2026.11 ships HACS built in as the Marketplace
(``homeassistant/components/marketplace``). Its rules, read from the 2026.11.0 wheel, are
copied below for the release this suite pins; ``scripts/marketplace_layout.py`` runs the
Marketplace's own code over the repository (the release check does, on 2026.11.0).

The test environment runs the versions users get: the pinned Home Assistant's
``package_constraints.txt`` (and its Bluetooth and ESPHome manifests) against ``uv.lock``.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import homeassistant
import pytest
from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.components.brands.const import ALLOWED_IMAGES
from homeassistant.const import __version__ as HA_VERSION
from PIL import Image

from scripts.check_ha_release import OVERRIDES, RELEASE
from scripts.marketplace_layout import problems, tree

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / "presso_boots"
BRAND = PACKAGE / "brand"
# HACS's HACS_MANIFEST_JSON_SCHEMA: every key it allows, with its type (extra keys fail).
HACS_JSON_KEYS: dict[str, type] = {
    "name": str, "content_in_root": bool, "country": str, "filename": str, "hacs": str,
    "hide_default_branch": bool, "homeassistant": str, "persistent_directory": str,
    "render_readme": bool, "zip_release": bool,
}  # fmt: skip
# The Marketplace's REPOSITORY_MANIFEST_VALUES (marketplace/utils/validate.py, 2026.11.0):
# the hacs.json keys it reads and their types; it ignores any other key (render_readme
# only matters to HACS on 2026.10, country to neither here).
MARKETPLACE_HACS_JSON: dict[str, type] = {
    "content_in_root": bool, "filename": str, "hacs": str, "hide_default_branch": bool,
    "homeassistant": str, "name": str, "persistent_directory": str, "zip_release": bool,
}  # fmt: skip
# marketplace/utils/validate.py VALID_DOMAIN: the directory an install is written to.
MARKETPLACE_DOMAIN = re.compile(r"^[a-z0-9_-]+$")
# marketplace/repositories/integration.py LOADABLE_VERSION_STRATEGIES: without such a
# version in manifest.json the Marketplace refuses the install (the loader would not load it).
LOADABLE_VERSION_STRATEGIES = [
    AwesomeVersionStrategy.CALVER, AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER, AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]  # fmt: skip
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


def test_marketplace_reads_hacs_json() -> None:
    """The Marketplace takes name and the minimum Home Assistant from hacs.json; every key
    it reads has its type (a wrong one is dropped with a warning)."""
    hacs = _json(ROOT / "hacs.json")
    read = {key: value for key, value in hacs.items() if key in MARKETPLACE_HACS_JSON}
    assert {"name", "homeassistant"} <= set(read)
    for key, value in read.items():
        assert isinstance(value, MARKETPLACE_HACS_JSON[key]), key
    assert AwesomeVersion(read["homeassistant"]).valid
    assert set(hacs) - set(MARKETPLACE_HACS_JSON) <= {"render_readme"}  # HACS (2026.10) only
    assert not read.get("content_in_root")
    assert not read.get("zip_release")


def test_marketplace_finds_the_integration_and_its_manifest() -> None:
    """resolve_content: the first directory in the GitHub tree under custom_components/,
    which must hold manifest.json; the domain names that directory; a loadable version."""
    entries = tree()
    directories = [path for path, kind in entries if kind == "tree"]
    assert directories[0] == "custom_components/presso_boots"
    assert ("custom_components/presso_boots/manifest.json", "blob") in entries
    manifest = _json(PACKAGE / "manifest.json")
    assert MARKETPLACE_DOMAIN.match(manifest["domain"])
    assert manifest["domain"] == PACKAGE.name
    AwesomeVersion(manifest["version"], ensure_strategy=LOADABLE_VERSION_STRATEGIES)
    assert isinstance(manifest["config_flow"], bool)
    assert all(isinstance(owner, str) for owner in manifest["codeowners"])
    assert (ROOT / "README.md").is_file()  # the page the Marketplace shows


@pytest.mark.skipif(
    not (Path(homeassistant.__file__).parent / "components" / "marketplace").is_dir(),
    reason="the Marketplace ships from Home Assistant 2026.11 (the release check runs this)",
)
def test_the_marketplace_code_accepts_the_repository() -> None:
    assert problems() == []


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[=<>!~;\[ ]", requirement, maxsplit=1)[0]).lower()


def _pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        if (match := re.match(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;#]+)", line.strip())) is not None:
            found[_name(match[1])] = match[2]
    return found


def test_uv_lock_has_the_versions_of_the_pinned_home_assistant() -> None:
    """Users run Home Assistant's pins: every locked package that the pinned release's
    package_constraints.txt, or the manifest of an integration the suite sets up (bluetooth,
    usb, esphome, assist_pipeline, conversation), pins has that version. Exceptions: the
    pins without Python 3.14 wheels, which the release check overrides the same way."""
    package = Path(homeassistant.__file__).parent
    wanted = _pins((package / "package_constraints.txt").read_text().splitlines())
    for domain in ("bluetooth", "usb", "esphome", "assist_pipeline", "conversation"):
        manifest = _json(package / "components" / domain / "manifest.json")
        wanted |= _pins(manifest["requirements"])
    overridden = {name: _pins([pin])[name] for name, pin in OVERRIDES.items()}
    locked = {
        package["name"]: package["version"]
        for package in tomllib.loads((ROOT / "uv.lock").read_text())["package"]
        if "version" in package
    }
    drift = {
        name: (locked[name], version)
        for name, version in wanted.items()
        if name in locked and locked[name] != overridden.get(name, version)
    }
    assert drift == {}, "uv.lock vs Home Assistant (locked, pinned): " + str(drift)
    for name in ("bleak", "dbus-fast", "habluetooth", "bleak-retry-connector",
                 "bluetooth-adapters", "aioesphomeapi", "bleak-esphome"):  # fmt: skip
        assert name in wanted, name
        assert name in locked, name


def test_the_release_check_fails_on_a_deprecation_that_names_us() -> None:
    """Lines as Home Assistant 2026.11 and Python write them: ours fail the check, another
    integration's deprecation does not."""
    from scripts.check_ha_release import problems as log_problems

    ours = [
        "2026-11-05 10:00:00.000 WARNING (MainThread) [homeassistant.helpers.frame] Detected "
        "that custom integration 'presso_boots' calls _set_confirm_only, which is deprecated "
        "and has no effect at custom_components/presso_boots/config_flow.py, line 92: "
        "self._set_confirm_only(). This will stop working in Home Assistant 2026.12, please "
        "report it to the author of the 'presso_boots' custom integration",
        "/config/custom_components/presso_boots/repairs.py:40: DeprecationWarning: "
        "an argument is deprecated",
    ]
    others = [
        "2026-11-05 10:00:00.000 WARNING (MainThread) [homeassistant.helpers.frame] Detected "
        "that custom integration 'other' uses a deprecated constant",
        "2026-11-05 10:00:00.000 INFO (MainThread) [custom_components.presso_boots] "
        "Presso D005 is online",
    ]
    assert log_problems("\n".join(ours + others)) == ours
