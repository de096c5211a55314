{#-
    Which grouped decision (a batch or a purchase proposal) each grouped signal belongs to — the memory that
    keeps a group's identity across runs (append-only; `full_refresh=false`, so `dbt build --full-refresh`
    keeps it). A row is added only when a signal is placed:
      - a signal already placed stays where it is while its decision is open and the decision it would go
        into now has the same type and subject; once its decision is settled (approved, executed or rejected)
        it stays there for good, so an order already approved is never proposed again;
      - otherwise it joins its group's decision of the current cycle (decision_materiality.cycle_days, cycles
        counted from Monday 2024-01-01 on the run's as-of date): decision_id = md5(type | subject | episode
        start), the episode starting at the cycle's first day — or, when a decision of the same group in this
        cycle was already settled, at that settlement, so signals that arrive after an approval make a new
        decision instead of vanishing into a settled one.
    Re-running the same data adds nothing; a backfill (an as-of date older than the latest recorded) neither.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

{%- set detected_at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp)" %}

with

signals as (

    select * from {{ ref('int_decision_signals') }}
    where is_active and decision_kind in ('batch', 'proposal')

),

context as (

    select * from {{ ref('int_run_context') }}

),

memory as (

    {% if is_incremental() -%}
        select * from {{ this }}
    {%- else -%}
        select
            cast(null as varchar) as signal_id,
            cast(null as varchar) as decision_id,
            cast(null as varchar) as decision_type,
            cast(null as varchar) as decision_kind,
            cast(null as varchar) as subject_key,
            cast(null as timestamp) as episode_start_at,
            cast(null as date) as as_of_date,
            cast(null as timestamp) as detected_at
        where false
    {%- endif %}

),

settlements as (

    select
        decision_id,
        min(occurred_at) as settled_at
    from {{ ref('stg_landing__decision_events') }}
    where event_type in ('approved', 'executed', 'rejected')
    group by decision_id

),

placed as (

    select * from memory
    qualify row_number() over (partition by signal_id order by detected_at desc, decision_id desc) = 1

),

decisions as (

    select distinct
        memory.decision_id,
        memory.decision_type,
        memory.subject_key,
        memory.episode_start_at,
        settlements.settled_at
    from memory
    left join settlements on memory.decision_id = settlements.decision_id

),

targets as (

    select
        signals.signal_id,
        signals.decision_group_type as decision_type,
        signals.decision_kind,
        signals.decision_subject as subject_key,
        cast({{ cycle_start('context.as_of_date', 'signals.cycle_days') }} as timestamp) as cycle_start_at,
        context.as_of_date
    from signals
    cross join context

),

episodes as (

    -- the current cycle's episode of each group: from the cycle start, or from its latest settlement
    select
        targets.*,
        greatest(
            targets.cycle_start_at,
            coalesce(
                (
                    select max(decisions.settled_at) from decisions
                    where
                        decisions.decision_type = targets.decision_type
                        and decisions.subject_key = targets.subject_key
                        and decisions.episode_start_at >= targets.cycle_start_at
                ),
                targets.cycle_start_at
            )
        ) as episode_start_at
    from targets

),

moved as (

    select episodes.*
    from episodes
    left join placed on episodes.signal_id = placed.signal_id
    left join settlements on placed.decision_id = settlements.decision_id
    where
        placed.signal_id is null
        or (
            settlements.decision_id is null
            and (placed.decision_type != episodes.decision_type or placed.subject_key != episodes.subject_key)
        )

),

run_is_current as (

    select
        {% if is_incremental() -%}
            context.as_of_date >= coalesce((select max(recorded.as_of_date) from {{ this }} as recorded), context.as_of_date)
        {%- else -%}
            true
        {%- endif %} as is_current
    from context

),

final as (

    select
        moved.signal_id,
        {{ decision_id('moved.decision_type', ['moved.subject_key'], 'moved.episode_start_at') }} as decision_id,
        moved.decision_type,
        moved.decision_kind,
        moved.subject_key,
        moved.episode_start_at,
        moved.as_of_date,
        {{ detected_at }} as detected_at
    from moved
    cross join run_is_current
    where run_is_current.is_current

)

select * from final
