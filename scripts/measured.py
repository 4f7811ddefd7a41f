"""Write the README's benchmark table from one run of the benchmarks.

Run: ``uv run --frozen python scripts/measured.py`` (runs the README's two benchmark
commands, as ``.ci/run`` does) or ``... scripts/measured.py --from OUTPUT`` (a saved
run's output). Every ``| label | value |`` row the benchmarks print goes, in order, between
the markers in README.md; nothing in the table is typed by hand.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BEGIN = "<!-- measured: begin (scripts/measured.py writes this table from one benchmark run) -->"
END = "<!-- measured: end -->"
COMMANDS = [
    ["uv", "run", "--frozen", "pytest", "-m", "benchmark", "-s", "-p", "no:randomly"],
    ["uv", "run", "--frozen", "python", "scripts/benchmark.py"],
]
#: The files whose ``report(label, value)`` calls print the rows.
SOURCES = [
    ROOT / "tests" / "test_benchmarks.py",
    ROOT / "tests" / "test_benchmark_scale.py",
    ROOT / "tests" / "test_benchmark_esphome.py",
    ROOT / "tests" / "test_benchmark_card.py",
    ROOT / "tests" / "test_benchmark_bluez.py",
    ROOT / "tests" / "test_benchmark_paths.py",
    ROOT / "scripts" / "benchmark.py",
]
#: A row; pytest may print a test's first row after its file name or a result dot.
ROW = re.compile(r"\| (?P<label>[^|]+?) \| (?P<value>[^|]*) \|$")
HEADER = ("measurement", "what")


def rows(output: str) -> list[tuple[str, str]]:
    """The table rows a run printed, in order (headers and separators left out)."""
    found = []
    for line in output.splitlines():
        if (match := ROW.search(line.rstrip())) and "|---" not in line:
            label, value = match["label"], match["value"]
            if label not in HEADER:
                found.append((label, value))
    return found


def table(found: list[tuple[str, str]]) -> str:
    lines = ["| benchmark | figure |", "|---|---|"]
    lines += [f"| {label} | {value} |" for label, value in found]
    return "\n".join(lines)


def readme_rows(text: str) -> list[tuple[str, str]]:
    """The rows between the README's markers."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return [row for row in rows(text[start:end]) if row[0] != "benchmark"]


def label_patterns() -> list[re.Pattern[str]]:
    """Each ``report(...)`` label in the benchmark sources; an f-string's fields match anything."""
    patterns = []
    for source in SOURCES:
        for node in ast.walk(ast.parse(source.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "report"
                and node.args
            ):
                continue
            label = node.args[0]
            if isinstance(label, ast.Constant) and isinstance(label.value, str):
                patterns.append(re.compile(re.escape(label.value)))
            elif isinstance(label, ast.JoinedStr):
                parts = [
                    re.escape(part.value)
                    if isinstance(part, ast.Constant) and isinstance(part.value, str)
                    else ".+"
                    for part in label.values
                ]
                patterns.append(re.compile("".join(parts)))
    return patterns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="source", type=Path, help="a saved run's output")
    args = parser.parse_args()
    if args.source:
        output = args.source.read_text()
    else:
        output = ""
        for command in COMMANDS:
            run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
            output += run.stdout
            if run.returncode:
                print(run.stdout[-5000:], run.stderr[-5000:])
                sys.exit(f"measured: {' '.join(command)} failed ({run.returncode})")
    found = rows(output)
    if not found:
        sys.exit("measured: the run printed no rows")
    text = README.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    README.write_text(text[:start] + "\n" + table(found) + "\n" + text[end:])
    print(f"measured: {len(found)} rows written to README.md")


if __name__ == "__main__":
    main()
