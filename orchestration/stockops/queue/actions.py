"""What an owner may do to a queued decision: the lifecycle state machine and approval authority.

Pure functions over plain data, so they can be tested without Dagster, DuckDB or a queue file:

- `load_policy()` reads the business policy from the project's seed CSVs (decision_transitions,
  approval_authority, actor_roles, category_owners, auto_execution_policy) into a `Policy`.
- `current_state()` replays a decision version's events through decision_transitions exactly as
  int_decision_lifecycle.sql does, so the CLI and the mart agree on the state.
- `decide()` checks one action (ack, approve, reject, snooze, execute, reverse) against the state
  machine and the authority rules and returns the event to append, or raises `ActionRefused`. A
  decision the system actor executed under an auto_execution_policy rule may also be reversed by
  its owner (or escalation owner) within the rule's reverse_window_hours. A role counts only where
  its actor_roles scope (category_id, location_id; blank = all) covers the decision, and above
  approval_authority.four_eyes_above the owner may not approve their own decision.

The dbt model int_decision_event_checks applies the same rules, from the same seeds, to events
landed in decision_events/ (tests/python/integration/test_forged_events.py checks that both agree).

Actor and owner ids are data: they are compared and returned as they are, never built into SQL or
templates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from stockops.queue.rows import AUTO_ACTOR, read_seed

# CLI action -> the decision_events.event_type it appends
ACTIONS: dict[str, str] = {
    "ack": "acknowledged",
    "approve": "approved",
    "reject": "rejected",
    "snooze": "snoozed",
    "execute": "executed",
    "reverse": "reversed",
}
# actions only an approver may take (reversal is authority-checked like approval)
APPROVER_ACTIONS = frozenset({"approve", "reject", "reverse"})
REASON_REQUIRED = frozenset({"reject", "reverse"})
# events the lifecycle replay skips (int_decision_lifecycle.sql filters them out)
NON_STATE_EVENTS = frozenset({"commented", "proposed", "superseded", "withdrawn"})
INITIAL_STATE = "proposed"
MAX_SNOOZE = timedelta(days=30)
AUTO_REASON_PREFIX = "auto_execution_policy:"  # its events' reasons start with this and the rule id
CLOSED_QUEUE_ROWS = frozenset({"withdrawn", "superseded"})
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # as the queue store writes occurred_at

Transitions = Mapping[tuple[str, str], str]  # (from_state, event_type) -> to_state


class ActionRefused(Exception):
    """The action is not allowed; the message is one line naming actor, action, decision, reason."""


class UnknownDecision(LookupError):
    """The decision id is not in any queue."""


@dataclass(frozen=True)
class AuthorityRule:
    decision_type: str
    max_value_at_stake: float | None  # None = no upper bound
    approver_role: str
    four_eyes_above: float | None = None  # above it the owner may not approve their own decision


@dataclass(frozen=True)
class RoleGrant:
    """A row of actor_roles: a role, optionally only for one category and/or location."""

    role: str
    category_id: str | None = None  # None = every category
    location_id: str | None = None  # None = every location

    def covers(self, category_id: Any, location_id: Any) -> bool:
        return (self.category_id is None or self.category_id == category_id) and (
            self.location_id is None or self.location_id == location_id
        )

    def __str__(self) -> str:
        scope = [f"category {self.category_id}"] if self.category_id else []
        scope += [f"location {self.location_id}"] if self.location_id else []
        return self.role + (f" (for {' and '.join(scope)})" if scope else "")


@dataclass(frozen=True)
class AutoRule:
    """A row of auto_execution_policy: what stockops.auto may approve and execute by itself."""

    rule_id: str
    decision_type: str
    max_value_at_stake: float
    condition: str
    reverse_window_hours: float
    description: str = ""

    def allows(self, decision_type: str, value_at_stake: float | None) -> bool:
        """Same type and a value within the rule's band (never above it)."""
        return (
            decision_type == self.decision_type
            and value_at_stake is not None
            and float(value_at_stake) <= self.max_value_at_stake
        )


