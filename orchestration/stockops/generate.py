"""Deterministic sample landing data (docs/landing-contract.md), generated inside one in-memory DuckDB.

All heavy work is SQL (the files of stockops/generate_sql/); Python only sets the parameters, runs
the phases in order and writes the files. Every random draw is a hash of (seed, purpose tag, entity
ids, day) mapped to [0, 1), so the same arguments give identical tables regardless of thread
scheduling, and another seed gives other data.

The model, in short:

* SKU popularity is Pareto-distributed over a hashed popularity rank (ABC classes emerge); store
  demand has a weekly and a per-category seasonal shape, slow movers are intermittent, new SKUs
  launch late in the history and phase-out SKUs decline. Not every store carries every SKU.
* Replenishment is "perfect foresight" periodic review: each location × SKU is reviewed weekly on
  its location's delivery weekday; the cumulative receipts up to cycle k are the cumulative outflow
  up to the end of cycle k plus a safety stock, rounded up to the lot size. Receipts arrive before
  the cycle starts, so on-hand never drops below the safety stock (never negative) in normal
  operation. Stores are fed by DC -> store transfers (or directly by suppliers for direct-store-
  delivery SKUs); DCs and the plant buy from suppliers; the plant consumes the inputs of the
  constraint in proportion to the constraint's running hours.
* Supplier lateness only moves the promised date (arrivals are fixed by the replenishment plan),
  so lead-time noise never creates accidental stockouts.
* Named scenarios (scenarios.json) are injected on purpose-chosen SKU × location pairs; where a
  scenario really runs out of stock, sales are clipped to on-hand with a reflected running sum.
  Their key figures are read back from the generated tables and checked before anything is
  written.

Determinism holds for a given DuckDB version (its hash function is not a stable format).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from stockops.settings import EVENTS_TABLE, LANDING_TABLES

# Measured on 2 cores (seed 42): tiny ~3k transactions in <1 s, small ~260k in ~2 s,
# medium ~1.2M in ~6 s, large ~9.8M in ~35-45 s (peak RSS ~3.4 GB).
SCALES: dict[str, dict] = {
    "tiny": {"skus": 40, "locations": 4, "days": 120},
    "small": {"skus": 1000, "locations": 10, "days": 365},
    "medium": {"skus": 3000, "locations": 20, "days": 365},
    "large": {"skus": 20000, "locations": 50, "days": 365},
}

SCENARIOS_FILE = "scenarios.json"
MIN_SKUS, MIN_LOCATIONS, MIN_DAYS = 20, 4, 60
MAX_DAYS = 3660
# SKU x location x day cells above which generation works in a scratch DuckDB file, not in memory
IN_MEMORY_PAIR_DAYS = 1_000_000_000
MAX_SKUS, MAX_LOCATIONS = 99_999, 99  # ids are SKU-00001 and LOC-01
AGED_RECEIPT_DAYS = 420  # the aged SKU's only receipt is this many days before end_date
LATE_WINDOW_DAYS = 45  # the unreliable supplier delivers late in this many final days


# ------------------------------------------------------------------------------------ SQL phases
# The SQL lives in stockops/generate_sql/: one file per phase, run in the order of `generate`, and
# one `figure_<name>.sql` per scenario figure read back from the generated tables.
@cache
def _sql(name: str) -> str:
    """The text of stockops/generate_sql/<name>.sql (shipped as package data)."""
    return resources.files("stockops").joinpath("generate_sql", f"{name}.sql").read_text()


# ----------------------------------------------------------------------------------------- API
def generate(
    out_dir: Path,
    *,
    skus: int,
    locations: int,
    days: int,
    seed: int = 42,
    end_date: dt.date = dt.date(2026, 10, 31),
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the ten landing tables as Parquet plus scenarios.json into ``out_dir``.

    Returns a summary: ``row_counts`` per table, ``scenarios``, ``seconds`` and the arguments.
    Raises ValueError for invalid arguments or when ``out_dir`` already holds landing files.
    """
    started = time.monotonic()
    _validate(skus=skus, locations=locations, days=days, seed=seed, end_date=end_date)
    out_dir = Path(out_dir)
    _refuse_existing(out_dir)
    say = progress or (lambda _msg: None)

    start_date = end_date - dt.timedelta(days=days - 1)
    n_dc = 2 if locations >= 5 else 1
    variables = {
        "seed": seed,
        "n_skus": skus,
        "n_locs": locations,
        "n_days": days,
        "n_dc": n_dc,
        "n_stores": locations - n_dc - 1,
        "n_sup": max(5, min(80, skus // 250)),
        "s1": n_dc + 1,
        "s2": n_dc + 2,
        # Pareto popularity, scaled so that small catalogues still sell a few units a day.
        "lam_scale": 0.011 * (20000 / skus) ** 0.5,
        "aged_days": AGED_RECEIPT_DAYS,
        "late_window": LATE_WINDOW_DAYS,
        "start_us": int(
            (dt.datetime.combine(start_date, dt.time()) - dt.datetime(1970, 1, 1)).total_seconds()
        )
        * 1_000_000,
    }
    # Up to ~10M transactions the working tables fit in memory (3.2 GB at 10M); beyond that they
    # live in a scratch DuckDB file beside the output, so DuckDB can spill instead of running out.
    scratch = None
    if skus * locations * days > IN_MEMORY_PAIR_DAYS:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".generate-scratch-", dir=out_dir.parent))
        say(f"working in a scratch database {scratch} (removed at the end)")
        con = duckdb.connect(
            str(scratch / "generate.duckdb"),
            config={"memory_limit": "50%", "temp_directory": str(scratch / "spill")},
        )
    else:
        con = duckdb.connect()
    try:
        for name, value in variables.items():
            con.execute(f"SET VARIABLE {name} = {value!r}")
        con.execute(f"SET VARIABLE start_date = DATE '{start_date.isoformat()}'")
        con.execute(f"SET VARIABLE end_date = DATE '{end_date.isoformat()}'")
        con.execute(_sql("macros"))

        say(f"products, suppliers and {locations} locations")
        con.execute(_sql("master_data"))
        say(f"store demand: {skus} SKUs x {variables['n_stores']} stores x {days} days")
        con.execute(_sql("store_demand"))
        say("store replenishment (DC transfers and direct deliveries)")
        con.execute(_sql("store_plan"))
        con.execute(_sql("sizing"))
        con.execute(_sql("store_finish"))
        say("DC replenishment")
        con.execute(_sql("dc_plan"))
        con.execute(_sql("sizing"))
        con.execute("CREATE TABLE din AS SELECT * FROM lvl_in")
        say("plant consumption and constraint runs")
        con.execute(_sql("plant_plan"))
        con.execute(_sql("sizing"))
        say("purchase orders and receipts")
        con.execute(_sql("purchasing"))
        say("assembling the transaction ledger")
        con.execute(_sql("assemble"))

        say("reading back the scenarios")
        scenarios = _scenarios(con, seed=seed, end_date=end_date, n_sup=variables["n_sup"])
        say(f"writing Parquet to {out_dir}")
        row_counts = _write(con, out_dir)
        (out_dir / SCENARIOS_FILE).write_text(
            json.dumps(
                {"seed": seed, "end_date": end_date.isoformat(), "scenarios": scenarios}, indent=2
            )
            + "\n"
        )
    finally:
        con.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    seconds = round(time.monotonic() - started, 2)
    say(f"done: {row_counts['inventory_transactions']:,} transactions in {seconds:.1f}s")
    return {
        "out_dir": str(out_dir),
        "seed": seed,
        "skus": skus,
        "locations": locations,
        "days": days,
        "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat(),
        "row_counts": row_counts,
        "scenarios": scenarios,
        "seconds": seconds,
    }


