"""The benchmark's equality check of the reference marts against a run's (benchmarks/reference.py)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from support import bench_module


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    return bench_module("reference")


def _mart(path: Path, rows: list[tuple[str, float, str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_decisions "
        "(decision_id varchar, value double, inputs varchar, detected_at varchar)"
    )
    con.executemany("insert into marts.fct_decisions values (?, ?, ?, ?)", rows)
    con.close()
    return path


def _doc(value: float) -> str:
    return json.dumps({"ordered_value": value, "band": "a"})


def test_float_noise_inside_json_is_tolerated_and_real_differences_are_shown(
    reference: ModuleType, tmp_path: Path
) -> None:
    base = [("d1", 1.0, _doc(9180113.15), "t1"), ("d2", 2.0, _doc(3.0), "t1")]
    ref = _mart(tmp_path / "ref" / "stockops.duckdb", base)
    noisy = _mart(
        tmp_path / "noisy" / "stockops.duckdb",
        [("d1", 1.0 + 1e-15, _doc(9180113.149999999), "t2"), ("d2", 2.0, _doc(3.0), "t2")],
    )
    wrong = _mart(
        tmp_path / "wrong" / "stockops.duckdb",
        [("d1", 1.0, _doc(9180113.15), "t1"), ("d2", 2.0, _doc(4.0), "t1")],
    )

    same = reference.compare(ref, noisy, volatile_columns=frozenset({"detected_at"}))
    table = same["tables"]["fct_decisions"]
    assert same["equal"] and table["text_columns_equal_within_float_tolerance"] == ["inputs"]
    assert table["volatile_columns_differing"] == ["detected_at"]

    differ = reference.compare(ref, wrong)
    table = differ["tables"]["fct_decisions"]
    assert not differ["equal"] and table["mismatched_columns"] == ["inputs"]
    shown = table["text_columns_differing_rows"]["inputs"]
    assert shown["rows_differing"] == 1
    assert json.loads(shown["first"][0]["run"])["ordered_value"] == 4.0
