"""Automation within authority: what auto_execution_policy lets the system do by itself, at export.

fct_decisions names, per open decision, the auto_execution_policy rule that covers it
(`auto_execution_rule_id`: same type, value at stake within the rule's band, the rule's condition
true in the inputs; none at all when the dbt var auto_execution_enabled is false). The export
checks each again against the seed — the rule exists, has the decision's type, and the value is not
above its band — and has the system actor `stockops.auto` approve and execute the queued version
through the queue store's event path: an `approved` and an `executed` event whose reason starts with
`auto_execution_policy:<rule_id>`. The queue row is closed (nobody needs to act), and the owner may
reverse it within the rule's reverse_window_hours (`stockops queue reverse`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stockops.queue import actions
from stockops.queue.rows import queue_status
from stockops.queue.store import QueueStore


@dataclass
class AutoExecutionReport:
    executed: int = 0
    executed_ids: list[str] = field(default_factory=list)  # the decisions executed now
    refused: list[dict[str, Any]] = field(default_factory=list)  # covered in the mart, not allowed


def grant_reason(rule: actions.AutoRule, decision: Mapping[str, Any]) -> str:
    """`auto_execution_policy:<rule_id>` and what allowed it, for the events' reason."""
    return (
        f"{actions.AUTO_REASON_PREFIX}{rule.rule_id} {rule.decision_type} worth "
        f"{float(decision['value_at_stake']):,.2f} within the rule's band of "
        f"{rule.max_value_at_stake:,.2f}, {rule.condition} true: {rule.description}"
    ).rstrip(": ")


def auto_execute(
    store: QueueStore,
    decisions: Sequence[Mapping[str, Any]],
    policy: actions.Policy | None = None,
    now: datetime | None = None,
) -> AutoExecutionReport:
    """Approve and execute, as stockops.auto, every open decision the mart grants an
    auto_execution_rule_id and the seed allows. Idempotent: a version already executed, or one
    whose state allows neither approval nor execution (e.g. rejected), is left alone."""
    report = AutoExecutionReport()
    due = [d for d in decisions if d.get("auto_execution_rule_id") and queue_status(d) == "open"]
    if not due:
        return report
    policy = policy or actions.load_policy()
    grants = []
    for d in due:
        rule = policy.auto_rules.get(str(d["auto_execution_rule_id"]))
        if rule is None or not rule.allows(str(d.get("decision_type")), d.get("value_at_stake")):
            report.refused.append(
                {
                    "decision_id": d["decision_id"],
                    "rule_id": d["auto_execution_rule_id"],
                    "why": "no such rule in auto_execution_policy"
                    if rule is None
                    else f"{d.get('decision_type')} worth {d.get('value_at_stake')} is outside "
                    f"the rule ({rule.decision_type}, at most {rule.max_value_at_stake:,.2f})",
                }
            )
            continue
        grants.append(
            {
                "decision_id": d["decision_id"],
                "decision_version": int(d["decision_version"]),
                "reason": grant_reason(rule, d),
            }
        )
    moment = now or datetime.now(UTC)

    def steps(item: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
        state = actions.current_state(events, policy.transitions, moment)
        if (state, "approved") in policy.transitions:
            approved = policy.transitions[(state, "approved")]
            return ["approved", "executed"] if (approved, "executed") in policy.transitions else []
        return ["executed"] if (state, "executed") in policy.transitions else []

    report.executed_ids = [
        decision_id for decision_id, _ in store.record_auto_executions(grants, steps)
    ]
    report.executed = len(report.executed_ids)
    return report
