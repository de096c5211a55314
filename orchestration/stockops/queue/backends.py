"""Which queue backend and delivery channels this installation uses, from the settings
(stockops.settings.StockopsSettings: STOCKOPS_QUEUE_BACKEND, STOCKOPS_POSTGRES_DSN,
STOCKOPS_POSTGRES_SCHEMA, STOCKOPS_WEBHOOK_*; docs/configuration.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stockops import settings
from stockops.queue.store import QueueStore


def open_store(queue_path: Path | None = None) -> QueueStore:
    cfg = settings.current()
    if cfg.queue_backend == "postgres":  # the settings require a DSN with it
        from stockops.queue.postgres_store import PostgresQueueStore

        dsn = cfg.postgres_dsn.get_secret_value() if cfg.postgres_dsn else ""
        return PostgresQueueStore(dsn, schema=cfg.postgres_schema)
    from stockops.queue.sqlite_store import SqliteQueueStore

    return SqliteQueueStore(queue_path or settings.load().queue_path)


def webhook_endpoint() -> Any | None:
    """The configured webhook endpoint, or None when STOCKOPS_WEBHOOK_URL is unset."""
    from stockops.queue.webhook import endpoint_from_env

    return endpoint_from_env()
