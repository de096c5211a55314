{#-
    Lifecycle of every decision version from the append-only decision_events (docs/decisions.md):
      proposed → assigned → acknowledged → approved | rejected | snoozed(until) → executed,
      escalated when an SLA is breached, reversed only after executed.
    The allowed transitions are the seed decision_transitions, which the `stockops queue` CLI also
    checks owners' actions against. Only the events int_decision_event_checks accepts are applied (an
    unauthorised actor, a stale version or a transition the state machine does not allow from the
    current state, e.g. reversed before executed, is quarantined there and counted in invalid_events),
    in time order (then event_id) per decision and version. A snooze whose `snoozed_until` has passed at
    evaluation time returns the decision to the state it had before. 'commented' never changes state.
    Evaluation time (`evaluated_at`) is the dbt run's start.
-#}
{%- set evaluated_at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp)" %}

with recursive

transitions as (

    select * from {{ ref('decision_transitions') }}

),

events as (

    select
        decision_id,
        decision_version,
        event_id,
        event_type,
        actor_id,
        occurred_at,
        snoozed_until,
        row_number() over (
            partition by decision_id, decision_version order by occurred_at, event_id
        ) as event_seq
    from {{ ref('int_decision_event_checks') }}
    where
        event_type not in ('commented', 'proposed', 'superseded', 'withdrawn')
        and rejection_reason is null

),

refused as (

    -- events int_decision_event_checks quarantined: never applied, counted as invalid
    select
        decision_id,
        decision_version,
        count(*) as refused_events
    from {{ ref('int_decision_event_checks') }}
    where rejection_reason is not null
    group by decision_id, decision_version

),

versions as (

    select distinct
        decision_id,
        decision_version
    from {{ ref('int_decision_versions') }}

),

walk as (

    select
        versions.decision_id,
        versions.decision_version,
        0::bigint as event_seq,
        'proposed' as state,
        'proposed' as state_before_snooze,
        null::timestamp as state_at,
        null::timestamp as snoozed_until,
        0 as invalid_events
    from versions

    union all

    select
        walk.decision_id,
        walk.decision_version,
        events.event_seq,
        coalesce(transitions.to_state, walk.state) as state,
        case
            when transitions.to_state = 'snoozed' and walk.state != 'snoozed' then walk.state
            else walk.state_before_snooze
        end as state_before_snooze,
        case when transitions.to_state is not null then events.occurred_at else walk.state_at end as state_at,
        case
            when transitions.to_state = 'snoozed' then events.snoozed_until
            when transitions.to_state is not null then null
            else walk.snoozed_until
        end as snoozed_until,
        walk.invalid_events + case when transitions.to_state is null then 1 else 0 end as invalid_events
    from walk
    inner join events
        on
            walk.decision_id = events.decision_id
            and walk.decision_version = events.decision_version
            and events.event_seq = walk.event_seq + 1
    left join transitions
        on walk.state = transitions.from_state and events.event_type = transitions.event_type

),

final_state as (

    select *
    from walk
    qualify row_number() over (
        partition by decision_id, decision_version order by event_seq desc
    ) = 1

),

milestones as (

    select
        decision_id,
        decision_version,
        min(occurred_at) filter (where event_type = 'assigned') as queued_at,
        min(occurred_at) filter (where event_type = 'acknowledged') as acknowledged_at,
        min(occurred_at) filter (where event_type in ('approved', 'rejected', 'executed')) as resolved_at,
        min(occurred_at) filter (where event_type = 'executed') as executed_at,
        min(occurred_at) filter (where event_type = 'escalated') as escalated_at,
        -- time the SLA clock stood still: each snooze until it expired or the next event
        coalesce(sum(
            date_diff(
                'second',
                occurred_at,
                least(
                    coalesce(snoozed_until, occurred_at),
                    coalesce(next_event_at, {{ evaluated_at }}),
                    {{ evaluated_at }}
                )
            )
        ) filter (where event_type = 'snoozed'), 0) / 3600.0 as paused_hours
    from (
        select
            *,
            lead(occurred_at) over (
                partition by decision_id, decision_version order by occurred_at, event_id
            ) as next_event_at
        from events
    ) as ordered_events
    group by decision_id, decision_version

),

final as (

    select
        final_state.decision_id,
        final_state.decision_version,
        case
            when final_state.state = 'snoozed' and final_state.snoozed_until <= {{ evaluated_at }}
                then final_state.state_before_snooze
            else final_state.state
        end as lifecycle_status,
        final_state.state_at as lifecycle_status_at,
        final_state.snoozed_until,
        (final_state.invalid_events + coalesce(refused.refused_events, 0))::integer as invalid_events,
        milestones.queued_at,
        milestones.acknowledged_at,
        milestones.resolved_at,
        milestones.executed_at,
        milestones.escalated_at,
        greatest(coalesce(milestones.paused_hours, 0), 0) as paused_hours,
        {{ evaluated_at }} as evaluated_at
    from final_state
    left join milestones
        on
            final_state.decision_id = milestones.decision_id
            and final_state.decision_version = milestones.decision_version
    left join refused
        on
            final_state.decision_id = refused.decision_id
            and final_state.decision_version = refused.decision_version

)

select * from final
