{#-
    Every decision of this run, one row per decision (latest version): what to do, how much, by when,
    who owns it, who may approve it, and the figures it was computed from. Identity is deterministic
    (type, subject, episode start), so re-running on the same data yields the same decision_ids.
-#}
{%- set candidate_models = ['int_decision_candidates__replenish'] %}

with

candidates as (

    {% for model in candidate_models -%}
        select
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
            priority,
            value_at_stake,
            reason,
            inputs,
            signal_at,
            as_of_date
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

authority as (

    select * from {{ ref('approval_authority') }}

),

events as (

    select * from {{ ref('stg_landing__decision_events') }}

),

identified as (

    select
        {{ decision_id('candidates.decision_type', ['candidates.subject_key'], 'candidates.signal_at') }}
            as decision_id,
        1 as decision_version,
        candidates.*
    from candidates

),

decision_types as (

    select distinct decision_type from identified

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
        identified.decision_id,
        coalesce(
            arg_min(
                approval_rules.approver_role, coalesce(approval_rules.max_value_at_stake, 'infinity'::double)
            ) filter (
                where coalesce(approval_rules.max_value_at_stake, 'infinity'::double) >= identified.value_at_stake
            ),
            -- a value above every band goes to the role of the highest band
            arg_max(approval_rules.approver_role, coalesce(approval_rules.max_value_at_stake, 'infinity'::double))
        ) as approver_role
    from identified
    inner join approval_rules on identified.decision_type = approval_rules.decision_type
    group by identified.decision_id

),

latest_event as (

    select
        decision_id,
        arg_max(event_type, occurred_at) as event_type,
        max(occurred_at) as occurred_at
    from events
    where event_type != 'commented'
    group by decision_id

),

final as (

    select
        identified.decision_id,
        identified.decision_version,
        identified.decision_type,
        identified.subject_key,
        identified.sku_id,
        identified.location_id,
        identified.supplier_id,
        identified.constraint_id,
        identified.recommended_qty,
        identified.due_by,
        identified.owner_id,
        identified.escalation_owner_id,
        approvers.approver_role,
        identified.priority,
        identified.value_at_stake,
        identified.reason,
        identified.inputs,
        identified.signal_at,
        coalesce(latest_event.event_type, 'proposed') as status,
        coalesce(latest_event.occurred_at, identified.signal_at) as status_at,
        identified.as_of_date
    from identified
    left join approvers on identified.decision_id = approvers.decision_id
    left join latest_event on identified.decision_id = latest_event.decision_id

)

select * from final
