"""The `stockops` command line: generate sample data, run the pipeline, work the owner queues."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import typing
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from stockops import errors, settings
from stockops.backtest.names import DEFAULT_KS as BACKTEST_KS
from stockops.backtest.names import POLICIES as POLICY_NAMES
from stockops.backtest.names import SCENARIOS as SCENARIO_NAMES
from stockops.errors import StockopsError


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text!r}")
    return value


def print_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], out: TextIO | None = None
) -> None:
    """A plain fixed-width table; numbers right-aligned."""
    out = out or sys.stdout
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    numeric = [
        all(isinstance(r.get(c), int | float) for r in rows if r.get(c) is not None)
        for c in columns
    ]

    def fmt(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    print(fmt(list(columns)), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in cells:
        print(fmt(row), file=out)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


# ---------------------------------------------------------------------------------------- generate
def cmd_generate(args: argparse.Namespace) -> int:
    from stockops import generate

    dims = dict(generate.SCALES[args.scale])
    for key in ("skus", "locations", "days"):
        if getattr(args, key) is not None:
            dims[key] = getattr(args, key)
    out = Path(args.out).expanduser().resolve()
    started = time.monotonic()
    summary = generate.generate(out, seed=args.seed, progress=_progress, **dims)
    counts = summary.get("row_counts", {})
    print(f"wrote {sum(counts.values()):,} rows to {out} in {time.monotonic() - started:.1f}s")
    for table, n in counts.items():
        print(f"  {table:<24} {n:>12,}")
    print(f"  scenarios: {out / 'scenarios.json'}")
    return 0


def _progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- run
def _landing_problem(cfg: settings.Settings, generate_sample: bool) -> str | None:
    """Why the landing directory cannot be built from: missing or empty, unless sample data may be
    generated there (the default directory of `make demo`, or --generate-sample)."""
    landing_dir = cfg.landing_dir
    if landing_dir.exists() and not landing_dir.is_dir():
        return f"the landing directory {landing_dir} is a file, not a directory"
    if generate_sample or landing_dir == settings.default_landing_dir(cfg.project_dir):
        return None
    if not landing_dir.exists():
        return (
            f"the landing directory {landing_dir} does not exist (check --landing / "
            "STOCKOPS_LANDING_DIR; --generate-sample writes sample data there)"
        )
    from stockops import landing

    if landing.is_empty(landing_dir):
        return (
            f"the landing directory {landing_dir} holds no landing files (<table>/*.parquet or "
            "*.csv, e.g. inventory_transactions/); --generate-sample writes sample data there"
        )
    return None


def _problems_error(problems: list[str]) -> StockopsError:
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    detail = "\n".join(f"- {p}" for p in problems) if len(problems) > 1 else None
    return StockopsError(problems[0] + more, detail=detail)


def cmd_run(args: argparse.Namespace) -> int:
    from stockops import landing, preflight

    cfg = settings.load(args.landing, args.warehouse)
    # checked before anything is written: a typo costs seconds and leaves no trace
    problem = _landing_problem(cfg, args.generate_sample)
    if problem:
        raise StockopsError(problem)
    problems = preflight.problems(cfg)
    if problems:
        raise _problems_error(problems)
    if landing.is_empty(cfg.landing_dir):
        from stockops import generate

        print(
            f"landing directory {cfg.landing_dir} is empty: generating the 'small' sample data set"
        )
        cfg.landing_dir.mkdir(parents=True, exist_ok=True)
        generate.generate(cfg.landing_dir, progress=_progress, **generate.SCALES["small"])
    report = landing.check_landing(cfg.landing_dir)
    for warning in report.warnings:
        print(f"stockops: warning: {warning}", file=sys.stderr)
    if not report.ok:
        raise _problems_error([f"the landing data cannot be built: {p}" for p in report.problems])
    cfg.export()
    print(f"landing   {cfg.landing_dir} ({report.file_count} files)")
    print(f"warehouse {cfg.duckdb_path}")

    import dagster as dg

    from stockops.pipeline import output_to, run_build
    from stockops.run_liveness import fail_dead_runs

    with dg.DagsterInstance.from_config(str(cfg.dagster_home)) as instance:
        for run_id, reason in fail_dead_runs(instance):
            print(f"marked run {run_id} failed: {reason}")

    # Dagster's and dbt's output goes to the run's log (--verbose: to the terminal instead)
    log_path = None if args.verbose else errors.new_log_path(cfg.warehouse_dir, "run")
    if log_path:
        print(f"log       {log_path}", flush=True)
    started = time.monotonic()
    with output_to(log_path) if log_path else contextlib.nullcontext():
        outcome = run_build(as_of_date=args.as_of or "", full_refresh=args.full_refresh)
    elapsed = time.monotonic() - started
    print_check_summary(outcome.checks)
    if not outcome.success:
        causes = outcome.failures or ["see the log"]
        more = f" (+{len(causes) - 1} more)" if len(causes) > 1 else ""
        summary = "the run failed:\n" + "".join(f"- {c}\n" for c in causes)
        if log_path:
            with log_path.open("a") as log:
                log.write(f"\nstockops: {summary}")
        raise StockopsError(
            f"run {outcome.run_id} failed after {elapsed:.1f}s: {causes[0]}{more}"
            + (f" (log: {log_path})" if log_path else ""),
            detail=summary,
            exit_code=errors.EXIT_FAILED,
            log_path=log_path,
        )

    from stockops.queue.backends import open_store

    store = open_store(cfg.queue_path)
    summary = store.owner_summary()
    print(f"\nrun {outcome.run_id} succeeded in {elapsed:.1f}s; queue {store.location}")
    print(
        f"{outcome.queue_inserted} new decision versions queued, {store.count()} queue rows in all\n"
    )
    print_table(summary, ["owner_id", "open_decisions", "value_at_stake", "decision_types"])
    return 0


CHECK_STATUS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "not_run": "NOT RUN"}


def print_check_summary(checks: Sequence[Any], out: TextIO | None = None) -> None:
    """Every stockops check of the run, one line each: its result (PASS / WARN: failed, WARN
    severity / FAIL: failed, ERROR / NOT RUN), name, asset, severity, description and figures,
    then its first offenders; then the dbt tests: counted, and listed the same way when they did
    not pass. `checks` are stockops.pipeline.CheckSummary rows."""
    if not checks:
        return
    out = out or sys.stdout
    dbt_tests = [c for c in checks if c.is_dbt_test]
    listed = [c for c in checks if not c.is_dbt_test] + [c for c in dbt_tests if c.status != "pass"]
    width = max((len(c.name) for c in listed), default=0)
    asset_width = max((len(c.asset) for c in listed), default=0)
    print("\nchecks", file=out)
    for check in listed:
        line = (
            f"  {CHECK_STATUS[check.status]:<7}  {check.name:<{width}}  "
            f"{check.asset:<{asset_width}}  {check.severity or '-':<5}  {check.detail}"
        )
        print(line.rstrip(), file=out)
        for line in check.offenders:
            print(f"  {'':<7}    - {line}", file=out)
    if not dbt_tests:
        return
    counts = {status: sum(c.status == status for c in dbt_tests) for status in CHECK_STATUS}
    print(
        f"  dbt tests: {len(dbt_tests)} ("
        + ", ".join(f"{n} {CHECK_STATUS[s].lower()}" for s, n in counts.items() if n)
        + ")",
        file=out,
    )


# ------------------------------------------------------------------------------------------- queue
EXIT_REFUSED = errors.EXIT_REFUSED


def _now() -> datetime:
    return datetime.now(UTC)


def _unknown_owner(store: Any, owner: str | None, cfg: settings.Settings) -> bool:
    """An --owner that is neither in the policy seeds nor on any queue row: an error (exit 2),
    not an empty queue. Prints the one-line error."""
    if owner is None or store.knows_owner(owner):
        return False
    from stockops.queue import actions

    if actions.load_policy(cfg.project_dir / "seeds").is_known_actor(owner):
        return False
    print(
        f"stockops: unknown owner {actions.display(owner)}: not in actor_roles or category_owners "
        f"and owns no decision in {store.location}",
        file=sys.stderr,
    )
    return True


def cmd_queue_list(args: argparse.Namespace) -> int:
    from stockops.queue.backends import open_store

    cfg = settings.load(warehouse_dir=args.warehouse)
    store = open_store(cfg.queue_path)
    if _unknown_owner(store, args.owner, cfg):
        return 2
    items = store.items(
        owner_id=args.owner,
        include_closed=args.all,
        sort=args.sort,
        limit=args.limit,
        decision_type=args.type,
        min_value=args.min_value,
    )
    # the position in the owner's queue (per owner when listing everyone); with the default sort
    # it is the owner's priority_rank
    counters: dict[str, int] = {}
    for item in items:
        queue = args.owner or item["owner_id"]
        counters[queue] = counters.get(queue, 0) + 1
        item["rank"] = counters[queue]
    if args.format == "json":
        print(json.dumps(items, indent=2, default=str))
        return 0
    if not items:
        print(f"no {'' if args.all else 'open '}decisions in {store.location}")
        return 0
    print_table(
        items,
        [
            "rank",
            "owner_id",
            "decision_type",
            "decision_kind",
            "priority",
            "priority_score",
            "value_at_stake",
            "due_by",
            "line_count",
            "queue_status",
            "decision_id",
            "reason",
        ],
    )
    return 0


SHOW_FIELDS = (
    "decision_type",
    "decision_kind",
    "subject_key",
    "sku_id",
    "location_id",
    "supplier_id",
    "constraint_id",
    "recommended_qty",
    "value_at_stake",
    "priority",
    "priority_score",
    "priority_rank",
    "owner_id",
    "escalation_owner_id",
    "approver_role",
    "reason",
    "signal_at",
    "signal_age_hours",
    "queued_at",
    "due_by",
    "data_due_by",
    "ack_due_at",
    "resolve_due_at",
    "auto_execution_rule_id",
)
LINE_FIELDS = ("line_no", "signal_type", "sku_id", "location_id", "supplier_id", "qty", "value")


def cmd_queue_show(args: argparse.Namespace) -> int:
    from stockops.queue import actions
    from stockops.queue.backends import open_store

    cfg = settings.load(warehouse_dir=args.warehouse)
    store = open_store(cfg.queue_path)
    item = store.item(args.decision_id)
    if item is None:
        print(
            f"stockops: decision {actions.display(args.decision_id)} is not in any queue "
            f"({store.location})",
            file=sys.stderr,
        )
        return 2
    events = store.events_for(args.decision_id, item["decision_version"])
    policy = actions.load_policy(cfg.project_dir / "seeds")
    now = _now()
    lifecycle = actions.replay(events, policy.transitions)
    state = lifecycle.at(now)
    fields = actions.decision_fields(item)
    approvers = sorted(
        policy.approver_roles(str(fields.get("decision_type") or ""), fields.get("value_at_stake"))
    )
    window = actions.reverse_window_closes_at(events, policy) if state == "executed" else None
    shown = {
        "decision_id": item["decision_id"],
        "decision_version": item["decision_version"],
        "queue_status": item.get("queue_status"),
        "state": state,
        "snoozed_until": (
            actions.format_timestamp(lifecycle.snoozed_until)
            if state == "snoozed" and lifecycle.snoozed_until
            else None
        ),
        "approver_role": fields.get("approver_role"),
        "approver_roles": approvers,
        "next_actions": actions.next_actions(item, events, policy, now),
        "owner_may_reverse_until": actions.format_timestamp(window[1]) if window else None,
        "decision": fields,
        "events": [
            {
                k: e.get(k)
                for k in (
                    "occurred_at",
                    "event_type",
                    "actor_id",
                    "reason",
                    "snoozed_until",
                    "event_id",
                )
            }
            for e in sorted(events, key=actions.event_order)
        ],
    }
    if args.format == "json":
        print(json.dumps(shown, indent=2, default=str))
        return 0
    out = sys.stdout
    print(f"decision {item['decision_id']} v{item['decision_version']}", file=out)
    head = [
        ("state", state + (f" until {shown['snoozed_until']}" if shown["snoozed_until"] else "")),
        ("queue_status", item.get("queue_status")),
        *((name, fields.get(name)) for name in SHOW_FIELDS),
        ("may approve", ", ".join(approvers) or fields.get("approver_role")),
        ("next actions", ", ".join(shown["next_actions"]) or "none"),
        ("owner may reverse until", shown["owner_may_reverse_until"]),
    ]
    width = max(len(name) for name, _ in head)
    for name, value in head:
        if value is not None and value != "":
            print(f"  {name:<{width}}  {_cell(value)}", file=out)
    inputs = fields.get("inputs")
    if isinstance(inputs, str):
        try:
            inputs = json.loads(inputs)
        except ValueError:
            pass
    if inputs:
        print("\ninputs", file=out)
        if isinstance(inputs, dict):
            for key, value in inputs.items():
                print(f"  {key}: {_cell(value)}", file=out)
        else:
            print(f"  {inputs}", file=out)
    lines = fields.get("lines") or []
    print(f"\nlines ({len(lines)})", file=out)
    if lines:
        print_table(
            lines, [c for c in LINE_FIELDS if any(line.get(c) is not None for line in lines)]
        )
    else:
        print("  (none)", file=out)
    print("\nevents", file=out)
    if shown["events"]:
        print_table(
            shown["events"], ["occurred_at", "event_type", "actor_id", "reason", "snoozed_until"]
        )
    else:
        print("  (none)", file=out)
    return 0


def cmd_queue_action(args: argparse.Namespace) -> int:
    from stockops.queue import actions
    from stockops.queue.backends import open_store

    action = args.queue_command
    actor = args.actor or settings.current().actor
    if not actor:
        print(f"stockops: {action} needs --actor (or STOCKOPS_ACTOR)", file=sys.stderr)
        return 2
    cfg = settings.load(warehouse_dir=args.warehouse)
    policy = actions.load_policy(cfg.project_dir / "seeds")
    until = getattr(args, "until", None)
    now = _now()
    if args.at is not None:
        if args.at > now:
            print(
                f"stockops: --at {actions.format_timestamp(args.at)} is in the future",
                file=sys.stderr,
            )
            return 2
        now = args.at
    store = open_store(cfg.queue_path)
    if store.item(args.decision_id) is None:
        print(
            f"stockops: decision {actions.display(args.decision_id)} is not in any queue "
            f"({store.location})",
            file=sys.stderr,
        )
        return 2
    try:
        event = store.apply_action(
            args.decision_id,
            lambda item, events: _recorded_at(
                actions.decide(
                    action,
                    item,
                    events,
                    actor,
                    args.reason,
                    until,
                    policy,
                    now,
                    decision_id=args.decision_id,
                ),
                events,
                args.at,
            ),
        )
    except actions.ActionRefused as refused:
        print(f"stockops: refused: {refused}", file=sys.stderr)
        return EXIT_REFUSED
    except LookupError as missing:
        print(f"stockops: {missing}", file=sys.stderr)
        return 2
    print(
        f"{event['event_type']} {event['decision_id']} v{event['decision_version']} as {actor}"
        + (f" until {event['snoozed_until']}" if event.get("snoozed_until") else "")
    )
    return 0


def _recorded_at(
    event: dict[str, Any], events: Sequence[dict[str, Any]], at: datetime | None
) -> dict[str, Any]:
    """The event as of `--at` (a backfilled or test action): stamped with that time, which may not
    precede the version's latest event, so the events stay in the order they happened."""
    from stockops.queue import actions

    if at is None:
        return event
    latest = max((actions.event_order(e)[0] for e in events), default=None)
    if latest is not None and at < latest:
        raise actions.ActionRefused(
            f"--at {actions.format_timestamp(at)} is before the decision's latest event "
            f"({actions.format_timestamp(latest)}); actions are recorded in the order they happened"
        )
    return {**event, "occurred_at": actions.format_timestamp(at)}


