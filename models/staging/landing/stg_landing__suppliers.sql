with

source as (

    select * from {{ ref('base_landing__suppliers') }}
    where quarantine_reason is null

),

renamed as (

    select
        ---------- ids
        supplier_id,

        ---------- text
        supplier_name,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
