{#-
    Why an inventory transaction that base_landing__inventory_transactions accepted is still kept
    out of the marts (null: it is not). Evaluated on every run, in stg_landing__inventory_transactions
    and stg_landing__quarantine alike, against the current products and locations and this run's
    start, so that

    - a product or location landing later admits its earlier transactions, and
    - a row the incremental base accepted under older, weaker checks (a NaN quantity, a date in
      2099, ...) never reaches the marts, without a --full-refresh.

    `transactions` is the base relation's alias; `products` / `locations` are left-joined aliases
    of the accepted products and locations (null sku_id / location_id: unknown).
-#}
{% macro transaction_recheck_reason(transactions='transactions', products='products', locations='locations') -%}
    nullif(concat_ws(
            '; ',
            case
                when {{ products }}.sku_id is null
                    then 'unknown sku_id ''' || {{ transactions }}.sku_id || ''''
            end,
            case
                when {{ locations }}.location_id is null
                    then 'unknown location_id ''' || {{ transactions }}.location_id || ''''
            end,
            {{ landing_value_reason('quantity', transactions ~ '.quantity') }},
            {{ landing_value_reason('unit_cost', transactions ~ '.unit_cost', 'money') }},
            case
                when not ({{ transactions }}.occurred_at >= timestamp '1900-01-01')
                    then 'out-of-range occurred_at: ''' || cast({{ transactions }}.occurred_at as varchar) || ''''
            end,
            {{ landing_future_reason(
                'occurred_at',
                transactions ~ '.occurred_at',
                'cast(' ~ transactions ~ '.occurred_at as varchar)',
                landed_at=landing_load_time(),
            ) }}
        ), '')
{%- endmacro %}
