-- depends_on: {{ source('landing', 'supplier_products') }}

{%- set columns = [
    'supplier_id', 'sku_id', 'priority', 'quoted_lead_time_days', 'moq', 'order_multiple', 'unit_cost',
] %}
{#- Lead times are added to dates: a century keeps every date the models compute in range. -#}
{%- set lead_time_max_days = 36500 %}

with

landed as (

    select * from {{ read_landing('supplier_products', columns) }} as landed_files

),

suppliers as (

    select supplier_id from {{ ref('stg_landing__suppliers') }}

),

products as (

    select sku_id from {{ ref('stg_landing__products') }}

),

typed as (

    select
        supplier_id,
        sku_id,
        {{ landing_integer('priority', min_value=1) }} as priority,
        {{ landing_integer('quoted_lead_time_days', min_value=0, max_value=lead_time_max_days) }}
            as quoted_lead_time_days,
        {{ landing_number('moq') }} as moq,
        {{ landing_number('order_multiple') }} as order_multiple,
        {{ landing_number('unit_cost', 'money') }} as unit_cost,
        _source_file,
        _source_row,
        _read_error,
        priority as raw_priority,
        quoted_lead_time_days as raw_quoted_lead_time_days,
        moq as raw_moq,
        order_multiple as raw_order_multiple,
        unit_cost as raw_unit_cost,
        supplier_id in (select suppliers.supplier_id from suppliers) as is_known_supplier,
        sku_id in (select products.sku_id from products) as is_known_sku
    from landed

),

checked as (

    select
        *,
        coalesce(_read_error, nullif(concat_ws(
            '; ',
            case when supplier_id is null then 'missing supplier_id' end,
            case when not is_known_supplier then 'unknown supplier_id ''' || supplier_id || '''' end,
            case when sku_id is null then 'missing sku_id' end,
            case when not is_known_sku then 'unknown sku_id ''' || sku_id || '''' end,
            case when raw_priority is null then 'missing priority' end,
            {{ landing_integer_reason('priority', 'raw_priority', min_value=1) }},
            case when raw_quoted_lead_time_days is null then 'missing quoted_lead_time_days' end,
            {{ landing_integer_reason(
                'quoted_lead_time_days', 'raw_quoted_lead_time_days', min_value=0, max_value=lead_time_max_days
            ) }},
            {{ landing_number_reason('moq', 'raw_moq') }},
            case when moq < 0 then 'negative moq' end,
            {{ landing_number_reason('order_multiple', 'raw_order_multiple') }},
            case when order_multiple <= 0 then 'order_multiple must be > 0' end,
            {{ landing_number_reason('unit_cost', 'raw_unit_cost', 'money') }},
            case when unit_cost < 0 then 'negative unit_cost' end
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
        partition by supplier_id, sku_id
        order by row_reason is not null, _source_file desc, _source_row desc
    )

),

final as (

    select
        supplier_id,
        sku_id,
        priority,
        quoted_lead_time_days,
        moq,
        order_multiple,
        unit_cost,
        _source_file,
        _source_row,
        case
            when row_reason is not null then row_reason
            when version_rank > 1 and _source_file = latest_file then 'duplicate (supplier_id, sku_id) in file'
            when version_rank > 1 then 'superseded by ' || latest_file
        end as quarantine_reason,
        case
            when row_reason is not null or version_rank > 1
                then to_json({
                    'supplier_id': supplier_id,
                    'sku_id': sku_id,
                    'priority': raw_priority,
                    'quoted_lead_time_days': raw_quoted_lead_time_days,
                    'moq': raw_moq,
                    'order_multiple': raw_order_multiple,
                    'unit_cost': raw_unit_cost
                })
        end as raw_record
    from ranked

)

select * from final
