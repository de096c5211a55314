{#-
    FIFO layers still on hand at the end of the as-of date, each dated by its original receipt.

    Set-based FIFO, a few window passes over the ledger:
      * Every inflow (quantity > 0: receipt, return, positive adjustment, transfer_in) is a layer at its
        sku × location. In arrival order (occurred_at, txn_id) it owns the slice (cum_before, cum_after]
        of the location's cumulative inflow.
      * Outflows (quantity < 0) consume that axis from the start: with O = total outflow, a layer keeps
        (max(cum_before, O), cum_after]. A transfer_out owns (out_before, out_after] of the cumulative
        outflow (one more window pass, only at sku × locations that send transfers); the inflow slices
        it overlaps are the pieces it carried away (two ASOF joins find the first and last inflow rank,
        the ranks between are joined by equality: never an inflow × outflow product).
      * A transfer (sku × reference_id) lays its transfer_out pieces end to end ("stream"); its
        transfer_in legs take the stream in order, capped at what was sent. The carried part of a
        transfer_in maps back onto the sender's pieces, so it keeps their original receipt dates; the
        rest (unpaired, or more received than sent) is dated by the transfer_in itself.
      * Multi-hop (DC → DC → store): a recursive CTE follows carried parts back hop by hop, bounded by
        var aging_max_transfer_hops (default 10; guards against cyclic or corrupt pairings).
    Convention: consumption order is arrival at the location, age is from the original receipt date
    (see the yml for why not order by original date).
-#}
{%- set max_hops = var('aging_max_transfer_hops') -%}
with recursive

transactions as (

    select * from {{ ref('stg_landing__inventory_transactions') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

ledger as (

    select
        transactions.txn_id,
        transactions.sku_id,
        transactions.location_id,
        transactions.txn_type,
        transactions.reference_id,
        transactions.occurred_at,
        cast(transactions.quantity as decimal(18, 6)) as quantity
    from transactions
    inner join context on transactions.occurred_at < context.as_of_end_at
    where transactions.quantity != 0

),

inflows as (

    select
        txn_id,
        sku_id,
        location_id,
        txn_type,
        reference_id,
        occurred_at,
        quantity as inflow_qty,
        row_number() over (
            partition by sku_id, location_id order by occurred_at asc, txn_id asc
        ) as arrival_rank,
        count(*) over (partition by sku_id, location_id) as location_inflow_count,
        sum(quantity) over (
            partition by sku_id, location_id order by occurred_at asc, txn_id asc
            rows between unbounded preceding and current row
        ) as cum_after
    from ledger
    where quantity > 0

),

outflow_totals as (

    select
        sku_id,
        location_id,
        -sum(quantity) as outflow_qty
    from ledger
    where quantity < 0
    group by sku_id, location_id

),

sending_locations as (

    select distinct
        sku_id,
        location_id
    from ledger
    where txn_type = 'transfer_out' and reference_id is not null

),

-- Cumulative outflow is only needed where stock is sent on (one sort of those outflows, not all).
sending_outflows as (

    select
        ledger.txn_id,
        ledger.sku_id,
        ledger.location_id,
        ledger.txn_type,
        ledger.reference_id,
        ledger.occurred_at,
        -ledger.quantity as outflow_qty,
        sum(-ledger.quantity) over (
            partition by ledger.sku_id, ledger.location_id order by ledger.occurred_at asc, ledger.txn_id asc
            rows between unbounded preceding and current row
        ) as out_after
    from ledger
    inner join sending_locations
        on ledger.sku_id = sending_locations.sku_id and ledger.location_id = sending_locations.location_id
    where ledger.quantity < 0

),

transfer_outs as (

    select
        txn_id,
        sku_id,
        location_id,
        reference_id,
        occurred_at,
        out_after - outflow_qty as out_before,
        out_after
    from sending_outflows
    where txn_type = 'transfer_out' and reference_id is not null

),

sending_inflows as (

    select inflows.*
    from inflows
    inner join sending_locations
        on inflows.sku_id = sending_locations.sku_id and inflows.location_id = sending_locations.location_id

),

transfer_out_spans as (

    select
        transfer_outs.txn_id,
        transfer_outs.sku_id,
        transfer_outs.location_id,
        transfer_outs.reference_id,
        transfer_outs.occurred_at,
        transfer_outs.out_before,
        transfer_outs.out_after,
        first_inflow.arrival_rank as first_rank,
        coalesce(last_inflow.arrival_rank, first_inflow.location_inflow_count) as last_rank
    from transfer_outs
    asof inner join sending_inflows as first_inflow
        on
            transfer_outs.sku_id = first_inflow.sku_id
            and transfer_outs.location_id = first_inflow.location_id
            and transfer_outs.out_before < first_inflow.cum_after
    asof left join sending_inflows as last_inflow
        on
            transfer_outs.sku_id = last_inflow.sku_id
            and transfer_outs.location_id = last_inflow.location_id
            and transfer_outs.out_after <= last_inflow.cum_after

),

transfer_out_ranks as (

    select
        txn_id,
        sku_id,
        location_id,
        reference_id,
        occurred_at,
        out_before,
        out_after,
        unnest(generate_series(first_rank, last_rank)) as arrival_rank
    from transfer_out_spans

),

transfer_out_pieces as (

    select
        ranks.sku_id,
        ranks.reference_id,
        ranks.txn_id as transfer_out_txn_id,
        ranks.occurred_at as sent_at,
        inflows.txn_id as source_txn_id,
        greatest(inflows.cum_after - inflows.inflow_qty, ranks.out_before) as source_lo,
        least(inflows.cum_after, ranks.out_after) as source_hi
    from transfer_out_ranks as ranks
    inner join sending_inflows as inflows
        on
            ranks.sku_id = inflows.sku_id
            and ranks.location_id = inflows.location_id
            and ranks.arrival_rank = inflows.arrival_rank

),

transfer_stream as (

    select
        sku_id,
        reference_id,
        source_txn_id,
        source_lo,
        source_hi,
        sum(source_hi - source_lo) over (
            partition by sku_id, reference_id
            order by sent_at asc, transfer_out_txn_id asc, source_lo asc
            rows between unbounded preceding and current row
        ) as stream_after
    from transfer_out_pieces

),

transfer_totals as (

    select
        sku_id,
        reference_id,
        max(stream_after) as sent_qty
    from transfer_stream
    group by sku_id, reference_id

),

transfer_ins as (

    select
        txn_id,
        sku_id,
        reference_id,
        sum(inflow_qty) over (
            partition by sku_id, reference_id order by occurred_at asc, txn_id asc
            rows between unbounded preceding and current row
        ) - inflow_qty as stream_before
    from inflows
    where txn_type = 'transfer_in' and reference_id is not null

),

layer_sources as (

    select
        inflows.txn_id,
        inflows.sku_id,
        inflows.location_id,
        inflows.txn_type,
        inflows.occurred_at,
        inflows.inflow_qty,
        inflows.cum_after - inflows.inflow_qty as cum_before,
        inflows.cum_after,
        least(
            greatest(coalesce(totals.sent_qty - ins.stream_before, 0), 0), inflows.inflow_qty
        ) as carried_qty,
        ins.stream_before - (inflows.cum_after - inflows.inflow_qty) as stream_offset,
        ins.reference_id as transfer_reference_id
    from inflows
    left join transfer_ins as ins on inflows.txn_id = ins.txn_id
    left join transfer_totals as totals
        on ins.sku_id = totals.sku_id and ins.reference_id = totals.reference_id

),

stream_pieces as (

    select
        stream.sku_id,
        stream.reference_id,
        stream.stream_after - (stream.source_hi - stream.source_lo) as stream_before,
        stream.stream_after,
        stream.stream_after - stream.source_hi as source_offset,
        stream.source_txn_id,
        sources.cum_before + sources.carried_qty as source_carried_until,
        sources.stream_offset as source_stream_offset,
        sources.transfer_reference_id as source_reference_id
    from transfer_stream as stream
    inner join layer_sources as sources on stream.source_txn_id = sources.txn_id

),

remaining as (

    select
        sources.sku_id,
        sources.location_id,
        sources.txn_id as arrival_txn_id,
        sources.txn_id as source_txn_id,
        greatest(sources.cum_before, coalesce(totals.outflow_qty, 0)) as lo,
        sources.cum_after as hi,
        sources.cum_before + sources.carried_qty as carried_until,
        sources.stream_offset,
        sources.transfer_reference_id as reference_id,
        0 as transfer_hops
    from layer_sources as sources
    left join outflow_totals as totals
        on sources.sku_id = totals.sku_id and sources.location_id = totals.location_id
    where sources.cum_after > coalesce(totals.outflow_qty, 0)

),

layer_trace as (

    select * from remaining

    union all

    select
        layer_trace.sku_id,
        layer_trace.location_id,
        layer_trace.arrival_txn_id,
        pieces.source_txn_id,
        greatest(layer_trace.lo + layer_trace.stream_offset, pieces.stream_before)
        - pieces.source_offset as lo,
        least(least(layer_trace.hi, layer_trace.carried_until) + layer_trace.stream_offset, pieces.stream_after)
        - pieces.source_offset as hi,
        pieces.source_carried_until as carried_until,
        pieces.source_stream_offset as stream_offset,
        pieces.source_reference_id as reference_id,
        layer_trace.transfer_hops + 1 as transfer_hops
    from layer_trace
    inner join stream_pieces as pieces
        on
            layer_trace.sku_id = pieces.sku_id
            and layer_trace.reference_id = pieces.reference_id
            and pieces.stream_before < least(layer_trace.hi, layer_trace.carried_until) + layer_trace.stream_offset
            and pieces.stream_after > layer_trace.lo + layer_trace.stream_offset
    where
        layer_trace.lo < layer_trace.carried_until
        and layer_trace.transfer_hops < {{ max_hops }}

),

dated_pieces as (

    select
        sku_id,
        location_id,
        arrival_txn_id,
        source_txn_id as origin_txn_id,
        transfer_hops,
        false as is_hop_limited,
        hi - greatest(lo, carried_until) as qty
    from layer_trace
    where hi > carried_until

    union all

    select
        sku_id,
        location_id,
        arrival_txn_id,
        source_txn_id as origin_txn_id,
        transfer_hops,
        true as is_hop_limited,
        least(hi, carried_until) - lo as qty
    from layer_trace
    where lo < carried_until and transfer_hops = {{ max_hops }}

),

layers as (

    select
        pieces.sku_id,
        pieces.location_id,
        pieces.arrival_txn_id,
        any_value(arrival.txn_type) as arrival_txn_type,
        any_value(arrival.occurred_at) as arrived_at,
        pieces.origin_txn_id,
        any_value(origin.txn_type) as origin_txn_type,
        any_value(origin.location_id) as origin_location_id,
        any_value(origin.occurred_at) as original_received_at,
        case
            when pieces.is_hop_limited then 'hop_limit'
            when any_value(origin.txn_type) = 'transfer_in' then 'unmatched_transfer_in'
            else 'original'
        end as receipt_date_basis,
        max(pieces.transfer_hops) as transfer_hops,
        sum(pieces.qty) as qty
    from dated_pieces as pieces
    inner join layer_sources as arrival on pieces.arrival_txn_id = arrival.txn_id
    inner join layer_sources as origin on pieces.origin_txn_id = origin.txn_id
    group by pieces.sku_id, pieces.location_id, pieces.arrival_txn_id, pieces.origin_txn_id, pieces.is_hop_limited

),

final as (

    select
        layers.sku_id,
        layers.location_id,
        context.as_of_date,
        layers.arrival_txn_id,
        layers.arrival_txn_type,
        layers.arrived_at,
        layers.origin_txn_id,
        layers.origin_txn_type,
        layers.origin_location_id,
        layers.original_received_at,
        cast(layers.original_received_at as date) as original_receipt_date,
        layers.receipt_date_basis,
        cast(layers.transfer_hops as integer) as transfer_hops,
        cast(layers.qty as double) as qty,
        context.as_of_date - cast(layers.original_received_at as date) as age_days
    from layers
    cross join context

)

select * from final
