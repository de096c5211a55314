"""The proof that time to action is enforced: a real warehouse and queue, owners driven through real
`stockops queue` actions at controlled times, then real runs.

The only thing not real is one clock: the first build's export queues every decision fifteen days
ago (the queue store's `utc_now` is set back while it runs), so that the owners' actions — recorded
with `stockops queue … --at`, the documented way to backfill an action — and the SLAs can play out
over days without waiting. Every later step runs on the wall clock.

Owners of the most common decision type, by number of decisions: the first acts fast (first
response after 1 h, resolved after 2 h), the second slowly (30 h, 120 h), the third never; the owner
with the fewest decisions acts slowly but has too few decisions for a verdict; every other owner acts
fast. The business's targets (a copy of the project whose time_to_action_targets seed says
share ≥ 90 %, median ≤ 8 h, at least 3 decisions, 4 weeks, warn) are applied by `stockops run`:
exactly the slow and the idle owner breach, with the figures computed here from the controlled
times, and the run succeeds with warnings. Then the business makes the slow owner's target an
`error` target, and the hourly sweep fails on it.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from stockops import cli
from stockops.queue import actions
from stockops.queue import clock as queue_clock

from support import PROJECT_DIR, use_dirs

pytestmark = pytest.mark.slow

# the sample a target needs for a verdict: small, because the tiny data set's decisions are few
# (consolidated into purchase proposals and batches), and three owners need that many of one type
MIN_DECISIONS = 2
FAST = {"acknowledged": 1, "approved": 2, "executed": 3}  # hours after queueing
SLOW = {"acknowledged": 30, "approved": 120, "executed": 150}
ACTION = {"acknowledged": "ack", "approved": "approve", "executed": "execute"}
TARGETS_HEADER = (
    "applies_to,decision_type,min_share_resolved_within_sla,max_median_hours_to_ack,"
    "max_p90_hours_signal_to_resolution,max_p90_hours_signal_to_action,min_decisions,"
    "lookback_weeks,severity"
)


def quantile_cont(values: list[float], q: float) -> float:
    values = sorted(values)
    position = q * (len(values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


def hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def query(duckdb_path: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def copy_dbt_project(dest: Path) -> Path:
    """The dbt project without the Python side, build output or data: what a team that edits its
    own seeds has."""
    dest.mkdir()
    for name in ("dbt_project.yml", "profiles.yml", "selectors.yml"):
        shutil.copy2(PROJECT_DIR / name, dest / name)
    for folder in ("models", "seeds", "macros"):
        shutil.copytree(PROJECT_DIR / folder, dest / folder)
    shutil.copytree(
        PROJECT_DIR / "tests", dest / "tests", ignore=shutil.ignore_patterns("python", "fixtures")
    )
    return dest


def write_targets(project: Path, rows: list[str]) -> None:
    (project / "seeds" / "time_to_action_targets.csv").write_text(
        "\n".join([TARGETS_HEADER, *rows]) + "\n"
    )


def run_stockops(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A Python entry point of stockops in its own process, with the copied project."""
    env = {
        **os.environ,
        "STOCKOPS_PROJECT_DIR": str(project),
        "DBT_PROFILES_DIR": str(project),
        # as in an activated venv: the first run parses the copied project with this dbt
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False
    )


def sla_hours(decision_type: str, priority: str) -> float:
    rows = list(csv.DictReader((PROJECT_DIR / "seeds" / "decision_slas.csv").open()))
    own = [r for r in rows if r["decision_type"] == decision_type and r["priority"] == priority]
    row = (
        own or [r for r in rows if r["decision_type"] == "default" and r["priority"] == priority]
    )[0]
    return float(row["resolve_within_hours"])


