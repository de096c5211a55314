"""The owner digest: what an owner should look at today, from the queue alone.

Per owner: the top open decisions by priority (the order `stockops queue list` shows), the open
batches, what stockops.auto executed since the owner's previous digest (of an earlier day), the
totals — open decisions, their value at stake, and the share of it the top items cover — and the
owner's own time-to-action figures against target (marts.fct_time_to_action_targets, breaches
first; `stockops.time_to_action.owner_figures`), when the caller passes that mart's rows. The CLI
prints it (`stockops queue digest`); the export of a daily build stages it once per owner and day as
a `digest` message for the webhook channel.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from stockops import time_to_action
from stockops.queue.store import QueueStore

TOP_ITEMS = 10
ITEM_FIELDS = (
    "decision_id",
    "decision_version",
    "decision_type",
    "decision_kind",
    "priority",
    "priority_score",
    "value_at_stake",
    "due_by",
    "line_count",
    "reason",
)


def owners(store: QueueStore) -> list[str]:
    """Owners with an open decision or something auto-executed."""
    found = {i["owner_id"] for i in store.items(payload=False)}
    found |= {e["owner_id"] for e in store.auto_executions()}
    return sorted(found)


def owner_digest(
    store: QueueStore,
    owner_id: str,
    top: int = TOP_ITEMS,
    now: datetime | None = None,
    targets: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """`targets`: the rows of marts.fct_time_to_action_targets (None: not available)."""
    moment = now or datetime.now(UTC)
    items = store.items(owner_id=owner_id, payload=False, sort="priority")
    since = store.last_digest_at(owner_id, moment.strftime("%Y-%m-%d"))
    automated = store.auto_executions(owner_id=owner_id, since=since)
    total = sum(float(i.get("value_at_stake") or 0) for i in items)
    top_items = items[:top]
    top_value = sum(float(i.get("value_at_stake") or 0) for i in top_items)
    return {
        "owner_id": owner_id,
        "generated_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "open_decisions": len(items),
        "open_value_at_stake": round(total, 2),
        "top": [_fields(i, rank) for rank, i in enumerate(top_items, start=1)],
        "top_value_share": round(top_value / total, 4) if total else None,
        "batches": [_fields(i) for i in items if i.get("decision_kind") == "batch"],
        "auto_executed_since": since,
        "auto_executed": [
            {
                "decision_id": a["decision_id"],
                "decision_version": a["decision_version"],
                "decision_type": a["decision_type"],
                "value_at_stake": a["value_at_stake"],
                "executed_at": a["occurred_at"],
                "rule": a["reason"],
            }
            for a in automated
        ],
        "auto_executed_value": round(
            sum(float(a.get("value_at_stake") or 0) for a in automated), 2
        ),
        "time_to_action": None
        if targets is None
        else time_to_action.owner_figures(targets, owner_id),
    }


def digests(
    store: QueueStore,
    owner_id: str | None = None,
    top: int = TOP_ITEMS,
    now: datetime | None = None,
    targets: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    return [
        owner_digest(store, owner, top, now, targets)
        for owner in ([owner_id] if owner_id else owners(store))
    ]


def stage_daily_digests(
    store: QueueStore,
    channels: Sequence[str] = (),
    now: datetime | None = None,
    targets: Sequence[Mapping[str, Any]] | None = None,
) -> int:
    """Stage today's digest of every owner (once a day each: the message id carries the date)."""
    moment = now or datetime.now(UTC)
    day = moment.strftime("%Y-%m-%d")
    return sum(
        store.stage_digest(d["owner_id"], day, d, channels, created_at=d["generated_at"])
        for d in digests(store, now=moment, targets=targets)
    )


def _fields(item: Mapping[str, Any], rank: int | None = None) -> dict[str, Any]:
    out = {key: item.get(key) for key in ITEM_FIELDS}
    return {"rank": rank, **out} if rank is not None else out


# ----------------------------------------------------------------------------------- rendering
def _money(value: Any) -> str:
    return f"{float(value or 0):,.2f}"


