"""The generated part of docs/marts.md: every public mart's grain and columns, from its yml.

docs/marts.md has a hand-written part (conventions and formulas) and, below `MARKER`, a part this
module writes from `models/marts/**/*.yml`: per mart its grain (read from its uniqueness test), its
description, every column with type, description and the tests or constraints on it, and the
names of its unit tests. `make docs` rewrites that part; `python -m stockops.docs_gen --check`
and tests/python/unit/test_docs.py fail when it is out of date, so the docs always match the yml.

A mart without a grain test, or a column without a data_type or a description, is an error: the
public contract documents every column and tests every grain.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from stockops import settings

MARTS_DIR = Path("models") / "marts"
MARTS_DOC = Path("docs") / "marts.md"
MARKER = (
    "<!-- Generated below this line from models/marts/**/*.yml by `make docs`: "
    "edit the yml, not this text. -->"
)


class DocsError(ValueError):
    """The marts' yml lacks something the contract documents (one line: mart, column, what)."""


def load_marts(project_dir: Path) -> list[dict[str, Any]]:
    """Every model described in a yml file under models/marts, sorted by name."""
    models: list[dict[str, Any]] = []
    for path in sorted((project_dir / MARTS_DIR).rglob("*.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unit_tests = spec.get("unit_tests") or []
        for model in spec.get("models") or []:
            model = dict(model)
            model["unit_tests"] = [t["name"] for t in unit_tests if t.get("model") == model["name"]]
            models.append(model)
    return sorted(models, key=lambda m: m["name"])


def _tests(node: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(test name, its properties) for each data test of a model or column."""
    out = []
    for test in node.get("data_tests") or node.get("tests") or []:
        if isinstance(test, str):
            out.append((test, {}))
        else:
            name, props = next(iter(test.items()))
            out.append((name, props or {}))
    return out


def grain(model: Mapping[str, Any]) -> list[str]:
    """The columns that identify one row: a model-level unique_combination, else a unique column."""
    for name, props in _tests(model):
        if name == "unique_combination":
            return list(props.get("arguments", props)["columns"])
    unique = [c["name"] for c in model.get("columns") or [] if "unique" in dict(_tests(c))]
    if unique:
        return unique[:1]
    raise DocsError(f"mart {model['name']}: no grain test (unique_combination or a unique column)")


def _code(value: Any) -> str:
    return f"`{value}`"


def _check(name: str, props: Mapping[str, Any]) -> str:
    args = props.get("arguments", props)
    if name == "not_null":
        return "not null"
    if name == "accepted_values":
        return "one of " + ", ".join(_code(v) for v in args["values"])
    if name == "in_range":
        low, high = args.get("min_value"), args.get("max_value")
        if high is None:
            return f"≥ {low}"
        return f"≤ {high}" if low is None else f"{low} to {high}"
    if name == "relationships":
        return f"in {args['to']}.{args['field']}"
    if name == "not_fallback_owner":
        return "never the fallback owner"
    return name


def column_checks(column: Mapping[str, Any]) -> str:
    """The constraints and tests on one column, as short phrases."""
    checks = [
        "not null" if c.get("type") == "not_null" else str(c.get("type"))
        for c in column.get("constraints") or []
    ]
    for name, props in _tests(column):
        phrase = _check(name, props)
        if phrase not in checks:
            checks.append(phrase)
    return "; ".join(checks)


def _cell(text: Any) -> str:
    """One markdown table cell: whitespace folded, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def render_mart(model: Mapping[str, Any]) -> str:
    name = model["name"]
    keys = " × ".join(_code(c) for c in grain(model))
    lines = [f"### `{name}`", "", f"Grain: one row per {keys}.", ""]
    if model.get("description"):
        lines += [" ".join(str(model["description"]).split()), ""]
    other_tests = [
        (props.get("name") or test, props.get("description"))
        for test, props in _tests(model)
        if test != "unique_combination"
    ]
    lines += ["| column | type | description | checks |", "|---|---|---|---|"]
    for column in model.get("columns") or []:
        for field in ("data_type", "description"):
            if not column.get(field):
                raise DocsError(f"mart {name}: column {column['name']} has no {field}")
        lines.append(
            f"| {_code(column['name'])} | {_cell(column['data_type'])} "
            f"| {_cell(column['description'])} | {_cell(column_checks(column))} |"
        )
    if other_tests:
        lines += ["", "Tests on the whole mart:", ""]
        lines += [
            f"- {_code(test)}" + (f": {' '.join(str(text).split())}" if text else "")
            for test, text in other_tests
        ]
    if model.get("unit_tests"):
        lines += ["", "Unit tests (fixed inputs, hand-computed results, in the yml):"]
        lines += ["", *(f"- {_code(test)}" for test in model["unit_tests"])]
    return "\n".join(lines) + "\n"


def render(marts: Sequence[Mapping[str, Any]]) -> str:
    """The generated part of docs/marts.md (everything after MARKER)."""
    summary = ["| mart | grain | columns |", "|---|---|---|"]
    summary += [
        f"| [`{m['name']}`](#{m['name']}) | {' × '.join(_code(c) for c in grain(m))} "
        f"| {len(m.get('columns') or [])} |"
        for m in marts
    ]
    parts = ["## The marts, column by column", "", *summary, ""]
    return "\n".join(parts) + "\n" + "\n".join(render_mart(m) for m in marts)


def updated(doc_text: str, project_dir: Path) -> str:
    """`doc_text` with everything after MARKER replaced by the part generated from the yml."""
    hand_written, found, _ = doc_text.partition(MARKER)
    if not found:
        raise DocsError(f"{MARTS_DOC} lacks the marker line that starts its generated part")
    return hand_written + MARKER + "\n\n" + render(load_marts(project_dir))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stockops.docs_gen", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="fail instead of writing when docs/marts.md is stale"
    )
    parser.add_argument("--project-dir", type=Path, help="default: the stockops project")
    args = parser.parse_args(argv)
    project_dir = args.project_dir or settings.load().project_dir
    path = project_dir / MARTS_DOC
    try:
        current = path.read_text(encoding="utf-8")
        wanted = updated(current, project_dir)
    except (OSError, DocsError) as exc:
        print(f"docs_gen: {exc}", file=sys.stderr)
        return 2
    if current == wanted:
        print(f"{MARTS_DOC} is up to date")
        return 0
    if args.check:
        print(f"docs_gen: {MARTS_DOC} is out of date with the marts' yml: run `make docs`")
        return 1
    path.write_text(wanted, encoding="utf-8")
    print(f"wrote {MARTS_DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
