-- depends_on: {{ source('landing', 'constraint_inputs') }}

{%- set columns = ['constraint_id', 'sku_id', 'qty_per_run_hour'] %}

with

landed as (

    select * from {{ read_landing('constraint_inputs', columns) }} as landed_files

),

constraints as (

    select constraint_id from {{ ref('stg_landing__constraint_resources') }}

),

products as (

    select sku_id from {{ ref('stg_landing__products') }}

),

typed as (

    select
        constraint_id,
        sku_id,
        {{ landing_number('qty_per_run_hour') }} as qty_per_run_hour,
        _source_file,
        _source_row,
        _read_error,
        qty_per_run_hour as raw_qty_per_run_hour,
        constraint_id in (select constraints.constraint_id from constraints) as is_known_constraint,
        sku_id in (select products.sku_id from products) as is_known_sku
    from landed

),

checked as (

    select
        *,
        coalesce(_read_error, nullif(concat_ws(
            '; ',
            case when constraint_id is null then 'missing constraint_id' end,
            case when not is_known_constraint then 'unknown constraint_id ''' || constraint_id || '''' end,
            case when sku_id is null then 'missing sku_id' end,
            case when not is_known_sku then 'unknown sku_id ''' || sku_id || '''' end,
            case when raw_qty_per_run_hour is null then 'missing qty_per_run_hour' end,
            {{ landing_number_reason('qty_per_run_hour', 'raw_qty_per_run_hour') }},
            case when qty_per_run_hour <= 0 then 'qty_per_run_hour must be > 0' end
        ), '')) as row_reason
    from typed

),

-- Reference data: the latest accepted version (greatest file, then row) wins.
ranked as (

    select
        *,
        row_number() over latest as version_rank,
        first_value(_source_file) over latest as latest_file
    from checked
    window latest as (
        partition by constraint_id, sku_id
        order by row_reason is not null, _source_file desc, _source_row desc
    )

),

final as (

    select
        constraint_id,
        sku_id,
        qty_per_run_hour,
        _source_file,
        _source_row,
        case
            when row_reason is not null then row_reason
            when version_rank > 1 and _source_file = latest_file then 'duplicate (constraint_id, sku_id) in file'
            when version_rank > 1 then 'superseded by ' || latest_file
        end as quarantine_reason,
        case
            when row_reason is not null or version_rank > 1
                then to_json({
                    'constraint_id': constraint_id,
                    'sku_id': sku_id,
                    'qty_per_run_hour': raw_qty_per_run_hour
                })
        end as raw_record
    from ranked

)

select * from final
