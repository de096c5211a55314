"""Configuration in one place: paths and knobs from environment variables with working defaults.

`current()` reads every variable into one typed object, StockopsSettings (pydantic-settings;
docs/configuration.md lists them); a value that does not validate is a SettingsError, one line
per variable. `load()` resolves the paths: each is made absolute here and exported back into the
environment, so dbt (run as a subprocess by Dagster or by hand) sees exactly the same files as
the Python side.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PositiveInt,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

DUCKDB_FILE_NAME = "stockops.duckdb"  # fixed: dbt-duckdb bakes the stem into the manifest
QUEUE_FILE_NAME = "queue.sqlite"
PUBLISHED_DIR_NAME = "published"

# The ten landing tables a company brings (docs/landing-contract.md), plus the owners' events.
LANDING_TABLES = (
    "inventory_transactions",
    "purchase_order_lines",
    "products",
    "locations",
    "suppliers",
    "supplier_products",
    "constraint_resources",
    "constraint_inputs",
    "constraint_runs",
    "cash_positions",
)
EVENTS_TABLE = "decision_events"
ENV_PREFIX = "STOCKOPS_"


def _default_project_dir() -> Path:
    # orchestration/stockops/settings.py -> repository root (the dbt project)
    return Path(__file__).resolve().parents[2]


def _abs(value: str | os.PathLike[str]) -> Path:
    return Path(value).expanduser().resolve()


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    landing_dir: Path
    warehouse_dir: Path
    dagster_home: Path

    @property
    def duckdb_path(self) -> Path:
        return self.warehouse_dir / DUCKDB_FILE_NAME

    @property
    def queue_path(self) -> Path:
        return self.warehouse_dir / QUEUE_FILE_NAME

    @property
    def manifest_path(self) -> Path:
        return self.project_dir / "target" / "manifest.json"

    @property
    def published_dir(self) -> Path:
        """Parquet copies of the marts that readers (BI tools, the CLI) use, never the DuckDB file."""
        return self.warehouse_dir / PUBLISHED_DIR_NAME

    def env(self) -> dict[str, str]:
        """The environment variables that make dbt and Dagster see these paths."""
        return {
            "STOCKOPS_PROJECT_DIR": str(self.project_dir),
            "STOCKOPS_LANDING_DIR": str(self.landing_dir),
            "STOCKOPS_WAREHOUSE_DIR": str(self.warehouse_dir),
            "DAGSTER_HOME": str(self.dagster_home),
            "DBT_PROFILES_DIR": str(self.project_dir),
        }

    def export(self) -> Settings:
        """Write the absolute paths into os.environ (for dbt subprocesses), create folders and the
        Dagster instance's dagster.yaml (one run at a time) when it is missing."""
        from stockops.instance import ensure_instance_config

        os.environ.update(self.env())
        self.warehouse_dir.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        ensure_instance_config(self.dagster_home)
        return self


def default_landing_dir(project_dir: Path) -> Path:
    """Where `make demo` lands (and generates) the sample data when nothing else is named."""
    return _abs(project_dir / "data" / "landing")


def load(
    landing_dir: str | os.PathLike[str] | None = None,
    warehouse_dir: str | os.PathLike[str] | None = None,
) -> Settings:
    """Settings from explicit arguments, else environment variables, else the embedded defaults.
    Reads only the paths, so a knob that does not validate never hides where the warehouse is."""
    env = PathSettings()
    project_dir = _abs(env.project_dir or _default_project_dir())
    landing = _abs(landing_dir or env.landing_dir or project_dir / "data" / "landing")
    warehouse = _abs(warehouse_dir or env.warehouse_dir or project_dir / "warehouse")
    if warehouse_dir is not None or not env.dagster_home:
        dagster_home = warehouse / "dagster"
    else:
        dagster_home = _abs(env.dagster_home)
    return Settings(project_dir, landing, warehouse, dagster_home)


# ----------------------------------------------------------------------------- the environment
def _strip_blanks(values: Any) -> Any:
    """A value that is empty or only spaces counts as unset (its default); others lose the spaces."""
    if not isinstance(values, dict):
        return values
    out = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        out[key] = value
    return out


def _at_least(floor: float) -> AfterValidator:
    return AfterValidator(lambda value: max(floor, value))


def _as_of_date(value: Any) -> Any:
    problem = as_of_date_problem(value) if isinstance(value, str) else None
    if problem:
        raise ValueError(problem)
    return value


def _time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _webhook_url(value: SecretStr) -> SecretStr:
    try:
        parts = urlsplit(value.get_secret_value())
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


def _webhook_secrets(value: SecretStr) -> SecretStr:
    from stockops.queue.webhook import secret_problem

    for n, secret in enumerate(value.get_secret_value().split(), start=1):
        problem = secret_problem(secret)
        if problem:
            raise ValueError(f"secret #{n} {problem}")
    return value


Seconds = Annotated[float, Field(allow_inf_nan=False)]
SECRET_FIELDS = frozenset({"postgres_dsn", "webhook_url", "webhook_secret"})


