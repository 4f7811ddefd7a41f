"""What hassfest would check, since it does not ship in the wheel (HACS: test_hacs.py)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from custom_components.presso_boots.const import TRANSLATED_LANGUAGES
from scripts.translations import render_english

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
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


#: The entity platforms (conditions and triggers are not entities).
ENTITY_PLATFORMS = ("button", "event", "number", "select", "sensor", "switch")


def _tree(name: str) -> ast.Module:
    return ast.parse((PACKAGE / name).read_text())


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def _module_names(tree: ast.Module) -> set[str]:
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }


def _check_parallel_updates() -> list[str]:
    return [
        f"{platform}.py has no PARALLEL_UPDATES"
        for platform in ENTITY_PLATFORMS
        if "PARALLEL_UPDATES" not in _module_names(_tree(f"{platform}.py"))
    ]


def _check_has_entity_name() -> list[str]:
    problems = []
    if "_attr_has_entity_name = True" not in (PACKAGE / "entity.py").read_text():
        problems.append("the base entity does not set _attr_has_entity_name")
    for platform in ENTITY_PLATFORMS:
        if "_attr_has_entity_name = False" in (PACKAGE / f"{platform}.py").read_text():
            problems.append(f"{platform}.py turns has_entity_name off")
    return problems


def _check_entity_unique_id() -> list[str]:
    text = (PACKAGE / "entity.py").read_text()
    return [] if "self._attr_unique_id = " in text else ["the base entity sets no unique id"]


def _check_runtime_data() -> list[str]:
    text = "".join(path.read_text() for path in PACKAGE.glob("*.py"))
    problems = [] if "entry.runtime_data = " in text else ["nothing is kept in runtime_data"]
    if "hass.data[DOMAIN]" in text:
        problems.append("state kept in hass.data[DOMAIN]")
    return problems


def _check_unique_config_entry() -> list[str]:
    tree = _tree("config_flow.py")
    sets = len(_calls(tree, "async_set_unique_id"))
    aborts = len(_calls(tree, "_abort_if_unique_id_configured"))
    return [] if sets and sets == aborts else [f"{sets} unique ids set, {aborts} checked"]


def _check_exception_translations() -> list[str]:
    """Every error raised to the user (Home Assistant's exceptions) names a translation."""
    raised = ("HomeAssistantError", "ServiceValidationError", "ConfigEntryNotReady",
              "ConfigEntryAuthFailed")  # fmt: skip
    problems = []
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and isinstance(node.exc.func, ast.Name)
                and node.exc.func.id in raised
                and not any(k.arg == "translation_key" for k in node.exc.keywords)
            ):
                problems.append(f"{path.name}:{node.lineno} raises without a translation_key")
    return problems


def _check_entity_translations() -> list[str]:
    """Entity names come from translations: no description sets a name itself."""
    problems = []
    for platform in ENTITY_PLATFORMS:
        for call in ast.walk(_tree(f"{platform}.py")):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id.endswith("EntityDescription")
                and any(k.arg == "name" for k in call.keywords)
            ):
                problems.append(f"{platform}.py:{call.lineno} names an entity in code")
    strings = json.loads((PACKAGE / "strings.json").read_text())
    problems += [
        f"strings.json has no {platform} entities"
        for platform in ENTITY_PLATFORMS
        if platform not in strings.get("entity", {})
    ]
    return problems


def _check_diagnostics() -> list[str]:
    tree = _tree("diagnostics.py")
    defined = {n.name for n in tree.body if isinstance(n, ast.AsyncFunctionDef)}
    problems = []
    if "async_get_config_entry_diagnostics" not in defined:
        problems.append("no config entry diagnostics")
    if not _calls(tree, "async_redact_data"):
        problems.append("diagnostics redact nothing")
    return problems


def _check_manifest() -> list[str]:
    manifest = json.loads((PACKAGE / "manifest.json").read_text())
    problems = [] if manifest.get("codeowners") else ["no code owner"]
    if manifest.get("config_flow") is not True:
        problems.append("no config flow in the manifest")
    if not manifest.get("bluetooth"):
        problems.append("no Bluetooth discovery matcher")
    return problems


