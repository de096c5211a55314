"""Running a backtest: worlds per (scenario, seed, policy), split over worker processes, each
worker running all its worlds day by day in lockstep with one execution of the decision SQL a day.

A worker owns whole (scenario, seed) groups, so a group's minmax worlds find the day-0 stock
position of a stockops world of the same history and service level in the same warehouse. Each
worker has its own landing directory, in-memory DuckDB and SQLite queue; the queue store runs on the
simulated clock (its `utc_now`), so queue events carry simulated times as the decision SQL does.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stockops.backtest import landing as bl
from stockops.backtest.names import DEFAULT_KS
from stockops.backtest.policies import MinMax, QueueOwners
from stockops.backtest.scenarios import build_group
from stockops.backtest.sql import DecisionRun, build_plan
from stockops.backtest.world import RUN_HOUR, World, day_date

SWEEP_LEVELS = (0.80, 0.90, 0.95, 0.99)
QUEUE_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class WorldSpec:
    world_id: str
    scenario: str
    seed: int
    policy: str  # minmax | stockops_all | stockops_top_k | stockops_ignored
    k: int | None = None
    service_level: float | None = None  # None: the category_strategies seed's
    reported: bool = True  # False: only there to give minmax its day-0 levels

    @property
    def label(self) -> str:
        name = f"{self.policy}_{self.k}" if self.policy == "stockops_top_k" else self.policy
        return name if self.service_level is None else f"{name}@{self.service_level:.2f}"

    @property
    def uses_sql(self) -> bool:
        return self.policy != "minmax"


@dataclass
class Config:
    scenarios: Sequence[str]
    policies: Sequence[str]
    seeds: int = 5
    days: int = 180
    ks: Sequence[int] = DEFAULT_KS
    sweep: Sequence[float] = SWEEP_LEVELS
    sweep_scenario: str | None = "stationary"
    workers: int = 2
    threads: int = 1
    first_seed: int = 1
    # run the statements a day skips all the same and stop if a table would differ (tests)
    verify_skips: bool = False

    def worlds(self) -> list[WorldSpec]:
        specs: list[WorldSpec] = []

        def add(**kw: Any) -> None:
            specs.append(WorldSpec(world_id=f"W{len(specs) + 1:03d}", **kw))

        for scenario in self.scenarios:
            for seed in range(self.first_seed, self.first_seed + self.seeds):
                levels: list[float | None] = [None]
                if scenario == self.sweep_scenario:
                    levels += list(self.sweep)
                for level in levels:
                    for policy in self.policies:
                        if level is not None and policy not in ("minmax", "stockops_all"):
                            continue
                        if policy == "stockops_top_k":
                            for k in self.ks:
                                add(
                                    scenario=scenario,
                                    seed=seed,
                                    policy=policy,
                                    k=k,
                                    service_level=level,
                                )
                        else:
                            add(scenario=scenario, seed=seed, policy=policy, service_level=level)
                    if "minmax" in self.policies and not any(
                        s.scenario == scenario
                        and s.seed == seed
                        and s.uses_sql
                        and s.service_level == level
                        for s in specs
                    ):
                        add(
                            scenario=scenario,
                            seed=seed,
                            policy="stockops_ignored",
                            service_level=level,
                            reported=False,
                        )
        return specs


@dataclass
class WorldResult:
    spec: dict[str, Any]
    totals: dict[str, Any]
    inventory_series: list[float]
    owner_day_counts: list[int] = field(default_factory=list)
    sla: dict[str, int] = field(default_factory=dict)
    owners: dict[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------------- the driver
def run(
    config: Config,
    work_dir: Path,
    project_dir: Path,
    dbt: Path,
    progress: Callable[[dict[str, Any]], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run every world of `config`; returns results per world and timings."""
    started = time.monotonic()
    say = log or (lambda _m: None)
    plan = build_plan(project_dir, project_dir / "target" / "backtest", dbt, say)
    specs = config.worlds()
    groups: dict[tuple[str, int], list[WorldSpec]] = defaultdict(list)
    for spec in specs:
        groups[(spec.scenario, spec.seed)].append(spec)
    workers = max(1, min(config.workers, len(groups)))
    shares: list[list[WorldSpec]] = [[] for _ in range(workers)]
    load = [0] * workers
    for key in sorted(groups, key=lambda g: -len(groups[g])):
        w = load.index(min(load))
        shares[w].extend(groups[key])
        load[w] += sum(1 for s in groups[key] if s.uses_sql) + 0.2 * len(groups[key])
    if work_dir.exists():
        shutil.rmtree(work_dir)
    jobs = [
        (
            i,
            share,
            config.days,
            work_dir / f"worker-{i}",
            project_dir,
            plan,
            config.threads,
            config.verify_skips,
        )
        for i, share in enumerate(shares)
    ]
    results: list[dict[str, Any]] = []
    timings: list[dict[str, Any]] = []
    if workers == 1:
        for job in jobs:
            out = _worker(*job, progress=progress)
            results += out["worlds"]
            timings.append(out["timing"])
    else:
        # progress goes through one small file per worker: no manager process or socket to lose
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(workers) as pool:
            pending = [pool.apply_async(_worker_entry, job) for job in jobs]
            while not all(p.ready() for p in pending):
                _read_progress(work_dir, len(jobs), progress)
                time.sleep(0.5)
            _read_progress(work_dir, len(jobs), progress)
            for p in pending:
                out = p.get()
                results += out["worlds"]
                timings.append(out["timing"])
    return {
        "worlds": results,
        "timing": {
            "seconds": round(time.monotonic() - started, 1),
            "plan_compile_seconds": plan.compile_seconds,
            "workers": timings,
        },
    }


