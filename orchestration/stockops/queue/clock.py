"""The queue's clock: every time the store stamps (staging, delivery, the ledger, owners' events)
is read here, so the backtest can run the queue on simulated time by setting `utc_now`."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
