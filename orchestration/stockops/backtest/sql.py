"""The project's decision SQL, compiled once and run in-process on DuckDB once per simulated day.

`build_plan` runs `dbt compile` twice (about 30 s; the plan is cached under target/backtest/, keyed
by a hash of the dbt sources, so it is rebuilt only when the models, macros or seeds change):

1. on a fresh warehouse, every model fct_decisions depends on (full-refresh branches), turned into
   one script by stockops.compiled_sql, as the benchmark's reference does;
2. after running that script once on a template landing, the two incremental models again
   (`base_landing__inventory_transactions`, `int_decision_versions`), now compiled to their
   incremental branches: the decision ledger keeps its memory from day to day, as in production,
   and the transaction ledger reads only the day's new file.

What a compile freezes and a simulation must move is replaced by tokens: the landing file lists
dbt found at compile time (by the day's files: a glob, or for the incremental ledger the new files),
the as-of date (`as_of_date` var) and dbt's `run_started_at` (detection and evaluation time in
int_decision_versions and int_decision_lifecycle: the simulated run's time).

World scope. Many worlds run in one execution (their ids are namespaced, see backtest.landing).
Every computation of the models is per SKU, location, supplier, decision or owner — except two,
which look at the whole company: the ABC classification (int_stock_position: the cumulative share of
consumption value over all SKUs) and the cash budget of replenishment (the latest cash position,
funded in one priority order over all orders). `WORLD_SCOPE` partitions exactly those by world
and gives each world its own cash (landed as `world_cash`); each edit must match the compiled SQL
exactly once, so a change to these models stops the backtest with a message instead of silently
mixing worlds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from stockops import compiled_sql
from stockops.backtest.landing import LandingWriter
from stockops.settings import EVENTS_TABLE, LANDING_TABLES
from stockops.warehouse import attach_lines

PLAN_VERSION = 2
# the last model the day's SQL builds: the decisions with their lines (purchase proposals, batches)
DECISIONS_MODEL = "fct_decision_lines"
AS_OF_SENTINEL = "1901-02-03"
AS_OF_TOKEN = "__BACKTEST_AS_OF__"
RUN_AT_TOKEN = "__BACKTEST_RUN_AT__"
TEMPLATE_FILE = "__template__.parquet"
INCREMENTAL = (
    "model.stockops.base_landing__inventory_transactions",
    "model.stockops.int_decision_versions",
)
# the template files' modification time: the landing time dbt compiles in for them (read_landing)
LANDED_SENTINEL = "1970-01-02 03:04:05"
TIMESTAMP_LITERAL = re.compile(r"cast\('(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)' as timestamp\)")
WORLD = "split_part({col}, '~', 1)"
# a relation of the plan as dbt renders a ref (the relation a statement builds is its first)
RELATION = re.compile(r'"' + compiled_sql.DATABASE + r'"\."\w+"\."(\w+)"')
# what would make a statement's result differ between two runs of the same text on the same inputs
VOLATILE = re.compile(
    r"\b(?:now|today|random|uuid|gen_random_uuid|setseed|nextval|currval)\s*\("
    r"|\bcurrent_(?:date|time|timestamp|localtime|localtimestamp)\b|\blocaltime(?:stamp)?\b",
    re.IGNORECASE,
)

# (model, compiled text, replacement): the company-wide computations, per world
WORLD_SCOPE: tuple[tuple[str, str, str], ...] = (
    (
        "model.stockops.int_stock_position",
        "over (\n                order by annual_consumption_value desc, sku_id asc",
        "over (\n                partition by "
        + WORLD.format(col="sku_id")
        + " order by annual_consumption_value desc, sku_id asc",
    ),
    (
        "model.stockops.int_stock_position",
        "nullif(sum(annual_consumption_value) over (), 0)",
        "nullif(sum(annual_consumption_value) over (partition by "
        + WORLD.format(col="sku_id")
        + "), 0)",
    ),
    (
        "model.stockops.int_decision_candidates__replenish",
        "window funding_order as (\n        order by",
        "window funding_order as (\n        partition by "
        + WORLD.format(col="sku_id")
        + " order by",
    ),
    (
        "model.stockops.int_decision_candidates__replenish",
        "    select\n        arg_max(cash_positions.available_cash, cash_positions.as_of_date) as available_cash,",
        "    select\n        cash_positions.world_id,\n"
        "        arg_max(cash_positions.available_cash, cash_positions.as_of_date) as available_cash,",
    ),
    (
        "model.stockops.int_decision_candidates__replenish",
        '    from "stockops"."staging"."stg_landing__cash_positions" as cash_positions\n'
        "    cross join context\n"
        "    where cash_positions.as_of_date <= context.as_of_date\n",
        "    from __WORLD_CASH__ as cash_positions\n"
        "    cross join context\n"
        "    where cash_positions.as_of_date <= context.as_of_date\n"
        "    group by cash_positions.world_id\n",
    ),
    (
        "model.stockops.int_decision_candidates__replenish",
        "left join cash on true",
        "left join cash on cash.world_id = " + WORLD.format(col="ranked_for_cash.sku_id"),
    ),
)


@dataclass
class Plan:
    """The day's statements: (node, full-refresh SQL, incremental SQL or None)."""

    statements: list[tuple[str, str, str | None]]
    key: str
    compile_seconds: float

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": PLAN_VERSION,
                "key": self.key,
                "compile_seconds": self.compile_seconds,
                "statements": self.statements,
            }
        )


