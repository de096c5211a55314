"""Time-to-action target verdicts as checks, the run's check summary and the digest hook, as plain
functions over hand-made rows (and one small in-process Dagster run for the summary)."""

from __future__ import annotations

import dagster as dg
import pytest

from stockops import checks, cli, time_to_action
from stockops.pipeline import CheckSummary, summarize_checks


def row(owner: str, metric: str = "median_hours_to_ack", **overrides) -> dict:
    base = {
        "owner_id": owner,
        "decision_type": "replenish",
        "category_id": "all",
        "metric": metric,
        "comparison": "at_most" if "hours" in metric else "at_least",
        "target": 8.0 if "hours" in metric else 0.9,
        "target_set_by": "default × default",
        "severity": "warn",
        "min_decisions": 3,
        "sample": 5,
        "still_waiting": 0,
        "auto_executed": 0,
        "open_within_sla": 0,
        "figure": 2.0 if "hours" in metric else 1.0,
        "previous_figure": None,
        "verdict": "met",
    }
    return base | overrides


def test_evaluate_names_breaches_error_first_with_trend() -> None:
    rows = [
        row("fast"),
        row("slow", figure=30.0, previous_figure=20.0, verdict="breach"),
        row("idle", figure=360.0, still_waiting=7, verdict="breach", severity="error"),
        row("sparse", figure=50.0, sample=1, verdict="no_verdict"),
        row("slow", "share_resolved_within_sla", figure=0.0, verdict="breach"),  # another check
    ]
    result = time_to_action.evaluate(rows, "median_hours_to_ack")
    assert not result.passed
    assert result.severity == "error"
    assert (result.evaluated, result.no_verdict) == (3, 1)
    assert [r["owner_id"] for r in result.breaching] == ["idle", "slow"]
    assert result.breaching[0]["still_waiting"] == 7
    assert result.first_offenders == [
        "idle × replenish: 360.00 h > 8.00 h (error; no previous figure)",
        "slow × replenish: 30.00 h > 8.00 h (warn; worse by 10.00 h (was 20.00 h))",
    ]
    assert result.description.startswith("2 breaches of the median hours")
    assert "(1 error, 1 warn)" in result.description


def test_evaluate_warn_only_passes_or_warns() -> None:
    share = "share_resolved_within_sla"
    warned = time_to_action.evaluate(
        [row("a", share, figure=0.5, previous_figure=0.75, verdict="breach")], share
    )
    assert (warned.passed, warned.severity) == (False, "warn")
    assert warned.first_offenders == [
        "a × replenish: 50.0 % < 90.0 % (warn; worse by 25.0 pts (was 75.0 %))"
    ]
    clean = time_to_action.evaluate([row("a", share), row("b", share, verdict="no_verdict")], share)
    assert clean.passed and clean.description is None and clean.breaching == []
    assert (clean.evaluated, clean.no_verdict) == (1, 1)
    with pytest.raises(ValueError, match="unknown time-to-action metric"):
        time_to_action.evaluate([], "mean_mood")


def test_evaluate_orders_by_relative_miss_and_lists_categories() -> None:
    metric = "p90_hours_signal_to_action"
    rows = [
        row("a", metric, category_id="CAT-01", target=100.0, figure=150.0, verdict="breach"),
        row("a", metric, category_id="CAT-02", target=100.0, figure=400.0, verdict="breach"),
        row("b", metric, category_id="CAT-03", target=10.0, figure=11.0, verdict="breach"),
    ]
    result = time_to_action.evaluate(rows, metric)
    assert [r["category_id"] for r in result.breaching] == ["CAT-02", "CAT-01", "CAT-03"]
    assert result.first_offenders[0].startswith("a × replenish CAT-02: 400.00 h > 100.00 h")


@pytest.mark.parametrize(
    ("metric", "now", "before", "text"),
    [
        ("median_hours_to_ack", 5.0, 9.0, "better by 4.00 h (was 9.00 h)"),
        ("median_hours_to_ack", 5.0, 5.0, "unchanged (5.00 h)"),
        ("share_resolved_within_sla", 0.95, 0.8, "better by 15.0 pts (was 80.0 %)"),
        ("share_resolved_within_sla", 0.8, None, "no previous figure"),
    ],
)
def test_trend(metric, now, before, text) -> None:
    assert time_to_action.trend(row("a", metric, figure=now, previous_figure=before)) == text


def test_owner_figures_for_the_digest() -> None:
    rows = [
        row("ana", "share_resolved_within_sla"),
        row("ana", figure=12.0, previous_figure=6.0, verdict="breach"),
        row("ana", decision_type="markdown", verdict="no_verdict", sample=1),
        row("ben", figure=99.0, verdict="breach"),
    ]
    figures = time_to_action.owner_figures(rows, "ana")
    assert [(f["decision_type"], f["metric"], f["verdict"]) for f in figures] == [
        ("replenish", "median_hours_to_ack", "breach"),
        ("replenish", "share_resolved_within_sla", "met"),
        ("markdown", "median_hours_to_ack", "no_verdict"),
    ]
    assert figures[0]["text"] == "12.00 h (target ≤ 8.00 h)"
    assert figures[0]["trend"] == "worse by 6.00 h (was 6.00 h)"
    assert figures[1]["text"] == "100.0 % (target ≥ 90.0 %)"
    assert time_to_action.owner_figures(rows, "nobody") == []