@dataclass(frozen=True)
class Policy:
    transitions: Transitions
    approval_authority: tuple[AuthorityRule, ...]
    actor_roles: Mapping[str, frozenset[str]]
    category_owners: tuple[Mapping[str, str], ...] = field(default=())
    auto_rules: Mapping[str, AutoRule] = field(default_factory=dict)
    # actor -> its actor_roles rows with their scopes (an actor without one: all of actor_roles)
    grants: Mapping[str, tuple[RoleGrant, ...]] = field(default_factory=dict)

    def roles_of(self, actor: str) -> frozenset[str]:
        return self.actor_roles.get(actor, frozenset())

    def grants_of(self, actor: str) -> tuple[RoleGrant, ...]:
        if actor in self.grants:
            return self.grants[actor]
        return tuple(RoleGrant(role) for role in sorted(self.roles_of(actor)))

    def roles_covering(self, actor: str, category_id: Any, location_id: Any) -> frozenset[str]:
        """The actor's roles whose scope (actor_roles.category_id / location_id) covers a decision."""
        return frozenset(
            g.role for g in self.grants_of(actor) if g.covers(category_id, location_id)
        )

    def is_known_actor(self, actor: str) -> bool:
        """In actor_roles, or named as an owner or escalation owner in category_owners."""
        return actor in self.actor_roles or any(
            actor in (row.get("owner_id"), row.get("escalation_owner_id"))
            for row in self.category_owners
        )

    def approver_roles(self, decision_type: str, value_at_stake: float | None) -> frozenset[str]:
        """Roles that may approve, reject or reverse a decision of this type and value.

        The approval_authority rows of the type (the 'default' rows when the type has none) whose
        band reaches the value: max_value_at_stake empty or >= value. A role of a higher band may
        therefore approve smaller values too. A value above every band goes to the role of the
        highest band, as fct_decisions does.
        """
        rules = self.rules_of(decision_type)
        if not rules:
            return frozenset()
        value = float(value_at_stake or 0.0)
        allowed = {
            r.approver_role
            for r in rules
            if r.max_value_at_stake is None or r.max_value_at_stake >= value
        }
        if not allowed:
            top = max(rules, key=lambda r: r.max_value_at_stake or 0.0)
            allowed = {top.approver_role}
        return frozenset(allowed)

    def rules_of(self, decision_type: str) -> list[AuthorityRule]:
        """The approval_authority rows of the type, or the 'default' rows for a type without any."""
        return [r for r in self.approval_authority if r.decision_type == decision_type] or [
            r for r in self.approval_authority if r.decision_type == "default"
        ]

    def four_eyes_above(self, decision_type: str) -> float | None:
        """Above this value the owner may not approve their own decision: the lowest four_eyes_above
        of the type's approval_authority rows (None: no four-eyes rule for the type)."""
        limits = [
            r.four_eyes_above for r in self.rules_of(decision_type) if r.four_eyes_above is not None
        ]
        return min(limits, default=None)

    def allowed_from(self, event_type: str) -> list[str]:
        """The states from which decision_transitions allows this event, in seed order."""
        return [src for (src, ev) in self.transitions if ev == event_type]


# ------------------------------------------------------------------------------------- loading
def transitions_from_rows(rows: Iterable[Mapping[str, str]]) -> dict[tuple[str, str], str]:
    return {(r["from_state"], r["event_type"]): r["to_state"] for r in rows}


