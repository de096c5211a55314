"""A throwaway PostgreSQL server (tests, CI, trying the postgres engine): initdb into a temp dir,
start, stop, delete.

Uses the Debian `postgresql` binaries (found by STOCKOPS_PG_BINDIR, `pg_config --bindir`,
/usr/lib/postgresql/*/bin, or PATH). PostgreSQL refuses to run as root, so as root the server
runs as the `postgres` system user (created by the Debian package), via `runuser`.

    python -m stockops.engines.throwaway_postgres -- dbt build

runs a command with the STOCKOPS_PG_* variables of the dbt `postgres` target pointing at a fresh
server (database `stockops`), and deletes the server when the command ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates: list[Path] = []
    if os.environ.get("STOCKOPS_PG_BINDIR"):
        candidates.append(Path(os.environ["STOCKOPS_PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) found; install the Debian `postgresql` "
        "package or set STOCKOPS_PG_BINDIR or STOCKOPS_POSTGRES_DSN"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.bindir = find_bindir()
        # directly under the system temp dir: the server user must be able to reach it
        self.base = Path(tempfile.mkdtemp(prefix="stockops-pg-"))
        self.data = self.base / "data"
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.dsn = f"host=127.0.0.1 port={self.port} dbname=postgres user=postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)

    def start(self) -> ThrowawayPostgres:
        if self.user:
            shutil.chown(self.base, self.user)
            os.chmod(self.base, 0o700)
        out = self._run(
            self.bindir / "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        if out.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {out.stderr.strip()[-500:]}")
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} "
            "-c fsync=off -c max_connections=50"
        )
        out = self._run(
            self.bindir / "pg_ctl",
            "-D",
            self.data,
            "-o",
            opts,
            "-l",
            self.base / "log",
            "-w",
            "start",
        )
        if out.returncode != 0:
            log = (self.base / "log").read_text() if (self.base / "log").exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {out.stderr.strip()} {log[-500:]}")
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.dsn, connect_timeout=2).close()
                return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


def create_database(conninfo: str, name: str) -> str:
    """A new empty database on the server of `conninfo`, with binary ("C") collation so text sorts
    as on DuckDB and Spark; returns its connection string."""
    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute(
            sql.SQL("create database {} template template0 encoding 'UTF8' locale 'C'").format(
                sql.Identifier(name)
            )
        )
    return make_conninfo(conninfo, dbname=name)


def dbt_target_env(conninfo: str) -> dict[str, str]:
    """The STOCKOPS_PG_* variables that point the dbt `postgres` target (profiles.yml) at `conninfo`."""
    params = conninfo_to_dict(conninfo)
    return {
        "STOCKOPS_PG_HOST": str(params.get("host") or "localhost"),
        "STOCKOPS_PG_PORT": str(params.get("port") or "5432"),
        "STOCKOPS_PG_USER": str(params.get("user") or "postgres"),
        "STOCKOPS_PG_PASSWORD": str(params.get("password") or ""),
        "STOCKOPS_PG_DATABASE": str(params.get("dbname") or "postgres"),
        "STOCKOPS_PG_SSLMODE": str(params.get("sslmode") or "prefer"),
    }


def main(argv: list[str]) -> int:
    """Run a command against a fresh server with database `stockops`; its exit code is ours."""
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print("usage: python -m stockops.engines.throwaway_postgres -- COMMAND [ARGS...]")
        return 2
    try:
        server = ThrowawayPostgres().start()
    except PostgresUnavailable as exc:
        print(f"throwaway_postgres: {exc}", file=sys.stderr)
        return 1
    try:
        env = {**os.environ, **dbt_target_env(create_database(server.dsn, "stockops"))}
        print(
            f"throwaway_postgres: server on 127.0.0.1:{server.port}, database stockops", flush=True
        )
        return subprocess.run(command, env=env, check=False).returncode
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
