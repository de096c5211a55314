"""The typed settings object: every variable documented, defaults as documented, bad values as one
line naming the variable, credentials never echoed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stockops import settings
from stockops.settings import StockopsSettings

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
DBT_OWN = {"DBT_PROFILES_DIR", "DBT_TARGET_PATH"}  # read by dbt itself, documented beside ours
SECRET = "whsec_" + "c3RvY2tvcHMtdGVzdC1zZWNyZXQtb2YtMzItYnl0ZXMh"


def documented() -> dict[str, str]:
    """Variable -> its default cell, from the tables of docs/configuration.md."""
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \| ([^|]*) \|", DOC.read_text(), re.MULTILINE)
    return {name: default.strip() for name, default in rows}


def test_every_setting_is_documented_and_every_documented_variable_is_a_setting() -> None:
    fields = {StockopsSettings.env_name(f) for f in StockopsSettings.model_fields}
    assert fields == set(documented()) - DBT_OWN


def test_documented_defaults_are_the_settings_defaults() -> None:
    docs = documented()
    checked = 0
    for field, info in StockopsSettings.model_fields.items():
        if info.default is None or field.endswith("_dir"):
            continue  # unset, or a path the doc describes in words
        default = f"{info.default:g}" if isinstance(info.default, float) else str(info.default)
        assert docs[StockopsSettings.env_name(field)] == f"`{default}`", field
        checked += 1
    assert checked == 14


def test_defaults_need_no_variable_and_blank_means_unset() -> None:
    blank = {StockopsSettings.env_name(f): "  " for f in StockopsSettings.model_fields}
    assert settings.current(blank) == settings.current({})
    cfg = settings.current({})
    assert (cfg.queue_backend, cfg.export_batch_size, cfg.sensor_interval_seconds) == (
        "sqlite",
        500,
        30,
    )
    assert cfg.webhook_url is None and cfg.webhook_secrets == () and cfg.as_of_date is None


def test_values_are_typed_trimmed_and_clamped() -> None:
    cfg = settings.current(
        {
            "STOCKOPS_QUEUE_BACKEND": " SQLite ",
            "STOCKOPS_EXPORT_BATCH_SIZE": " 25 ",
            "STOCKOPS_SENSOR_INTERVAL_SECONDS": "0.4",  # at least one second
            "STOCKOPS_SENSOR_SETTLE_SECONDS": "-3",  # never negative
            "STOCKOPS_AS_OF_DATE": "2026-03-31",
            "DAGSTER_HOME": "/srv/dagster",
        }
    )
    assert cfg.queue_backend == "sqlite" and cfg.export_batch_size == 25
    assert (cfg.sensor_interval_seconds, cfg.sensor_settle_seconds) == (1, 0.0)
    assert cfg.as_of_date is not None and cfg.as_of_date.isoformat() == "2026-03-31"
    assert cfg.dagster_home == "/srv/dagster"


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"STOCKOPS_EXPORT_BATCH_SIZE": "many"}, "STOCKOPS_EXPORT_BATCH_SIZE must be an integer"),
        ({"STOCKOPS_EXPORT_BATCH_SIZE": "0"}, "STOCKOPS_EXPORT_BATCH_SIZE must be greater than 0"),
        ({"STOCKOPS_MAX_MEDIAN_LATENCY_HOURS": "nan"}, "STOCKOPS_MAX_MEDIAN_LATENCY_HOURS must be"),
        ({"STOCKOPS_QUEUE_BACKEND": "mysql"}, "STOCKOPS_QUEUE_BACKEND must be one of sqlite, post"),
        ({"STOCKOPS_AS_OF_DATE": "20260331"}, "STOCKOPS_AS_OF_DATE must be a date YYYY-MM-DD"),
        ({"STOCKOPS_SCHEDULE_TIMEZONE": "Mars/Base"}, "STOCKOPS_SCHEDULE_TIMEZONE: unknown time"),
        ({"STOCKOPS_QUEUE_BACKEND": "postgres"}, "STOCKOPS_QUEUE_BACKEND=postgres needs STOCKOPS_"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(values: dict[str, str], line: str) -> None:
    with pytest.raises(settings.SettingsError) as raised:
        settings.current(values)
    message = str(raised.value)
    assert message.startswith(line) and "\n" not in message
    assert raised.value.problems == [message]


def test_every_bad_value_is_reported_and_no_credential_is_echoed() -> None:
    url = "https://user:pa55word@hooks.example.com:badport/token-in-path"
    found = settings.problems(
        {
            "STOCKOPS_WEBHOOK_URL": url,
            "STOCKOPS_WEBHOOK_SECRET": f"{SECRET} whsec_short",
            "STOCKOPS_WEBHOOK_MAX_ATTEMPTS": "0",
        }
    )
    assert [line.split()[0].rstrip(":") for line in found] == [
        "STOCKOPS_WEBHOOK_URL",
        "STOCKOPS_WEBHOOK_SECRET",
        "STOCKOPS_WEBHOOK_MAX_ATTEMPTS",
    ]
    assert "secret #2" in found[1]
    for line in found:
        for secret in ("pa55word", "token-in-path", SECRET, "whsec_short"):
            assert secret not in line
    assert settings.problems({"STOCKOPS_WEBHOOK_URL": "https://hooks.example.com/x"}) == [
        "STOCKOPS_WEBHOOK_SECRET is required when STOCKOPS_WEBHOOK_URL is set "
        "(whsec_<base64> secrets)"
    ]


def test_the_process_environment_is_read_on_each_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOCKOPS_EXPORT_BATCH_SIZE", "7")
    assert settings.current().export_batch_size == 7
    monkeypatch.setenv("STOCKOPS_EXPORT_BATCH_SIZE", "-7")
    assert settings.problems() == ["STOCKOPS_EXPORT_BATCH_SIZE must be greater than 0, got '-7'"]


def test_paths_load_even_when_a_knob_is_broken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STOCKOPS_SENSOR_INTERVAL_SECONDS", "soon")
    monkeypatch.setenv("STOCKOPS_WAREHOUSE_DIR", str(tmp_path / "wh"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    cfg = settings.load()
    assert (cfg.warehouse_dir, cfg.dagster_home) == (tmp_path / "wh", tmp_path / "wh" / "dagster")
    assert settings.problems()[0].startswith("STOCKOPS_SENSOR_INTERVAL_SECONDS must be a number")


def test_a_given_mapping_is_read_alone(monkeypatch) -> None:
    """current(environ) describes that mapping: the process's own variables do not leak in (they
    did, and made the defaults test depend on which test ran before it)."""
    monkeypatch.setenv("STOCKOPS_EXPORT_BATCH_SIZE", "7")
    monkeypatch.setenv("STOCKOPS_PROJECT_DIR", "/somewhere/else")
    given = settings.current({})
    assert (given.export_batch_size, given.project_dir) == (500, None)
    assert settings.current().export_batch_size == 7