def load_policy(seeds_dir: Path | None = None) -> Policy:
    """The policy seeds of the dbt project (default: `settings.load().project_dir / "seeds"`)."""
    if seeds_dir is None:
        from stockops import settings

        seeds_dir = settings.load().project_dir / "seeds"
    seeds_dir = Path(seeds_dir)
    authority = tuple(
        AuthorityRule(
            decision_type=r["decision_type"],
            max_value_at_stake=float(r["max_value_at_stake"]) if r["max_value_at_stake"] else None,
            approver_role=r["approver_role"],
            four_eyes_above=float(r["four_eyes_above"]) if r.get("four_eyes_above") else None,
        )
        for r in read_seed(seeds_dir / "approval_authority.csv")
    )
    roles: dict[str, set[str]] = {}
    grants: dict[str, list[RoleGrant]] = {}
    for r in read_seed(seeds_dir / "actor_roles.csv"):
        if r["actor_id"] and r["role"]:
            roles.setdefault(r["actor_id"], set()).add(r["role"])
            grants.setdefault(r["actor_id"], []).append(
                RoleGrant(r["role"], r.get("category_id") or None, r.get("location_id") or None)
            )
    auto_path = seeds_dir / "auto_execution_policy.csv"
    auto_rules = {
        r["rule_id"]: AutoRule(
            rule_id=r["rule_id"],
            decision_type=r["decision_type"],
            max_value_at_stake=float(r["max_value_at_stake"]),
            condition=r["condition"],
            reverse_window_hours=float(r["reverse_window_hours"]),
            description=r.get("description", ""),
        )
        for r in (read_seed(auto_path) if auto_path.exists() else [])
    }
    return Policy(
        transitions=transitions_from_rows(read_seed(seeds_dir / "decision_transitions.csv")),
        approval_authority=authority,
        actor_roles={actor: frozenset(rs) for actor, rs in roles.items()},
        category_owners=tuple(read_seed(seeds_dir / "category_owners.csv")),
        auto_rules=auto_rules,
        grants={actor: tuple(gs) for actor, gs in grants.items()},
    )


# ------------------------------------------------------------------------------------- time
def parse_timestamp(value: Any) -> datetime | None:
    """A timestamp as an aware UTC datetime; naive text or datetimes are taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_until(text: str) -> datetime:
    """--until: an ISO date (midnight UTC) or datetime (UTC unless it carries an offset)."""
    try:
        parsed = parse_timestamp(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(f"not an ISO date or datetime: {text!r}")
    return parsed


# ------------------------------------------------------------------------------------- lifecycle
@dataclass(frozen=True)
class Lifecycle:
    state: str  # the state the replay ends in (an expired snooze still reads 'snoozed' here)
    state_before_snooze: str
    snoozed_until: datetime | None
    invalid_events: int

    def at(self, now: datetime) -> str:
        """The state at `now`: a snooze whose snoozed_until has passed returns to the state before."""
        if (
            self.state == "snoozed"
            and self.snoozed_until is not None
            and self.snoozed_until <= _aware(now)
        ):
            return self.state_before_snooze
        return self.state


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def event_order(event: Mapping[str, Any]) -> tuple[datetime, str]:
    occurred = parse_timestamp(event.get("occurred_at")) or datetime.min.replace(tzinfo=UTC)
    return occurred, str(event.get("event_id") or "")


def replay(events: Iterable[Mapping[str, Any]], transitions: Transitions) -> Lifecycle:
    """Walk one decision version's events from 'proposed', as int_decision_lifecycle.sql does:
    ordered by occurred_at then event_id; commented/proposed/superseded/withdrawn skipped; an event
    without a transition from the current state is ignored and counted as invalid."""
    state, before_snooze, until, invalid = INITIAL_STATE, INITIAL_STATE, None, 0
    for event in sorted(events, key=event_order):
        event_type = str(event.get("event_type"))
        if event_type in NON_STATE_EVENTS:
            continue
        target = transitions.get((state, event_type))
        if target is None:
            invalid += 1
            continue
        if target == "snoozed":
            if state != "snoozed":
                before_snooze = state
            until = parse_timestamp(event.get("snoozed_until"))
        else:
            until = None
        state = target
    return Lifecycle(state, before_snooze, until, invalid)


def current_state(
    events: Iterable[Mapping[str, Any]], transitions: Transitions, now: datetime
) -> str:
    """The lifecycle state of a decision version at `now` (see `replay` and `Lifecycle.at`)."""
    return replay(events, transitions).at(now)


# ------------------------------------------------------------------------------------- automation
def auto_execution(events: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The `executed` event stockops.auto wrote for this version, if the system executed it."""
    return next(
        (
            e
            for e in sorted(events, key=event_order)
            if e.get("event_type") == "executed" and e.get("actor_id") == AUTO_ACTOR
        ),
        None,
    )


