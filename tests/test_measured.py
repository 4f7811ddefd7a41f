"""The README's benchmark table is the one a run printed: its labels are the benchmarks' own."""

from __future__ import annotations

from scripts.measured import README, label_patterns, readme_rows, rows, table


def test_the_readme_table_has_every_benchmark_row_and_no_other() -> None:
    labels = [label for label, _ in readme_rows(README.read_text())]
    patterns = label_patterns()
    assert labels, "the README has the generated table"
    unknown = [label for label in labels if not any(p.fullmatch(label) for p in patterns)]
    assert not unknown, f"rows no benchmark prints: {unknown}"
    missing = [p.pattern for p in patterns if not any(p.fullmatch(label) for label in labels)]
    assert not missing, f"benchmark rows the README lacks (run scripts/measured.py): {missing}"
    assert len(labels) == len(set(labels)) or _repeats_allowed(labels)


def _repeats_allowed(labels: list[str]) -> bool:
    """A label printed twice is a row measured two ways (virtual and emulated proxies)."""
    return all(labels.count(label) <= 2 for label in labels)


def test_a_run_output_becomes_the_table_row_for_row() -> None:
    output = (
        "tests/test_benchmarks.py | command CPU ratio to a bare HA service call | 3.8 |\n"
        "| measurement | value |\n|---|---|\n"
        "| frames parsed+decoded per second, MTU 23 (20-byte chunks) | 255,000 |\n"
        "noise | not a row\n"
    )
    found = rows(output)
    assert found == [
        ("command CPU ratio to a bare HA service call", "3.8"),
        ("frames parsed+decoded per second, MTU 23 (20-byte chunks)", "255,000"),
    ]
    assert table(found).splitlines()[3] == (
        "| frames parsed+decoded per second, MTU 23 (20-byte chunks) | 255,000 |"
    )
