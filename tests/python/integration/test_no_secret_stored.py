"""Credentials are read from the environment when they are used and are never stored or printed.

A real `stockops run` delivers to a PostgreSQL queue (a role with a password in the DSN) and to a
webhook whose URL carries a user, a password, a path token and a query token, signed with a
webhook secret; then `stockops queue export` on the SQLite queue, and a run that fails on an
unreachable PostgreSQL. Every output, log and artifact (the run's dbt target folder, the
warehouse with its Dagster instance and logs, the published Parquet marts, the landed
decision_events) and every table (DuckDB, SQLite — the queue and Dagster's own — and PostgreSQL)
is then searched for each credential.
"""

from __future__ import annotations

import base64
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest

from stockops.queue.webhook import WebhookEndpoint, display_url, url_fingerprint

import webhook_receiver
from webhook_receiver import Receiver

pytestmark = pytest.mark.slow

STOCKOPS = Path(sys.executable).parent / "stockops"
PG_PASSWORD = "pg-Pa55word-3f9c1e"
URL_PASSWORD = "url-Pa55word-77a0d2"
PATH_TOKEN = "T0KEN1N-PATH-5b8e"
QUERY_TOKEN = "T0KEN1N-QUERY-c41d"
SIGNING_KEY = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
WEBHOOK_SECRET = f"whsec_{SIGNING_KEY}"
CREDENTIALS = (PG_PASSWORD, URL_PASSWORD, PATH_TOKEN, QUERY_TOKEN, WEBHOOK_SECRET, SIGNING_KEY)


