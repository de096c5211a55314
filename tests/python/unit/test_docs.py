"""The docs match the code and stay inside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from stockops import docs_gen
from stockops.landing import CONTRACT_COLUMNS

from support import PROJECT_DIR

DOCS = PROJECT_DIR / "docs"
# Only history kept under docs/history/ may quote how the docs once pointed outside the repository.
HISTORY = "docs/history/"
OUTSIDE = ("../" + "shared", "DESIGN " + "§")  # split, so this file does not match itself


def test_marts_doc_is_up_to_date_with_the_yml() -> None:
    current = (PROJECT_DIR / docs_gen.MARTS_DOC).read_text(encoding="utf-8")
    assert docs_gen.updated(current, PROJECT_DIR) == current, (
        "docs/marts.md is out of date with models/marts/**/*.yml: run `make docs`"
    )


def test_marts_doc_covers_every_mart_and_column() -> None:
    text = (PROJECT_DIR / docs_gen.MARTS_DOC).read_text(encoding="utf-8")
    generated = text.partition(docs_gen.MARKER)[2]
    mart_sql = sorted((PROJECT_DIR / docs_gen.MARTS_DIR).rglob("*.sql"))
    assert mart_sql
    for path in mart_sql:
        section = generated.partition(f"### `{path.stem}`\n")[2].partition("\n### ")[0]
        assert section, f"docs/marts.md has no section for {path.stem}"
        spec = yaml.safe_load(path.with_suffix(".yml").read_text(encoding="utf-8"))
        for column in spec["models"][0]["columns"]:
            assert f"| `{column['name']}` | {column['data_type']} |" in section, column["name"]


def _write_mart(project: Path, yml: str) -> None:
    marts = project / docs_gen.MARTS_DIR
    marts.mkdir(parents=True)
    (marts / "fct_x.yml").write_text(yml, encoding="utf-8")


def test_generator_renders_grain_types_and_checks(tmp_path: Path) -> None:
    _write_mart(
        tmp_path,
        """
models:
  - name: fct_x
    description: One x | per thing.
    data_tests:
      - unique_combination: {arguments: {columns: [a, b]}}
    columns:
      - {name: a, data_type: varchar, description: A., constraints: [{type: not_null}]}
      - name: b
        data_type: double
        description: B.
        data_tests:
          - in_range: {arguments: {min_value: 0, max_value: 1}}
          - accepted_values: {arguments: {values: [0, 1]}}
unit_tests:
  - {name: fct_x_by_hand, model: fct_x}
""",
    )
    doc = docs_gen.updated("# hand\n" + docs_gen.MARKER + "\nstale\n", tmp_path)
    assert doc.startswith("# hand\n" + docs_gen.MARKER)
    assert "stale" not in doc
    assert "Grain: one row per `a` × `b`." in doc
    assert "\nOne x | per thing.\n" in doc  # outside a table a pipe needs no escape
    assert "| `a` | varchar | A. | not null |" in doc
    assert "| `b` | double | B. | 0 to 1; one of `0`, `1` |" in doc
    assert "- `fct_x_by_hand`" in doc


@pytest.mark.parametrize(
    ("yml", "problem"),
    [
        (
            "models: [{name: fct_x, columns: [{name: a, data_type: varchar, description: A.}]}]",
            "mart fct_x: no grain test",
        ),
        (
            "models: [{name: fct_x, columns: [{name: a, data_type: varchar, "
            "data_tests: [unique]}]}]",
            "mart fct_x: column a has no description",
        ),
    ],
)
def test_generator_refuses_an_undocumented_contract(tmp_path: Path, yml: str, problem: str) -> None:
    _write_mart(tmp_path, yml)
    with pytest.raises(docs_gen.DocsError, match=problem):
        docs_gen.updated(docs_gen.MARKER, tmp_path)


def test_generator_check_mode_fails_on_a_stale_doc(tmp_path: Path) -> None:
    _write_mart(
        tmp_path,
        "models: [{name: fct_x, columns: [{name: a, data_type: varchar, description: A., "
        "data_tests: [unique]}]}]",
    )
    doc = tmp_path / docs_gen.MARTS_DOC
    doc.parent.mkdir()
    doc.write_text("# hand\n" + docs_gen.MARKER + "\n", encoding="utf-8")
    assert docs_gen.main(["--check", "--project-dir", str(tmp_path)]) == 1
    assert docs_gen.main(["--project-dir", str(tmp_path)]) == 0
    assert docs_gen.main(["--check", "--project-dir", str(tmp_path)]) == 0
    assert "| `a` | varchar | A. | unique |" in doc.read_text(encoding="utf-8")


def test_landing_contract_doc_lists_every_table_and_column() -> None:
    text = (DOCS / "landing-contract.md").read_text(encoding="utf-8")
    for table, columns in CONTRACT_COLUMNS.items():
        section = text.partition(f"\n### `{table}`\n")[2].partition("\n### ")[0]
        assert section, f"docs/landing-contract.md has no section for {table}"
        for column in columns:
            assert re.search(rf"^\| `{column}` \|", section, re.MULTILINE), (table, column)


def _tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_DIR, capture_output=True, check=True
    ).stdout
    return [name for name in listed.decode().split("\0") if name]


def test_nothing_points_outside_the_repository() -> None:
    offending = []
    for name in _tracked_files():
        if name.startswith(HISTORY):
            continue
        path = PROJECT_DIR / name
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        offending += [
            f"{name}:{n}: {line.strip()}"
            for n, line in enumerate(text.splitlines(), start=1)
            if any(needle in line for needle in OUTSIDE)
        ]
    assert not offending, "references outside the repository:\n" + "\n".join(offending)
