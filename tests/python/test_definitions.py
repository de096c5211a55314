"""The Dagster code location loads, and holds what docs/orchestration.md says it holds."""

from __future__ import annotations

import dagster as dg
import pytest

from stockops.checks import PYTHON_CHECK_KEYS, TARGETS_MART
from stockops.dbt_assets import DbtBuildConfig, dbt_build_args
from stockops.definitions import BUILD_JOB_NAME, SWEEP_JOB_NAME, defs
from stockops.time_to_action import METRICS


def test_definitions_load_and_validate() -> None:
    dg.Definitions.validate_loadable(defs)
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {"marts/fct_stock_position", "marts/fct_decisions", "owner_queue"} <= keys
    assert "policy/category_owners" in keys
    assert defs.resolve_job_def(BUILD_JOB_NAME) is not None


def test_dbt_tests_become_asset_checks() -> None:
    checks = {
        key.name
        for assets_def in defs.resolve_asset_graph().assets_defs
        for key in assets_def.check_keys
    }
    assert any(name.startswith("unique_fct_decisions_decision_id") for name in checks)
    assert any("not_fallback_owner" in name for name in checks)


def test_time_to_action_checks_sit_on_the_targets_mart_in_both_jobs() -> None:
    graph = defs.resolve_asset_graph()
    assert (
        TARGETS_MART in graph.get_all_asset_keys()
    )  # the dbt model's key, as the translator makes it
    target_checks = {dg.AssetCheckKey(TARGETS_MART, name) for name in METRICS}
    assert target_checks <= PYTHON_CHECK_KEYS and len(PYTHON_CHECK_KEYS) == 8
    for job_name in (BUILD_JOB_NAME, SWEEP_JOB_NAME):
        job_checks = defs.resolve_job_def(job_name).asset_layer.asset_graph.asset_check_keys
        assert PYTHON_CHECK_KEYS <= job_checks, job_name
    # the seed's own dbt test is a check on the seed, not a bare observation
    seed = dg.AssetKey(["policy", "time_to_action_targets"])
    assert dg.AssetCheckKey(seed, "assert_time_to_action_targets_resolve") in graph.asset_check_keys


def test_owner_queue_runs_after_decisions() -> None:
    graph = defs.resolve_asset_graph()
    parents = graph.get(dg.AssetKey("owner_queue")).parent_keys
    assert dg.AssetKey(["marts", "fct_decisions"]) in parents


def test_dbt_build_args() -> None:
    # unit tests prove the SQL in `make test`; production builds leave them out
    assert dbt_build_args(DbtBuildConfig()) == ["build", "--exclude", "resource_type:unit_test"]
    assert dbt_build_args(DbtBuildConfig(as_of_date="2026-10-01", full_refresh=True)) == [
        "build",
        "--exclude",
        "resource_type:unit_test",
        "--vars",
        '{"as_of_date": "2026-10-01"}',
        "--full-refresh",
    ]
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        dbt_build_args(DbtBuildConfig(as_of_date="01/10/2026"))
