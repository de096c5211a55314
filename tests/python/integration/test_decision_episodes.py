"""Episodes, not daily spam: three consecutive daily runs, then the last day again."""

from __future__ import annotations

import duckdb
import pytest

from stockops import generate

from support import dbt_build

pytestmark = pytest.mark.slow

DAYS = ("2026-10-29", "2026-10-30", "2026-10-31")  # one weekly cycle (from Monday 10-26)


class Version(dict):
    """An int_decision_versions row by column name, hashable (rows are compared as sets)."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted((k, repr(v)) for k, v in self.items())))


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
            cur = con.execute(
                # lines (a list) left out: rows are compared as sets
                "select * exclude (lines) from intermediate.int_decision_versions order by all"
            )
            names = [d[0] for d in cur.description]
            snapshots[run] = {
                "versions": [Version(dict(zip(names, r, strict=True))) for r in cur.fetchall()],
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
    # the same open condition is the same decision: no second decision for its type and subject
    subjects = [
        (v["decision_type"], v["subject_key"])
        for v in history[2]["versions"]
        if v["decision_id"] in persisting and v["change_kind"] == "new"
    ]
    assert len(subjects) == len(set(subjects)) == len(persisting)


def test_a_changed_quantity_makes_a_new_version(history: dict) -> None:
    changed = [v for v in history[2]["versions"] if v["change_kind"] == "changed"]
    assert changed
    assert all(v["decision_version"] >= 2 for v in changed)
    latest = {d[0]: d[1] for d in history[2]["decisions"]}
    assert all(latest[v["decision_id"]] >= v["decision_version"] for v in changed)


def test_a_batch_or_proposal_keeps_its_identity_when_its_members_change(history: dict) -> None:
    groups = [v for v in history[2]["versions"] if v["decision_kind"] in ("batch", "proposal")]
    assert groups
    # one decision per group subject in the cycle: a member joining or leaving is a new version
    firsts = [(v["decision_type"], v["subject_key"]) for v in groups if v["change_kind"] == "new"]
    assert len(firsts) == len(set(firsts))
    day1 = {v["decision_id"] for v in history[0]["versions"]}
    hashes = {
        (v["decision_id"], v["decision_version"]): v["membership_hash"]
        for v in groups
        if v["change_kind"] != "withdrawn"
    }
    regrouped = [
        v
        for v in groups
        if v["change_kind"] == "changed"
        and v["decision_id"] in day1
        and hashes.get((v["decision_id"], v["decision_version"] - 1)) != v["membership_hash"]
    ]
    assert regrouped, "some batch or proposal of day 1 gained or lost a member by day 3"


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
