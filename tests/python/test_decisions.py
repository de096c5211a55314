"""Every injected scenario produces its decision for the right subject and owner (tiny, via Dagster)."""

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
    replenish = [d for sku in s["sku_ids"] for d in decisions(tiny_build, "replenish", sku_id=sku)]
    assert all(d["supplier_id"] != s["supplier_id"] for d in replenish)


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


def test_aged_stock_is_liquidated_by_its_category_owner(tiny_build) -> None:
    s = tiny_build.scenario("aged_stock")
    [decision] = decisions(
        tiny_build, "liquidate", sku_id=s["sku_id"], location_id=s["location_id"]
    )
    assert decision["owner_id"] == category_owner(tiny_build, s["sku_id"])
    assert decision["recommended_qty"] == pytest.approx(s["on_hand_qty"])
    assert decision["value_at_stake"] > 0


def test_shrinkage_and_negative_stock_get_cycle_counts(tiny_build) -> None:
    for kind in ("shrinkage", "negative_on_hand"):
        s = tiny_build.scenario(kind)
        found = decisions(
            tiny_build, "cycle_count", sku_id=s["sku_id"], location_id=s["location_id"]
        )
        assert any(d["subject_key"].endswith(kind) for d in found), kind


def test_excess_is_transferred_to_the_short_store(tiny_build) -> None:
    s = tiny_build.scenario("excess_transfer")
    found = decisions(
        tiny_build, "transfer", sku_id=s["sku_id"], location_id=s["short_location_id"]
    )
    assert [d["subject_key"] for d in found] == [
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
