{#-
    protect_constraint: a constraint input whose buffer is in the red zone (net flow position below
    top of red, int_constraint_buffers). Order enough to bring the net flow position to top of green
    from the buffer's supplier, now. signal_at: the movement after which the input's position (on hand
    + qualified on order) stayed below top of red — the start of the episode. The constraint's owner owns it.
    priority_score: the throughput at risk per day, approximated by what the constraint consumes of the
    input per day at its price (unit cost when unknown), weighted by how deep the buffer is penetrated:
    ADU × unit value × min(max(buffer penetration, 0), 1).
-#}
with

buffers as (

    select * from {{ ref('int_constraint_buffers') }}
    where buffer_zone = 'red'

),

transactions as (

    select * from {{ ref('stg_landing__inventory_transactions') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

products as (

    select * from {{ ref('int_product_policy') }}

),

owners as (

    select * from {{ ref('category_owners') }}

),

thresholds as (

    select
        sku_id,
        location_id,
        on_order_qty - qualified_demand_qty as position_offset_qty,
        top_of_red_qty as threshold_qty
    from buffers

),

episode_start as (

    {{ episode_start_below('thresholds', 'transactions', 'context') }}

),

candidates as (

    select
        'protect_constraint' as decision_type,
        concat_ws('|', buffers.constraint_id, buffers.sku_id) as subject_key,
        buffers.sku_id,
        buffers.location_id,
        buffers.primary_supplier_id as supplier_id,
        buffers.constraint_id,
        ceil(greatest(buffers.recommended_order_qty, buffers.moq, 0)) as recommended_qty,
        buffers.as_of_date as due_by,
        buffers.owner_id,
        coalesce(
            (
                select owners.escalation_owner_id from owners
                where owners.category_id = 'default'
            ),
            products.escalation_owner_id
        ) as escalation_owner_id,
        round(
            buffers.adu * coalesce(products.unit_price, products.unit_cost, 0)
            * least(greatest(coalesce(buffers.buffer_penetration, 1), 0), 1),
            2
        ) as priority_score,
        round(ceil(greatest(buffers.recommended_order_qty, buffers.moq, 0)) * products.unit_cost, 2) as value_at_stake,
        printf(
            'Protect constraint %s: input %s at %s is in the red zone (net flow position %.1f < top of red %.1f; '
            || 'on hand %.1f, %.1f h starved in 30 days). Order %g units from %s to top of green %.1f.',
            buffers.constraint_id, buffers.sku_id, buffers.location_id, buffers.net_flow_position_qty,
            buffers.top_of_red_qty, buffers.on_hand_qty, buffers.starved_hours_last_30d,
            ceil(greatest(buffers.recommended_order_qty, buffers.moq, 0)), buffers.primary_supplier_id,
            buffers.top_of_green_qty
        ) as reason,
        json_object(
            'adu', buffers.adu,
            'dlt_days', buffers.dlt_days,
            'ltf', buffers.ltf,
            'vf', buffers.vf,
            'top_of_red_qty', buffers.top_of_red_qty,
            'top_of_yellow_qty', buffers.top_of_yellow_qty,
            'top_of_green_qty', buffers.top_of_green_qty,
            'on_hand_qty', buffers.on_hand_qty,
            'on_order_qty', buffers.on_order_qty,
            'overdue_on_order_qty', buffers.overdue_on_order_qty,
            'qualified_demand_qty', buffers.qualified_demand_qty,
            'net_flow_position_qty', buffers.net_flow_position_qty,
            'buffer_penetration', buffers.buffer_penetration,
            'starved_hours_last_30d', buffers.starved_hours_last_30d,
            'moq', buffers.moq
        ) as inputs,
        coalesce(episode_start.episode_start_at, cast(buffers.as_of_date as timestamp)) as signal_at,
        buffers.as_of_date
    from buffers
    inner join products on buffers.sku_id = products.sku_id
    left join episode_start
        on buffers.sku_id = episode_start.sku_id and buffers.location_id = episode_start.location_id

)

select * from candidates
