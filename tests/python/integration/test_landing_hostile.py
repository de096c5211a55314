"""Hostile values never fail the build: non-finite and out-of-range numbers, future-dated facts,
out-of-range dates — as CSV text and as Parquet floats — are quarantined with a reason, the whole
dbt project builds, and the as-of date stays at the real data. And a poison row that an older
stockops let into the incremental ledger is kept out on the next run, without --full-refresh.

One real `dbt build` of the whole project on the tiny data set plus hostile files, then one
incremental build of the staging layer and the models that used to die on such rows.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from support import dbt_build

pytestmark = pytest.mark.slow

TXN_HEADER = (
    "txn_id,occurred_at,sku_id,location_id,txn_type,quantity,unit_cost,reference_id,reason_code\n"
)
OK_TIME = "2026-10-30 10:00:00"

# txn_id -> (quantity, unit_cost, occurred_at) of a sale/receipt of SKU-00001 at LOC-01, and the
# quarantine reason expected (None: accepted)
TRANSACTIONS_CSV = {
    "H-NAN": ("NaN", "1.0", OK_TIME, "non-finite quantity: 'NaN'"),
    "H-INF": ("inf", "1.0", OK_TIME, "non-finite quantity: 'inf'"),
    "H-NEG-INF": ("-Infinity", "1.0", OK_TIME, "non-finite quantity: '-Infinity'"),
    "H-1E308": ("1e308", "1.0", OK_TIME, "out-of-range quantity: '1e308'"),
    "H-1E999": ("1e999", "1.0", OK_TIME, "non-finite quantity: '1e999'"),
    "H-1E12": ("1e12", "1.0", OK_TIME, "out-of-range quantity: '1e12'"),
    "H-TINY": ("1e-300", "1.0", OK_TIME, "out-of-range quantity: '1e-300'"),
    "H-COST-NAN": ("5", "nan", OK_TIME, "non-finite unit_cost: 'nan'"),
    "H-COST-BIG": ("5", "1e300", OK_TIME, "out-of-range unit_cost: '1e300'"),
    "H-2099": (
        "5",
        "1.0",
        "2099-12-31 00:00:00",
        "future_timestamp: occurred_at '2099-12-31 00:00:00'",
    ),
    "H-YEAR-1": (
        "5",
        "1.0",
        "0001-01-01 00:00:00",
        "out-of-range occurred_at: '0001-01-01 00:00:00'",
    ),
    "H-INFINITY-TS": ("5", "1.0", "infinity", "out-of-range occurred_at: 'infinity'"),
    # the largest values the warehouse holds: accepted, and the build still passes
    "H-MAX-QTY": ("999999999999", "999999999999999", OK_TIME, None),
    "H-MIN-QTY": ("0.000001", "1.0", OK_TIME, None),
}
# the same kinds of values as Parquet floats and timestamps
TRANSACTIONS_PARQUET = {
    "P-NAN": ("'nan'::double", "1.0", OK_TIME, "non-finite quantity: 'nan'"),
    "P-INF": ("'inf'::double", "1.0", OK_TIME, "non-finite quantity: 'inf'"),
    "P-COST-NEG-INF": ("5.0", "'-inf'::double", OK_TIME, "non-finite unit_cost: '-inf'"),
    "P-1E308": ("1e308", "1.0", OK_TIME, "out-of-range quantity: '1e+308'"),
    "P-2099": (
        "5.0",
        "1.0",
        "2099-12-31 00:00:00",
        "future_timestamp: occurred_at '2099-12-31 00:00:00'",
    ),
}
OTHER_TABLES = {
    "products": (
        "sku_id,sku_name,category_id,unit_cost,unit_price,lifecycle_status\n"
        "SKU-90001,a,CAT-01,NaN,1,active\nSKU-90002,b,CAT-01,1,inf,active\n"
        "SKU-90003,c,CAT-01,1e300,1,active\n",
        {
            "SKU-90001": "non-finite unit_cost: 'NaN'",
            "SKU-90002": "non-finite unit_price: 'inf'",
            "SKU-90003": "out-of-range unit_cost: '1e300'",
        },
    ),
    "supplier_products": (
        "supplier_id,sku_id,priority,quoted_lead_time_days,moq,order_multiple,unit_cost\n"
        "SUP-001,SKU-00002,9,1000000000,1,1,1\nSUP-001,SKU-00003,9,5,nan,1,1\n"
        "SUP-001,SKU-00004,inf,5,1,1,1\n",
        {
            "SUP-001|SKU-00002": "out-of-range quoted_lead_time_days: '1000000000'",
            "SUP-001|SKU-00003": "non-finite moq: 'nan'",
            "SUP-001|SKU-00004": "out-of-range priority: 'inf'",
        },
    ),
    "purchase_order_lines": (
        "po_line_id,po_id,supplier_id,sku_id,location_id,ordered_qty,unit_cost,ordered_at,"
        "promised_date,status\n"
        "HPO-1,HP,SUP-001,SKU-00001,LOC-01,NaN,1,2026-10-01 00:00:00,2026-11-30,open\n"
        "HPO-2,HP,SUP-001,SKU-00001,LOC-01,5,1,2099-01-01 00:00:00,2099-02-01,open\n"
        "HPO-3,HP,SUP-001,SKU-00001,LOC-01,5,1,2026-10-01 00:00:00,99999-01-01,open\n"
        "HPO-4,HP,SUP-001,SKU-00001,LOC-01,5,1,2026-10-01 00:00:00,2099-06-01,open\n",
        {
            "HPO-1": "non-finite ordered_qty: 'NaN'",
            "HPO-2": "future_timestamp: ordered_at '2099-01-01 00:00:00'",
            "HPO-3": "out-of-range promised_date: '99999-01-01'",
            # HPO-4: a promised date far ahead is a promise, not a fact: accepted
        },
    ),
    "cash_positions": (
        "as_of_date,available_cash\n2026-10-29,NaN\n2099-01-01,5\n2026-10-28,1e300\n",
        {
            "2026-10-29": "non-finite available_cash: 'NaN'",
            "2099-01-01": "future_timestamp: as_of_date '2099-01-01'",
            "2026-10-28": "out-of-range available_cash: '1e300'",
        },
    ),
    "constraint_runs": (
        "constraint_id,started_at,ended_at,state,starved_by_sku_id\n"
        "CON-01,2026-10-31 23:00:00,2099-01-01 00:00:00,running,\n"
        "CON-01,2099-01-01 00:00:00,,running,\n",
        {
            "CON-01|2026-10-31 23:00:00": "future_timestamp: ended_at '2099-01-01 00:00:00'",
            "CON-01|2099-01-01 00:00:00": "future_timestamp: started_at '2099-01-01 00:00:00'",
        },
    ),
    "constraint_resources": (
        "constraint_id,constraint_name,location_id,capacity_hours_per_day,owner_id\n"
        "CON-77,x,LOC-01,NaN,plant.manager\n",
        {"CON-77": "non-finite capacity_hours_per_day: 'NaN'"},
    ),
    "constraint_inputs": (
        "constraint_id,sku_id,qty_per_run_hour\nCON-01,SKU-00009,-inf\n",
        {"CON-01|SKU-00009": "non-finite qty_per_run_hour: '-inf'"},
    ),
    "decision_events": (
        "event_id,decision_id,decision_version,event_type,actor_id,occurred_at,reason\n"
        "HE-1,d1,1,acknowledged,buyer.ana,2099-01-01 00:00:00,\n"
        "HE-2,d1,1e10,acknowledged,buyer.ana,2026-10-01 00:00:00,\n",
        {
            "HE-1": "future_timestamp: occurred_at '2099-01-01 00:00:00'",
            "HE-2": "out-of-range decision_version: '1e10'",
        },
    ),
}


def land_hostile_files(landing: Path) -> None:
    rows = [
        f"{txn_id},{when},SKU-00001,LOC-01,{'sale' if qty.startswith('-') else 'receipt'},{qty},{cost},,"
        for txn_id, (qty, cost, when, _) in TRANSACTIONS_CSV.items()
    ]
    folder = landing / "inventory_transactions"
    (folder / "z-hostile.csv").write_text(TXN_HEADER + "\n".join(rows) + "\n")
    values = ", ".join(
        f"('{txn_id}', timestamp '{when}', 'SKU-00002', 'LOC-01', "
        f"'{'sale' if qty.startswith('-') else 'receipt'}', {qty}, {cost})"
        for txn_id, (qty, cost, when, _) in TRANSACTIONS_PARQUET.items()
    )
    with duckdb.connect() as con:
        con.execute(
            f"copy (select *, null::varchar as reference_id, null::varchar as reason_code from "
            f"(values {values}) t(txn_id, occurred_at, sku_id, location_id, txn_type, quantity, "
            f"unit_cost)) to '{folder / 'z-hostile.parquet'}' (format parquet)"
        )
    for table, (text, _) in OTHER_TABLES.items():
        (landing / table).mkdir(exist_ok=True)
        (landing / table / "z-hostile.csv").write_text(text)


def expected_reasons() -> dict[tuple[str, str], str]:
    expected = {
        ("inventory_transactions", txn_id): reason
        for txn_id, (*_, reason) in {**TRANSACTIONS_CSV, **TRANSACTIONS_PARQUET}.items()
        if reason
    }
    for table, (_, reasons) in OTHER_TABLES.items():
        expected.update({(table, key): reason for key, reason in reasons.items()})
    return expected


def query(duckdb_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def hostile(tiny_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("hostile")
    landing, warehouse = root / "landing", root / "warehouse"
    shutil.copytree(tiny_landing, landing)
    land_hostile_files(landing)
    dbt_build(landing, warehouse, root / "build1")  # fails the test unless every node passes
    return landing, warehouse / "stockops.duckdb"


def test_every_hostile_row_is_quarantined_with_its_reason(hostile) -> None:
    _, duckdb_path = hostile
    quarantined = {
        (table, key): reason
        for table, key, reason in query(
            duckdb_path,
            "select landing_table, record_key, quarantine_reason from staging.stg_landing__quarantine"
            " where _source_file like '%z-hostile%'",
        )
    }
    expected = expected_reasons()
    assert set(quarantined) == set(expected)
    for key, reason in expected.items():
        assert quarantined[key].startswith(reason), (key, quarantined[key])
    counts = dict(
        query(
            duckdb_path,
            "select split_part(quarantine_reason, ' ', 1), count(*) from staging.stg_landing__quarantine"
            " where _source_file like '%z-hostile%' group by all",
        )
    )
    print(f"hostile rows quarantined per reason: {counts}")


def test_largest_usable_values_are_accepted(hostile) -> None:
    _, duckdb_path = hostile
    accepted = query(
        duckdb_path,
        "select txn_id, quantity, unit_cost from staging.stg_landing__inventory_transactions"
        " where txn_id like 'H-%' order by txn_id",
    )
    assert accepted == [("H-MAX-QTY", 999999999999.0, 999999999999999.0), ("H-MIN-QTY", 1e-06, 1.0)]
    [(layers,)] = query(
        duckdb_path,
        "select count(*) from intermediate.int_inventory_layers where sku_id = 'SKU-00001'",
    )
    assert layers > 0


def test_future_rows_do_not_move_the_as_of_date(hostile) -> None:
    _, duckdb_path = hostile
    [(as_of, latest)] = query(
        duckdb_path, "select as_of_date, latest_occurred_at from intermediate.int_run_context"
    )
    assert as_of == date(2026, 10, 31)  # the tiny set's last day, not 2099
    assert latest < datetime(2026, 11, 1)
    assert as_of <= datetime.now(UTC).date()


def test_poison_rows_already_in_the_ledger_need_no_full_refresh(hostile, tmp_path: Path) -> None:
    """Rows an older, weaker stockops accepted into the incremental base (NaN, inf, 2099) are
    kept out of the marts on the next incremental run, and that run passes."""
    landing, duckdb_path = hostile
    with duckdb.connect(str(duckdb_path)) as con:
        con.execute(
            """
            insert into staging.base_landing__inventory_transactions
            select txn_id, occurred_at, 'SKU-00001', 'LOC-01', txn_type, quantity, unit_cost,
                   null, null, '/landed/before/the/upgrade.csv', row_number() over (), null, null
            from (values
                ('OLD-NAN', timestamp '2026-10-30 10:00:00', 'sale', 'nan'::double, 1.0),
                ('OLD-INF', timestamp '2026-10-30 10:00:00', 'receipt', 'inf'::double, 1.0),
                ('OLD-COST', timestamp '2026-10-30 10:00:00', 'receipt', 5.0, 'inf'::double),
                ('OLD-2099', timestamp '2099-12-31 10:00:00', 'sale', -1.0, 1.0)
            ) t(txn_id, occurred_at, txn_type, quantity, unit_cost)
            """
        )
    # the models that died on such rows (the FIFO layers' DECIMAL cast, the as-of date), and the
    # staging layer with its tests; incremental, as every scheduled run is
    dbt_build(
        landing,
        duckdb_path.parent,
        tmp_path,
        "--select",
        "path:models/staging",
        "int_run_context",
        "int_inventory_layers",
    )
    reasons = dict(
        query(
            duckdb_path,
            "select record_key, quarantine_reason from staging.stg_landing__quarantine"
            " where record_key like 'OLD-%'",
        )
    )
    assert reasons == {
        "OLD-NAN": "non-finite quantity: 'nan'",
        "OLD-INF": "non-finite quantity: 'inf'",
        "OLD-COST": "non-finite unit_cost: 'inf'",
        "OLD-2099": reasons["OLD-2099"],
    }
    assert reasons["OLD-2099"].startswith("future_timestamp: occurred_at '2099-12-31 10:00:00'")
    assert query(duckdb_path, "select as_of_date from intermediate.int_run_context") == [
        (date(2026, 10, 31),)
    ]
