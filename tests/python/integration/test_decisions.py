"""Every injected scenario produces its decision for the right subject and owner (tiny, via Dagster).

A scenario's signal is a decision of its own, or a line of a purchase proposal or a batch
(fct_decision_lines): the tests look for its line."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def decisions(tiny_build, decision_type: str, **where: str) -> list[dict]:
    clauses = " and ".join(f"{column} = ?" for column in where)
    sql = "select * from marts.fct_decisions where decision_type = ?" + (
        f" and {clauses}" if clauses else ""
    )
    cur_columns = [r[0] for r in tiny_build.query("describe marts.fct_decisions")]
    rows = tiny_build.query(sql, [decision_type, *where.values()])
    return [dict(zip(cur_columns, row, strict=True)) for row in rows]


def lines(tiny_build, signal_type: str, **where: str) -> list[dict]:
    """The lines of the given signal type (with their decision's owner, type and kind)."""
    clauses = "".join(f" and {column} = ?" for column in where)
    columns = [r[0] for r in tiny_build.query("describe marts.fct_decision_lines")]
    rows = tiny_build.query(
        "select * from marts.fct_decision_lines where signal_type = ?" + clauses,
        [signal_type, *where.values()],
    )
    return [dict(zip(columns, row, strict=True)) for row in rows]


def category_owner(tiny_build, sku_id: str) -> str:
    return tiny_build.query(
        "select owner_id from intermediate.int_product_policy where sku_id = ?", [sku_id]
    )[0][0]


def test_unreliable_supplier_gets_switch_supplier(tiny_build) -> None:
    s = tiny_build.scenario("unreliable_supplier")
    [decision] = decisions(tiny_build, "switch_supplier", supplier_id=s["supplier_id"])
    assert decision["inputs"]
    assert s["backup_supplier_id"] in decision["reason"]
    assert decision["approver_role"] == "head_of_supply"


def test_unreliable_primary_is_replaced_by_its_backup(tiny_build) -> None:
    s = tiny_build.scenario("unreliable_supplier")
    replenish = [
        line for sku in s["sku_ids"] for line in lines(tiny_build, "replenish", sku_id=sku)
    ]
    assert all(line["supplier_id"] != s["supplier_id"] for line in replenish)
    assert all(line["decision_type"] == "purchase_proposal" for line in replenish)


def test_starving_input_gets_protect_constraint_for_the_constraint_owner(tiny_build) -> None:
    s = tiny_build.scenario("constraint_red_zone")
    [decision] = decisions(
        tiny_build, "protect_constraint", constraint_id=s["constraint_id"], sku_id=s["sku_id"]
    )
    owner = tiny_build.query(
        "select owner_id from staging.stg_landing__constraint_resources where constraint_id = ?",
        [s["constraint_id"]],
    )[0][0]
    assert decision["owner_id"] == owner
    assert decision["priority"] == "high"
    assert decision["priority_rank"] == 1  # the top of the plant owner's queue


def test_aged_stock_is_liquidated_by_its_category_owner(tiny_build) -> None:
    s = tiny_build.scenario("aged_stock")
    [line] = lines(tiny_build, "liquidate", sku_id=s["sku_id"], location_id=s["location_id"])
    assert line["owner_id"] == category_owner(tiny_build, s["sku_id"])
    assert line["qty"] == pytest.approx(s["on_hand_qty"])
    assert line["value"] > 0
    assert line["decision_type"] == "liquidate"  # on its own, or in the owner's liquidate batch


def test_shrinkage_and_negative_stock_get_cycle_counts(tiny_build) -> None:
    for kind in ("shrinkage", "negative_on_hand"):
        s = tiny_build.scenario(kind)
        found = lines(tiny_build, "cycle_count", sku_id=s["sku_id"], location_id=s["location_id"])
        assert any(line["subject_key"].endswith(kind) for line in found), kind


def test_excess_is_transferred_to_the_short_store(tiny_build) -> None:
    s = tiny_build.scenario("excess_transfer")
    found = lines(tiny_build, "transfer", sku_id=s["sku_id"], location_id=s["short_location_id"])
    assert [line["subject_key"] for line in found] == [
        f"{s['sku_id']}|{s['excess_location_id']}|{s['short_location_id']}"
    ]


def test_at_least_eight_decision_types_and_no_orphans(tiny_build) -> None:
    types = {
        r[0] for r in tiny_build.query("select distinct decision_type from marts.fct_decisions")
    }
    assert len(types) >= 8, types
    orphans = tiny_build.query(
        "select count(*) from marts.fct_decisions where owner_id = 'unassigned.fallback' or owner_id is null"
    )[0][0]
    assert orphans == 0


def test_every_decision_is_queued_and_assigned_on_the_next_run(tiny_build) -> None:
    queued = tiny_build.query("select count(*) from marts.fct_decisions where is_open")[0][0]
    assert queued > 0
    events = list((tiny_build.cfg.landing_dir / "decision_events").glob("events-*.parquet"))
    assert events, "the export lands 'assigned' events for dbt to read on the next run"


def test_every_queued_decision_carries_its_lines(tiny_build) -> None:
    from stockops import jsonio
    from stockops.queue.sqlite_store import SqliteQueueStore

    lines = dict(
        tiny_build.query(
            "select decision_id, count(*) from marts.fct_decision_lines where is_open group by all"
        )
    )
    mart = dict(
        tiny_build.query("select decision_id, line_count from marts.fct_decisions where is_open")
    )
    assert lines == mart  # every open decision has its lines, as many as it says
    items = SqliteQueueStore(tiny_build.cfg.queue_path).items(include_closed=True)
    queued = {i["decision_id"]: jsonio.loads(i["payload"]) for i in items}
    assert set(mart) <= set(queued)
    assert all(len(queued[d]["lines"]) == n for d, n in mart.items())
    proposals = [p for p in queued.values() if p["decision_type"] == "purchase_proposal"]
    assert proposals and all(line["qty"] > 0 for p in proposals for line in p["lines"])


def test_the_late_suppliers_switch_is_executed_automatically(tiny_build) -> None:
    from stockops.queue.sqlite_store import SqliteQueueStore

    s = tiny_build.scenario("unreliable_supplier")
    [decision] = decisions(tiny_build, "switch_supplier", supplier_id=s["supplier_id"])
    assert decision["auto_execution_rule_id"] == "switch_to_reliable_backup"
    assert decision["priority_rank"] is None  # nobody's queue needs it
    store = SqliteQueueStore(tiny_build.cfg.queue_path)
    events = store.events_for(decision["decision_id"], decision["decision_version"])
    automatic = [(e["event_type"], e["actor_id"]) for e in events if e["actor_id"] != "stockops"]
    assert automatic == [("approved", "stockops.auto"), ("executed", "stockops.auto")]
    assert all(
        e["reason"].startswith("auto_execution_policy:switch_to_reliable_backup")
        for e in events
        if e["actor_id"] == "stockops.auto"
    )


def test_the_targets_script_measures_a_real_run(tiny_build, tmp_path) -> None:
    """benchmarks/decision_targets.py on the tiny run: the figures it reports, the section it writes."""
    import importlib.util

    from support import PROJECT_DIR

    spec = importlib.util.spec_from_file_location(
        "decision_targets", PROJECT_DIR / "benchmarks" / "decision_targets.py"
    )
    assert spec and spec.loader
    targets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(targets)

    figures = targets.measure(tiny_build.cfg.warehouse_dir)
    open_queue = tiny_build.query("select count(*) from marts.fct_decisions where is_open")[0][0]
    assert figures["contradicting_pairs"] == 0 and figures["singles_below_floor"] == 0
    assert sum(o["open_for_a_person"] for o in figures["owners"]) <= open_queue
    assert figures["coverage"] >= 0.95
    signals = tiny_build.query("select count(*) from intermediate.int_decision_signals")[0][0]
    assert sum(o["signals"] for o in figures["owners"]) == signals

    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n\n{targets.START}\nold figures\n{targets.END}\n\noutro\n")
    text = targets.section(figures, 61.0, "abc1234")
    readme.write_text(targets.replace_section(readme.read_text(), text))
    written = readme.read_text()
    assert written.startswith("intro\n\n" + targets.START) and written.endswith(
        targets.END + "\n\noutro\n"
    )
    assert "old figures" not in written and "took 61 s" in written and "| yes |" in written
