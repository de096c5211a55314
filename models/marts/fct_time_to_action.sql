{#-
    How fast owners act, per owner × decision type × week (ISO week, Monday, of the decision's queue
    time, or its detection when it never reached a queue). Hours are wall-clock hours between the
    events (snoozed time included here; the SLA clocks in fct_decisions exclude it).
-#}
with

decisions as (

    select * from {{ ref('fct_decisions') }}

),

measured as (

    select
        owner_id,
        decision_type,
        cast(date_trunc('week', coalesce(queued_at, detected_at)) as date) as week_start,
        value_at_stake,
        is_open,
        is_overdue,
        escalated_at is not null as was_escalated,
        acknowledged_at is not null as was_acknowledged,
        resolved_at is not null as was_resolved,
        resolved_at is not null and (escalated_at is null or resolved_at < escalated_at)
            as resolved_before_escalation,
        date_diff('second', queued_at, acknowledged_at) / 3600.0 as hours_to_ack,
        date_diff('second', queued_at, resolved_at) / 3600.0 as hours_to_resolve,
        date_diff('second', signal_at, queued_at) / 3600.0 as hours_signal_to_queue,
        date_diff('second', signal_at, resolved_at) / 3600.0 as hours_signal_to_resolution
    from decisions

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
        round(sum(value_at_stake), 2) as value_at_stake
    from measured
    group by owner_id, decision_type, week_start

)

select * from final
