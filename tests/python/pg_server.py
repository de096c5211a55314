"""A throwaway PostgreSQL server for the tests: initdb into a temp dir, start, stop, delete.

Uses the Debian `postgresql` binaries (found by STOCKOPS_PG_BINDIR, `pg_config --bindir`,
/usr/lib/postgresql/*/bin, or PATH). PostgreSQL refuses to run as root, so as root the server
runs as the `postgres` system user (created by the Debian package), via `runuser`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


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
