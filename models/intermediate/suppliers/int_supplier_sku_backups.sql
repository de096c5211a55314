{#-
    Backup supplier per supplier × sku: the next supplier of the SKU in priority order (int_sku_sourcing
    supplier_rank) that is itself reliable (supplier-level is_reliable; a supplier without delivered or overdue
    lines is reliable). When no reliable supplier ranks after it, the best-ranked reliable supplier before it.
    Pairs come from the sourcing catalogue and from PO lines (a pair off-catalogue has no rank and any reliable
    catalogue supplier of the SKU can back it up).
-#}
with

sourcing as (

    select * from {{ ref('int_sku_sourcing') }}

),

stats as (

    select * from {{ ref('int_supplier_delivery_stats') }}

),

supplier_verdicts as (

    select
        supplier_id,
        is_reliable
    from stats
    where grain = 'supplier'

),

pairs as (

    select
        supplier_id,
        sku_id
    from sourcing
    union
    select
        supplier_id,
        sku_id
    from stats
    where grain = 'supplier_sku'

),

ranked_pairs as (

    select
        pairs.supplier_id,
        pairs.sku_id,
        sourcing.supplier_rank
    from pairs
    left join sourcing on pairs.supplier_id = sourcing.supplier_id and pairs.sku_id = sourcing.sku_id

),

candidates as (

    select
        ranked_pairs.supplier_id,
        ranked_pairs.sku_id,
        alternative.supplier_id as candidate_supplier_id,
        alternative.supplier_rank as candidate_rank,
        alternative.supplier_rank < coalesce(ranked_pairs.supplier_rank, 0) as ranks_before
    from ranked_pairs
    inner join sourcing as alternative
        on
            ranked_pairs.sku_id = alternative.sku_id
            and ranked_pairs.supplier_id != alternative.supplier_id
    left join supplier_verdicts on alternative.supplier_id = supplier_verdicts.supplier_id
    where coalesce(supplier_verdicts.is_reliable, true)

),

chosen as (

    select
        supplier_id,
        sku_id,
        arg_min(candidate_supplier_id, (ranks_before, candidate_rank, candidate_supplier_id)) as backup_supplier_id,
        arg_min(candidate_rank, (ranks_before, candidate_rank, candidate_supplier_id)) as backup_supplier_rank
    from candidates
    group by supplier_id, sku_id

)

select
    ranked_pairs.supplier_id,
    ranked_pairs.sku_id,
    ranked_pairs.supplier_rank,
    chosen.backup_supplier_id,
    chosen.backup_supplier_rank
from ranked_pairs
left join chosen on ranked_pairs.supplier_id = chosen.supplier_id and ranked_pairs.sku_id = chosen.sku_id
