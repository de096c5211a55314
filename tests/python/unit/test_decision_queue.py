"""Few decisions, each worth acting on, in the queue: priority order and filters, automation within
authority, the owner's reversal window, the digest, and a decision's lines.

Queues are built from hand-made fct_decisions-shaped rows on real stores (SQLite; PostgreSQL where
the SQL differs); the policy is the project's own seeds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stockops import cli
from stockops.queue import actions, digest
from stockops.queue.automation import auto_execute
from stockops.queue.export import WEBHOOK_CHANNEL, run_export, webhook_body
from stockops.queue.rows import AUTO_ACTOR
from stockops.queue.sqlite_store import SqliteQueueStore
from stockops.queue.store import QueueStore
from stockops.queue.webhook import WebhookEndpoint

from queue_support import BACKENDS, make_store
from support import PROJECT_DIR
from webhook_receiver import Receiver, request_rows

POLICY = actions.load_policy(PROJECT_DIR / "seeds")
SWITCH_RULE = "switch_to_reliable_backup"  # seeds/auto_execution_policy.csv: up to 1,000,000


def row(
    decision_id: str,
    *,
    owner: str = "buyer.ana",
    decision_type: str = "purchase_proposal",
    score: float = 1.0,
    value: float = 1000.0,
    due_by: str = "2026-11-30",
    kind: str = "single",
    rule: str | None = None,
    version: int = 1,
    lines: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A decision as fct_decisions (read with its lines) has it."""
    return {
        "decision_id": decision_id,
        "decision_version": version,
        "decision_type": decision_type,
        "decision_kind": kind,
        "line_count": len(lines) if lines else 1,
        "owner_id": owner,
        "escalation_owner_id": "head.buying",
        "approver_role": "category_manager",
        "priority": "high" if score >= 50 else "medium" if score >= 5 else "low",
        "priority_score": score,
        "value_at_stake": value,
        "due_by": due_by,
        "reason": f"reason of {decision_id}",
        "signal_at": "2026-11-20T10:00:00",
        "status": "proposed",
        "escalate_to": None,
        "escalated_at": None,
        "auto_execution_rule_id": rule,
        "inputs": {},
        **({"lines": lines} if lines else {}),
    }


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QueueStore]:
    yield from make_store(request.param, tmp_path, request)


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["decision_id"] for i in items]


# ------------------------------------------------------------------------------------ ordering
def test_queue_is_ordered_by_priority_and_filters(store: QueueStore) -> None:
    run_export(
        store,
        [
            row("low", score=1, value=9000, due_by="2026-11-02"),
            row("top", score=80, value=500, due_by="2026-11-20"),
            row("mid", score=20, value=2000, due_by="2026-11-10", decision_type="markdown"),
            row("other", score=99, owner="buyer.ben"),
        ],
    )
    assert ids(store.items(owner_id="buyer.ana")) == ["top", "mid", "low"]
    assert ids(store.items(owner_id="buyer.ana", sort="due")) == ["low", "mid", "top"]
    assert ids(store.items(owner_id="buyer.ana", sort="value")) == ["low", "mid", "top"]
    assert ids(store.items(owner_id="buyer.ana", limit=2)) == ["top", "mid"]
    assert ids(store.items(owner_id="buyer.ana", decision_type="markdown")) == ["mid"]
    assert ids(store.items(owner_id="buyer.ana", min_value=1000)) == ["mid", "low"]
    # everyone's queues: by owner, each most urgent first
    assert ids(store.items()) == ["top", "mid", "low", "other"]
    with pytest.raises(ValueError, match="sort must be one of"):
        store.items(sort="random")


