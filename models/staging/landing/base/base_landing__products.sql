-- depends_on: {{ source('landing', 'products') }}

{%- set columns = ['sku_id', 'sku_name', 'category_id', 'unit_cost', 'unit_price', 'lifecycle_status'] %}

with

landed as (

    select * from {{ read_landing('products', columns) }} as landed_files

),

typed as (

    select
        sku_id,
        sku_name,
        category_id,
        {{ landing_number('unit_cost', 'money') }} as unit_cost,
        {{ landing_number('unit_price', 'money') }} as unit_price,
        lifecycle_status,
        _source_file,
        _source_row,
        _read_error,
        unit_cost as raw_unit_cost,
        unit_price as raw_unit_price
    from landed

),

checked as (

    select
        *,
        coalesce(_read_error, nullif(concat_ws(
            '; ',
            case when sku_id is null then 'missing sku_id' end,
            {{ landing_number_reason('unit_cost', 'raw_unit_cost', 'money') }},
            case when unit_cost < 0 then 'negative unit_cost' end,
            {{ landing_number_reason('unit_price', 'raw_unit_price', 'money') }},
            case when unit_price < 0 then 'negative unit_price' end
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
        partition by sku_id
        order by row_reason is not null, _source_file desc, _source_row desc
    )

),

final as (

    select
        sku_id,
        sku_name,
        category_id,
        unit_cost,
        unit_price,
        lifecycle_status,
        _source_file,
        _source_row,
        case
            when row_reason is not null then row_reason
            when version_rank > 1 and _source_file = latest_file then 'duplicate sku_id in file'
            when version_rank > 1 then 'superseded by ' || latest_file
        end as quarantine_reason,
        case
            when row_reason is not null or version_rank > 1
                then to_json({
                    'sku_id': sku_id,
                    'sku_name': sku_name,
                    'category_id': category_id,
                    'unit_cost': raw_unit_cost,
                    'unit_price': raw_unit_price,
                    'lifecycle_status': lifecycle_status
                })
        end as raw_record
    from ranked

)

select * from final
