"""Episodes, not daily spam: three consecutive daily runs, then the last day again."""

from __future__ import annotations

import duckdb
import pytest

from stockops import generate

from support import dbt_build

pytestmark = pytest.mark.slow

DAYS = ("2026-10-29", "2026-10-30", "2026-10-31")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("episodes")
    landing = root / "landing"
    generate.generate(landing, seed=7, **generate.SCALES["tiny"])
    warehouse = root / "warehouse"
    snapshots = {}
    for run, day in enumerate((*DAYS, DAYS[-1])):
        dbt_build(landing, warehouse, root / f"run{run}", "--vars", f"{{as_of_date: '{day}'}}")
        con = duckdb.connect(str(warehouse / "stockops.duckdb"), read_only=True)
        try:
            snapshots[run] = {
                "versions": con.execute(
                    "select * from intermediate.int_decision_versions order by all"
                ).fetchall(),
                "decisions": con.execute(
                    "select decision_id, decision_version, status, change_kind from marts.fct_decisions"
                ).fetchall(),
            }
        finally:
            con.close()
    return snapshots


def test_a_persisting_condition_stays_one_decision(history: dict) -> None:
    day1 = {d[0] for d in history[0]["decisions"]}
    day3_open = {d[0] for d in history[2]["decisions"] if d[2] != "withdrawn"}
    persisting = day1 & day3_open
    assert persisting, "some condition of day 1 should still be open on day 3"
    # the same open condition is the same decision: no second decision for its subject
    subjects = [v[2] for v in history[2]["versions"] if v[0] in persisting and v[18] == "new"]
    assert len(subjects) == len(set(subjects)) == len(persisting)


def test_a_changed_quantity_makes_a_new_version(history: dict) -> None:
    changed = [v for v in history[2]["versions"] if v[18] == "changed"]
    assert changed
    assert all(v[17] >= 2 for v in changed)
    latest = {d[0]: d[1] for d in history[2]["decisions"]}
    assert all(latest[v[0]] >= v[17] for v in changed)


def test_a_cleared_condition_is_withdrawn(history: dict) -> None:
    withdrawn = [d for d in history[2]["decisions"] if d[2] == "withdrawn"]
    assert withdrawn
    assert all(d[3] == "withdrawn" for d in withdrawn)


def test_rerunning_a_day_changes_nothing(history: dict) -> None:
    assert history[3]["versions"] == history[2]["versions"]
    assert sorted(history[3]["decisions"]) == sorted(history[2]["decisions"])


def test_history_only_grows(history: dict) -> None:
    for earlier, later in ((0, 1), (1, 2)):
        assert set(history[earlier]["versions"]) <= set(history[later]["versions"])