def summary(digest: Mapping[str, Any]) -> str:
    """The totals in one sentence."""
    share = digest["top_value_share"]
    return (
        f"{digest['open_decisions']} open decisions worth {_money(digest['open_value_at_stake'])}; "
        f"the top {len(digest['top'])} cover "
        + (f"{100 * share:.0f} %" if share is not None else "all")
        + f" of it. {len(digest['auto_executed'])} executed automatically "
        f"({_money(digest['auto_executed_value'])}) since "
        + (digest["auto_executed_since"] or "the start")
        + "."
    )


def render_markdown(digest: Mapping[str, Any]) -> str:
    lines = [
        f"## Digest for {digest['owner_id']} ({digest['generated_at'][:16].replace('T', ' ')} UTC)",
        "",
        summary(digest),
        "",
        "### Top decisions",
        "",
        "| # | type | priority | cost of a day | value | due | lines | decision |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {i['rank']} | {i['decision_type']} | {i['priority']} | {_money(i['priority_score'])} "
        f"| {_money(i['value_at_stake'])} | {i['due_by'] or ''} | {i['line_count'] or 1} "
        f"| `{i['decision_id']}` |"
        for i in digest["top"]
    ] or ["| | (none) | | | | | | |"]
    lines += ["", "### Batches", ""]
    lines += [
        f"- {b['decision_type']}: {b['line_count']} lines worth {_money(b['value_at_stake'])} "
        f"(`{b['decision_id']}`)"
        for b in digest["batches"]
    ] or ["- (none)"]
    lines += ["", "### Executed automatically", ""]
    lines += [
        f"- {a['decision_type']} worth {_money(a['value_at_stake'])} at {a['executed_at']}: "
        f"{a['rule']} (`{a['decision_id']}`)"
        for a in digest["auto_executed"]
    ] or ["- (none)"]
    figures = digest.get("time_to_action")
    if figures is not None:
        lines += ["", "### Your time to action against target", ""]
        lines += [f"- {_figure_line(f)}" for f in figures] or [
            "- (no target applies to your decisions yet)"
        ]
    return "\n".join(lines) + "\n"


def _figure_line(figure: Mapping[str, Any]) -> str:
    """One figure against its target, e.g. `breach  replenish: <label> <figure> (target ≤ 8.00 h),
    13 decisions, worse by 2.00 h (was 10.00 h)`."""
    category = figure.get("category_id")
    subject = figure["decision_type"] + (f" in {category}" if category not in (None, "all") else "")
    sample = f"{figure['sample']} decisions" if figure.get("sample") is not None else "no sample"
    trend = f", {figure['trend']}" if figure.get("trend") else ""
    return f"{figure['verdict']}  {subject}: {figure['label']} {figure['text']}, {sample}{trend}"


def render(digest_list: Sequence[Mapping[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(list(digest_list), indent=2, default=str)
    if fmt == "markdown":
        return "\n".join(render_markdown(d) for d in digest_list)
    return "\n".join(render_table(d) for d in digest_list)


def render_table(digest: Mapping[str, Any]) -> str:
    from io import StringIO

    from stockops.cli import print_table

    out = StringIO()
    print(f"{digest['owner_id']}: {summary(digest)}", file=out)
    if digest["top"]:
        print_table(
            digest["top"],
            [
                "rank",
                "decision_type",
                "priority",
                "priority_score",
                "value_at_stake",
                "due_by",
                "line_count",
                "decision_id",
            ],
            out,
        )
    for b in digest["batches"]:
        print(
            f"  batch {b['decision_type']}: {b['line_count']} lines, {_money(b['value_at_stake'])}"
            f" ({b['decision_id']})",
            file=out,
        )
    for a in digest["auto_executed"]:
        print(
            f"  auto  {a['decision_type']} {_money(a['value_at_stake'])} at {a['executed_at']}: "
            f"{a['rule']}",
            file=out,
        )
    for f in digest.get("time_to_action") or []:
        print(f"  time to action  {_figure_line(f)}", file=out)
    return out.getvalue()