def test_target_check_result_metadata_and_severity() -> None:
    breach = [row("slow", figure=30.0, verdict="breach", severity="error")]
    result = checks.target_check_result(time_to_action.evaluate(breach, "median_hours_to_ack"))
    assert result.asset_key == dg.AssetKey(["marts", "fct_time_to_action_targets"])
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["breaches"].value == 1
    assert "| slow | replenish | 30.00 h | 8.00 h | error |" in result.metadata["breaching"].value
    assert result.metadata["first_offenders"].value == [
        "slow × replenish: 30.00 h > 8.00 h (error; no previous figure)"
    ]
    warn = checks.target_check_result(
        time_to_action.evaluate([row("a", verdict="breach", figure=9.0)], "median_hours_to_ack")
    )
    assert warn.severity == dg.AssetCheckSeverity.WARN


def test_check_summary_of_a_real_run(capsys: pytest.CaptureFixture[str]) -> None:
    """Pass, warn, fail and not run, from the events of an in-process Dagster run; the summary
    lists the Python checks and only the dbt tests that did not pass."""

    @dg.asset
    def good() -> None:
        return None

    @dg.asset
    def broken() -> None:
        raise RuntimeError("upstream failed")

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec("fine", asset="good"),
            dg.AssetCheckSpec("slowish", asset="good"),
            dg.AssetCheckSpec("late", asset="good"),
            dg.AssetCheckSpec("unique_good_id", asset="good"),
        ]
    )
    def good_checks():
        yield dg.AssetCheckResult(
            check_name="fine", asset_key="good", passed=True, metadata={"rows_checked": 3}
        )
        yield dg.AssetCheckResult(
            check_name="slowish",
            asset_key="good",
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description="median 30 h exceeds 24 h",
            metadata={
                "median_hours": 30.5,
                "sample": "last export",
                "slowest": dg.MetadataValue.md("| table |"),
                "first_offenders": dg.MetadataValue.json(["x is slow"]),
            },
        )
        yield dg.AssetCheckResult(
            check_name="late",
            asset_key="good",
            passed=False,
            metadata={"first_offenders": dg.MetadataValue.json(["y is late", "z is late"])},
        )
        yield dg.AssetCheckResult(
            check_name="unique_good_id",
            asset_key="good",
            passed=False,
            metadata={"dagster_dbt/failed_row_count": 4},
        )

    @dg.asset_check(asset="broken")
    def never() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    result = dg.materialize(
        [good, broken, good_checks, never],
        raise_on_error=False,
        instance=dg.DagsterInstance.ephemeral(),
    )
    python = {
        dg.AssetCheckKey(dg.AssetKey("good"), name) for name in ("fine", "slowish", "late")
    } | {dg.AssetCheckKey(dg.AssetKey("broken"), "never")}
    summary = {s.name: s for s in summarize_checks(result.all_events, python)}
    assert summary["fine"] == CheckSummary(
        "fine", "good", "pass", severity="ERROR", detail="rows_checked=3"
    )
    # the description and the plain figures; Markdown tables and JSON left to the UI
    assert summary["slowish"] == CheckSummary(
        "slowish",
        "good",
        "warn",
        ("x is slow",),
        severity="WARN",
        detail="median 30 h exceeds 24 h; median_hours=30.5, sample=last export",
    )
    assert summary["late"] == CheckSummary(
        "late", "good", "fail", ("y is late", "z is late"), severity="ERROR"
    )
    # dagster-dbt's namespaced metadata is bookkeeping, not a figure
    assert summary["unique_good_id"] == CheckSummary(
        "unique_good_id", "good", "fail", ("4 failing rows",), is_dbt_test=True, severity="ERROR"
    )
    assert summary["never"] == CheckSummary("never", "broken", "not_run")

    cli.print_check_summary(list(summary.values()))
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["", "checks"]
    # result, check, asset, severity, detail
    assert out[2].split() == ["PASS", "fine", "good", "ERROR", "rows_checked=3"]
    assert out[3].split()[:4] == ["WARN", "slowish", "good", "WARN"]
    assert out[3].endswith("median 30 h exceeds 24 h; median_hours=30.5, sample=last export")
    assert out[4].strip() == "- x is slow"
    assert out[5].split() == ["FAIL", "late", "good", "ERROR"] and out[7].strip() == "- z is late"
    assert out[8].split() == ["NOT", "RUN", "never", "broken", "-"]
    assert "FAIL     unique_good_id" in out[9] and out[10].strip() == "- 4 failing rows"
    assert out[11].strip() == "dbt tests: 1 (1 fail)"
