{#-
    Every signal this run's data shows (one row per type and subject, from the int_decision_candidates__<type>
    models), with its deterministic signal_id = md5(type | subject | signal_at), and what becomes of it:

    1. Contradictions are settled before anyone sees them. One SKU-location never gets a replenish and an
       aging action (markdown, bundle, liquidate) at once:
         - an aged band whose units (with the older bands', FIFO) sell at d̄ within the band's window needs no
           clearance: the aging signal is resolved ('sells_in_window') and the replenish stands;
         - otherwise the aged stock is what the location should sell first: the replenish is resolved
           ('aged_stock_first') and the aging action stands.
       The signal that stands says why in its reason; a resolved one keeps its reason for the record.
       A replenish line that cash funded nothing is resolved too ('nothing_funded': its cut is a cash_cut).
    2. Materiality (decision_materiality seed, 'default' row for types without one) decides the decision each
       active signal goes into (decision_kind):
         - replenish lines go into a purchase proposal per owner × supplier (× ship-to location, var
           purchase_proposal_per_ship_to); a proposal worth less than the purchase_proposal floor goes into
           the owner's batch of small purchase orders;
         - any other signal worth at least its type's floor is a decision of its own ('single'); below it, it
           goes into its owner's batch of its type;
         - a signal its owner already approved, executed or rejected as a decision of its own stays one.
       decision_subject is the subject of the decision it goes into (grouped signals get their decision_id in
       int_decision_memberships, singles keep their signal_id as decision_id).
-#}
{%- set signal_models = [
    'int_decision_candidates__replenish',
    'int_decision_candidates__cash_cut',
    'int_decision_candidates__switch_supplier',
    'int_decision_candidates__protect_constraint',
    'int_decision_candidates__expedite',
    'int_decision_candidates__transfer',
    'int_decision_candidates__adjust_reorder_point',
    'int_decision_candidates__cycle_count',
    'int_decision_candidates__review_demand_shift',
    'int_decision_candidates__aging_action',
] %}

with

unioned as (

    {% for model in signal_models -%}
        select
            decision_type,
            subject_key,
            sku_id,
            location_id,
            supplier_id,
            constraint_id,
            recommended_qty,
            due_by,
            owner_id,
            escalation_owner_id,
            priority_score,
            value_at_stake,
            reason,
            inputs,
            signal_at,
            as_of_date
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

signals as (

    select
        {{ decision_id('decision_type', ['subject_key'], 'signal_at') }} as signal_id,
        *
    from unioned

),

aging as (

    select
        subject_key,
        sku_id,
        location_id,
        aging_band_label,
        aged_qty_to_sell,
        days_to_sell,
        sell_window_days,
        coalesce(days_to_sell <= sell_window_days, false) as sells_in_window
    from (
        select
            *,
            json_extract_string(inputs, '$.aging_band') as aging_band_label
        from {{ ref('int_decision_candidates__aging_action') }}
    ) as bands

),

replenish as (

    select
        sku_id,
        location_id,
        cast(json_extract(inputs, '$.avg_daily_demand') as double) as avg_daily_demand
    from {{ ref('int_decision_candidates__replenish') }}

),

aging_verdicts as (

    -- the aging signals at a SKU-location with a replenish: does the band sell in its window?
    select
        aging.*,
        replenish.avg_daily_demand
    from aging
    inner join replenish on aging.sku_id = replenish.sku_id and aging.location_id = replenish.location_id

),

location_verdicts as (

    -- per contradicting SKU-location: is there aged stock that will not sell in its window (clear it first)?
    select
        sku_id,
        location_id,
        any_value(avg_daily_demand) as avg_daily_demand,
        bool_or(not sells_in_window) as aged_stock_first,
        string_agg(aging_band_label, ', ' order by aging_band_label) filter (where not sells_in_window)
            as unsold_bands,
        max(coalesce(days_to_sell, cast('infinity' as double))) filter (where not sells_in_window) as days_to_sell
    from aging_verdicts
    group by sku_id, location_id

),

resolved as (

    select
        signals.*,
        case
            when signals.decision_type = 'replenish' and verdict.aged_stock_first then 'aged_stock_first'
            when signals.decision_type = 'replenish' and signals.recommended_qty <= 0 then 'nothing_funded'
            when signals.decision_type != 'replenish' and not verdict.aged_stock_first then 'sells_in_window'
        end as resolution,
        case
            when signals.decision_type = 'replenish' and verdict.aged_stock_first
                then printf(
                    ' Not ordered: the aged stock here (%s) takes %.0f days to sell at %.2f a day; clear it first.',
                    verdict.unsold_bands, verdict.days_to_sell, verdict.avg_daily_demand
                )
            when signals.decision_type = 'replenish' and verdict.sku_id is not null
                then ' The aged stock here sells within its window at this demand: no clearance needed.'
            when signals.decision_type != 'replenish' and not verdict.aged_stock_first
                then printf(
                    ' No action needed: its %g units (with older ones) sell in %.0f days at %.2f a day, within the '
                    || 'band''s window of %.0f days, and the location is being replenished.',
                    band.aged_qty_to_sell,
                    band.days_to_sell,
                    verdict.avg_daily_demand,
                    cast(band.sell_window_days as double)
                )
            when signals.decision_type != 'replenish' and verdict.aged_stock_first
                then printf(
                    ' No order for this location until its aged stock (%s) sells: %.0f days at %.2f a day.',
                    verdict.unsold_bands, verdict.days_to_sell, verdict.avg_daily_demand
                )
            else ''
        end as resolution_note
    from signals
    left join location_verdicts as verdict
        on
            signals.sku_id = verdict.sku_id
            and signals.location_id = verdict.location_id
            and signals.decision_type in ('replenish', 'markdown', 'bundle', 'liquidate')
    left join aging_verdicts as band
        on
            signals.subject_key = band.subject_key
            and signals.decision_type in ('markdown', 'bundle', 'liquidate')

),

materiality as (

    select * from {{ ref('decision_materiality') }}

),

typed as (

    select
        resolved.* replace (resolved.reason || resolved.resolution_note as reason),
        resolved.resolution is null as is_active,
        case when resolved.decision_type = 'replenish' then 'purchase_proposal' else resolved.decision_type end
            as group_type,
        exists(
            select 1 from {{ ref('stg_landing__decision_events') }} as events
            where
                events.decision_id = resolved.signal_id
                and events.event_type in ('approved', 'executed', 'rejected')
        ) as is_settled_single
    from resolved

),

floored as (

    select
        typed.*,
        coalesce(own.min_value_at_stake, fallback.min_value_at_stake, 0) as materiality_floor,
        coalesce(own.cycle_days, fallback.cycle_days, 7) as cycle_days,
        case
            when typed.group_type = 'purchase_proposal'
                then concat_ws(
                    '|', typed.owner_id, typed.supplier_id
                    {%- if var('purchase_proposal_per_ship_to') %}, typed.location_id{% endif %}
                )
        end as proposal_subject
    from typed
    left join materiality as own on typed.group_type = own.decision_type
    left join materiality as fallback on fallback.decision_type = 'default'

),

kinds as (

    select
        *,
        case
            when not is_active then null
            when is_settled_single then 'single'
            when group_type = 'purchase_proposal'
                then case
                    when
                        sum(value_at_stake) over (partition by is_active and not is_settled_single, proposal_subject)
                        >= materiality_floor
                        then 'proposal'
                    else 'batch'
                end
            when value_at_stake >= materiality_floor then 'single'
            else 'batch'
        end as decision_kind
    from floored

),

final as (

    select
        signal_id,
        decision_type,
        subject_key,
        sku_id,
        location_id,
        supplier_id,
        constraint_id,
        recommended_qty,
        due_by,
        owner_id,
        escalation_owner_id,
        priority_score,
        value_at_stake,
        reason,
        inputs,
        signal_at,
        as_of_date,
        is_active,
        resolution,
        is_settled_single,
        materiality_floor,
        cycle_days,
        decision_kind,
        case when decision_kind = 'single' then decision_type else group_type end as decision_group_type,
        case decision_kind
            when 'single' then subject_key
            when 'proposal' then proposal_subject
            when 'batch' then 'batch|' || owner_id
        end as decision_subject
    from kinds

)

select * from final