def auto_rule_of(event: Mapping[str, Any], policy: Policy) -> AutoRule | None:
    """The auto_execution_policy rule an automatic event names in its reason."""
    reason = str(event.get("reason") or "")
    if not reason.startswith(AUTO_REASON_PREFIX):
        return None
    words = reason[len(AUTO_REASON_PREFIX) :].split(maxsplit=1)
    return policy.auto_rules.get(words[0]) if words else None


def reverse_window_closes_at(
    events: Iterable[Mapping[str, Any]], policy: Policy
) -> tuple[AutoRule, datetime] | None:
    """For a version stockops.auto executed: its rule and when the owner's reversal window closes."""
    executed = auto_execution(events)
    if executed is None:
        return None
    rule = auto_rule_of(executed, policy)
    at = parse_timestamp(executed.get("occurred_at"))
    if rule is None or at is None:
        return None
    return rule, at + timedelta(hours=rule.reverse_window_hours)


# ------------------------------------------------------------------------------------- decide
def display(name: Any) -> str:
    """A name for a one-line message: as it is, unless it holds control characters (then repr)."""
    text = str(name)
    return repr(text) if any(ord(c) < 32 or ord(c) == 127 for c in text) else text


def decision_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """The queued decision's fields: the fct_decisions row, with the queue row's own columns."""
    fields = dict(item.get("decision") or {})
    for key in ("decision_id", "decision_version", "owner_id", "decision_type", "value_at_stake"):
        if item.get(key) is not None:
            fields[key] = item[key]
    return fields


def _scope_text(fields: Mapping[str, Any]) -> str:
    """' in category C at location L': the decision's place, which a scoped role must cover."""
    parts = [f"category {fields['category_id']}"] if fields.get("category_id") else []
    parts += [f"location {fields['location_id']}"] if fields.get("location_id") else []
    return (" in " + " at ".join(parts)) if parts else ""


def _or(values: Sequence[str]) -> str:
    values = sorted(values)
    if len(values) <= 1:
        return "".join(values) or "(none)"
    return ", ".join(values[:-1]) + " or " + values[-1]


