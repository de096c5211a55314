-- The shape of int_decision_lifecycle's walk: a recursive CTE applying events in order per key,
-- with the anchor's literal columns cast (PostgreSQL types them `text` otherwise and rejects the
-- recursive term's varchar).
with recursive

events as (

    select
        case_id,
        n as event_seq,
        s as event_type
    from {{ ref('cross_db_inputs') }}

),

walk as (

    select distinct
        case_id,
        cast(0 as bigint) as event_seq,
        cast('proposed' as {{ dbt.type_string() }}) as state,
        cast(0 as integer) as invalid_events
    from events

    union all

    select
        walk.case_id,
        events.event_seq,
        cast(
            case when events.event_type = 'invalid' then walk.state else events.event_type end
            as {{ dbt.type_string() }}
        ) as state,
        walk.invalid_events + case when events.event_type = 'invalid' then 1 else 0 end as invalid_events
    from walk
    inner join events
        on walk.case_id = events.case_id and events.event_seq = walk.event_seq + 1

),

ranked as (

    select
        *,
        row_number() over (partition by case_id order by event_seq desc) as recency
    from walk

)

select
    case_id,
    event_seq as last_event_seq,
    state,
    invalid_events
from ranked
where recency = 1