@pytest.fixture
def restored_environ():
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_targets_name_exactly_the_slow_and_the_idle_owner(
    tiny_landing: Path, tmp_path: Path, restored_environ, capsys: pytest.CaptureFixture[str]
) -> None:
    from stockops.pipeline import run_build

    # without the events other tests' queues landed in the shared landing: this queue starts empty
    landing = shutil.copytree(
        tiny_landing, tmp_path / "landing", ignore=shutil.ignore_patterns("decision_events")
    )
    cfg = use_dirs(landing, tmp_path / "warehouse")
    queued = (datetime.now(UTC) - timedelta(days=15)).replace(minute=0, second=0, microsecond=0)

    # 1. build; its export queues every decision fifteen days ago
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr(queue_clock, "utc_now", lambda: actions.format_timestamp(queued))
        first = run_build()
    assert first.success, first.failures
    decisions = query(
        cfg.duckdb_path,
        "select decision_id, owner_id, decision_type, priority, value_at_stake, signal_at "
        # what stockops.auto executed at the export is counted apart: the owners act on the rest
        "from marts.fct_decisions where is_open and auto_execution_rule_id is null "
        "order by decision_id",
    )
    assert decisions

    # 2. who plays which part
    pairs = Counter((d["owner_id"], d["decision_type"]) for d in decisions)
    kind = Counter(t for (_, t), n in pairs.items() if n >= MIN_DECISIONS).most_common(1)[0][0]
    ranked = sorted(
        (o for (o, t), n in pairs.items() if t == kind and n >= MIN_DECISIONS),
        key=lambda o: (-pairs[(o, kind)], o),
    )
    assert len(ranked) >= 3, pairs
    fast, slow, idle = ranked[:3]
    per_owner = Counter(d["owner_id"] for d in decisions)
    sparse = min(
        (o for o in per_owner if o not in (fast, slow, idle)), key=lambda o: (per_owner[o], o)
    )
    sparse_min = max(MIN_DECISIONS, max(n for (o, _), n in pairs.items() if o == sparse) + 1)

    # 3. the owners act, at controlled times, through the real CLI
    policy = actions.load_policy(PROJECT_DIR / "seeds")

    def act(decision: dict, event_type: str, after_hours: float) -> None:
        at = actions.format_timestamp(queued + timedelta(hours=after_hours))
        actor = decision["owner_id"]
        if event_type == "approved":
            roles = policy.approver_roles(decision["decision_type"], decision["value_at_stake"])
            holders = sorted(a for a, held in policy.actor_roles.items() if held & roles)
            actor = next((a for a in holders if a != decision["owner_id"]), holders[0])
        argv = ["queue", ACTION[event_type], decision["decision_id"], "--actor", actor, "--at", at]
        assert cli.main(argv) == 0, (argv, capsys.readouterr().err)

    timing: dict[str, dict[str, float]] = {}
    for decision in decisions:
        owner = decision["owner_id"]
        if owner == idle:
            continue
        plan = SLOW if owner in (slow, sparse) else FAST
        steps = ["acknowledged", "approved"]
        if decision["decision_type"] in ("markdown", "bundle", "liquidate", "transfer"):
            steps.append("executed")
        for step in steps:
            act(decision, step, plan[step])
        timing[decision["decision_id"]] = plan

    # an action cannot be backdated before the decision's latest event, nor dated in the future
    probe = next(d for d in decisions if d["owner_id"] == idle)
    before = actions.format_timestamp(queued - timedelta(hours=1))
    assert cli.main(["queue", "ack", probe["decision_id"], "--actor", idle, "--at", before]) == 3
    future = actions.format_timestamp(datetime.now(UTC) + timedelta(days=1))
    assert cli.main(["queue", "ack", probe["decision_id"], "--actor", idle, "--at", future]) == 2
    capsys.readouterr()

    # 4. the business's targets, in its own copy of the project; `stockops run` applies them
    project = copy_dbt_project(tmp_path / "project")
    rows = [f"default,default,0.9,8,100000,100000,{MIN_DECISIONS},4,warn"]
    if sparse_min > MIN_DECISIONS:
        rows.append(f"owner:{sparse},default,,,,,{sparse_min},,")
    write_targets(project, rows)
    run = run_stockops(project, "-m", "stockops.cli", "run")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = run.stdout[run.stdout.index("\nchecks") :]
    print(summary)  # shown when the test fails (and with -s)
    status = {
        line.split()[1]: line.split()[0]
        for line in summary.splitlines()
        if line.strip().split(" ")[0] in ("PASS", "WARN", "FAIL")
    }
    assert status["share_resolved_within_sla"] == "WARN"
    assert status["median_hours_to_ack"] == "WARN"
    for name in ("p90_hours_signal_to_resolution", "p90_hours_signal_to_action"):
        assert status[name] == "PASS"
    for name in ("owner_resolved", "overdue_escalated", "queue_reconciles"):
        assert status[name] == "PASS"
    assert f"{slow} × {kind}" in summary and f"{idle} × {kind}" in summary
    assert f"{fast} × " not in summary and f"{sparse} × " not in summary

    # 5. exactly the slow and the idle owner breach, with the figures of their controlled times
    evaluated = query(
        cfg.duckdb_path,
        "select owner_id, decision_type, metric, figure, sample, verdict, severity, evaluated_at "
        "from marts.fct_time_to_action_targets",
    )
    evaluated_at = evaluated[0]["evaluated_at"].replace(tzinfo=UTC)
    assert {r["owner_id"] for r in evaluated if r["verdict"] == "breach"} == {slow, idle}
    assert all(r["verdict"] == "no_verdict" for r in evaluated if r["owner_id"] == sparse)
    assert all(r["severity"] == "warn" for r in evaluated)

    def expected(owner: str) -> dict[str, float]:
        """The figures of an owner's decisions of `kind`, from the times they were driven at."""
        mine = [d for d in decisions if d["owner_id"] == owner and d["decision_type"] == kind]
        plan = timing.get(mine[0]["decision_id"])
        if plan:  # answered: first response and resolution at the plan's hours
            resolved = queued + timedelta(hours=plan["approved"])
            to_ack = float(plan["acknowledged"])
            within = [plan["approved"] <= sla_hours(kind, d["priority"]) for d in mine]
        else:  # never answered: waiting since queued, every SLA passed
            resolved, to_ack, within = (
                evaluated_at,
                hours(queued, evaluated_at),
                [False] * len(mine),
            )
        waited = [hours(d["signal_at"].replace(tzinfo=UTC), resolved) for d in mine]
        return {
            "share_resolved_within_sla": round(sum(within) / len(mine), 4),
            "median_hours_to_ack": round(to_ack, 2),
            "p90_hours_signal_to_resolution": round(quantile_cont(waited, 0.9), 2),
            "sample": len(mine),
        }

    for owner, verdicts in (
        (fast, {"share_resolved_within_sla": "met", "median_hours_to_ack": "met"}),
        (slow, {"share_resolved_within_sla": "breach", "median_hours_to_ack": "breach"}),
        (idle, {"share_resolved_within_sla": "breach", "median_hours_to_ack": "breach"}),
        (sparse, {}),
    ):
        if owner == sparse and not any(
            r["decision_type"] == kind for r in evaluated if r["owner_id"] == owner
        ):
            continue
        want = expected(owner)
        got = {
            r["metric"]: r
            for r in evaluated
            if r["owner_id"] == owner and r["decision_type"] == kind
        }
        for metric in (
            "share_resolved_within_sla",
            "median_hours_to_ack",
            "p90_hours_signal_to_resolution",
        ):
            assert got[metric]["figure"] == pytest.approx(want[metric], abs=0.011), (owner, metric)
            assert got[metric]["sample"] == want["sample"], (owner, metric)
        for metric, verdict in verdicts.items():
            assert got[metric]["verdict"] == verdict, (owner, metric, got[metric])
        assert got["p90_hours_signal_to_resolution"]["verdict"] in ("met", "no_verdict")

    # 6. the slow owner's target becomes an error target: the hourly sweep now fails on it
    write_targets(project, [*rows, f"owner:{slow},default,,,,,,,error"])
    sweep = run_stockops(
        project,
        "-c",
        "import dataclasses, json; from stockops.pipeline import run_build; "
        "from stockops.schedules import SWEEP_JOB_NAME; o = run_build(job_name=SWEEP_JOB_NAME); "
        "print(json.dumps({'success': o.success, 'failures': o.failures, "
        "'checks': [dataclasses.asdict(c) for c in o.checks]}))",
    )
    assert sweep.returncode == 0, sweep.stderr[-3000:]
    result = json.loads(sweep.stdout.strip().splitlines()[-1])
    assert not result["success"]
    checks = {c["name"]: c for c in result["checks"] if not c["is_dbt_test"]}
    for name in ("share_resolved_within_sla", "median_hours_to_ack"):
        assert checks[name]["status"] == "fail"
        assert checks[name]["offenders"][0].startswith(f"{slow} × {kind}")
        assert "(error;" in checks[name]["offenders"][0]
        assert any(
            line.startswith(f"{idle} × ") and "(warn;" in line for line in checks[name]["offenders"]
        )
        assert any(name in failure for failure in result["failures"])
    assert checks["p90_hours_signal_to_resolution"]["status"] == "pass"
