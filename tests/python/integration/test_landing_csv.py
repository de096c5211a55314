"""CSV files as ERP exports really are: read with the columns of their own header, never with a
guessed dialect. What works stays working (BOM, CRLF, `;` tab `|` delimiters, quoted delimiters,
quotes and line breaks, extra columns, a landing path with spaces and quotes); a ragged row, a row
that is not UTF-8 or an unterminated quote is quarantined with the reason and its row number; an
empty file is skipped with a warning. One real `dbt build` of the staging layer.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from stockops import landing

from support import dbt_build

pytestmark = pytest.mark.slow

TXN_HEADER = (
    "txn_id,occurred_at,sku_id,location_id,txn_type,quantity,unit_cost,reference_id,reason_code"
)


def write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def odd_landing(root: Path) -> Path:
    lnd = root / 'land ing\'s "odd" dir'
    # BOM, CRLF, semicolons, a quoted field holding the delimiter, doubled quotes and a line break
    write(
        lnd / "locations" / "locations 2026's.csv",
        "\ufefflocation_id;location_name;location_type\r\n"
        'L1;"North; ""main""\r\nDC";dc\r\n'
        "L2;South;store\r\n",
    )
    # tab-delimited, quoted header names, an extra column, UTF-8 text
    write(
        lnd / "products" / "products.csv",
        '"sku_id"\t"sku_name"\t"category_id"\t"unit_cost"\t"unit_price"\t"lifecycle_status"\terp_note\n'
        "S1\tCafé crème\tCAT-01\t1.50\t2.00\tactive\tx\n"
        "S2\tTea\tCAT-01\t1.00\t2.00\tactive\t\n",
    )
    write(lnd / "products" / ".products-2.csv.partial.csv", "not, a, landed, file\n\x00\x01")
    write(
        lnd / "products" / "products-header-only.csv",
        "sku_id,sku_name,category_id,unit_cost,unit_price,lifecycle_status\n",
    )
    # pipe-delimited; and an empty file
    write(lnd / "suppliers" / "suppliers.csv", "supplier_id|supplier_name\nSUP-1|Acme, Inc.\n")
    write(lnd / "suppliers" / "empty.csv", b"")
    rows = [
        b"T1,2026-01-05 10:00:00,S1,L1,receipt,10,1.5,,",  # row 1: fine
        b"T2,2026-01-05 11:00:00,S1,L1,sale,-1,1.5,,,extra",  # row 2: one field too many
        b"T3,2026-01-05 12:00:00,S1,L1,sale",  # row 3: fields missing
        b"T4,2026-01-05 13:00:00,S1,L1,sale,-1,1.5,,caf\xe9",  # row 4: Latin-1, not UTF-8
        b"T5,2026-01-05 14:00:00,S2,L2,receipt,3,1.0,,",  # row 5: fine, after the bad ones
        b"   ",  # a line of blanks is no row
        b'T6,2026-01-05 15:00:00,S1,L1,adjustment,2,1.5,,"no closing quote',  # row 7
        b"T7,2026-01-05 16:00:00,S1,L1,sale,-1,1.5,,",  # swallowed by row 7's open quote
    ]
    write(
        lnd / "inventory_transactions" / "txns.csv",
        TXN_HEADER.encode() + b"\n" + b"\n".join(rows) + b"\n",
    )
    return lnd


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("odd_csv")
    lnd = odd_landing(root)
    output = dbt_build(lnd, root / "warehouse", root, "--select", "path:models/staging")
    return lnd, root / "warehouse" / "stockops.duckdb", output


def query(duckdb_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_dialects_quotes_and_line_breaks_are_read(odd) -> None:
    _, duckdb_path, _ = odd
    locations = query(
        duckdb_path,
        "select location_id, location_name, location_type from staging.stg_landing__locations"
        " order by 1",
    )
    assert [(i, n.replace("\r\n", "\n"), t) for i, n, t in locations] == [
        ("L1", 'North; "main"\nDC', "dc"),
        ("L2", "South", "store"),
    ]
    assert query(
        duckdb_path, "select sku_id, sku_name from staging.stg_landing__products order by 1"
    ) == [("S1", "Café crème"), ("S2", "Tea")]
    assert query(
        duckdb_path, "select * exclude (_source_file) from staging.stg_landing__suppliers"
    ) == [("SUP-1", "Acme, Inc.")]


def test_malformed_rows_are_quarantined_with_reason_and_row(odd) -> None:
    lnd, duckdb_path, _ = odd
    quarantined = query(
        duckdb_path,
        "select _source_row, record_key, quarantine_reason, _source_file"
        " from staging.stg_landing__quarantine where landing_table = 'inventory_transactions'"
        " order by 1",
    )
    assert {row[3] for row in quarantined} == {str(lnd / "inventory_transactions" / "txns.csv")}
    assert [row[:3] for row in quarantined] == [
        (2, "T2", "malformed CSV row: more fields than the header's 9"),
        (3, "T3", "malformed CSV row: fewer fields than the header's 9"),
        (4, None, "unreadable CSV row (line 5): not valid UTF-8 text; save the file as UTF-8"),
        (
            7,
            "T6",
            "malformed CSV row: a quoted field runs over several lines and holds what look like "
            "further rows (is a closing quote missing?)",
        ),
    ]
    accepted = query(
        duckdb_path,
        "select t.txn_id, b._source_row from staging.stg_landing__inventory_transactions t"
        " join staging.base_landing__inventory_transactions b using (txn_id) order by 1",
    )
    assert accepted == [("T1", 1), ("T5", 5)]  # row numbers survive the unreadable row 4


def test_empty_files_are_skipped_with_a_warning(odd) -> None:
    lnd, duckdb_path, output = odd
    assert f"skipped empty landing file '{lnd / 'suppliers' / 'empty.csv'}'" in output
    files = {
        Path(f).name
        for (f,) in query(
            duckdb_path,
            "select distinct _source_file from staging.base_landing__products"
            " union all select distinct _source_file from staging.base_landing__suppliers",
        )
    }
    # hidden and empty files are not read; the header-only file is read and has no rows
    assert files == {"products.csv", "suppliers.csv"}


def test_preflight_reads_headers_the_way_dbt_does(odd) -> None:
    lnd, _, _ = odd
    report = landing.check_landing(lnd)
    assert report.problems == []
    assert report.warnings == [
        f"products: {lnd / 'products' / 'products-header-only.csv'} has a header but no rows",
        f"suppliers: {lnd / 'suppliers' / 'empty.csv'} is empty (0 bytes): skipped",
    ]
    assert landing.csv_header("\ufeffa;txn_id;quantity\r", ("txn_id", "quantity")) == (
        ";",
        ["a", "txn_id", "quantity"],
    )