def cmd_queue_digest(args: argparse.Namespace) -> int:
    from stockops.queue import digest
    from stockops.queue.backends import open_store

    cfg = settings.load(warehouse_dir=args.warehouse)
    store = open_store(cfg.queue_path)
    if _unknown_owner(store, args.owner, cfg):
        return 2
    from stockops import time_to_action

    targets = time_to_action.read_published(cfg.published_dir)  # None before the first run
    found = digest.digests(store, owner_id=args.owner, top=args.top, targets=targets)
    if not found and args.format != "json":
        print(f"no open or auto-executed decisions in {store.location}")
        return 0
    print(digest.render(found, args.format), end="" if args.format != "json" else "\n")
    return 0


def cmd_queue_export(args: argparse.Namespace) -> int:
    from stockops.queue.backends import open_store, webhook_endpoint
    from stockops.queue.export import run_export
    from stockops.warehouse import read_decisions

    cfg = settings.load(warehouse_dir=args.warehouse)
    if not cfg.duckdb_path.exists():
        raise FileNotFoundError(f"no warehouse at {cfg.duckdb_path}: run `stockops run` first")
    decisions = read_decisions(cfg.duckdb_path, with_lines=True)
    store = open_store(cfg.queue_path)
    report = run_export(store, decisions, webhook_endpoint(), log=_progress)
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2, default=str))
        return 0
    rec = report.reconcile
    print(
        f"{store.location}: {report.offered} decisions offered, {report.staged} newly staged, "
        f"{report.queued} queue messages applied, {report.escalations} escalations, "
        f"{report.superseded} superseded, {report.closed} withdrawn or closed, "
        f"{report.auto_executed} executed by stockops.auto in {report.seconds:.2f}s"
    )
    if report.webhook:
        print("webhook: " + ", ".join(f"{k} {v}" for k, v in report.webhook.items()))
    if rec is not None:
        print(
            f"reconciled: {rec.expected} open decisions, {rec.missing_requeued} re-queued, "
            f"{rec.ledger_fixed} ledger rows corrected, {rec.pending} pending, "
            f"{rec.dead_letter} dead-lettered"
        )
    return 0


