{#-
    The decisions this run's signals make (int_decision_signals, active ones only), one row per decision with
    its lines:
      single    a signal worth a decision of its own: decision_id = its signal_id (md5(type | subject |
                signal_at)), one line;
      proposal  a purchase_proposal: the replenish lines of one owner × supplier (× ship-to) placed in it by
                int_decision_memberships, the unit a buyer approves (an RFQ); each line keeps its MOQ- and
                multiple-rounded quantity;
      batch     the signals below their type's materiality floor of one owner × type × cycle, acted on as one.
    A group's figures add up its lines: recommended_qty, value_at_stake, priority_score (the cost of delay of
    the whole), due_by the earliest line's, signal_at the earliest line's. sku_id, location_id, supplier_id
    and constraint_id are set when every line shares them.
    priority: high when priority_score ≥ var priority_high_min_score, medium when ≥ var
    priority_medium_min_score, else low (currency per day of delay).
-#}
with

signals as (

    select * from {{ ref('int_decision_signals') }}
    where is_active

),

settled as (

    select distinct decision_id
    from {{ ref('stg_landing__decision_events') }}
    where event_type in ('approved', 'executed', 'rejected')

),

memberships as (

    -- each signal's latest placement; it counts while the signal is grouped, and for good once its
    -- batch or proposal is settled (a signal now worth a decision of its own is not ordered twice)
    select
        placements.*,
        settled.decision_id is not null as is_settled
    from {{ ref('int_decision_memberships') }} as placements
    left join settled on placements.decision_id = settled.decision_id
    qualify row_number() over (
        partition by placements.signal_id order by placements.detected_at desc, placements.decision_id desc
    ) = 1

),

placed as (

    -- every active signal with the decision it belongs to
    select
        signals.*,
        coalesce(memberships.decision_id, signals.signal_id) as decision_id,
        coalesce(memberships.decision_type, signals.decision_type) as placed_type,
        coalesce(memberships.subject_key, signals.subject_key) as placed_subject,
        memberships.episode_start_at,
        coalesce(memberships.decision_kind, 'single') as placed_kind
    from signals
    left join memberships
        on
            signals.signal_id = memberships.signal_id
            and (signals.decision_kind != 'single' or memberships.is_settled)

),

numbered as (

    select
        *,
        row_number() over (
            partition by decision_id order by sku_id, location_id, decision_type, subject_key, signal_id
        ) as line_no
    from placed

),

grouped as (

    select
        decision_id,
        any_value(placed_type) as decision_type,
        any_value(placed_subject) as subject_key,
        any_value(placed_kind) as decision_kind,
        case when count(distinct sku_id) = 1 and count(sku_id) = count(*) then min(sku_id) end as sku_id,
        case when count(distinct location_id) = 1 and count(location_id) = count(*) then min(location_id) end
            as location_id,
        case when count(distinct supplier_id) = 1 and count(supplier_id) = count(*) then min(supplier_id) end
            as supplier_id,
        case when count(distinct constraint_id) = 1 and count(constraint_id) = count(*) then min(constraint_id) end
            as constraint_id,
        sum(recommended_qty) as recommended_qty,
        min(due_by) as due_by,
        min(owner_id) as owner_id,
        min(escalation_owner_id) as escalation_owner_id,
        round(sum(priority_score), 2) as priority_score,
        round(sum(value_at_stake), 2) as value_at_stake,
        min(signal_at) as signal_at,
        max(as_of_date) as as_of_date,
        count(*) as line_count,
        count(distinct supplier_id) as supplier_count,
        string_agg(distinct decision_type, ', ' order by decision_type) as line_types,
        any_value(materiality_floor) as materiality_floor,
        any_value(cycle_days) as cycle_days,
        any_value(episode_start_at) as episode_start_at,
        arg_max(reason, priority_score) as top_line_reason,
        any_value(reason) filter (where line_no = 1) as only_reason,
        any_value(inputs) filter (where line_no = 1) as only_inputs,
        md5(string_agg(signal_id, ',' order by signal_id)) as membership_hash,
        list(
            struct_pack(
                line_no := line_no,
                signal_id := signal_id,
                signal_type := decision_type,
                subject_key := subject_key,
                sku_id := sku_id,
                location_id := location_id,
                supplier_id := supplier_id,
                constraint_id := constraint_id,
                qty := recommended_qty,
                value := value_at_stake,
                priority_score := priority_score,
                due_by := due_by,
                signal_at := signal_at
            )
            order by line_no
        ) as lines
    from numbered
    group by decision_id

),

described as (

    select
        grouped.*,
        case
            when grouped.decision_kind = 'single' then grouped.only_reason
            when grouped.decision_kind = 'proposal'
                then printf(
                    'Purchase proposal to %s%s: order %d lines, %g units worth %.2f in all (order cycle from %s). '
                    || 'Most urgent line: %s',
                    grouped.supplier_id,
                    coalesce(' for ' || grouped.location_id, ''),
                    grouped.line_count,
                    grouped.recommended_qty,
                    grouped.value_at_stake,
                    strftime(grouped.episode_start_at, '%Y-%m-%d'), grouped.top_line_reason
                )
            when grouped.decision_type = 'purchase_proposal'
                then printf(
                    'Small purchase orders of %s: %d lines to %d suppliers worth %.2f in all, each proposal below the '
                    || 'materiality floor of %.2f; approve them as one (cycle from %s). Most urgent line: %s',
                    grouped.owner_id,
                    grouped.line_count,
                    grouped.supplier_count,
                    grouped.value_at_stake,
                    grouped.materiality_floor,
                    strftime(grouped.episode_start_at, '%Y-%m-%d'), grouped.top_line_reason
                )
            else printf(
                'Batch of %d small %s decisions of %s worth %.2f in all, each below the materiality floor of %.2f; '
                || 'act on them as one (cycle from %s). Most urgent: %s',
                grouped.line_count,
                replace(grouped.decision_type, '_', ' '),
                grouped.owner_id,
                grouped.value_at_stake,
                grouped.materiality_floor,
                strftime(grouped.episode_start_at, '%Y-%m-%d'), grouped.top_line_reason
            )
        end as reason,
        case
            when grouped.decision_kind = 'single' then grouped.only_inputs
            else json_object(
                'decision_kind', grouped.decision_kind,
                'line_count', grouped.line_count,
                'line_types', grouped.line_types,
                'supplier_count', grouped.supplier_count,
                'materiality_floor', grouped.materiality_floor,
                'cycle_days', grouped.cycle_days,
                'episode_start_at', grouped.episode_start_at,
                'membership_hash', grouped.membership_hash
            )
        end as inputs,
        case
            when grouped.priority_score >= {{ var('priority_high_min_score') }} then 'high'
            when grouped.priority_score >= {{ var('priority_medium_min_score') }} then 'medium'
            else 'low'
        end as priority
    from grouped

),

final as (

    select
        decision_id,
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
        priority,
        value_at_stake,
        reason,
        inputs,
        signal_at,
        as_of_date,
        priority_score,
        decision_kind,
        line_count,
        membership_hash,
        lines
    from described

)

select * from final
