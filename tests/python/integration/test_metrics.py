"""The semantic layer (models/semantic, docs/metrics.md): `mf query` over the tiny build gives the
same figures as SQL written directly against the marts it reads, and the time-to-action metrics
give the hand-computed figures on a warehouse built by hand."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from support import PROJECT_DIR

pytestmark = pytest.mark.slow


def mf_query(warehouse: Path, tmp_path: Path, metrics: list[str], group_by: str) -> dict[str, dict]:
    """`mf query` (the MetricFlow CLI) against the warehouse in this directory, rows by the group-by
    value."""
    out = tmp_path / f"{group_by}.csv"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "mf"),
            "query",
            "--metrics",
            ",".join(metrics),
            "--group-by",
            group_by,
            "--csv",
            str(out),
        ],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "STOCKOPS_WAREHOUSE_DIR": str(warehouse),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and out.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    with out.open(newline="") as handle:
        return {row[group_by]: row for row in csv.DictReader(handle)}


def number(text: str) -> float | None:
    return None if text in ("", "None") else float(text)


def test_value_at_stake_metrics_equal_the_decisions_mart(tiny_build, tmp_path: Path) -> None:
    metrics = ["value_at_stake", "open_value_at_stake", "decisions", "open_decisions"]
    got = mf_query(tiny_build.cfg.warehouse_dir, tmp_path, metrics, "decision__decision_type")
    expected = tiny_build.query(
        "select decision_type, sum(value_at_stake), "
        "sum(case when is_open then value_at_stake end), count(*), count(*) filter (where is_open) "
        "from marts.fct_decisions group by decision_type"
    )
    assert len(expected) > 3 and set(got) == {row[0] for row in expected}
    for decision_type, *figures in expected:
        row = got[decision_type]
        for metric, want in zip(metrics, figures, strict=True):
            value = number(row[metric])
            assert (value or 0) == pytest.approx(want or 0, rel=1e-9, abs=1e-6), (
                decision_type,
                metric,
            )


# A hand-built warehouse for the time-to-action metrics: the tiny build has no owner response yet
# (nothing is queued before its first export). (decision_id, owner_id, hours_to_ack, sla_outcome)
HAND_BUILT = [
    ("D1", "ann", 1.0, "resolved_within_sla"),
    ("D2", "ann", 3.0, "resolved_within_sla"),
    ("D3", "ann", 10.0, "breached_sla"),
    ("D4", "ann", None, "withdrawn"),
    ("D5", "bob", 4.0, "breached_sla"),
    ("D6", "bob", 6.0, "open_within_sla"),
    ("D7", "cy", None, "not_queued"),
]


def test_time_to_action_metrics_on_a_hand_built_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    con = duckdb.connect(str(warehouse / "stockops.duckdb"))
    try:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_decisions as select * from (values "
            + ", ".join(f"('{d}', '{o}', 'replenish', true)" for d, o, _, _ in HAND_BUILT)
            + ") as t(decision_id, owner_id, decision_type, is_open)"
        )
        con.execute(
            "create table marts.fct_decision_time_to_action ("
            "decision_id varchar, hours_to_ack double, sla_outcome varchar, queued_at timestamp)"
        )
        con.executemany(
            "insert into marts.fct_decision_time_to_action values (?, ?, ?, timestamp '2026-11-02')",
            [(d, h, outcome) for d, _, h, outcome in HAND_BUILT],
        )
    finally:
        con.close()
    metrics = [
        "median_hours_to_ack",
        "resolved_within_sla",
        "sla_verdicts",
        "share_resolved_within_sla",
    ]
    # owner_id is a dimension of the decisions: MetricFlow joins the two semantic models on decision
    got = mf_query(warehouse, tmp_path, metrics, "decision__owner_id")
    figures = {o: [number(got[o][m]) for m in metrics] for o in got}
    assert figures == {
        "ann": [3.0, 2, 3, pytest.approx(2 / 3)],  # median of 1, 3, 10; withdrawn has no verdict
        "bob": [5.0, 0, 1, 0.0],  # continuous median of 4 and 6
        "cy": [None, 0, 0, None],  # nothing to measure: no median, no share
    }


def test_the_time_spine_covers_every_signal_day(tiny_build) -> None:
    [(uncovered, days)] = tiny_build.query(
        "select count(*) filter (where spine.date_day is null), count(*) "
        "from (select distinct cast(signal_at as date) as day from marts.fct_decisions) as signals "
        "left join semantic.metricflow_time_spine as spine on spine.date_day = signals.day"
    )
    assert days > 0 and uncovered == 0
