with

source as (

    select * from {{ ref('base_landing__constraint_runs') }}
    where quarantine_reason is null

),

renamed as (

    select
        ---------- ids
        constraint_id,
        starved_by_sku_id,

        ---------- categories
        state,

        ---------- timestamps
        started_at,
        ended_at,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
