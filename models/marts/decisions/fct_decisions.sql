{#-
    One row per decision — its latest version — with owner, approver, SLA clocks and lifecycle status.
    status: executed / rejected / reversed from the owners' events win; otherwise a decision whose
    condition cleared is withdrawn; otherwise the lifecycle state of its current version (proposed
    until the queue assigned it). SLA clocks run from queued_at (the current version's 'assigned'
    event), extended by the hours the decision was snoozed.
    Live figures: priority_score (and the priority label from its bands) is this run's when the decision
    is still produced, else its version's; priority_rank orders each owner's open decisions a person
    acts on by it (not those stockops.auto executes).
    Honest dates: due_by is never before the day the decision was first detected — a condition seen late
    is due by its resolve SLA from detection (data_due_by keeps the date the data alone calls for) — and
    an open decision past due_by is overdue like one past its SLA.
    auto_execution_rule_id: the auto_execution_policy rule (same type, value at stake within its band, its
    condition true in the inputs) under which stockops.auto approves and executes the decision at export;
    null when none applies or var auto_execution_enabled is false.
-#}
with

versions as (

    select * from {{ ref('int_decision_versions') }}

),

lifecycle as (

    select * from {{ ref('int_decision_lifecycle') }}

),

decision_states as (

    -- which statuses are open: the one definition the owner queues read too
    select * from {{ ref('decision_states') }}

),

authority as (

    select * from {{ ref('approval_authority') }}

),

current_candidates as (

    select
        decision_id,
        priority_score,
        priority
    from {{ ref('int_decision_candidates') }}

),

products as (

    select * from {{ ref('stg_landing__products') }}

),

auto_rules as (

    select * from {{ ref('auto_execution_policy') }}

),

slas as (

    select * from {{ ref('decision_slas') }}

),

latest_version as (

    select * from versions
    qualify row_number() over (
        partition by decision_id
        order by decision_version desc, change_kind = 'withdrawn' desc
    ) = 1

),

latest as (

    select
        latest_version.* replace (
            coalesce(current_candidates.priority_score, latest_version.priority_score, 0) as priority_score,
            coalesce(current_candidates.priority, latest_version.priority) as priority
        ),
        latest_version.due_by as data_due_by
    from latest_version
    left join current_candidates
        on latest_version.decision_id = current_candidates.decision_id and latest_version.change_kind != 'withdrawn'

),

first_seen as (

    select
        versions.decision_id,
        min(versions.detected_at) as detected_at,
        min(lifecycle.queued_at) as first_queued_at
    from versions
    left join lifecycle
        on
            versions.decision_id = lifecycle.decision_id
            and versions.decision_version = lifecycle.decision_version
    group by versions.decision_id

),

decision_types as (

    select distinct decision_type from latest

),

approval_rules as (

    -- a type's own rows, or the 'default' rows for a type without any
    select
        decision_types.decision_type,
        authority.max_value_at_stake,
        authority.approver_role
    from decision_types
    inner join authority
        on
            decision_types.decision_type = authority.decision_type
            or (
                authority.decision_type = 'default'
                and decision_types.decision_type not in (select own.decision_type from authority as own)
            )

),

approvers as (

    select
        latest.decision_id,
        coalesce(
            arg_min(
                approval_rules.approver_role, coalesce(approval_rules.max_value_at_stake, 'infinity'::double)
            ) filter (
                where coalesce(approval_rules.max_value_at_stake, 'infinity'::double) >= latest.value_at_stake
            ),
            -- a value above every band goes to the role of the highest band
            arg_max(approval_rules.approver_role, coalesce(approval_rules.max_value_at_stake, 'infinity'::double))
        ) as approver_role
    from latest
    inner join approval_rules on latest.decision_type = approval_rules.decision_type
    group by latest.decision_id

),

decision_slas as (

    select
        latest.decision_id,
        coalesce(own.ack_within_hours, fallback.ack_within_hours) as ack_within_hours,
        coalesce(own.resolve_within_hours, fallback.resolve_within_hours) as resolve_within_hours
    from latest
    left join slas as own
        on latest.decision_type = own.decision_type and latest.priority = own.priority
    left join slas as fallback
        on fallback.decision_type = 'default' and latest.priority = fallback.priority

),

auto_matches as (

    -- the tightest band wins when several rules match (then the first rule_id)
    select
        latest.decision_id,
        auto_rules.rule_id
    from latest
    inner join auto_rules
        on
            latest.decision_type = auto_rules.decision_type
            and latest.value_at_stake <= auto_rules.max_value_at_stake
            and json_extract_string(latest.inputs, '$.' || auto_rules.condition) = 'true'
    where {{ var('auto_execution_enabled') }}
    qualify row_number() over (
        partition by latest.decision_id order by auto_rules.max_value_at_stake, auto_rules.rule_id
    ) = 1

),

joined as (

    select
        latest.* replace (
            -- a condition detected late is due by its resolve SLA from detection, never before it
            case
                when latest.due_by < first_seen.detected_at::date
                    then (
                        first_seen.detected_at + to_milliseconds((decision_slas.resolve_within_hours * 3600000)::bigint)
                    )::date
                else latest.due_by
            end as due_by
        ),
        auto_matches.rule_id as auto_execution_rule_id,
        products.category_id,
        first_seen.detected_at as first_detected_at,
        first_seen.first_queued_at,
        approvers.approver_role,
        decision_slas.ack_within_hours,
        decision_slas.resolve_within_hours,
        lifecycle.lifecycle_status,
        lifecycle.lifecycle_status_at,
        lifecycle.snoozed_until,
        lifecycle.invalid_events,
        lifecycle.queued_at,
        lifecycle.acknowledged_at,
        lifecycle.resolved_at,
        lifecycle.escalated_at,
        lifecycle.paused_hours,
        lifecycle.evaluated_at,
        case
            when not lifecycle_states.is_open then lifecycle.lifecycle_status
            when latest.change_kind = 'withdrawn' then 'withdrawn'
            else lifecycle.lifecycle_status
        end as status
    from latest
    inner join first_seen on latest.decision_id = first_seen.decision_id
    left join approvers on latest.decision_id = approvers.decision_id
    left join decision_slas on latest.decision_id = decision_slas.decision_id
    left join auto_matches on latest.decision_id = auto_matches.decision_id
    left join products on latest.sku_id = products.sku_id
    left join lifecycle
        on latest.decision_id = lifecycle.decision_id and latest.decision_version = lifecycle.decision_version
    left join decision_states as lifecycle_states on lifecycle.lifecycle_status = lifecycle_states.state

),

clocks as (

    select
        joined.*,
        joined.queued_at
        + to_milliseconds(((joined.ack_within_hours + joined.paused_hours) * 3600000)::bigint) as ack_due_at,
        joined.queued_at
        + to_milliseconds(((joined.resolve_within_hours + joined.paused_hours) * 3600000)::bigint) as resolve_due_at,
        status_states.is_open
    from joined
    left join decision_states as status_states on joined.status = status_states.state

),

final as (

    select
        decision_id,
        decision_version,
        decision_type,
        subject_key,
        sku_id,
        location_id,
        supplier_id,
        constraint_id,
        recommended_qty,
        due_by,
        owner_id,
        escalation_owner_id,
        approver_role,
        priority,
        value_at_stake,
        reason,
        inputs,
        signal_at,
        first_detected_at as detected_at,
        first_queued_at as queued_at,
        status,
        case
            when status = 'withdrawn' then detected_at
            else coalesce(lifecycle_status_at, detected_at)
        end as status_at,
        is_open,
        change_kind,
        snoozed_until,
        ack_due_at,
        resolve_due_at,
        coalesce(
            is_open
            and status != 'snoozed'
            and (
                (acknowledged_at is null and resolved_at is null and evaluated_at > ack_due_at)
                or (resolved_at is null and evaluated_at > resolve_due_at)
                -- past the due date: the end of due_by has passed
                or (resolved_at is null and evaluated_at >= (due_by + interval 1 day)::timestamp)
            ),
            false
        ) as is_overdue,
        acknowledged_at,
        resolved_at,
        escalated_at,
        coalesce(invalid_events, 0) as invalid_events,
        as_of_date,
        priority_score,
        -- the owner's queue: open decisions a person acts on (stockops.auto executes the others)
        case
            when is_open and auto_execution_rule_id is null then (row_number() over (
                partition by owner_id, is_open and auto_execution_rule_id is null
                order by priority_score desc, due_by asc, decision_id asc
            ))::integer
        end as priority_rank,
        coalesce(decision_kind, 'single') as decision_kind,
        coalesce(line_count, 1)::integer as line_count,
        round(date_diff('second', signal_at, first_detected_at) / 3600.0, 2) as signal_age_hours,
        data_due_by,
        auto_execution_rule_id,
        category_id
    from clocks

)

select
    * exclude (
        priority_score, priority_rank, decision_kind, line_count, signal_age_hours, data_due_by, auto_execution_rule_id,
        category_id
    ),
    case when is_overdue then escalation_owner_id end as escalate_to,
    priority_score,
    priority_rank,
    decision_kind,
    line_count,
    signal_age_hours,
    data_due_by,
    auto_execution_rule_id,
    category_id
from final