def _check_strict_typing() -> list[str]:
    pyproject = (ROOT / "pyproject.toml").read_text()
    mypy = pyproject[pyproject.index("[tool.mypy]") :]
    problems = [] if "strict = true" in mypy else ["mypy is not strict"]
    if '"custom_components.presso_boots"' not in mypy:
        problems.append("mypy does not check the integration")
    return problems


def _check_async_dependency() -> list[str]:
    """The protocol library is asyncio all the way: no threads, no blocking sleeps."""
    problems = []
    for path in (PACKAGE / "presso_ble").glob("*.py"):
        text = path.read_text()
        for blocking in ("import threading", "time.sleep(", "run_in_executor"):
            if blocking in text:
                problems.append(f"presso_ble/{path.name} uses {blocking}")
    return problems


def _readme_section(title: str) -> Callable[[], list[str]]:
    def check() -> list[str]:
        found = re.search(rf"^##+ {re.escape(title)}\n+(.+)", README.read_text(), re.MULTILINE)
        return [] if found and found.group(1).strip() else [f"README has no {title!r} section"]

    return check


#: Rules whose "done" can be checked on the code, the manifest or the README.
RULE_CHECKS: dict[str, Callable[[], list[str]]] = {
    "parallel-updates": _check_parallel_updates,
    "has-entity-name": _check_has_entity_name,
    "entity-unique-id": _check_entity_unique_id,
    "runtime-data": _check_runtime_data,
    "unique-config-entry": _check_unique_config_entry,
    "exception-translations": _check_exception_translations,
    "entity-translations": _check_entity_translations,
    "diagnostics": _check_diagnostics,
    "integration-owner": _check_manifest,
    "config-flow": _check_manifest,
    "discovery": _check_manifest,
    "strict-typing": _check_strict_typing,
    "async-dependency": _check_async_dependency,
    "docs-installation-instructions": _readme_section("Install and set up"),
    "docs-removal-instructions": _readme_section("Removal"),
    "docs-actions": _readme_section("Actions"),
    "docs-configuration-parameters": _readme_section("Options"),
    "docs-data-update": _readme_section("How data updates"),
    "docs-known-limitations": _readme_section("Known limitations"),
    "docs-supported-devices": _readme_section("Supported boots"),
    "docs-troubleshooting": _readme_section("Troubleshooting"),
    "brands": lambda: [] if (PACKAGE / "brand" / "icon.png").exists() else ["no brand icon"],
    "icon-translations": lambda: [] if (PACKAGE / "icons.json").exists() else ["no icons.json"],
}


@pytest.mark.parametrize("rule", sorted(RULE_CHECKS))
def test_a_rule_marked_done_holds(rule: str) -> None:
    rules = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text())["rules"]
    assert rules[rule] == "done", rule
    assert RULE_CHECKS[rule]() == []


def test_protocol_library_has_no_home_assistant_import() -> None:
    for path in (PACKAGE / "presso_ble").glob("*.py"):
        text = path.read_text()
        assert "homeassistant" not in text, path.name
        assert "voluptuous" not in text, path.name
        assert "probatio" not in text, path.name
    assert (PACKAGE / "presso_ble" / "py.typed").exists()


def test_every_trigger_and_condition_is_found_under_presso_and_leg_with_an_icon() -> None:
    """The automation editor's search matches names: "Presso" and "leg" find each one."""
    icons = _json(PACKAGE / "icons.json")
    strings = _json(PACKAGE / "strings.json")
    for kind, singular in (("triggers", "trigger"), ("conditions", "condition")):
        described = yaml.safe_load((PACKAGE / f"{kind}.yaml").read_text())
        for key in (k for k in described if not k.startswith(".")):
            name = strings[kind][key]["name"].lower()
            assert {"presso", "leg"} <= set(name.split()), name
            assert icons[kind][key][singular].startswith("mdi:")