def stockops(args: list[str], env: dict[str, str], outputs: list[str]) -> int:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKOPS_", "DAGSTER_"))}
    done = subprocess.run(
        [str(STOCKOPS), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    outputs += [done.stdout, done.stderr]
    return done.returncode


@pytest.fixture(scope="module")
def pg_role_dsn(pg_dsn: str) -> Iterator[str]:
    """A login role with a password, as teams connect; its DSN carries the password."""
    with psycopg.connect(pg_dsn, autocommit=True) as con:
        con.execute("drop role if exists stockops_secret_test")
        con.execute(f"create role stockops_secret_test login password '{PG_PASSWORD}'")
        con.execute("grant create on database postgres to stockops_secret_test")
    params = dict(part.split("=", 1) for part in pg_dsn.split())
    params.update(user="stockops_secret_test", password=PG_PASSWORD)
    yield " ".join(f"{k}={v}" for k, v in params.items())
    with psycopg.connect(pg_dsn, autocommit=True) as con:
        con.execute("drop schema if exists stockops_secret_test cascade")


@pytest.fixture(scope="module")
def everything(tiny_landing: Path, pg_role_dsn: str, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("secrets")
    landing, warehouse = root / "landing", root / "warehouse"
    shutil.copytree(tiny_landing, landing)
    outputs: list[str] = []
    with Receiver([WEBHOOK_SECRET], root / "receiver.sqlite") as rx:
        host = rx.url.split("://", 1)[1].rstrip("/")
        url = f"http://hook-user:{URL_PASSWORD}@{host}/hooks/{PATH_TOKEN}?token={QUERY_TOKEN}"
        env = {
            "STOCKOPS_WEBHOOK_URL": url,
            "STOCKOPS_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "DBT_TARGET_PATH": str(root / "target"),
            "TMPDIR": str(root),
        }
        pg = {
            "STOCKOPS_QUEUE_BACKEND": "postgres",
            "STOCKOPS_POSTGRES_DSN": pg_role_dsn,
            "STOCKOPS_POSTGRES_SCHEMA": "stockops_secret_test",
        }
        run = ["run", "--landing", str(landing), "--warehouse", str(warehouse)]
        assert stockops(run, {**env, **pg}, outputs) == 0, outputs[-1]
        # the same warehouse's decisions to the embedded SQLite queue and the webhook
        assert stockops(["queue", "export", "--warehouse", str(warehouse)], env, outputs) == 0
        # a failure with every credential set: its line and log
        unreachable = pg_role_dsn.replace(
            f"port={pg_role_dsn.split('port=')[1].split()[0]}", "port=9"
        )
        bad = {**env, **pg, "STOCKOPS_POSTGRES_DSN": unreachable}
        assert stockops(run, bad, outputs) == 2
        deliveries = webhook_receiver.request_rows(root / "receiver.sqlite")
    return root, url, pg_role_dsn, outputs, deliveries


def test_webhook_was_used_with_its_credentials(everything) -> None:
    _, _, _, _, deliveries = everything
    assert deliveries and all(d["verified"] == 1 for d in deliveries)


def test_channel_target_is_redacted_with_a_fingerprint(everything) -> None:
    root, url, dsn, _, _ = everything
    expected = f"{display_url(url)} (fingerprint {url_fingerprint(url)})"
    assert display_url(url).startswith("http://***@127.0.0.1:")
    with sqlite3.connect(root / "warehouse" / "queue.sqlite") as con:
        assert con.execute("select target from channels").fetchall() == [(expected,)]
    with psycopg.connect(dsn) as con:
        rows = con.execute("select target from stockops_secret_test.channels").fetchall()
    assert rows == [(expected,)]
    # any change to the URL, a token included, is a new target
    other = url.replace(QUERY_TOKEN, QUERY_TOKEN + "x")
    assert WebhookEndpoint(other, (WEBHOOK_SECRET,)).target != expected


def _database_text(path: Path) -> str:
    """Every row of every table of a DuckDB or SQLite file, as text."""
    chunks = []
    if path.suffix == ".duckdb":
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute(
                "select table_schema, table_name from information_schema.tables"
                " where table_type = 'BASE TABLE'"
            ).fetchall()
            for schema, table in tables:
                chunks.append(str(con.execute(f'select * from "{schema}"."{table}"').fetchall()))
        return "\n".join(chunks)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for (table,) in con.execute("select name from sqlite_master where type = 'table'"):
            chunks.append(str(con.execute(f'select * from "{table}"').fetchall()))
    finally:
        con.close()
    return "\n".join(chunks)


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def test_no_credential_in_any_output_file_or_table(everything) -> None:
    root, _, dsn, outputs, _ = everything
    searched: dict[str, str] = {f"output {n}": text for n, text in enumerate(outputs)}
    files = [
        p
        for p in root.rglob("*")
        if p.is_file() and p.name != "receiver.sqlite" and not p.name.startswith("receiver.sqlite")
    ]
    for path in files:
        try:  # SQLite's -wal and -shm files come and go as connections close
            searched[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            continue
    for path in files:
        if not path.exists():
            continue
        if path.suffix == ".duckdb":
            searched[f"{path} tables"] = _database_text(path)
        elif path.suffix == ".parquet":
            with duckdb.connect() as con:
                searched[f"{path} rows"] = str(
                    con.execute("select * from read_parquet(?)", [str(path)]).fetchall()
                )
        elif _is_sqlite(path):
            searched[f"{path} tables"] = _database_text(path)
    with psycopg.connect(dsn) as con:
        tables = con.execute(
            "select table_name from information_schema.tables"
            " where table_schema = 'stockops_secret_test'"
        ).fetchall()
        for (table,) in tables:
            rows = con.execute(f'select * from stockops_secret_test."{table}"').fetchall()
            searched[f"postgres {table}"] = str(rows)
    kinds = {Path(name.split(" ")[0]).suffix for name in searched}
    assert {".duckdb", ".parquet", ".db", ".sqlite", ".log", ".json"} <= kinds, kinds
    assert any("target" in name for name in searched) and any("logs" in name for name in searched)
    assert any("decision_events" in name for name in searched)
    leaks = [
        (name, secret)
        for name, text in searched.items()
        for secret in CREDENTIALS
        if secret in text
    ]
    print(f"searched {len(searched)} outputs, files and tables for {len(CREDENTIALS)} credentials")
    assert leaks == []
