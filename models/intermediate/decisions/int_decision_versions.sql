{#-
    The memory of decisions across runs (append-only; `full_refresh=false`, so `dbt build
    --full-refresh` keeps it). Each run compares its candidates with the latest row per decision:
      new        a decision_id never seen before                          -> version 1
      changed    recommended_qty moved by more than var decision_qty_tolerance (relative),
                 the supplier changed, or the lines' signals changed (a
                 batch or proposal gained or lost a member)               -> version + 1
      reopened   a withdrawn decision whose condition is back             -> version + 1
      withdrawn  an open decision absent from this run (condition cleared) -> same version
    Unchanged decisions add nothing, so re-running a day is a no-op. A run whose as-of date is older
    than the latest one recorded adds nothing either (a backfill must not withdraw newer decisions).
    A version its owner approved, executed or rejected is settled: it gets no new version and is not
    withdrawn, so an order already placed is never proposed again (a new episode needs the position
    back above the reorder point, which the placed order itself brings).
    Each row keeps its decision's lines (a list of structs), so fct_decision_lines shows the lines of the
    version the owner sees. Columns added to int_decision_candidates are appended to an existing table;
    rows recorded before have them null (fct_decision_lines then takes the decision's own figures as its
    one line).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}

{%- set tolerance = var('decision_qty_tolerance') %}
{%- set detected_at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp)" %}

with

candidates as (

    select * from {{ ref('int_decision_candidates') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

shape as (

    -- every column a version row has, none of its rows
    select
        *,
        0 as decision_version,
        'new' as change_kind,
        {{ detected_at }} as detected_at
    from candidates
    where false

),

previous as (

    {% if is_incremental() -%}
        -- by name: columns this table lacks yet (added to candidates since it was created; dbt appends
        -- them to it after this select) read as null
        select * from (
            select * from {{ this }}
            union all by name
            select * from shape
        ) as recorded
        qualify row_number() over (
            partition by decision_id
            order by decision_version desc, change_kind = 'withdrawn' desc
        ) = 1
    {%- else -%}
        select * from shape
    {%- endif %}

),

settled_previous as (

    -- latest versions their owner already approved, executed or rejected
    select previous.decision_id
    from previous
    where exists (
        select 1 from {{ ref('stg_landing__decision_events') }} as events
        where
            events.decision_id = previous.decision_id
            and events.decision_version = previous.decision_version
            and events.event_type in ('approved', 'executed', 'rejected')
    )

),

open_previous as (

    select * from previous
    where decision_id not in (select settled_previous.decision_id from settled_previous)

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

proposed as (

    select
        candidates.*,
        coalesce(previous.decision_version, 0) + 1 as decision_version,
        case
            when previous.decision_id is null then 'new'
            when previous.change_kind = 'withdrawn' then 'reopened'
            else 'changed'
        end as change_kind,
        {{ detected_at }} as detected_at
    from candidates
    left join previous on candidates.decision_id = previous.decision_id
    where
        candidates.decision_id not in (select settled_previous.decision_id from settled_previous)
        and (
            previous.decision_id is null
            or previous.change_kind = 'withdrawn'
            or abs(candidates.recommended_qty - previous.recommended_qty)
            > {{ tolerance }} * greatest(abs(previous.recommended_qty), 1)
            or coalesce(candidates.supplier_id, '') != coalesce(previous.supplier_id, '')
            or coalesce(candidates.membership_hash, md5(candidates.decision_id))
            != coalesce(previous.membership_hash, md5(previous.decision_id))
        )

),

withdrawn as (

    select
        previous.decision_id,
        previous.decision_type,
        previous.subject_key,
        previous.sku_id,
        previous.location_id,
        previous.supplier_id,
        previous.constraint_id,
        previous.recommended_qty,
        previous.due_by,
        previous.owner_id,
        previous.escalation_owner_id,
        previous.priority,
        previous.value_at_stake,
        'Withdrawn: by ' || strftime(context.as_of_date, '%Y-%m-%d')
        || ' the condition cleared without action, or its signals moved into another decision. Was: '
        || previous.reason as reason,
        previous.inputs,
        previous.signal_at,
        context.as_of_date,
        previous.priority_score,
        previous.decision_kind,
        previous.line_count,
        previous.membership_hash,
        previous.lines,
        previous.decision_version,
        'withdrawn' as change_kind,
        {{ detected_at }} as detected_at
    from open_previous as previous
    cross join context
    where
        previous.change_kind != 'withdrawn'
        and previous.decision_id not in (select candidates.decision_id from candidates)

),

changes as (

    select * from proposed
    union all
    select * from withdrawn

)

select changes.*
from changes
cross join run_is_current
where run_is_current.is_current