# ------------------------------------------------------------------------------------- helpers
def _validate(*, skus: int, locations: int, days: int, seed: int, end_date: dt.date) -> None:
    for name, value in (("skus", skus), ("locations", locations), ("days", days)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not isinstance(end_date, dt.date) or isinstance(end_date, dt.datetime):
        raise ValueError(f"end_date must be a datetime.date, got {end_date!r}")
    if not MIN_SKUS <= skus <= MAX_SKUS:
        raise ValueError(
            f"skus must be between {MIN_SKUS} and {MAX_SKUS:,} (the scenarios need {MIN_SKUS} "
            f"distinct SKUs), got {skus}"
        )
    if not MIN_LOCATIONS <= locations <= MAX_LOCATIONS:
        raise ValueError(
            f"locations must be between {MIN_LOCATIONS} and {MAX_LOCATIONS} (a DC, two stores "
            f"for the excess/short transfer scenario, and a plant), got {locations}"
        )
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(
            f"days must be between {MIN_DAYS} (a usable demand history) and {MAX_DAYS}, got {days}"
        )


def _refuse_existing(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir} exists and is not a directory")
    found = [
        path
        for table in (*LANDING_TABLES, EVENTS_TABLE)
        if (out_dir / table).is_dir()
        for path in (out_dir / table).iterdir()
        if path.is_file()
    ]
    if (out_dir / SCENARIOS_FILE).exists():
        found.append(out_dir / SCENARIOS_FILE)
    if found:
        raise ValueError(
            f"refusing to write sample data into {out_dir}: it already contains landing files "
            f"(e.g. {found[0]}); landed files are immutable, choose an empty directory"
        )


def _write(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    counts = {}
    for table in LANDING_TABLES:
        target = out_dir / table / "part-00000.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        path = str(target).replace("'", "''")
        con.execute(f"COPY {table} TO '{path}' (FORMAT parquet)")
        source = "tx" if table == "inventory_transactions" else table
        counts[table] = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]  # noqa: S608
    return counts


def _scenarios(
    con: duckdb.DuckDBPyConnection, *, seed: int, end_date: dt.date, n_sup: int
) -> list[dict]:
    def one(name: str) -> tuple:
        return con.execute(_sql(f"figure_{name}")).fetchone()

    def rows(name: str) -> list[tuple]:
        return con.execute(_sql(f"figure_{name}")).fetchall()

    pairs = {scen: (sku, loc, oh, demand) for scen, sku, loc, oh, demand in rows("pair_on_hand")}
    sku_ids, late = one("unreliable_supplier")
    aged_sku, aged_loc, aged_date, aged_qty, aged_moves = one("aged_stock")
    red_sku, red_loc, red_oh, red_daily, starved_days, starved_hours = one("constraint_red_zone")
    ((shrink_sku, shrink_loc, shrink_n, shrink_qty),) = rows("shrinkage")
    stockout_days, negative_days = one("stockout_days")
    before, after = one("demand_shift")
    excess, short = pairs["excess"], pairs["short"]

    scenarios = [
        {
            "name": "Unreliable supplier loses volume to its backup",
            "kind": "unreliable_supplier",
            "supplier_id": f"SUP-{n_sup:03d}",
            "backup_supplier_id": "SUP-001",
            "sku_ids": sku_ids,
            "late_deliveries": late,
            "window_days": 90,
            "late_since": (end_date - dt.timedelta(days=LATE_WINDOW_DAYS - 1)).isoformat(),
        },
        {
            "name": "Phase-out stock received over a year ago, never sold",
            "kind": "aged_stock",
            "sku_id": aged_sku,
            "location_id": aged_loc,
            "oldest_receipt_date": aged_date.isoformat(),
            "age_days": (end_date - aged_date).days,
            "on_hand_qty": aged_qty,
        },
        {
            "name": "Constraint input in the red zone, constraint starved",
            "kind": "constraint_red_zone",
            "constraint_id": "CON-01",
            "sku_id": red_sku,
            "location_id": red_loc,
            "on_hand_qty": red_oh,
            "avg_daily_consumption": round(red_daily, 2),
            "starved_days": starved_days,
            "starved_hours": starved_hours,
        },
        {
            "name": "Repeated unexplained shrinkage",
            "kind": "shrinkage",
            "sku_id": shrink_sku,
            "location_id": shrink_loc,
            "adjustment_count": shrink_n,
            "total_qty": shrink_qty,
            "window_days": 60,
        },
        {
            "name": "Stockout-prone store SKU, out of stock at the end",
            "kind": "stockout_prone",
            "sku_id": pairs["stockout"][0],
            "location_id": pairs["stockout"][1],
            "stockout_days": stockout_days,
            "on_hand_qty": pairs["stockout"][2],
        },
        {
            "name": "Excess at one store, shortage at another",
            "kind": "excess_transfer",
            "sku_id": excess[0],
            "excess_location_id": excess[1],
            "short_location_id": short[1],
            "excess_on_hand_qty": excess[2],
            "short_on_hand_qty": short[2],
            "excess_days_of_cover": round(excess[2] / excess[3], 1),
        },
        {
            "name": "Ledger implies negative stock (missing receipt)",
            "kind": "negative_on_hand",
            "sku_id": pairs["negative"][0],
            "location_id": pairs["negative"][1],
            "on_hand_qty": pairs["negative"][2],
        },
        {
            "name": "Demand tripled in the last 14 days",
            "kind": "demand_shift",
            "sku_id": pairs["shift"][0],
            "location_id": pairs["shift"][1],
            "baseline_daily_demand": round(before, 2),
            "recent_daily_demand": round(after, 2),
            "window_days": 14,
        },
    ]
    problems = [
        msg
        for ok, msg in (
            (late >= 3, f"only {late} late deliveries"),
            (aged_moves == 0 and aged_qty > 0, "aged stock moved"),
            (red_oh < red_daily and starved_days > 0, "constraint input not in the red zone"),
            (shrink_n >= 3, "too few shrinkage adjustments"),
            (pairs["stockout"][2] == 0 and stockout_days >= 2, "stockout pair not out of stock"),
            (negative_days == 0, "stockout pair went negative"),
            (pairs["negative"][2] < 0, "negative_on_hand pair is not negative"),
        )
        if not ok
    ]
    if problems:  # a generator bug, never bad input: fail loudly rather than write a lie
        raise RuntimeError(f"scenario check failed (seed {seed}): {'; '.join(problems)}")
    return scenarios
