"""The Dagster code location loads, and holds what docs/orchestration.md says it holds."""

from __future__ import annotations

import dagster as dg
import pytest

from stockops.checks import PYTHON_CHECK_KEYS, TARGETS_MART
from stockops.dbt_assets import (
    DEFAULT_OWNER,
    DbtBuildConfig,
    StockopsTranslator,
    dbt_build_args,
    dbt_owners,
)
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


def test_every_asset_has_an_owner_and_dbt_nodes_take_theirs_from_meta() -> None:
    from stockops.dbt_assets import landing_sources, stockops_dbt_models

    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        assert graph.get(key).owners, key.to_user_string()
    manifest = dbt_project_manifest()
    nodes = {**manifest["nodes"], **manifest["sources"]}
    for spec in [*stockops_dbt_models.specs, *landing_sources]:
        node = nodes[spec.metadata["dagster_dbt/unique_id"]]
        expected = dbt_owners(node) or [DEFAULT_OWNER]
        assert list(spec.owners) == expected, spec.key.to_user_string()
    # the landing tables are described assets of group landing, not bare stubs
    landing = graph.get(dg.AssetKey(["landing", "inventory_transactions"]))
    assert landing.group_name == "landing" and landing.description


def dbt_project_manifest() -> dict:
    import json

    from stockops.resources import dbt_project

    return json.loads(dbt_project().manifest_path.read_text())


@pytest.mark.parametrize(
    ("props", "owners"),
    [
        ({"meta": {"owner": "supply-planning"}}, ["team:supply-planning"]),
        ({"config": {"meta": {"owner": "ana@example.com"}}}, ["ana@example.com"]),
        (
            {"meta": {"owner": ["team:buyers", "ana@example.com"]}},
            ["team:buyers", "ana@example.com"],
        ),
        # meta.owner first, then dagster-dbt's own sources: meta.dagster.owners, the group's owner
        ({"meta": {"dagster": {"owners": ["team:ops"]}}}, ["team:ops"]),
        ({"group": {"owner": {"email": "lead@example.com"}}}, ["lead@example.com"]),
        ({"meta": {}}, [DEFAULT_OWNER]),
    ],
)
def test_translator_owners(props: dict, owners: list[str]) -> None:
    assert StockopsTranslator().get_owners(props) == owners


def test_error_checks_block_and_warn_checks_do_not() -> None:
    graph = defs.resolve_asset_graph()
    blocking = {key for key in graph.asset_check_keys if graph.get_check_spec(key).blocking}
    owner_queue = dg.AssetKey("owner_queue")
    assert {k.name for k in PYTHON_CHECK_KEYS & blocking} == {
        "owner_resolved",
        "overdue_escalated",
        "queue_reconciles",
    }
    assert {k.asset_key for k in PYTHON_CHECK_KEYS & blocking} == {owner_queue}
    # dbt tests: ERROR severity blocks the models after them (dagster-dbt), WARN does not
    dbt_checks = graph.asset_check_keys - PYTHON_CHECK_KEYS
    assert any("not_fallback_owner" in k.name for k in dbt_checks & blocking)
