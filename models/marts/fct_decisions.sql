{#-
    One row per decision — its latest version — with owner, approver, SLA clocks and lifecycle status.
    status: executed / rejected / reversed from the owners' events win; otherwise a decision whose
    condition cleared is withdrawn; otherwise the lifecycle state of its current version (proposed
    until the queue assigned it). SLA clocks run from queued_at (the current version's 'assigned'
    event), extended by the hours the decision was snoozed.
-#}
with

versions as (

    select * from {{ ref('int_decision_versions') }}

),

lifecycle as (

    select * from {{ ref('int_decision_lifecycle') }}

),

authority as (

    select * from {{ ref('approval_authority') }}

),

slas as (

    select * from {{ ref('decision_slas') }}

),

latest as (

    select * from versions
    qualify row_number() over (
        partition by decision_id
        order by decision_version desc, change_kind = 'withdrawn' desc
    ) = 1

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

joined as (

    select
        latest.*,
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
            when lifecycle.lifecycle_status in ('executed', 'rejected', 'reversed') then lifecycle.lifecycle_status
            when latest.change_kind = 'withdrawn' then 'withdrawn'
            else lifecycle.lifecycle_status
        end as status
    from latest
    inner join first_seen on latest.decision_id = first_seen.decision_id
    left join approvers on latest.decision_id = approvers.decision_id
    left join decision_slas on latest.decision_id = decision_slas.decision_id
    left join lifecycle
        on latest.decision_id = lifecycle.decision_id and latest.decision_version = lifecycle.decision_version

),

clocks as (

    select
        *,
        queued_at + to_milliseconds(((ack_within_hours + paused_hours) * 3600000)::bigint) as ack_due_at,
        queued_at + to_milliseconds(((resolve_within_hours + paused_hours) * 3600000)::bigint) as resolve_due_at,
        status in ('proposed', 'assigned', 'acknowledged', 'snoozed', 'escalated', 'approved') as is_open
    from joined

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
            ),
            false
        ) as is_overdue,
        acknowledged_at,
        resolved_at,
        escalated_at,
        coalesce(invalid_events, 0) as invalid_events,
        as_of_date
    from clocks

)

select
    *,
    case when is_overdue then escalation_owner_id end as escalate_to
from final
