"""Which queue backend and delivery channels this installation uses, from the environment.

STOCKOPS_QUEUE_BACKEND   sqlite (default: queue.sqlite beside the warehouse) or postgres
STOCKOPS_POSTGRES_DSN    libpq connection string for postgres (credentials stay in the env)
STOCKOPS_POSTGRES_SCHEMA schema stockops creates and owns (default stockops_queue)
STOCKOPS_WEBHOOK_URL     optional: also deliver every message as a signed webhook
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from stockops import settings
from stockops.queue.store import QueueStore

BACKENDS = ("sqlite", "postgres")


def open_store(queue_path: Path | None = None) -> QueueStore:
    backend = (os.environ.get("STOCKOPS_QUEUE_BACKEND") or "sqlite").strip().lower()
    if backend == "sqlite":
        from stockops.queue.sqlite_store import SqliteQueueStore

        return SqliteQueueStore(queue_path or settings.load().queue_path)
    if backend == "postgres":
        from stockops.queue.postgres_store import PostgresQueueStore

        dsn = os.environ.get("STOCKOPS_POSTGRES_DSN")
        if not dsn:
            raise ValueError(
                "STOCKOPS_QUEUE_BACKEND=postgres needs STOCKOPS_POSTGRES_DSN "
                "(e.g. 'host=db.example dbname=stockops user=stockops')"
            )
        return PostgresQueueStore(dsn, schema=os.environ.get("STOCKOPS_POSTGRES_SCHEMA"))
    raise ValueError(
        f"STOCKOPS_QUEUE_BACKEND must be one of {', '.join(BACKENDS)}, got {backend!r}"
    )


def webhook_endpoint() -> Any | None:
    """The configured webhook endpoint, or None when STOCKOPS_WEBHOOK_URL is unset."""
    from stockops.queue.webhook import endpoint_from_env

    return endpoint_from_env()
