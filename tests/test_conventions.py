"""What hassfest would check, since it does not ship in the wheel (HACS: test_hacs.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from custom_components.presso_boots.const import TRANSLATED_LANGUAGES
from scripts.translations import render_english

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / "presso_boots"
SERVICE_UUID = "b0075000-5eed-4c0d-8a11-70e55c0de000"

QUALITY_RULES = {
    "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow-test-coverage",
    "config-flow", "dependency-transparency", "docs-actions", "docs-high-level-description",
    "docs-installation-instructions", "docs-removal-instructions", "entity-event-setup",
    "entity-unique-id", "has-entity-name", "runtime-data", "test-before-configure",
    "test-before-setup", "unique-config-entry", "action-exceptions", "config-entry-unloading",
    "docs-configuration-parameters", "docs-installation-parameters", "entity-unavailable",
    "integration-owner", "log-when-unavailable", "parallel-updates", "reauthentication-flow",
    "test-coverage", "devices", "diagnostics", "discovery-update-info", "discovery",
    "docs-data-update", "docs-examples", "docs-known-limitations", "docs-supported-devices",
    "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
    "entity-category", "entity-device-class", "entity-disabled-by-default", "entity-translations",
    "exception-translations", "icon-translations", "reconfiguration-flow", "repair-issues",
    "stale-devices", "async-dependency", "inject-websession", "strict-typing", "docs-triggers",
    "docs-conditions",
}  # fmt: skip


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _source() -> str:
    return "\n".join(p.read_text() for p in PACKAGE.glob("*.py"))


def test_manifest_schema_and_key_order() -> None:
    manifest = _json(PACKAGE / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == PACKAGE.name
    assert manifest["config_flow"]  # the keys HACS requires: tests/test_hacs.py
    # the card: its file (http), its dashboard resource (frontend, lovelace), its live data
    assert manifest["dependencies"] == [
        "bluetooth_adapters", "frontend", "http", "lovelace", "websocket_api",
    ]  # fmt: skip
    assert manifest["integration_type"] == "device"
    assert manifest["iot_class"] == "local_push"
    assert {"manufacturer_id": 0xB007, "manufacturer_data_start": [0x50, 0x01]} in manifest[
        "bluetooth"
    ]
    assert {"service_uuid": SERVICE_UUID} in manifest["bluetooth"]
    assert all(
        m.get("service_uuid", "").islower() or "service_uuid" not in m
        for m in manifest["bluetooth"]
    )


def _leaves(node: Any, path: str = "") -> dict[str, str]:
    if isinstance(node, dict):
        return {
            k: v for key, child in node.items() for k, v in _leaves(child, f"{path}::{key}").items()
        }
    return {path: node}


def test_english_translation_is_strings_json_resolved() -> None:
    """translations/en.json is what scripts/translations.py makes of strings.json."""
    assert (PACKAGE / "translations" / "en.json").read_text(encoding="utf-8") == render_english()


@pytest.mark.parametrize("language", [lang for lang in TRANSLATED_LANGUAGES if lang != "en"])
def test_every_language_has_every_string_with_the_same_placeholders(language: str) -> None:
    """Every key of en.json in es, de and fr, with the same placeholders, and translated."""
    en = _leaves(_json(PACKAGE / "translations" / "en.json"))
    other = _leaves(_json(PACKAGE / "translations" / f"{language}.json"))
    assert set(en) == set(other)
    placeholder = re.compile(r"\{(\w+)\}")
    for key, text in en.items():
        assert set(placeholder.findall(text)) == set(placeholder.findall(other[key])), key
        assert "[%key:" not in other[key], key
    # Words left in English: only names and placeholders ("{name}", "PIN", "Gradient").
    words = {key: placeholder.sub("", text) for key, text in en.items()}
    same = {en[key] for key in en if en[key] == other[key] and re.search(r"[a-z]{4}", words[key])}
    assert same <= {"Gradient"}, same


def test_translated_languages_are_the_translation_files() -> None:
    files = sorted(p.stem for p in (PACKAGE / "translations").glob("*.json"))
    assert files == sorted(TRANSLATED_LANGUAGES)


def test_translation_keys_used_in_code_exist() -> None:
    strings = _json(PACKAGE / "strings.json")
    source = _source()
    for key in set(re.findall(r'translation_key="([a-z_]+)"', source)) - {"session"}:
        assert key in strings["exceptions"] or any(
            key in section for section in strings["entity"].values()
        ), key
    from custom_components.presso_boots.const import EVENT_TYPES, FAULT_KEYS
    from custom_components.presso_boots.errors import ERROR_KEYS

    for _cls, key in ERROR_KEYS:
        assert key in strings["exceptions"]
        assert key in strings["config"]["error"]
        assert key in strings["config"]["abort"]
    for fault in [*FAULT_KEYS.values(), "other"]:
        assert fault in strings["entity"]["sensor"]["fault"]["state"]
        if fault != "none":
            assert f"fault_{fault}" in strings["issues"]
    assert set(EVENT_TYPES) == set(
        strings["entity"]["event"]["session"]["state_attributes"]["event_type"]["state"]
    )


def test_services_yaml_matches_registered_actions() -> None:
    from custom_components.presso_boots import services

    described = yaml.safe_load((PACKAGE / "services.yaml").read_text())
    registered = {services.SERVICE_START, services.SERVICE_PAUSE, services.SERVICE_RESUME,
                  services.SERVICE_CHECK, services.SERVICE_STOP, services.SERVICE_STATUS}  # fmt: skip
    assert set(described) == registered
    strings = _json(PACKAGE / "strings.json")
    icons = _json(PACKAGE / "icons.json")
    for action, spec in described.items():
        assert set(spec["fields"]) == set(strings["services"][action]["fields"])
        assert action in icons["services"]
    start_fields = {str(k) for k in services.START_SCHEMA.schema}
    assert start_fields == set(described[services.SERVICE_START]["fields"])


def test_icons_cover_every_translated_entity() -> None:
    icons = _json(PACKAGE / "icons.json")["entity"]
    strings = _json(PACKAGE / "strings.json")["entity"]
    for platform, entities in strings.items():
        for key in entities:
            assert key in icons[platform], f"{platform}.{key} has no icon"


def test_quality_scale_is_complete() -> None:
    rules = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text())["rules"]
    assert set(rules) == QUALITY_RULES
    # The scale of the installed Home Assistant: the rules its own integrations list.
    import homeassistant

    core = Path(homeassistant.__file__).parent / "components"
    listed = {
        rule
        for path in core.glob("*/quality_scale.yaml")
        for rule in re.findall(r"^  ([a-z-]+):", path.read_text(), re.MULTILINE)
    }
    assert len(QUALITY_RULES) == 54
    assert listed == QUALITY_RULES
    for rule, value in rules.items():
        if isinstance(value, dict):
            assert value["status"] in ("exempt", "todo"), rule
            assert value.get("comment"), f"{rule} needs a reason"
        else:
            assert value == "done", rule


def test_protocol_library_has_no_home_assistant_import() -> None:
    for path in (PACKAGE / "presso_ble").glob("*.py"):
        text = path.read_text()
        assert "homeassistant" not in text, path.name
        assert "voluptuous" not in text, path.name
        assert "probatio" not in text, path.name
    assert (PACKAGE / "presso_ble" / "py.typed").exists()
