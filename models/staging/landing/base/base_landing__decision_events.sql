-- depends_on: {{ source('landing', 'decision_events') }}

{%- set columns = [
    'event_id', 'decision_id', 'decision_version', 'event_type', 'actor_id', 'occurred_at', 'reason',
] %}

with

landed as (

    select * from {{ read_landing('decision_events', columns, optional_columns=['snoozed_until']) }} as landed_files

),

typed as (

    select
        event_id,
        decision_id,
        {{ landing_integer('decision_version', min_value=1) }} as decision_version,
        lower(event_type) as event_type,
        actor_id,
        {{ landing_timestamp('occurred_at') }} as occurred_at,
        reason,
        {{ landing_timestamp('snoozed_until') }} as snoozed_until,
        _source_file,
        _source_row,
        _landed_at,
        _read_error,
        decision_version as raw_decision_version,
        event_type as raw_event_type,
        occurred_at as raw_occurred_at,
        snoozed_until as raw_snoozed_until
    from landed

),

checked as (

    select
        *,
        coalesce(_read_error, nullif(concat_ws(
            '; ',
            case when event_id is null then 'missing event_id' end,
            case when decision_id is null then 'missing decision_id' end,
            case when raw_decision_version is null then 'missing decision_version' end,
            {{ landing_integer_reason('decision_version', 'raw_decision_version', min_value=1) }},
            case when event_type is null then 'missing event_type' end,
            case
                when event_type not in (
                    'proposed', 'assigned', 'acknowledged', 'approved', 'rejected', 'snoozed',
                    'executed', 'escalated', 'superseded', 'withdrawn', 'reversed', 'commented'
                ) then 'invalid event_type ''' || raw_event_type || ''''
            end,
            case when actor_id is null then 'missing actor_id' end,
            case when raw_occurred_at is null then 'missing occurred_at' end,
            {{ landing_time_reason('occurred_at', 'raw_occurred_at') }},
            {{ landing_future_reason('occurred_at', 'occurred_at', 'raw_occurred_at') }},
            {{ landing_time_reason('snoozed_until', 'raw_snoozed_until') }}
        ), '')) as row_reason
    from typed

),

-- Immutable facts: the first accepted landing of an event_id wins, later landings are duplicates.
ranked as (

    select
        *,
        row_number() over first_landed as landing_rank,
        first_value(_source_file) over first_landed as first_landed_file
    from checked
    window first_landed as (
        partition by event_id
        order by row_reason is not null, _source_file, _source_row
    )

),

final as (

    select
        event_id,
        decision_id,
        decision_version,
        event_type,
        actor_id,
        occurred_at,
        reason,
        snoozed_until,
        _source_file,
        _source_row,
        coalesce(
            row_reason,
            case
                when landing_rank > 1
                    then 'duplicate event_id (first landed in ' || first_landed_file || ')'
            end
        ) as quarantine_reason,
        case
            when row_reason is not null or landing_rank > 1
                then to_json({
                    'event_id': event_id,
                    'decision_id': decision_id,
                    'decision_version': raw_decision_version,
                    'event_type': raw_event_type,
                    'actor_id': actor_id,
                    'occurred_at': raw_occurred_at,
                    'reason': reason,
                    'snoozed_until': raw_snoozed_until
                })
        end as raw_record
    from ranked

)

select * from final
