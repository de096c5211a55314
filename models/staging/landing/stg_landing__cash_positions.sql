with

source as (

    select * from {{ ref('base_landing__cash_positions') }}
    where quarantine_reason is null

),

renamed as (

    select
        ---------- dates
        as_of_date,

        ---------- numerics
        available_cash,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
