"""Supplier reliability and constraint marts on the tiny generated data (whole Dagster graph, built once)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def planning_zone(nfp: float, top_of_red: float, top_of_yellow: float, top_of_green: float) -> str:
    """DDMRP planning priority: each zone includes its lower boundary."""
    if nfp < top_of_red:
        return "red"
    if nfp < top_of_yellow:
        return "yellow"
    return "green" if nfp <= top_of_green else "over_top_of_green"


def test_unreliable_supplier_loses_volume_to_its_backup(tiny_build) -> None:
    scenario = tiny_build.scenario("unreliable_supplier")
    [(is_reliable, late, threshold, backup, since)] = tiny_build.query(
        """
        select is_reliable, late_deliveries_in_window, late_deliveries_threshold, backup_supplier_id,
            unreliable_since_at
        from marts.fct_supplier_reliability
        where supplier_id = ?
        """,
        [scenario["supplier_id"]],
    )
    assert is_reliable is False
    assert late >= threshold >= 3
    assert backup == scenario["backup_supplier_id"]
    assert since is not None  # the switch_supplier decision's signal
    sku_backups = tiny_build.query(
        """
        select sku_id, backup_supplier_id, supplier_is_reliable
        from marts.fct_supplier_sku_reliability
        where supplier_id = ?
        """,
        [scenario["supplier_id"]],
    )
    assert {sku for sku, _, _ in sku_backups} >= set(scenario["sku_ids"])
    assert all(not reliable for _, _, reliable in sku_backups)
    scenario_backups = {backup for sku, backup, _ in sku_backups if sku in scenario["sku_ids"]}
    assert scenario_backups == {scenario["backup_supplier_id"]}


def test_other_suppliers_are_reliable(tiny_build) -> None:
    scenario = tiny_build.scenario("unreliable_supplier")
    others = tiny_build.query(
        "select supplier_id, is_reliable, late_deliveries_in_window from marts.fct_supplier_reliability "
        "where supplier_id != ?",
        [scenario["supplier_id"]],
    )
    assert others
    assert [row for row in others if not row[1]] == []


def test_supplier_rates_are_consistent(tiny_build) -> None:
    rows = tiny_build.query(
        """
        select supplier_id, lines_received, lines_otif, lines_on_time, lines_in_full, otif_rate,
            lead_time_mean_days, lead_time_p90_days, reliability_score
        from marts.fct_supplier_reliability
        where lines_received > 0
        """
    )
    assert rows
    for _, received, otif, on_time, in_full, otif_rate, mean, p90, score in rows:
        assert otif <= min(on_time, in_full) <= received
        assert otif_rate == pytest.approx(otif / received)
        assert mean > 0 and p90 > 0
        assert 0 <= score <= 100


def test_starving_input_is_in_the_red(tiny_build) -> None:
    scenario = tiny_build.scenario("constraint_red_zone")
    [row] = tiny_build.query(
        """
        select buffer_zone, on_hand_zone, is_at_risk, starved_hours_last_30d, on_hand_qty,
            net_flow_position_qty, top_of_red_qty, top_of_yellow_qty, top_of_green_qty, owner_id
        from marts.fct_constraint_buffers
        where constraint_id = ? and sku_id = ? and location_id = ?
        """,
        [scenario["constraint_id"], scenario["sku_id"], scenario["location_id"]],
    )
    buffer_zone, on_hand_zone, at_risk, starved, on_hand, nfp, tor, toy, tog, owner = row
    # Physical stock is in the red (execution alert) and the constraint has been starved by it.
    assert on_hand == pytest.approx(scenario["on_hand_qty"])
    assert on_hand_zone == "red"
    assert at_risk is True
    assert starved == pytest.approx(scenario["starved_hours"])
    assert starved > 0
    assert owner
    # Its overdue PO does not count as supply, so the net flow position is red as well.
    assert buffer_zone == planning_zone(nfp, tor, toy, tog) == "red"


def test_only_the_starving_input_was_starved(tiny_build) -> None:
    scenario = tiny_build.scenario("constraint_red_zone")
    starved = tiny_build.query(
        "select sku_id from marts.fct_constraint_buffers where starved_hours_last_30d > 0"
    )
    assert starved == [(scenario["sku_id"],)]


def test_utilisation_has_every_day_and_hours_within_capacity(tiny_build) -> None:
    as_of = tiny_build.query("select as_of_date from intermediate.int_run_context")[0][0]
    spans = tiny_build.query(
        """
        select constraint_id, count(*), min(utilisation_date), max(utilisation_date)
        from marts.fct_constraint_utilisation
        group by constraint_id
        """
    )
    assert spans
    for _, days, first, last in spans:
        assert last == as_of
        assert days == (last - first).days + 1
    over = tiny_build.query(
        """
        select constraint_id, utilisation_date, recorded_hours, capacity_hours
        from marts.fct_constraint_utilisation
        where run_hours + starved_hours + blocked_hours + down_hours > capacity_hours + 1e-9
            or utilisation_rate != run_hours / capacity_hours
        """
    )
    assert over == []
    scenario = tiny_build.scenario("constraint_red_zone")
    [(starved_hours, starved_days)] = tiny_build.query(
        """
        select sum(starved_hours), count(*) filter (where list_contains(starved_by_sku_ids, ?))
        from marts.fct_constraint_utilisation
        where constraint_id = ?
        """,
        [scenario["sku_id"], scenario["constraint_id"]],
    )
    assert starved_hours == pytest.approx(scenario["starved_hours"])
    assert starved_days == scenario["starved_days"]