def _until(text: str) -> datetime:
    from stockops.queue.actions import parse_until

    try:
        return parse_until(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# ---------------------------------------------------------------------------------------- backtest
def cmd_backtest(args: argparse.Namespace) -> int:
    from stockops.backtest import QUICK, render, run_backtest
    from stockops.backtest.runner import default_workers, progress_bar

    out = Path(args.out).expanduser().resolve()
    if args.report_only:
        report = render(out)
        print(f"backtest: report written again from {out / 'backtest.json'}")
        return 0
    scenarios = args.scenario or (QUICK["scenarios"] if args.quick else SCENARIO_NAMES)
    days = args.days or (QUICK["days"] if args.quick else 180)
    seeds = args.seeds or (QUICK["seeds"] if args.quick else 5)
    sweep = () if args.quick or args.no_sweep else tuple(args.sweep)
    workers = args.workers or default_workers()
    cfg = settings.load()
    report = run_backtest(
        out,
        scenarios=scenarios,
        policies=args.policy or POLICY_NAMES,
        days=days,
        seeds=seeds,
        ks=args.k or BACKTEST_KS,
        sweep=sweep,
        project_dir=cfg.project_dir,
        dbt=Path(sys.executable).parent / "dbt",
        workers=workers,
        progress=progress_bar(days, min(workers, len(scenarios) * seeds)),
        log=_progress,
    )
    print(f"backtest: {report['config']['worlds']} worlds in {report['timing']['seconds']:.0f}s")
    print(f"  {out / 'BACKTEST.md'}\n  {out / 'backtest.json'}")
    return 0


# -------------------------------------------------------------------------------------------- main
class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (exit 2), like every other failure."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(errors.EXIT_USAGE, f"stockops: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="stockops", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a deterministic sample landing data set (Parquet)")
    gen.add_argument("--out", required=True, help="landing directory to create")
    gen.add_argument("--scale", choices=["tiny", "small", "medium", "large"], default="small")
    gen.add_argument("--skus", type=_positive)
    gen.add_argument("--locations", type=_positive)
    gen.add_argument("--days", type=_positive)
    gen.add_argument("--seed", type=int, default=42)
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser(
        "run", help="build every mart and decision through Dagster and fill the queues"
    )
    run.add_argument(
        "--landing", help="landing directory (default $STOCKOPS_LANDING_DIR or data/landing)"
    )
    run.add_argument(
        "--warehouse", help="warehouse directory (default $STOCKOPS_WAREHOUSE_DIR or warehouse)"
    )
    run.add_argument(
        "--as-of", type=_date, help="as-of date YYYY-MM-DD (default: latest transaction date)"
    )
    run.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental models from scratch"
    )
    run.add_argument(
        "--generate-sample",
        action="store_true",
        help="generate the 'small' sample data set when the landing directory is missing or "
        "empty (done without asking only for the default data/landing)",
    )
    run.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="stream Dagster's and dbt's output here instead of only to the run's log file",
    )
    run.set_defaults(func=cmd_run)

    queue = sub.add_parser("queue", help="the owners' decision queues")
    qsub = queue.add_subparsers(dest="queue_command", required=True)
    qlist = qsub.add_parser(
        "list", help="list queued decisions, most urgent first (priority_rank within each queue)"
    )
    qlist.add_argument("--owner", help="only this owner's queue (an unknown owner is an error)")
    qlist.add_argument("--all", action="store_true", help="include superseded and closed versions")
    qlist.add_argument(
        "--sort",
        choices=["priority", "due", "value"],
        default="priority",
        help="priority (cost of a day's delay, highest first; default), due (earliest due_by "
        "first) or value (largest value at stake first)",
    )
    qlist.add_argument("--limit", type=_positive, help="only the first N")
    qlist.add_argument("--type", help="only this decision type (e.g. purchase_proposal)")
    qlist.add_argument(
        "--min-value", type=float, help="only decisions with at least this value at stake"
    )
    qlist.add_argument("--format", choices=["table", "json"], default="table")
    qlist.add_argument("--warehouse", help="warehouse directory")
    qlist.set_defaults(func=cmd_queue_list)

    qshow = qsub.add_parser(
        "show", help="one decision: its fields, lifecycle state, events and who may approve it"
    )
    qshow.add_argument("decision_id")
    qshow.add_argument("--format", choices=["table", "json"], default="table")
    qshow.add_argument("--warehouse", help="warehouse directory")
    qshow.set_defaults(func=cmd_queue_show)

    action_help = {
        "ack": "acknowledge a decision (owner, escalation owner or approver)",
        "approve": "approve a decision (an approver role for its type and value)",
        "reject": "reject a decision (an approver role; --reason required)",
        "snooze": "snooze a decision until a date at most 30 days ahead (pauses the SLA clock)",
        "execute": "record that an approved decision was carried out",
        "reverse": "reverse an executed decision (an approver role; --reason required)",
    }
    for action, help_text in action_help.items():
        act = qsub.add_parser(action, help=help_text)
        act.add_argument("decision_id")
        act.add_argument(
            "--actor",
            default=None,
            help="who acts (default $STOCKOPS_ACTOR)",
        )
        act.add_argument(
            "--reason", required=action in ("reject", "reverse"), help="why (kept on the event)"
        )
        if action == "snooze":
            act.add_argument(
                "--until",
                required=True,
                type=_until,
                help="ISO date or datetime, UTC; in the future and at most 30 days ahead",
            )
        act.add_argument(
            "--at",
            type=_until,
            help="record the action as taken at this ISO datetime (UTC; backfills and tests): "
            "not in the future, not before the decision's latest event (default: now)",
        )
        act.add_argument("--warehouse", help="warehouse directory")
        act.set_defaults(func=cmd_queue_action)
    qdigest = qsub.add_parser(
        "digest",
        help="each owner's digest: top decisions by priority, batches, what stockops.auto "
        "executed since the previous digest, totals and the share of value the top items cover",
    )
    qdigest.add_argument("--owner", help="only this owner (an unknown owner is an error)")
    qdigest.add_argument("--top", type=_positive, default=10, help="top decisions listed (10)")
    qdigest.add_argument("--format", choices=["table", "json", "markdown"], default="table")
    qdigest.add_argument("--warehouse", help="warehouse directory")
    qdigest.set_defaults(func=cmd_queue_digest)
    qexport = qsub.add_parser(
        "export",
        help="deliver the warehouse's current decisions again: stage, deliver, escalate, "
        "reconcile (what every run does; use it after fixing a webhook endpoint)",
    )
    qexport.add_argument("--warehouse", help="warehouse directory")
    qexport.add_argument("--format", choices=["table", "json"], default="table")
    qexport.set_defaults(func=cmd_queue_export)

    bt = sub.add_parser(
        "backtest",
        help="simulate worlds day by day: stockops' decisions (through the queue) against a static "
        "min/max policy; writes DIR/BACKTEST.md, DIR/backtest.json and PNG plots",
    )
    bt.add_argument("--out", required=True, help="report directory")
    bt.add_argument("--scenario", action="append", choices=SCENARIO_NAMES, help="repeatable")
    bt.add_argument("--policy", action="append", choices=POLICY_NAMES, help="repeatable")
    bt.add_argument("--days", type=_positive, help="simulated days (default 180; --quick 60)")
    bt.add_argument("--seeds", type=_positive, help="seeds per scenario (default 5; --quick 2)")
    bt.add_argument("--k", type=_positive, action="append", help="top-K sizes (default 5, 10, 25)")
    bt.add_argument(
        "--sweep",
        type=float,
        nargs="+",
        default=[0.80, 0.90, 0.95, 0.99],
        help="service levels swept for minmax and stockops_all on the stationary scenario",
    )
    bt.add_argument("--no-sweep", action="store_true", help="skip the service-level sweep")
    bt.add_argument("--workers", type=_positive, help="worker processes (default: 2 or the cores)")
    bt.add_argument(
        "--quick", action="store_true", help="one scenario, 60 days, 2 seeds, no sweep (make test)"
    )
    bt.add_argument(
        "--report-only",
        action="store_true",
        help="write BACKTEST.md and the plots again from DIR/backtest.json (no simulation)",
    )
    bt.set_defaults(func=cmd_backtest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Exit codes: 0 done, 1 failed, 2 cannot run as given, 3 refused (stockops.errors)."""
    args = build_parser().parse_args(argv)
    warehouse = getattr(args, "warehouse", None)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("stockops: interrupted", file=sys.stderr)
        return errors.EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - every failure is one line, never a traceback
        error = exc if isinstance(exc, StockopsError) else errors.from_exception(exc)
        warehouse_dir = settings.load(warehouse_dir=warehouse).warehouse_dir
        return errors.report(error, warehouse_dir)


if __name__ == "__main__":
    sys.exit(main())
