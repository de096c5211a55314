with

source as (

    select * from {{ ref('base_landing__decision_events') }}
    where quarantine_reason is null

),

renamed as (

    select
        ---------- ids
        event_id,
        decision_id,
        actor_id,

        ---------- categories
        event_type,

        ---------- numerics
        decision_version,

        ---------- text
        reason,

        ---------- timestamps
        occurred_at,
        snoozed_until,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
