{#-
    How fast owners act, per owner × decision type × week (ISO week, Monday, of the decision's queue
    time, or its detection when it never reached a queue). Hours are wall-clock hours between the
    events (snoozed time included here; the SLA clocks in fct_decisions exclude it). The SLA outcome
    counts come from fct_decision_time_to_action: auto-executed decisions and those still inside their
    SLA are counted apart from the owner's within-SLA share.
-#}
with

decisions as (

    select * from {{ ref('fct_decisions') }}

),

outcomes as (

    select * from {{ ref('fct_decision_time_to_action') }}

),

measured as (

    select
        decisions.owner_id,
        decisions.decision_type,
        cast(date_trunc('week', coalesce(decisions.queued_at, decisions.detected_at)) as date) as week_start,
        outcomes.sla_outcome,
        decisions.value_at_stake,
        decisions.is_open,
        decisions.is_overdue,
        decisions.escalated_at is not null as was_escalated,
        decisions.acknowledged_at is not null as was_acknowledged,
        decisions.resolved_at is not null as was_resolved,
        decisions.resolved_at is not null
        and (decisions.escalated_at is null or decisions.resolved_at < decisions.escalated_at)
            as resolved_before_escalation,
        date_diff('second', decisions.queued_at, decisions.acknowledged_at) / 3600.0 as hours_to_ack,
        date_diff('second', decisions.queued_at, decisions.resolved_at) / 3600.0 as hours_to_resolve,
        date_diff('second', decisions.signal_at, decisions.queued_at) / 3600.0 as hours_signal_to_queue,
        date_diff('second', decisions.signal_at, decisions.resolved_at) / 3600.0 as hours_signal_to_resolution
    from decisions
    inner join outcomes on decisions.decision_id = outcomes.decision_id

),

final as (

    select
        owner_id,
        decision_type,
        week_start,
        count(*) as decisions_opened,
        count(*) filter (where was_acknowledged) as acknowledged,
        count(*) filter (where was_resolved) as resolved,
        round(median(hours_to_ack), 2) as median_hours_to_ack,
        round(quantile_cont(hours_to_resolve, 0.9), 2) as p90_hours_to_resolve,
        count(*) filter (where is_open and is_overdue) as overdue_open,
        count(*) filter (where was_escalated) as escalated,
        round(
            count(*) filter (where resolved_before_escalation)
            / nullif(count(*) filter (where was_resolved), 0),
            4
        ) as pct_resolved_before_escalation,
        round(median(hours_signal_to_queue), 2) as median_hours_signal_to_queue,
        round(median(hours_signal_to_resolution), 2) as median_hours_signal_to_resolution,
        round(sum(value_at_stake), 2) as value_at_stake,
        count(*) filter (where sla_outcome = 'auto_executed') as auto_executed,
        count(*) filter (where sla_outcome = 'resolved_within_sla') as resolved_within_sla,
        count(*) filter (where sla_outcome = 'breached_sla') as breached_sla,
        count(*) filter (where sla_outcome = 'open_within_sla') as open_within_sla,
        round(
            count(*) filter (where sla_outcome = 'resolved_within_sla')
            / nullif(count(*) filter (where sla_outcome in ('resolved_within_sla', 'breached_sla')), 0),
            4
        ) as share_resolved_within_sla
    from measured
    group by owner_id, decision_type, week_start

)

select * from final
