{#-
    Time to action of every decision (its latest version), as the time-to-action targets measure it
    (docs/time-to-action.md). The owner's clocks run from the current version's queue time, like its SLA.

    sla_outcome, in this order:
      not_queued           the version has not reached a queue yet (no owner clock)
      auto_executed        executed by the system actor (var auto_actor_id): never counts for the owner
      breached_sla         resolved after resolve_due_at, or still unresolved when it passed
      resolved_within_sla  approved, rejected or executed by resolve_due_at
      withdrawn            the condition cleared, unresolved, before resolve_due_at
      open_within_sla      still open, resolve_due_at not reached: no verdict yet
    The clock stops at the run's start (evaluated_at), or at the withdrawal for a withdrawn decision.
    A decision still waiting past its SLA enters the figures with the hours it has waited so far,
    flagged as a lower bound, so an owner who never answers cannot look fast.
-#}
with

decisions as (

    select * from {{ ref('fct_decisions') }}

),

lifecycle as (

    select * from {{ ref('int_decision_lifecycle') }}

),

events as (

    select * from {{ ref('int_decision_event_checks') }}
    where rejection_reason is null

),

products as (

    select * from {{ ref('stg_landing__products') }}

),

version_events as (

    -- per decision version: the owner side's first response and who executed it
    select
        decision_id,
        decision_version,
        min(occurred_at) filter (
            where
            event_type in ('acknowledged', 'approved', 'rejected', 'snoozed', 'executed')
            and actor_id is distinct from '{{ var("auto_actor_id") }}'
        ) as first_response_at,
        arg_min(actor_id, occurred_at) filter (where event_type = 'executed') as executed_by
    from events
    group by decision_id, decision_version

),

joined as (

    select
        decisions.decision_id,
        decisions.decision_version,
        decisions.owner_id,
        decisions.decision_type,
        products.category_id,
        decisions.priority,
        decisions.value_at_stake,
        decisions.status,
        decisions.signal_at,
        lifecycle.queued_at,
        version_events.first_response_at,
        decisions.resolved_at,
        lifecycle.executed_at,
        version_events.executed_by,
        decisions.ack_due_at,
        decisions.resolve_due_at,
        lifecycle.evaluated_at,
        case
            when decisions.status = 'withdrawn' then least(decisions.status_at, lifecycle.evaluated_at)
            else lifecycle.evaluated_at
        end as clock_stopped_at,
        coalesce(version_events.executed_by = '{{ var("auto_actor_id") }}', false) as is_auto_executed,
        decisions.decision_type in (
            {%- for action in var('aging_corrective_actions') %}
                '{{ action }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ) as is_corrective_action
    from decisions
    left join lifecycle
        on
            decisions.decision_id = lifecycle.decision_id
            and decisions.decision_version = lifecycle.decision_version
    left join version_events
        on
            decisions.decision_id = version_events.decision_id
            and decisions.decision_version = version_events.decision_version
    left join products on decisions.sku_id = products.sku_id

),

classified as (

    select
        *,
        case
            when queued_at is null then 'not_queued'
            when is_auto_executed then 'auto_executed'
            when resolved_at > resolve_due_at then 'breached_sla'
            when resolved_at is not null then 'resolved_within_sla'
            when clock_stopped_at > resolve_due_at then 'breached_sla'
            when status = 'withdrawn' then 'withdrawn'
            else 'open_within_sla'
        end as sla_outcome
    from joined

),

measured as (

    select
        *,
        case
            when sla_outcome in ('not_queued', 'auto_executed') then null
            when first_response_at is not null then {{ hours_between('queued_at', 'first_response_at') }}
            when clock_stopped_at > ack_due_at then {{ hours_between('queued_at', 'clock_stopped_at') }}
        end as hours_to_ack,
        case
            when sla_outcome in ('not_queued', 'auto_executed') then null
            when resolved_at is not null then {{ hours_between('signal_at', 'resolved_at') }}
            when sla_outcome = 'breached_sla' then {{ hours_between('signal_at', 'clock_stopped_at') }}
        end as hours_signal_to_resolution,
        case
            when not is_corrective_action or sla_outcome in ('not_queued', 'auto_executed') then null
            when executed_at is not null then {{ hours_between('signal_at', 'executed_at') }}
            when status = 'rejected' then null
            when clock_stopped_at > resolve_due_at then {{ hours_between('signal_at', 'clock_stopped_at') }}
        end as hours_signal_to_action
    from classified

),

final as (

    select
        decision_id,
        decision_version,
        owner_id,
        decision_type,
        category_id,
        priority,
        value_at_stake,
        status,
        signal_at,
        queued_at,
        first_response_at,
        resolved_at,
        executed_at,
        executed_by,
        ack_due_at,
        resolve_due_at,
        evaluated_at,
        clock_stopped_at,
        sla_outcome,
        is_auto_executed,
        is_corrective_action,
        hours_to_ack,
        hours_to_ack is not null and first_response_at is null as ack_is_lower_bound,
        hours_signal_to_resolution,
        hours_signal_to_resolution is not null and resolved_at is null as resolution_is_lower_bound,
        hours_signal_to_action,
        hours_signal_to_action is not null and executed_at is null as action_is_lower_bound
    from measured

)

select * from final