class PathSettings(BaseSettings):
    """The paths from the environment, resolved by load() (defaults beside the project). They
    cannot fail to validate, so a broken knob never hides where the warehouse and its logs are."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    project_dir: str | None = None  # the repository root
    landing_dir: str | None = None  # <project>/data/landing
    warehouse_dir: str | None = None  # <project>/warehouse
    dagster_home: str | None = Field(None, validation_alias="DAGSTER_HOME")  # <warehouse>/dagster

    @model_validator(mode="before")
    @classmethod
    def _blanks_are_unset(cls, values: Any) -> Any:
        return _strip_blanks(values)

    @classmethod
    def env_name(cls, field: str) -> str:
        alias = cls.model_fields[field].validation_alias
        return alias if isinstance(alias, str) else ENV_PREFIX + field.upper()


class StockopsSettings(PathSettings):
    """Every setting stockops reads from the environment (docs/configuration.md lists them): a
    field `name` is the variable STOCKOPS_<NAME> unless it names another; empty means unset.
    `current()` builds it afresh on each use, so a changed environment is seen at once."""

    dbt_target: str = "duckdb"  # the profiles.yml output dbt uses (profiles.yml reads it)

    # the build
    as_of_date: Annotated[date | None, BeforeValidator(_as_of_date)] = None
    warehouse_lock_wait_seconds: Annotated[Seconds, _at_least(0.0)] = 600.0
    max_median_latency_hours: Seconds = 24.0

    # queues and delivery
    queue_backend: Annotated[
        Literal["sqlite", "postgres"],
        BeforeValidator(lambda value: value.lower() if isinstance(value, str) else value),
    ] = "sqlite"
    postgres_dsn: SecretStr | None = None
    postgres_schema: str = "stockops_queue"
    export_batch_size: PositiveInt = 500
    webhook_url: Annotated[SecretStr, AfterValidator(_webhook_url)] | None = None
    webhook_secret: Annotated[SecretStr, AfterValidator(_webhook_secrets)] | None = None
    webhook_max_attempts: Annotated[int, Field(ge=1)] = 6
    webhook_backoff_seconds: Annotated[Seconds, Field(ge=0)] = 1.0
    webhook_timeout_seconds: Annotated[Seconds, Field(gt=0)] = 15.0
    actor: str | None = None  # default --actor of `stockops queue` actions

    # running unattended
    sensor_interval_seconds: Annotated[Seconds, AfterValidator(lambda v: max(1, int(v)))] = 30
    sensor_settle_seconds: Annotated[Seconds, _at_least(0.0)] = 2.0
    daily_cron: str = "0 2 * * *"
    sweep_cron: str = "0 * * * *"
    schedule_timezone: Annotated[str, AfterValidator(_time_zone)] = "UTC"

    @model_validator(mode="after")
    def _needed_together(self) -> StockopsSettings:
        if self.queue_backend == "postgres" and self.postgres_dsn is None:
            raise ValueError(
                "STOCKOPS_QUEUE_BACKEND=postgres needs STOCKOPS_POSTGRES_DSN "
                "(e.g. 'host=db.example dbname=stockops user=stockops')"
            )
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError(
                "STOCKOPS_WEBHOOK_SECRET is required when STOCKOPS_WEBHOOK_URL is set "
                "(whsec_<base64> secrets)"
            )
        return self

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """The signing secrets (several while one is rotated)."""
        return tuple(self.webhook_secret.get_secret_value().split()) if self.webhook_secret else ()


class _GivenSettings(StockopsSettings):
    """The settings of a given mapping alone: the process environment is not read."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **_sources):  # type: ignore[override]
        return (init_settings,)


class SettingsError(ValueError):
    """Settings that do not validate; the message is one line, `problems` one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _problem(error: Mapping[str, Any]) -> str:
    """One line for one validation error, naming the variable; never echoes a credential."""
    fields = StockopsSettings.model_fields
    field = error["loc"][0] if error["loc"] and error["loc"][0] in fields else None
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "value_error":  # raised by a validator here: says what is wrong, never a secret
        message = str(ctx["error"])
        if field is None:  # a check across variables: its message names them
            return message
        name = StockopsSettings.env_name(field)
        return f"{name} {message}" if message.startswith("must") else f"{name}: {message}"
    name = StockopsSettings.env_name(field) if field else ".".join(map(str, error["loc"]))
    if kind == "literal_error":
        must = f"must be one of {', '.join(get_args(fields[field].annotation))}"
    elif kind in ("greater_than", "greater_than_equal"):
        bound = f"{ctx.get('gt', ctx.get('ge')):g}"
        must = f"must be {'greater than' if kind == 'greater_than' else 'at least'} {bound}"
    elif kind.startswith("int"):
        must = "must be an integer"
    elif kind.startswith(("float", "finite")):
        must = "must be a number"
    else:
        must = f"is not valid ({error['msg']})"
    return f"{name} {must}" + ("" if field in SECRET_FIELDS else f", got {error['input']!r}")


def current(environ: Mapping[str, str] | None = None) -> StockopsSettings:
    """The settings of `environ` (default: this process's environment); a SettingsError (a
    ValueError, one line naming each variable) when they do not validate."""
    try:
        if environ is None:
            return StockopsSettings()
        given = {}
        for field, info in StockopsSettings.model_fields.items():
            name = StockopsSettings.env_name(field)
            if name in environ:  # keyed as the environment source keys it
                given[name if info.validation_alias else field] = environ[name]
        return _GivenSettings.model_validate(given)
    except ValidationError as exc:
        raise SettingsError([_problem(e) for e in exc.errors()]) from None


def problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """Every setting of `environ` (default: this process's) that does not validate, one line each."""
    try:
        current(environ)
    except SettingsError as exc:
        return exc.problems
    return []


def as_of_date_problem(text: str | None) -> str | None:
    """Why `text` is not an as-of date (YYYY-MM-DD, a real calendar date), or None if it is one."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10 and date.fromisoformat(text):
            return None
    except ValueError:
        pass
    return f"must be a date YYYY-MM-DD, got {text!r}"