def test_each_export_brings_the_current_scores(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    run_export(store, [row("a", score=10), row("b", score=20)])
    assert ids(store.items(owner_id="buyer.ana")) == ["b", "a"]
    # the next build scores the same versions anew: the queue follows, without new rows
    run_export(store, [row("a", score=70), row("b", score=20)])
    items = store.items(owner_id="buyer.ana")
    assert ids(items) == ["a", "b"]
    assert (items[0]["priority_score"], items[0]["priority"]) == (70, "high")
    assert store.count() == 2


# ---------------------------------------------------------------------------------- automation
def _auto_events(store: QueueStore) -> list[dict[str, Any]]:
    return [e for e in store.events_after(0) if e["actor_id"] == AUTO_ACTOR]


def test_stockops_auto_executes_within_the_rules_band_once(store: QueueStore) -> None:
    decisions = [
        row("switch", decision_type="switch_supplier", value=500_000, rule=SWITCH_RULE),
        # the mart named a rule, but the value is above its band, or the rule does not exist,
        # or its type is not the rule's: the export refuses
        row("too_big", decision_type="switch_supplier", value=2_000_000, rule=SWITCH_RULE),
        row("no_rule", decision_type="switch_supplier", value=10, rule="made_up_rule"),
        row("wrong_type", decision_type="markdown", value=10, rule=SWITCH_RULE),
        row("manual", decision_type="switch_supplier", value=10),
    ]
    report = run_export(store, decisions, policy=POLICY)
    assert (report.auto_executed, report.auto_refused) == (1, 3)
    events = _auto_events(store)
    assert [(e["decision_id"], e["event_type"]) for e in events] == [
        ("switch", "approved"),
        ("switch", "executed"),
    ]
    assert all(e["reason"].startswith(f"auto_execution_policy:{SWITCH_RULE} ") for e in events)
    assert events[0]["occurred_at"] < events[1]["occurred_at"]
    # nobody needs to act on it any more: it left the open queue
    assert "switch" not in ids(store.items(owner_id="buyer.ana"))
    assert actions.current_state(
        store.events_for("switch", 1), POLICY.transitions, datetime.now(UTC)
    ) == ("executed")
    # exactly once: the next export appends nothing
    again = run_export(store, decisions, policy=POLICY)
    assert again.auto_executed == 0
    assert len(_auto_events(store)) == 2


def test_a_rejected_decision_is_not_executed_automatically(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    decision = row("switch", decision_type="switch_supplier", value=500_000, rule=SWITCH_RULE)
    run_export(store, [{**decision, "auto_execution_rule_id": None}])
    now = datetime.now(UTC)
    store.apply_action(
        "switch",
        lambda item, events: actions.decide(
            "reject", item, events, "head.buying", "keep the primary", None, POLICY, now
        ),
    )
    assert auto_execute(store, [decision], POLICY).executed == 0
    assert _auto_events(store) == []


def _auto_executed_queue(tmp_path: Path) -> Path:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    run_export(
        store,
        [row("switch", decision_type="switch_supplier", value=500_000, rule=SWITCH_RULE)],
        policy=POLICY,
    )
    return tmp_path


def test_the_owner_reverses_an_automatic_execution_within_the_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wh = _auto_executed_queue(tmp_path)
    args = ["queue", "reverse", "switch", "--reason", "keep the primary", "--warehouse", str(wh)]
    # the owner holds no approver role for a 500,000 switch, yet may undo what the system did
    assert cli.main([*args, "--actor", "buyer.ana"]) == 0
    assert "reversed switch v1 as buyer.ana" in capsys.readouterr().out
    [reversal] = [
        e
        for e in SqliteQueueStore(wh / "queue.sqlite").events_after(0)
        if e["event_type"] == "reversed"
    ]
    assert reversal["actor_id"] == "buyer.ana"


def test_after_the_window_only_an_approver_may_reverse(tmp_path: Path) -> None:
    wh = _auto_executed_queue(tmp_path)
    store = SqliteQueueStore(wh / "queue.sqlite")
    item = store.item("switch")
    events = store.events_for("switch", 1)
    rule, closes = actions.reverse_window_closes_at(events, POLICY) or (None, None)
    assert rule is not None and rule.rule_id == SWITCH_RULE
    executed_at = actions.parse_timestamp(actions.auto_execution(events)["occurred_at"])
    assert closes == executed_at + timedelta(hours=72)
    later = closes + timedelta(minutes=1)
    with pytest.raises(actions.ActionRefused, match="window to reverse .* closed"):
        actions.decide("reverse", item, events, "buyer.ana", "late", None, POLICY, later)
    event = actions.decide("reverse", item, events, "head.buying", "late", None, POLICY, later)
    assert event["event_type"] == "reversed"


# -------------------------------------------------------------------------------------- digest
def test_digest_lists_top_items_batches_and_automation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    run_export(
        store,
        [
            row("p1", score=80, value=3000),
            row("p2", score=5, value=1000),
            row("batch", decision_type="markdown", kind="batch", score=2, value=600),
            row("switch", decision_type="switch_supplier", value=500_000, rule=SWITCH_RULE),
        ],
        policy=POLICY,
    )
    wh = ["--warehouse", str(tmp_path)]
    assert cli.main(["queue", "digest", "--owner", "buyer.ana", "--format", "json", *wh]) == 0
    [found] = json.loads(capsys.readouterr().out)
    assert [t["decision_id"] for t in found["top"]] == ["p1", "p2", "batch"]
    assert [t["rank"] for t in found["top"]] == [1, 2, 3]
    assert [b["decision_id"] for b in found["batches"]] == ["batch"]
    assert [a["decision_id"] for a in found["auto_executed"]] == ["switch"]
    assert found["auto_executed"][0]["rule"].startswith(f"auto_execution_policy:{SWITCH_RULE}")
    assert (found["open_decisions"], found["open_value_at_stake"]) == (3, 4600)
    assert cli.main(["queue", "digest", "--owner", "buyer.ana", "--top", "1", *wh]) == 0
    table = capsys.readouterr().out
    assert "3 open decisions" in table and "the top 1 cover 65 %" in table  # 3,000 of 4,600
    assert cli.main(["queue", "digest", "--format", "markdown", *wh]) == 0
    markdown = capsys.readouterr().out
    assert "## Digest for buyer.ana" in markdown and "### Executed automatically" in markdown


def test_one_digest_a_day_and_automation_since_the_previous_one(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    run_export(
        store,
        [row("switch", decision_type="switch_supplier", value=500_000, rule=SWITCH_RULE)],
        policy=POLICY,
    )
    today = datetime.now(UTC) + timedelta(days=1)
    assert digest.stage_daily_digests(store, now=today) == 1
    assert digest.stage_daily_digests(store, now=today) == 0  # once a day
    tomorrow = today + timedelta(days=1)
    [next_day] = digest.digests(store, "buyer.ana", now=tomorrow)
    assert next_day["auto_executed_since"] is not None
    assert next_day["auto_executed"] == []  # already in yesterday's digest


def target(owner: str, metric: str, figure: float, verdict: str, **more: object) -> dict:
    """A row of marts.fct_time_to_action_targets."""
    hours = "hours" in metric
    return {
        "owner_id": owner,
        "decision_type": "replenish",
        "category_id": "all",
        "metric": metric,
        "comparison": "at_most" if hours else "at_least",
        "target": 8.0 if hours else 0.9,
        "severity": "warn",
        "min_decisions": 3,
        "sample": 5,
        "figure": figure,
        "previous_figure": None,
        "verdict": verdict,
    } | more


TARGETS = [
    target("buyer.ana", "share_resolved_within_sla", 1.0, "met"),
    target("buyer.ana", "median_hours_to_ack", 30.0, "breach", previous_figure=20.0),
    target("buyer.ben", "median_hours_to_ack", 50.0, "no_verdict", sample=1),
    target("buyer.chen", "median_hours_to_ack", 90.0, "breach"),
]


def test_the_digest_shows_the_owner_their_time_to_action_against_target(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    run_export(store, [row("p1", score=80)])
    [ana] = digest.digests(store, "buyer.ana", targets=TARGETS)
    assert [f["verdict"] for f in ana["time_to_action"]] == ["breach", "met"]
    text = digest.render_markdown(ana)
    section = text.partition("### Your time to action against target")[2]
    assert "breach  replenish: " in section and "30.00 h (target ≤ 8.00 h)" in section
    assert "worse by 10.00 h" in section and "buyer.chen" not in text
    assert "time to action  breach  replenish" in digest.render_table(ana)
    # an owner no target covers is told so; before any run published the mart, nothing is shown
    [alone] = digest.digests(store, "buyer.ana", targets=[TARGETS[-1]])
    assert "no target applies to your decisions yet" in digest.render_markdown(alone)
    [before] = digest.digests(store, "buyer.ana")
    assert before["time_to_action"] is None
    assert "time to action" not in digest.render_markdown(before).lower()


def test_the_daily_build_sends_digests_by_webhook(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    secret = "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"
    decisions = [row("p1", score=80), row("p2", owner="buyer.ben", score=5)]
    with Receiver(secrets=[secret], db_path=tmp_path / "r.sqlite") as receiver:
        endpoint = WebhookEndpoint(url=receiver.url, secrets=(secret,), backoff_seconds=0.01)
        report = run_export(store, decisions, endpoint, digest=True, targets=TARGETS)
        again = run_export(store, decisions, endpoint, digest=True, targets=TARGETS)
    assert (report.digests, again.digests) == (2, 0)
    bodies = [json.loads(r["body"]) for r in request_rows(tmp_path / "r.sqlite")]
    digests = [b for b in bodies if b["type"] == "digest"]
    assert sorted(b["recipient_id"] for b in digests) == ["buyer.ana", "buyer.ben"]
    ana = next(b["digest"] for b in digests if b["recipient_id"] == "buyer.ana")
    assert [t["decision_id"] for t in ana["top"]] == ["p1"]
    # each owner sees their own time-to-action figures, breaches first
    assert [(f["metric"], f["verdict"]) for f in ana["time_to_action"]] == [
        ("median_hours_to_ack", "breach"),
        ("share_resolved_within_sla", "met"),
    ]
    ben = next(b["digest"] for b in digests if b["recipient_id"] == "buyer.ben")
    assert [f["verdict"] for f in ben["time_to_action"]] == ["no_verdict"]
    assert {d["status"] for d in store.deliveries(WEBHOOK_CHANNEL)} == {"delivered"}


def test_digest_webhook_body_names_its_kind() -> None:
    body = json.loads(
        webhook_body(
            {
                "kind": "digest",
                "message_id": "digest:buyer.ana:2026-11-30",
                "recipient_id": "buyer.ana",
                "payload": json.dumps({"owner_id": "buyer.ana", "top": []}),
            }
        )
    )
    assert body == {
        "type": "digest",
        "message_id": "digest:buyer.ana:2026-11-30",
        "recipient_id": "buyer.ana",
        "digest": {"owner_id": "buyer.ana", "top": []},
    }


# -------------------------------------------------------------------------------- CLI and lines
def test_list_ranks_and_unknown_owner_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_export(
        SqliteQueueStore(tmp_path / "queue.sqlite"),
        [row("a", score=3), row("b", score=30, decision_type="markdown")],
    )
    wh = ["--warehouse", str(tmp_path)]
    assert cli.main(["queue", "list", "--owner", "buyer.ana", "--format", "json", *wh]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(i["rank"], i["decision_id"]) for i in listed] == [(1, "b"), (2, "a")]
    assert (
        cli.main(
            [
                "queue",
                "list",
                "--owner",
                "buyer.ana",
                "--sort",
                "due",
                "--type",
                "markdown",
                "--min-value",
                "500",
                "--limit",
                "5",
                *wh,
            ]
        )
        == 0
    )
    assert "markdown" in capsys.readouterr().out
    assert cli.main(["queue", "list", "--owner", "no.such.owner", *wh]) == 2
    assert "unknown owner no.such.owner" in capsys.readouterr().err
    # an owner of the policy seeds with nothing queued has an empty queue, not an error
    assert cli.main(["queue", "list", "--owner", "buyer.chen", *wh]) == 0
    assert "no open decisions" in capsys.readouterr().out


def test_show_lists_a_proposals_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        {
            "line_no": 1,
            "signal_type": "replenish",
            "sku_id": "SKU-1",
            "location_id": "LOC-1",
            "supplier_id": "SUP-1",
            "qty": 24.0,
            "value": 240.0,
        },
        {
            "line_no": 2,
            "signal_type": "replenish",
            "sku_id": "SKU-2",
            "location_id": "LOC-1",
            "supplier_id": "SUP-1",
            "qty": 12.0,
            "value": 760.0,
        },
    ]
    run_export(
        SqliteQueueStore(tmp_path / "queue.sqlite"), [row("prop", kind="proposal", lines=lines)]
    )
    assert cli.main(["queue", "show", "prop", "--warehouse", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "lines (2)" in out and "SKU-2" in out and "760.00" in out
    assert (
        cli.main(["queue", "show", "prop", "--format", "json", "--warehouse", str(tmp_path)]) == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert [line["sku_id"] for line in shown["decision"]["lines"]] == ["SKU-1", "SKU-2"]