def _read_progress(
    work_dir: Path, workers: int, progress: Callable[[dict[str, Any]], None] | None
) -> None:
    for i in range(workers):
        try:
            message = json.loads((work_dir / f"worker-{i}" / "progress.json").read_text())
        except (OSError, ValueError):
            continue
        if progress:
            progress(message)


def _worker_entry(*job: Any) -> dict[str, Any]:
    root: Path = job[3]

    def note(message: dict[str, Any]) -> None:
        partial = root / "progress.json.partial"
        partial.write_text(json.dumps(message))
        partial.replace(root / "progress.json")

    return _worker(*job, progress=note)


# ----------------------------------------------------------------------------------- a worker
@contextmanager
def queue_clock(moment: datetime) -> Iterator[None]:
    """The queue store's clock on simulated time (it stamps assigned/escalated events)."""
    from stockops.queue import clock

    saved = clock.utc_now
    clock.utc_now = lambda: moment.strftime(QUEUE_TIME)
    try:
        yield
    finally:
        clock.utc_now = saved


def _moment(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day_date(day), datetime.min.time(), UTC) + timedelta(
        hours=hour, minutes=minute, seconds=second
    )


def _worker(
    index: int,
    specs: list[WorldSpec],
    days: int,
    root: Path,
    project_dir: Path,
    plan: Any,
    threads: int,
    verify_skips: bool = False,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    from stockops.queue import actions
    from stockops.queue.event_snapshot import snapshot_events
    from stockops.queue.sqlite_store import SqliteQueueStore

    started = time.monotonic()
    tell = progress or (lambda _m: None)
    landing, project = root / "landing", root / "project"
    (project / "seeds").mkdir(parents=True, exist_ok=True)
    seeds = project_dir / "seeds"

    # the groups' histories, forked per policy
    worlds: dict[str, World] = {}
    history: dict[str, dict[str, list[tuple]]] = {}
    by_group: dict[tuple[str, int], list[WorldSpec]] = defaultdict(list)
    for spec in specs:
        by_group[(spec.scenario, spec.seed)].append(spec)
    for (scenario, seed), group_specs in by_group.items():
        group = build_group(scenario, seed, days, seeds_dir=seeds)
        rows = group.world.drain()
        refs = bl.reference_rows(group.world.catalog)
        for spec in group_specs:
            worlds[spec.world_id] = group.world.fork()
            if spec.uses_sql:
                history[spec.world_id] = {**refs, **rows}
    sql_specs = [s for s in specs if s.uses_sql]
    catalogs = {s.world_id: worlds[s.world_id].catalog for s in specs}
    bl.write_seeds(
        seeds,
        project / "seeds",
        {
            s.world_id: {
                "categories": catalogs[s.world_id].categories,
                "service_level": s.service_level,
            }
            for s in sql_specs
        },
    )
    writer = bl.LandingWriter(landing)
    for table in bl.REFERENCE_TABLES:
        writer.write(
            table,
            [
                r
                for s in sql_specs
                for r in bl.namespaced(s.world_id, table, history[s.world_id][table])
            ],
            "part-00000",
        )
    writer.write("decision_events", [], "events-none")
    _write_day(writer, {s.world_id: history[s.world_id] for s in sql_specs}, "day-00000-history")

    policy = actions.load_policy(project / "seeds")
    store = SqliteQueueStore(root / "queue.sqlite")
    run = DecisionRun(plan, landing, project, threads, verify_skips) if sql_specs else None
    owners_of = {s.world_id: _owners(policy, s.world_id, catalogs[s.world_id]) for s in sql_specs}
    workers_of = {
        s.world_id: QueueOwners(
            s.world_id,
            owners_of[s.world_id],
            policy,
            s.k if s.policy == "stockops_top_k" else None,
        )
        for s in sql_specs
        if s.policy in ("stockops_all", "stockops_top_k")
    }
    minmax: dict[str, MinMax] = {}
    arrivals: dict[str, list[int]] = {s.world_id: [] for s in sql_specs}
    sql_seconds = queue_seconds = world_seconds = 0.0

    for day in range(days):
        t0 = time.monotonic()
        for world in worlds.values():
            world.open_day(day)
        rows = {}
        for spec in specs:
            drained = worlds[spec.world_id].drain()
            if spec.uses_sql:
                rows[spec.world_id] = drained
        _write_day(writer, rows, f"day-{day + 1:05d}")
        t1 = time.monotonic()
        world_seconds += t1 - t0
        if run is not None:
            run_at = _moment(day, RUN_HOUR)
            run.run(day_date(day), run_at.strftime("%Y-%m-%d %H:%M:%S"))
            decisions = run.decisions()
            new = run.rows(
                "select owner_id, count(*) as n from intermediate.int_decision_versions "
                "where detected_at = cast(? as timestamp) and change_kind != 'withdrawn' group by 1",
                [run_at.strftime("%Y-%m-%d %H:%M:%S")],
            )
            counts = {r["owner_id"]: r["n"] for r in new}
            for s in sql_specs:
                arrivals[s.world_id] += [int(counts.get(o, 0)) for o in owners_of[s.world_id]]
            if day == 0:
                minmax = _minmax_levels(run, specs)
            t2 = time.monotonic()
            sql_seconds += t2 - t1
            from stockops.queue.export import run_export

            with store.session(), queue_clock(_moment(day, RUN_HOUR, 5)):
                for decision in decisions:  # where nobody acts, the system does not act either
                    if bl.world_of(str(decision["owner_id"])) not in workers_of:
                        decision["auto_execution_rule_id"] = None
                exported = run_export(store, decisions)
                _carry_out_auto_executions(
                    exported.auto_executed_ids, decisions, workers_of, worlds
                )
                open_items = store.items(owner_id=None)
                _work_queues(store, open_items, sql_specs, workers_of, worlds, day)
            snapshot_events(store, landing)
            queue_seconds += time.monotonic() - t2
        t3 = time.monotonic()
        t3 = time.monotonic()
        for spec in specs:
            if spec.policy == "minmax":
                minmax[spec.world_id].act(worlds[spec.world_id])
            worlds[spec.world_id].close_day()
        world_seconds += time.monotonic() - t3
        tell({"worker": index, "day": day + 1, "days": days, "worlds": len(specs)})

    final = run.decisions() if run is not None else []
    writer.close()
    results = []
    for spec in specs:
        if not spec.reported:
            continue
        world = worlds[spec.world_id]
        totals = asdict(world.totals)
        result = WorldResult(asdict(spec), totals, world.inventory_series)
        if spec.uses_sql:
            result.owner_day_counts = arrivals[spec.world_id]
            result.sla = _sla(final, spec.world_id, _moment(days - 1, RUN_HOUR))
            if spec.world_id in workers_of:
                result.owners = asdict(workers_of[spec.world_id].stats)
        results.append(asdict(result))
    timing = {
        "worker": index,
        "worlds": len(specs),
        "sql_worlds": len(sql_specs),
        "seconds": round(time.monotonic() - started, 1),
        "sql_seconds": round(sql_seconds, 1),
        "statements_skipped": run.skipped if run else 0,
        "queue_seconds": round(queue_seconds, 1),
        "world_seconds": round(world_seconds, 1),
        "slowest_nodes": dict(
            sorted(
                ((k, round(v, 1)) for k, v in (run.node_seconds if run else {}).items()),
                key=lambda kv: -kv[1],
            )[:8]
        ),
    }
    if run is not None:
        run.close()
    return {"worlds": results, "timing": timing}


def _work_queues(
    store: Any,
    open_items: list[dict[str, Any]],
    specs: Sequence[WorldSpec],
    workers_of: dict[str, QueueOwners],
    worlds: dict[str, World],
    day: int,
) -> None:
    """Every acting world's owners work their queue, half an hour after the export."""
    by_world: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in open_items:  # kept in the queue's order
        by_world[bl.world_of(item["owner_id"])].append(item)
    for spec in specs:
        owners = workers_of.get(spec.world_id)
        if owners is None:
            continue
        clock = iter(range(10**9))  # each action its own second, in order
        owners.work(
            store,
            by_world.get(spec.world_id, []),
            worlds[spec.world_id],
            _moment(day, RUN_HOUR, 30),
            lambda step, c=clock, d=day: _moment(d, RUN_HOUR, 30, 2 * next(c) + step).strftime(
                QUEUE_TIME
            ),
        )


def _carry_out_auto_executions(
    executed_ids: Sequence[str],
    decisions: Sequence[dict[str, Any]],
    workers_of: dict[str, QueueOwners],
    worlds: dict[str, World],
) -> None:
    """What stockops.auto executed at the export takes effect in the acting worlds, as an owner's
    execution would (a world whose decisions are ignored ignores these too)."""
    executed = set(executed_ids)
    for decision in decisions:
        if decision["decision_id"] not in executed:
            continue
        world_id = bl.world_of(str(decision["owner_id"]))
        owners = workers_of.get(world_id)
        if owners is not None:
            owners.stats.auto_executed += 1
            owners.carry_out(decision, worlds[world_id])


def _write_day(
    writer: bl.LandingWriter, rows: dict[str, dict[str, list[tuple]]], name: str
) -> None:
    if not rows:
        return
    for table in ("inventory_transactions", "purchase_order_lines", "constraint_runs"):
        writer.write(
            table, [r for w, t in rows.items() for r in bl.namespaced(w, table, t[table])], name
        )
    cash: dict[str, float] = defaultdict(float)
    world_cash = []
    for world_id, tables in rows.items():
        for as_of, amount in tables["cash_positions"]:
            cash[as_of] += amount
            world_cash.append((world_id, as_of, amount))
    writer.write("cash_positions", sorted(cash.items()), name)
    writer.write("world_cash", world_cash, name)


def _owners(policy: Any, world_id: str, catalog: Any) -> list[str]:
    """The world's owners: its categories' owners and escalation owners, its constraint's owner."""
    owners = set()
    for row in policy.category_owners:
        if row["category_id"].startswith(world_id + "~"):
            owners.update(x for x in (row.get("owner_id"), row.get("escalation_owner_id")) if x)
    owners.add(bl.ns(world_id, catalog.constraint_owner))
    return sorted(owners)


def _minmax_levels(run: DecisionRun, specs: Sequence[WorldSpec]) -> dict[str, MinMax]:
    """minmax's min and max: day 0's reorder point and order-up-to level of a stockops world of
    the same (scenario, seed, service level)."""
    rows = run.rows(
        "select sku_id, location_id, reorder_point_qty, order_up_to_qty "
        "from intermediate.int_stock_position"
    )
    levels: dict[str, dict[tuple[str, str], tuple[float, float]]] = defaultdict(dict)
    for r in rows:
        levels[bl.world_of(r["sku_id"])][(bl.local(r["sku_id"]), bl.local(r["location_id"]))] = (
            float(r["reorder_point_qty"]),
            float(r["order_up_to_qty"]),
        )
    out = {}
    for spec in specs:
        if spec.policy != "minmax":
            continue
        twin = next(
            s
            for s in specs
            if s.uses_sql
            and (s.scenario, s.seed, s.service_level)
            == (spec.scenario, spec.seed, spec.service_level)
        )
        out[spec.world_id] = MinMax(levels[twin.world_id])
    return out


def _sla(decisions: Sequence[dict[str, Any]], world_id: str, end: datetime) -> dict[str, int]:
    """Decisions (latest versions) queued whose resolution was due by the end or that were
    resolved, and how many of those were resolved (approved, rejected or executed) in time."""
    due = within = 0
    end_naive = end.replace(tzinfo=None)
    for d in decisions:
        if (
            not str(d.get("owner_id") or "").startswith(world_id + "~")
            or d.get("queued_at") is None
        ):
            continue
        deadline, resolved = d.get("resolve_due_at"), d.get("resolved_at")
        if resolved is None and (deadline is None or deadline > end_naive):
            continue
        due += 1
        within += resolved is not None and deadline is not None and resolved <= deadline
    return {"due": due, "within": within}


def progress_bar(
    total_days: int, workers: int, out: Any = None, steps: int = 10
) -> Callable[[dict[str, Any]], None]:
    """Progress on stderr: days done per worker, and their worlds. On a terminal, one line redrawn
    in place; in a log (not a terminal), a new line at each tenth of the work (`steps`), so a CI log
    gets a dozen lines, not one per poll."""
    out = out or sys.stderr
    tty = hasattr(out, "isatty") and out.isatty()
    state: dict[int, tuple[int, int]] = {}
    started = time.monotonic()
    shown = {"step": -1, "finished": False}

    def show(message: dict[str, Any]) -> None:
        state[message["worker"]] = (message["day"], message["worlds"])
        done = sum(d for d, _ in state.values())
        total = max(total_days * workers, 1)
        if shown["finished"]:
            return
        step = steps * done // total
        if not tty and step == shown["step"]:
            return
        shown["step"] = step
        width = 30
        filled = int(width * done / total)
        parts = " ".join(
            f"w{w}:{d}/{total_days}d·{n} worlds" for w, (d, n) in sorted(state.items())
        )
        line = f"backtest [{'#' * filled}{'.' * (width - filled)}] {parts} {time.monotonic() - started:.0f}s"
        shown["finished"] = done >= total
        if tty:
            print("\r" + line, end="\n" if shown["finished"] else "", file=out, flush=True)
        else:
            print(line, file=out, flush=True)

    return show


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
