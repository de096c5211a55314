{{ config(materialized='table') }}

{#- landing table -> its natural key as text (composite keys joined with '|'), from the raw record. -#}
{%- set record_keys = {
    'inventory_transactions': "raw_record ->> 'txn_id'",
    'purchase_order_lines': "raw_record ->> 'po_line_id'",
    'products': "raw_record ->> 'sku_id'",
    'locations': "raw_record ->> 'location_id'",
    'suppliers': "raw_record ->> 'supplier_id'",
    'supplier_products':
        "coalesce(raw_record ->> 'supplier_id', '') || '|' || coalesce(raw_record ->> 'sku_id', '')",
    'constraint_resources': "raw_record ->> 'constraint_id'",
    'constraint_inputs':
        "coalesce(raw_record ->> 'constraint_id', '') || '|' || coalesce(raw_record ->> 'sku_id', '')",
    'constraint_runs':
        "coalesce(raw_record ->> 'constraint_id', '') || '|' || coalesce(raw_record ->> 'started_at', '')",
    'cash_positions': "raw_record ->> 'as_of_date'",
    'decision_events': "raw_record ->> 'event_id'",
} %}

with

source as (

    {% for landing_table, record_key in record_keys.items() %}
        select
            '{{ landing_table }}' as landing_table,
            {{ record_key }} as record_key,
            quarantine_reason,
            _source_file,
            _source_row,
            raw_record
        from {{ ref('base_landing__' ~ landing_table) }}
        where quarantine_reason is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

    union all

    -- transactions that passed their own checks but fail those re-evaluated on every run
    select
        'inventory_transactions' as landing_table,
        transactions.txn_id as record_key,
        {{ transaction_recheck_reason() }} as quarantine_reason,
        transactions._source_file,
        transactions._source_row,
        to_json({
            'txn_id': transactions.txn_id,
            'occurred_at': cast(transactions.occurred_at as varchar),
            'sku_id': transactions.sku_id,
            'location_id': transactions.location_id,
            'txn_type': transactions.txn_type,
            'quantity': cast(transactions.quantity as varchar),
            'unit_cost': cast(transactions.unit_cost as varchar),
            'reference_id': transactions.reference_id,
            'reason_code': transactions.reason_code
        }) as raw_record
    from {{ ref('base_landing__inventory_transactions') }} as transactions
    left join {{ ref('stg_landing__products') }} as products on transactions.sku_id = products.sku_id
    left join {{ ref('stg_landing__locations') }} as locations
        on transactions.location_id = locations.location_id
    where
        transactions.quarantine_reason is null
        and {{ transaction_recheck_reason() }} is not null

    {#- decision events that passed their row checks but not the owners' rules (authority, version,
        state machine): int_decision_event_checks, re-evaluated on every run. It is built before this
        model; a build of the staging layer alone (no decision versions to judge against) leaves it out. #}
    {%- set event_checks = ref('int_decision_event_checks') %}
    {%- if execute and load_relation(event_checks) is not none %}

    union all

    select
        'decision_events' as landing_table,
        checks.event_id as record_key,
        checks.rejection_reason as quarantine_reason,
        events._source_file,
        events._source_row,
        to_json({
            'event_id': events.event_id,
            'decision_id': events.decision_id,
            'decision_version': cast(events.decision_version as varchar),
            'event_type': events.event_type,
            'actor_id': events.actor_id,
            'occurred_at': cast(events.occurred_at as varchar),
            'reason': events.reason,
            'snoozed_until': cast(events.snoozed_until as varchar)
        }) as raw_record
    from {{ event_checks }} as checks
    inner join {{ ref('base_landing__decision_events') }} as events
        on checks.event_id = events.event_id and events.quarantine_reason is null
    where checks.rejection_reason is not null
    {%- endif %}

),

renamed as (

    select
        ---------- ids
        landing_table,
        record_key,

        ---------- quarantine
        quarantine_reason,
        raw_record,

        ---------- lineage
        _source_file,
        _source_row

    from source

)

select * from renamed
