-- depends_on: {{ source('landing', 'purchase_order_lines') }}

{%- set columns = [
    'po_line_id', 'po_id', 'supplier_id', 'sku_id', 'location_id',
    'ordered_qty', 'unit_cost', 'ordered_at', 'promised_date', 'status',
] %}

with

landed as (

    select * from {{ read_landing('purchase_order_lines', columns) }} as landed_files

),

suppliers as (

    select supplier_id from {{ ref('stg_landing__suppliers') }}

),

products as (

    select sku_id from {{ ref('stg_landing__products') }}

),

locations as (

    select location_id from {{ ref('stg_landing__locations') }}

),

typed as (

    select
        po_line_id,
        po_id,
        supplier_id,
        sku_id,
        location_id,
        {{ landing_number('ordered_qty') }} as ordered_qty,
        {{ landing_number('unit_cost', 'money') }} as unit_cost,
        {{ landing_timestamp('ordered_at') }} as ordered_at,
        {{ landing_date('promised_date') }} as promised_date,
        lower(status) as status,
        _source_file,
        _source_row,
        _landed_at,
        _read_error,
        ordered_qty as raw_ordered_qty,
        unit_cost as raw_unit_cost,
        ordered_at as raw_ordered_at,
        promised_date as raw_promised_date,
        status as raw_status,
        supplier_id in (select suppliers.supplier_id from suppliers) as is_known_supplier,
        sku_id in (select products.sku_id from products) as is_known_sku,
        location_id in (select locations.location_id from locations) as is_known_location
    from landed

),

checked as (

    select
        *,
        coalesce(_read_error, nullif(concat_ws(
            '; ',
            case when po_line_id is null then 'missing po_line_id' end,
            case when po_id is null then 'missing po_id' end,
            case when supplier_id is null then 'missing supplier_id' end,
            case when not is_known_supplier then 'unknown supplier_id ''' || supplier_id || '''' end,
            case when sku_id is null then 'missing sku_id' end,
            case when not is_known_sku then 'unknown sku_id ''' || sku_id || '''' end,
            case when location_id is null then 'missing location_id' end,
            case when not is_known_location then 'unknown location_id ''' || location_id || '''' end,
            case when raw_ordered_qty is null then 'missing ordered_qty' end,
            {{ landing_number_reason('ordered_qty', 'raw_ordered_qty') }},
            case when ordered_qty <= 0 then 'ordered_qty must be > 0' end,
            {{ landing_number_reason('unit_cost', 'raw_unit_cost', 'money') }},
            case when unit_cost < 0 then 'negative unit_cost' end,
            case when raw_ordered_at is null then 'missing ordered_at' end,
            {{ landing_time_reason('ordered_at', 'raw_ordered_at') }},
            {{ landing_future_reason('ordered_at', 'ordered_at', 'raw_ordered_at') }},
            case when raw_promised_date is null then 'missing promised_date' end,
            {{ landing_time_reason('promised_date', 'raw_promised_date', 'date') }},
            case when promised_date < cast(ordered_at as date) then 'promised_date before ordered_at' end,
            case when status is null then 'missing status' end,
            case
                when status not in ('open', 'closed', 'cancelled')
                    then 'invalid status ''' || raw_status || ''''
            end
        ), '')) as row_reason
    from typed

),

-- State: a PO line is restated when its status changes; the latest accepted version wins.
ranked as (

    select
        *,
        row_number() over latest as version_rank,
        first_value(_source_file) over latest as latest_file
    from checked
    window latest as (
        partition by po_line_id
        order by row_reason is not null, _source_file desc, _source_row desc
    )

),

final as (

    select
        po_line_id,
        po_id,
        supplier_id,
        sku_id,
        location_id,
        ordered_qty,
        unit_cost,
        ordered_at,
        promised_date,
        status,
        _source_file,
        _source_row,
        case
            when row_reason is not null then row_reason
            when version_rank > 1 and _source_file = latest_file then 'duplicate po_line_id in file'
            when version_rank > 1 then 'superseded by ' || latest_file
        end as quarantine_reason,
        case
            when row_reason is not null or version_rank > 1
                then to_json({
                    'po_line_id': po_line_id,
                    'po_id': po_id,
                    'supplier_id': supplier_id,
                    'sku_id': sku_id,
                    'location_id': location_id,
                    'ordered_qty': raw_ordered_qty,
                    'unit_cost': raw_unit_cost,
                    'ordered_at': raw_ordered_at,
                    'promised_date': raw_promised_date,
                    'status': raw_status
                })
        end as raw_record
    from ranked

)

select * from final
