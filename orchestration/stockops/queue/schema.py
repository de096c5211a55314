"""The queue's tables, on either backend: queue rows and their events, the outbox and the delivery
ledger (one row per message and channel, and one per transport attempt), delivery channels and
the queue's own id (docs/queues.md describes each table)."""

from __future__ import annotations

from stockops.queue.sql import Dialect


def added_column_types(d: Dialect) -> dict[str, str]:
    """queue_items columns added after the first release: added in place to older queues."""
    return {"priority_score": d.real, "decision_kind": "text", "line_count": "integer"}


def schema_ddl(d: Dialect) -> list[str]:
    ts = d.timestamp
    migrations = (
        [
            f"alter table queue_items add column if not exists {column} {ddl}"
            for column, ddl in added_column_types(d).items()
        ]
        if d.name == "postgres"
        else []
    )
    return [
        f"""
        create table if not exists queue_items (
            decision_id      text    not null,
            decision_version integer not null,
            owner_id         text    not null,
            decision_type    text    not null,
            priority         text,
            value_at_stake   {d.real},
            due_by           text,
            reason           text,
            signal_at        text,
            priority_score   {d.real},
            decision_kind    text,
            line_count       integer,
            payload          text    not null,
            queue_status     text    not null default 'open',
            escalated_to     text,
            escalated_at     {ts},
            enqueued_at      {ts}    not null,
            updated_at       {ts}    not null,
            primary key (decision_id, decision_version)
        )""",
        *migrations,
        "create index if not exists queue_items_owner on queue_items (owner_id, queue_status)",
        "create index if not exists queue_items_escalated on queue_items (escalated_to)",
        f"""
        create table if not exists queue_events (
            seq              {d.serial_pk},
            event_id         text    not null unique,
            decision_id      text    not null,
            decision_version integer not null,
            event_type       text    not null,
            actor_id         text    not null,
            occurred_at      {ts}    not null,
            reason           text,
            snoozed_until    {ts}
        )""",
        """create index if not exists queue_events_decision
           on queue_events (decision_id, decision_version)""",
        f"""
        create table if not exists outbox (
            message_id       text    primary key,
            kind             text    not null,
            decision_id      text    not null,
            decision_version integer not null,
            recipient_id     text    not null,
            payload          text    not null,
            created_at       {ts}    not null
        )""",
        "create index if not exists outbox_order on outbox (created_at, message_id)",
        f"""
        create table if not exists deliveries (
            message_id       text    not null,
            channel          text    not null,
            status           text    not null default 'pending',
            attempts         integer not null default 0,
            http_status      integer,
            last_error       text,
            first_attempt_at {ts},
            last_attempt_at  {ts},
            delivered_at     {ts},
            primary key (message_id, channel)
        )""",
        "create index if not exists deliveries_status on deliveries (channel, status)",
        f"""
        create table if not exists delivery_attempts (
            message_id       text    not null,
            channel          text    not null,
            attempt          integer not null,
            attempted_at     {ts}    not null,
            http_status      integer,
            error            text
        )""",
        """
        create table if not exists queue_meta (
            key              text    primary key,
            value            text    not null
        )""",
        f"""
        create table if not exists channels (
            channel          text    primary key,
            target           text,
            disabled_at      {ts},
            disabled_reason  text
        )""",
    ]
