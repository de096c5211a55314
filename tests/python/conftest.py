"""Shared fixtures: generated landing data and isolated warehouses in temp directories."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from stockops import settings

from support import use_dirs


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs two workers, `--dist loadgroup`), every test that reads
    the shared tiny build runs on one worker, so the build is made once, not once per worker; the
    other integration tests stay with their module (their module-scoped builds are made once too);
    the unit tests spread over the workers one by one. First, so that pytest-xdist's own hook
    (which turns the marker into the node id's `@group` suffix) sees the markers."""
    for item in items:
        if "tiny_build" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("tiny_build"))
        elif Path(str(item.fspath)).parent.name == "integration":
            item.add_marker(pytest.mark.xdist_group(Path(str(item.fspath)).stem))


def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """Stop when the groups are ignored. pytest-xdist schedules by the `@group` suffix of a node id;
    a pytest that no longer lets it set one (9.2 with xdist 3.8) spreads a module's tests over both
    workers and builds each shared warehouse twice, silently. Every integration test has a group."""
    lost = [i for i in ids if i.startswith("tests/python/integration/") and "@" not in i]
    if lost:
        pytest.exit(
            f"pytest-xdist ignored the xdist_group of {len(lost)} tests (e.g. {lost[0]}): this "
            "pytest and pytest-xdist do not work together (see the pytest pin in pyproject.toml)",
            returncode=3,
        )


@pytest.fixture(scope="session")
def tiny_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stockops import generate

    out = tmp_path_factory.mktemp("landing") / "tiny"
    generate.generate(out, seed=7, **generate.SCALES["tiny"])
    return out


@dataclass
class TinyBuild:
    cfg: settings.Settings
    outcome: object  # stockops.pipeline.BuildOutcome
    scenarios: list[dict]

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Read-only query of the built warehouse (no run is writing it)."""
        con = duckdb.connect(str(self.cfg.duckdb_path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def scenario(self, kind: str) -> dict:
        return next(s for s in self.scenarios if s["kind"] == kind)


@pytest.fixture(scope="session")
def tiny_build(tiny_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> TinyBuild:
    """The whole Dagster graph materialised once on the tiny data set, shared by the mart tests."""
    from stockops.pipeline import run_build

    cfg = use_dirs(tiny_landing, tmp_path_factory.mktemp("warehouse"))
    outcome = run_build()
    scenarios = json.loads((tiny_landing / "scenarios.json").read_text())["scenarios"]
    return TinyBuild(cfg, outcome, scenarios)


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A real PostgreSQL server: STOCKOPS_POSTGRES_DSN if set, else a throwaway one started here.

    Without a server the PostgreSQL tests are skipped, unless STOCKOPS_REQUIRE_POSTGRES=1 (set by
    CI), which turns the skip into a failure.
    """
    if os.environ.get("STOCKOPS_POSTGRES_DSN"):
        yield os.environ["STOCKOPS_POSTGRES_DSN"]
        return
    from stockops.engines.throwaway_postgres import PostgresUnavailable, ThrowawayPostgres

    try:
        server = ThrowawayPostgres().start()
    except PostgresUnavailable as exc:
        if os.environ.get("STOCKOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"STOCKOPS_REQUIRE_POSTGRES=1 but no PostgreSQL server: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    try:
        yield server.dsn
    finally:
        server.stop()