def source_key(project_dir: Path) -> str:
    """A hash of everything the compiled SQL depends on."""
    digest = hashlib.sha256(str(PLAN_VERSION).encode())
    paths = sorted(
        p
        for folder in ("models", "macros", "seeds")
        for p in (project_dir / folder).rglob("*")
        if p.is_file()
    )
    for path in [*paths, project_dir / "dbt_project.yml", project_dir / "profiles.yml"]:
        digest.update(str(path.relative_to(project_dir)).encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def build_plan(project_dir: Path, cache_dir: Path, dbt: Path, log: Any = None) -> Plan:
    """The cached plan for the current sources, or a new one."""
    say = log or (lambda _m: None)
    key = source_key(project_dir)
    cached = cache_dir / f"plan-{key}.json"
    if cached.exists():
        data = json.loads(cached.read_text())
        return Plan([tuple(s) for s in data["statements"]], key, data["compile_seconds"])
    started = time.monotonic()
    scratch = cache_dir / f"build-{key}-{os.getpid()}"
    landing = scratch / "landing"
    write_template_landing(landing)
    env = {"STOCKOPS_AS_OF_DATE": AS_OF_SENTINEL}
    say("compiling the decision SQL (dbt compile, once per change of the models)")
    manifest_path, _ = compiled_sql.compile_project(
        project_dir=project_dir,
        landing_dir=landing,
        scratch_dir=scratch,
        dbt=dbt,
        log_path=scratch / "compile.log",
        select=f"+{DECISIONS_MODEL}",
        extra_env=env,
    )
    manifest = json.loads(manifest_path.read_text())
    nodes = compiled_sql.ancestors(manifest, f"model.stockops.{DECISIONS_MODEL}")
    script, _ = compiled_sql.build_script(
        manifest_path, project_dir=project_dir, landing_dir=landing, only=nodes
    )
    warehouse = scratch / "compile-warehouse"
    con = duckdb.connect(str(warehouse / f"{compiled_sql.DATABASE}.duckdb"))
    try:
        text = script.replace(compiled_sql.LANDING_TOKEN, str(landing))
        text = text.replace(compiled_sql.PROJECT_TOKEN, str(project_dir))
        for _, chunk in compiled_sql.split_statements(text):
            con.execute(chunk.replace(f"'{AS_OF_SENTINEL}'", "'2000-01-01'"))
    finally:
        con.close()
    say("compiling the incremental branches")
    incremental_manifest, _ = compiled_sql.compile_project(
        project_dir=project_dir,
        landing_dir=landing,
        scratch_dir=scratch,
        dbt=dbt,
        log_path=scratch / "compile-incremental.log",
        select=" ".join(uid.split(".")[-1] for uid in INCREMENTAL),
        extra_env=env,
        warehouse=warehouse,
        target=scratch / "compile-target-incremental",
    )
    incremental = json.loads(incremental_manifest.read_text())["nodes"]
    statements = []
    for name, chunk in compiled_sql.split_statements(script):
        if name == "setup":
            continue
        inc = None
        if name in INCREMENTAL:
            node = incremental[name]
            code = node["compiled_code"].rstrip().rstrip(";")
            inc = f"insert into {node['relation_name']} by name\nselect * from (\n{code}\n) as increment;"
            inc = _tokens(inc.replace(str(landing), compiled_sql.LANDING_TOKEN))
        statements.append((name, _scope(name, _tokens(chunk)), inc))
    plan = Plan(statements, key, round(time.monotonic() - started, 1))
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(cached.name + ".partial")
    partial.write_text(plan.to_json())
    partial.replace(cached)
    shutil.rmtree(scratch, ignore_errors=True)
    return plan


def _tokens(sql: str) -> str:
    sql = sql.replace(f"'{AS_OF_SENTINEL}'", f"'{AS_OF_TOKEN}'")
    stamps = set(TIMESTAMP_LITERAL.findall(sql))
    if len(stamps) > 1:
        raise RuntimeError(f"several run_started_at literals in one model: {sorted(stamps)}")
    for stamp in stamps:  # run_started_at: the lifecycle, the versions, the ledger's re-check
        sql = sql.replace(f"cast('{stamp}' as timestamp)", f"cast('{RUN_AT_TOKEN}' as timestamp)")
    sql = sql.replace(f"timestamp '{LANDED_SENTINEL}'", f"cast('{RUN_AT_TOKEN}' as timestamp)")
    for table in (*LANDING_TABLES, EVENTS_TABLE):
        sql = sql.replace(
            f"'{compiled_sql.LANDING_TOKEN}/{table}/{TEMPLATE_FILE}'", f"__FILES_{table}__"
        )
    return sql


def _scope(name: str, sql: str) -> str:
    for model, old, new in WORLD_SCOPE:
        if model != name:
            continue
        found = sql.count(old)
        if found != 1:
            raise RuntimeError(
                f"backtest: the compiled SQL of {model} changed (expected exactly one {old[:60]!r}, "
                f"found {found}); update stockops.backtest.sql.WORLD_SCOPE"
            )
        sql = sql.replace(old, new)
    return sql


def write_template_landing(landing: Path) -> None:
    """One empty file per landing table: dbt lists files and columns at compile time. Each is dated
    LANDED_SENTINEL, so the landing time compiled into the SQL for it can be found and replaced
    with the simulated day's run time (the simulated files land just before the day's run)."""
    writer = LandingWriter(landing)
    try:
        for table in (*LANDING_TABLES, EVENTS_TABLE):
            writer.write(table, [], TEMPLATE_FILE.removesuffix(".parquet"))
    finally:
        writer.close()
    stamp = datetime.strptime(LANDED_SENTINEL, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
    for path in landing.rglob(TEMPLATE_FILE):
        os.utime(path, (stamp, stamp))


class DecisionRun:
    """One in-memory DuckDB that runs the plan once a day for a batch of worlds."""

    def __init__(
        self,
        plan: Plan,
        landing_dir: Path,
        project_dir: Path,
        threads: int = 1,
        verify_skips: bool = False,
    ) -> None:
        self.plan = plan
        self.landing_dir = landing_dir
        self.project_dir = project_dir
        self.con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": False})
        # relations are named "stockops"."<schema>"."<model>" (the warehouse file's stem)
        self.con.execute(f"attach ':memory:' as {compiled_sql.DATABASE}")
        self.con.execute(f"use {compiled_sql.DATABASE}")
        for schema in ("staging", "intermediate", "marts", "policy"):
            self.con.execute(f"create schema if not exists {compiled_sql.DATABASE}.{schema}")
        self.loaded: set[str] = set()
        self.days_run = 0
        self.seconds = 0.0
        self.node_seconds: dict[str, float] = {}
        self.verify_skips = verify_skips
        self.skipped = 0
        # per statement: the relation it builds (quoted in full) and the relations it reads
        self.builds = {name: RELATION.search(full).group(0) for name, full, _ in plan.statements}
        self.reads = {
            name: {
                other
                for other in self.builds.values()
                if other != self.builds[name]
                and re.search(rf"\b{RELATION.fullmatch(other).group(1)}\b", full + (inc or ""))
            }
            for name, full, inc in plan.statements
        }
        # per statement: what it read the last time it ran (its filled text, its landing files)
        self.last_inputs: dict[str, tuple[str, tuple] | None] = {}
        self.parsed_text: dict[str, tuple[str, list[Any]]] = {}

    def close(self) -> None:
        self.con.close()

    def run(self, as_of: date, run_at: str) -> None:
        started = time.monotonic()
        ledger_dir = self.landing_dir / "inventory_transactions"
        all_ledger = sorted(str(p) for p in ledger_dir.glob("*.parquet"))
        new_ledger = [f for f in all_ledger if f not in self.loaded]
        self.con.begin()  # the day in one transaction: a commit per statement costs time
        try:
            self._statements(as_of, run_at, new_ledger)
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()
        self.loaded.update(new_ledger)
        self.days_run += 1
        self.seconds += time.monotonic() - started
        self._no_quarantine()

    def _statements(self, as_of: date, run_at: str, new_ledger: list[str]) -> None:
        """The plan's statements for the day; one whose inputs did not change since it last ran
        is skipped (its table stands): the reference tables and what only they feed."""
        first = self.days_run == 0
        rebuilt: set[str] = set()
        for name, full, incremental in self.plan.statements:
            if name.startswith("seed.") and not first:
                continue  # policy seeds do not change during a backtest
            sql = full if first or incremental is None else incremental
            if name == INCREMENTAL[0] and not first:
                if not new_ledger:
                    continue
                sql = sql.replace(
                    "__FILES_inventory_transactions__", ", ".join(_quote(f) for f in new_ledger)
                )
            inputs = self._inputs(sql, as_of, run_at)
            unchanged = (
                inputs is not None
                and self.last_inputs.get(name) == inputs
                and not self.reads[name] & rebuilt
            )
            self.last_inputs[name] = inputs
            skip = unchanged and incremental is None
            if skip:
                self.skipped += 1  # the same text on the same inputs: the table it built stands
                if not self.verify_skips:
                    continue
                kept = RELATION.fullmatch(self.builds[name]).group(1) + "__kept"
                self.con.execute(f"alter table {self.builds[name]} rename to {kept}")
            t0 = time.monotonic()
            for statement in self._parsed(name, self._fill(sql, as_of, run_at)):
                self.con.execute(statement)
            self.node_seconds[name] = self.node_seconds.get(name, 0.0) + time.monotonic() - t0
            if skip:
                self._same_as_kept(name, as_of)
            else:
                rebuilt.add(self.builds[name])

    def _no_quarantine(self) -> None:
        """The simulated world writes valid landing data only: a quarantined transaction means the
        simulation and stockops disagree (a clock, a format) and every figure after it is wrong."""
        (landed, accepted) = self.con.execute(
            "select (select count(*) from staging.base_landing__inventory_transactions), "
            "(select count(*) from staging.stg_landing__inventory_transactions)"
        ).fetchone()
        if landed != accepted:
            reasons = self.rows(
                "select quarantine_reason, count(*) as n "
                "from staging.base_landing__inventory_transactions "
                "where quarantine_reason is not null group by 1 order by n desc limit 3"
            )
            raise RuntimeError(
                f"backtest: {landed - accepted} of {landed} simulated transactions were quarantined "
                f"by stockops' own checks (first reasons: {reasons}); the simulation is invalid"
            )

    def _parsed(self, name: str, sql: str) -> list[Any]:
        """The statement's text parsed once while it stays the same (most carry no date or time):
        parsing is a tenth of a day's SQL time; binding and planning are redone at every run."""
        text, parsed = self.parsed_text.get(name, ("", []))
        if text != sql:
            parsed = duckdb.extract_statements(sql)
            self.parsed_text[name] = (sql, parsed)
        return parsed

    def _same_as_kept(self, name: str, as_of: date) -> None:
        """verify_skips: the statement a day would skip was run all the same; its new table must
        hold exactly the rows of the one it replaced (kept aside under another name)."""
        built = self.builds[name]
        kept = built.removesuffix('"') + '__kept"'
        (differ,) = self.con.execute(
            f"select count(*) from ((select * from {built} except all select * from {kept}) "  # noqa: S608 - the plan's relations
            f"union all (select * from {kept} except all select * from {built}))"
        ).fetchone()
        self.con.execute(f"drop table {kept}")
        if differ:
            raise RuntimeError(
                f"backtest: {name} on {as_of} differs in {differ} rows from the table its "
                "unchanged inputs were to leave standing: skipping it would change the results"
            )

    def _inputs(self, sql: str, as_of: date, run_at: str) -> tuple[str, tuple] | None:
        """What a statement's result depends on besides the relations it reads: its filled text
        and the landing files it reads (each directory named in it: names, sizes, times); None
        when it calls a volatile function. A glob never equals a file name, so the run time in a
        read_landing `case filename when <glob> then <landing time>` branch is left out: it applies
        to no row (the per-file landing times dbt compiles in are null in the backtest)."""
        if VOLATILE.search(sql):
            return None
        for table in (*LANDING_TABLES, EVENTS_TABLE):
            sql = sql.replace(
                f"when __FILES_{table}__ then cast('{RUN_AT_TOKEN}' as timestamp)",
                f"when __FILES_{table}__ then null",
            )
        text = self._fill(sql, as_of, run_at)
        root = re.escape(str(self.landing_dir))
        folders = sorted(set(re.findall(root + r"/([^/'\s]+)", text)))
        return text, tuple((folder, _listing(self.landing_dir / folder)) for folder in folders)

    def _fill(self, sql: str, as_of: date, run_at: str) -> str:
        if "__" not in sql:
            return sql
        sql = sql.replace(AS_OF_TOKEN, as_of.isoformat()).replace(RUN_AT_TOKEN, run_at)
        sql = sql.replace(compiled_sql.LANDING_TOKEN, str(self.landing_dir))
        sql = sql.replace(compiled_sql.PROJECT_TOKEN, str(self.project_dir))
        sql = sql.replace(
            "__WORLD_CASH__",
            f"read_parquet({_quote(str(self.landing_dir / 'world_cash' / '*.parquet'))})",
        )
        for table in (*LANDING_TABLES, EVENTS_TABLE):
            sql = sql.replace(
                f"__FILES_{table}__", _quote(str(self.landing_dir / table / "*.parquet"))
            )
        return sql

    def rows(self, sql: str, params: list | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def decisions(self) -> list[dict[str, Any]]:
        """Every fct_decisions row, `inputs` parsed, each open decision with its `lines` (as
        stockops.warehouse.read_decisions with_lines); each line also carries its signal's own
        `inputs` (int_decision_signals), which a batch's or a proposal's inputs summarise away
        but the world needs to carry a line out (a transfer's source, a markdown's percentage)."""
        return attach_lines(
            self.rows("select * from marts.fct_decisions order by decision_id"),
            self.rows(
                "select lines.decision_id, lines.line_no, lines.signal_type, lines.subject_key, "
                "lines.sku_id, lines.location_id, lines.supplier_id, lines.qty, lines.value, "
                "signals.inputs from marts.fct_decision_lines as lines "
                "left join intermediate.int_decision_signals as signals "
                "on signals.signal_id = lines.signal_id "
                "where lines.is_open order by lines.decision_id, lines.line_no"
            ),
        )


def _listing(folder: Path) -> tuple[tuple[str, int, int], ...]:
    if not folder.is_dir():
        return ()
    return tuple(
        sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(folder))
    )


def _quote(text: str) -> str:
    return compiled_sql.sql_literal(text)


__all__ = ["DecisionRun", "Plan", "build_plan"]