def decide(
    action: str,
    item: Mapping[str, Any] | None,
    events: Sequence[Mapping[str, Any]],
    actor: str | None,
    reason: str | None,
    until: datetime | None,
    policy: Policy,
    now: datetime,
    *,
    decision_id: str | None = None,
) -> dict[str, Any]:
    """The event that `actor` taking `action` on the queued decision appends.

    Returns {event_type, actor_id, reason, snoozed_until}; raises UnknownDecision when the decision
    is not queued and ActionRefused (one line) when the action is not allowed.
    """
    if action not in ACTIONS:
        raise ActionRefused(f"unknown action {display(action)}; use one of {', '.join(ACTIONS)}")
    event_type = ACTIONS[action]
    if item is None:
        raise UnknownDecision(f"decision {display(decision_id or '?')} is not in any queue")
    fields = decision_fields(item)
    did = display(fields.get("decision_id") or decision_id)
    who = display(actor)

    def refuse(why: str) -> ActionRefused:
        return ActionRefused(f"{who} may not {action} decision {did}: {why}")

    if not actor or not str(actor).strip():
        raise ActionRefused(f"{action} decision {did}: an actor is required (--actor)")
    queue_status = item.get("queue_status")
    if queue_status in CLOSED_QUEUE_ROWS:
        raise refuse(
            f"its latest queued version v{fields.get('decision_version')} is {queue_status}"
        )
    if action in REASON_REQUIRED and not (reason and reason.strip()):
        raise refuse(f"a reason is required to {action}")

    owner = fields.get("owner_id")
    escalation_owner = fields.get("escalation_owner_id")
    named = {x for x in (owner, escalation_owner, item.get("escalated_to")) if x}
    if not policy.is_known_actor(actor) and actor not in named:
        raise refuse(
            "unknown actor (not in actor_roles, and not the decision's owner or escalation owner)"
        )

    # the state machine
    lifecycle = replay(events, policy.transitions)
    state = lifecycle.at(now)
    sources = policy.allowed_from(event_type)
    if (state, event_type) not in policy.transitions or (
        lifecycle.state != state and (lifecycle.state, event_type) not in policy.transitions
    ):
        allowed = ", ".join(sources) if sources else "no state"
        raise ActionRefused(
            f"{who} may not {action} decision {did}: decision {did} is {state}; "
            f"'{event_type}' is only allowed from {allowed}"
        )

    # authority
    decision_type = str(fields.get("decision_type") or "")
    value = fields.get("value_at_stake")
    approvers = policy.approver_roles(decision_type, value)
    if not approvers and fields.get("approver_role"):
        approvers = frozenset({str(fields["approver_role"])})
    roles = policy.roles_covering(actor, fields.get("category_id"), fields.get("location_id"))
    is_approver = bool(roles & approvers)
    value_text = f"{float(value):,.2f}" if value is not None else "unknown"
    held = [str(g) for g in policy.grants_of(actor)]
    window = reverse_window_closes_at(events, policy) if action == "reverse" else None
    if action in APPROVER_ACTIONS and not is_approver:
        if window is not None and actor in named and _aware(now) <= window[1]:
            pass  # the owner reverses what the system did by itself, within the rule's window
        elif window is not None and actor in named:
            raise refuse(
                f"the window to reverse what stockops.auto executed under rule {window[0].rule_id} "
                f"closed at {format_timestamp(window[1])}; after it, reversing "
                f"{decision_type} worth {value_text} needs role {_or(list(approvers))}"
            )
        else:
            raise refuse(
                f"{decision_type} worth {value_text} needs role {_or(list(approvers))}"
                + _scope_text(fields)
                + f"; {who} holds {_or(held)}"
            )
    elif actor not in named and not is_approver:
        raise refuse(
            f"only the owner {display(owner)}, the escalation owner {display(escalation_owner)} "
            f"or an approver ({_or(list(approvers))}) may {action} it"
        )

    four_eyes = policy.four_eyes_above(decision_type)
    if (
        action == "approve"
        and actor == owner
        and four_eyes is not None
        and value is not None
        and float(value) > four_eyes
    ):
        raise refuse(
            f"four-eyes: owner {who} may not approve their own {decision_type} worth {value_text} "
            f"(above {four_eyes:,.2f}); another approver must"
        )

    snoozed_until = None
    if action == "snooze":
        if until is None:
            raise refuse("snooze needs --until (an ISO date or datetime, UTC)")
        until = _aware(until)
        moment = _aware(now)
        if until <= moment:
            raise refuse(f"--until {format_timestamp(until)} is not in the future")
        if until - moment > MAX_SNOOZE:
            raise refuse(
                f"--until {format_timestamp(until)} is more than {MAX_SNOOZE.days} days ahead"
            )
        snoozed_until = format_timestamp(until)
    return {
        "event_type": event_type,
        "actor_id": actor,
        "reason": reason if reason else None,
        "snoozed_until": snoozed_until,
    }


def next_actions(
    item: Mapping[str, Any], events: Sequence[Mapping[str, Any]], policy: Policy, now: datetime
) -> list[str]:
    """The actions the state machine allows now (authority aside)."""
    if item.get("queue_status") in CLOSED_QUEUE_ROWS:
        return []
    lifecycle = replay(events, policy.transitions)
    state = lifecycle.at(now)
    return [
        action
        for action, event_type in ACTIONS.items()
        if (state, event_type) in policy.transitions
        and (lifecycle.state, event_type) in policy.transitions
    ]


def policy_problems(policy: Policy) -> list[str]:
    """Gaps between the policy seeds: approver roles nobody holds, owners without any role."""
    held = {role for roles in policy.actor_roles.values() for role in roles}
    problems = [
        f"approval_authority role {r} is held by no actor in actor_roles"
        for r in sorted({rule.approver_role for rule in policy.approval_authority} - held)
    ]
    for row in policy.category_owners:
        for column in ("owner_id", "escalation_owner_id"):
            actor = row.get(column)
            if actor and actor not in policy.actor_roles:
                problems.append(
                    f"category_owners {row.get('category_id')}: {column} {actor} has no actor_roles row"
                )
    return problems
