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
        try_cast(unit_cost as double) as unit_cost,
        try_cast(unit_price as double) as unit_price,
        lifecycle_status,
        _source_file,
        _source_row,
        unit_cost as raw_unit_cost,
        unit_price as raw_unit_price
    from landed

),

checked as (

    select
        *,
        nullif(concat_ws(
            '; ',
            case when sku_id is null then 'missing sku_id' end,
            case
                when unit_cost is null and raw_unit_cost is not null
                    then 'unparseable unit_cost: ''' || raw_unit_cost || ''''
            end,
            case when unit_cost < 0 then 'negative unit_cost' end,
            case
                when unit_price is null and raw_unit_price is not null
                    then 'unparseable unit_price: ''' || raw_unit_price || ''''
            end,
            case when unit_price < 0 then 'negative unit_price' end
        ), '') as row_reason
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
