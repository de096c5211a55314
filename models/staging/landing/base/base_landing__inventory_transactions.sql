-- depends_on: {{ source('landing', 'inventory_transactions') }}
{#-
    Incremental (append): each run reads only the landing files it has not loaded yet — the ledger
    grows forever and files are immutable. Checks here depend on the row alone and on the rows
    already loaded (duplicate txn_id), so an incremental run gives the same rows as a full refresh
    as long as new files sort after loaded ones. Checks against other tables (unknown SKU or
    location) live in stg_landing__inventory_transactions, a view, so they re-evaluate every run.
-#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

{%- set loaded_files = [] %}
{%- if is_incremental() and execute %}
    {%- set loaded = run_query('select distinct _source_file from ' ~ this) %}
    {%- do loaded_files.extend(loaded.columns[0].values()) %}
{%- endif %}

{%- set columns = [
    'txn_id', 'occurred_at', 'sku_id', 'location_id', 'txn_type',
    'quantity', 'unit_cost', 'reference_id', 'reason_code',
] %}

with

landed as (

    select * from {{ read_landing('inventory_transactions', columns, exclude_files=loaded_files) }} as landed_files

),

already_accepted as (

    {% if is_incremental() -%}
        select
            txn_id,
            _source_file
        from {{ this }}
        where quarantine_reason is null
    {%- else -%}
        select
            cast(null as varchar) as txn_id,
            cast(null as varchar) as _source_file
        where false
    {%- endif %}

),

typed as (

    select
        txn_id,
        {{ landing_timestamp('occurred_at') }} as occurred_at,
        sku_id,
        location_id,
        lower(txn_type) as txn_type,
        {{ landing_number('quantity') }} as quantity,
        {{ landing_number('unit_cost', 'money') }} as unit_cost,
        reference_id,
        reason_code,
        _source_file,
        _source_row,
        _landed_at,
        _read_error,
        occurred_at as raw_occurred_at,
        txn_type as raw_txn_type,
        quantity as raw_quantity,
        unit_cost as raw_unit_cost
    from landed

),

checked as (

    select
        *,
        coalesce(_read_error, nullif(concat_ws(
            '; ',
            case when txn_id is null then 'missing txn_id' end,
            case when raw_occurred_at is null then 'missing occurred_at' end,
            {{ landing_time_reason('occurred_at', 'raw_occurred_at') }},
            {{ landing_future_reason('occurred_at', 'occurred_at', 'raw_occurred_at') }},
            case when sku_id is null then 'missing sku_id' end,
            case when location_id is null then 'missing location_id' end,
            case when txn_type is null then 'missing txn_type' end,
            case
                when txn_type not in (
                    'receipt', 'sale', 'consumption', 'return',
                    'transfer_out', 'transfer_in', 'adjustment', 'scrap'
                ) then 'invalid txn_type ''' || raw_txn_type || ''''
            end,
            case when raw_quantity is null then 'missing quantity' end,
            {{ landing_number_reason('quantity', 'raw_quantity') }},
            case
                when txn_type in ('receipt', 'return', 'transfer_in') and quantity <= 0
                    then txn_type || ' with non-positive quantity'
                when txn_type in ('sale', 'consumption', 'transfer_out', 'scrap') and quantity >= 0
                    then txn_type || ' with non-negative quantity'
                when txn_type = 'adjustment' and quantity = 0
                    then 'adjustment with zero quantity'
            end,
            {{ landing_number_reason('unit_cost', 'raw_unit_cost', 'money') }},
            case when unit_cost < 0 then 'negative unit_cost' end
        ), '')) as row_reason
    from typed

),

-- Immutable facts: the first accepted landing of a txn_id wins, later landings are duplicates.
ranked as (

    select
        checked.*,
        row_number() over first_landed as landing_rank,
        first_value(checked._source_file) over first_landed as first_landed_file,
        already_accepted._source_file as accepted_earlier_in_file
    from checked
    left join already_accepted on checked.txn_id = already_accepted.txn_id
    window first_landed as (
        partition by checked.txn_id
        order by checked.row_reason is not null, checked._source_file, checked._source_row
    )

),

final as (

    select
        txn_id,
        occurred_at,
        sku_id,
        location_id,
        txn_type,
        quantity,
        unit_cost,
        reference_id,
        reason_code,
        _source_file,
        _source_row,
        coalesce(
            row_reason,
            case
                when accepted_earlier_in_file is not null
                    then 'duplicate txn_id (first landed in ' || accepted_earlier_in_file || ')'
                when landing_rank > 1
                    then 'duplicate txn_id (first landed in ' || first_landed_file || ')'
            end
        ) as quarantine_reason,
        case
            when row_reason is not null or landing_rank > 1 or accepted_earlier_in_file is not null
                then to_json({
                    'txn_id': txn_id,
                    'occurred_at': raw_occurred_at,
                    'sku_id': sku_id,
                    'location_id': location_id,
                    'txn_type': raw_txn_type,
                    'quantity': raw_quantity,
                    'unit_cost': raw_unit_cost,
                    'reference_id': reference_id,
                    'reason_code': reason_code
                })
        end as raw_record
    from ranked

)

select * from final
